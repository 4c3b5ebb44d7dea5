package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// ChecksJobName is the name of the checks job in the graph; models depend
// on it so they do not run on data that failed a check.
const ChecksJobName = "checks"

// Severity says what a failing check does: warn records it, fail also
// fails the checks job (so models depending on it are skipped), off does
// not run it.
type Severity string

// The severities.
const (
	SeverityWarn Severity = "warn"
	SeverityFail Severity = "fail"
	SeverityOff  Severity = "off"
)

// CheckStatus is the outcome of one check.
type CheckStatus string

// The check outcomes.
const (
	CheckPass CheckStatus = "pass"
	CheckWarn CheckStatus = "warn"
	CheckFail CheckStatus = "fail"
)

// CheckResult is one check's outcome, recorded with the run as JSON.
type CheckResult struct {
	Name     string      `json:"name"`
	Status   CheckStatus `json:"status"`
	Severity Severity    `json:"severity"`
	// Failing is the number of offending rows (data tests).
	Failing uint64 `json:"failing"`
	// Detail says what was measured, e.g. the newest order's age.
	Detail string `json:"detail,omitempty"`
}

// DataTests are the dbt-style data tests and their default severities.
// Each has its query in sql/jobs/check_NAME.sql returning the number of
// failing rows.
var DataTests = []struct {
	Name     string
	Severity Severity
}{
	{"members_member_id_unique", SeverityFail},
	{"members_member_id_not_null", SeverityFail},
	{"orders_order_id_unique", SeverityFail},
	{"orders_order_id_not_null", SeverityFail},
	{"orders_member_id_not_null", SeverityFail},
	{"events_event_id_unique", SeverityFail},
	{"events_member_id_not_null", SeverityFail},
	{"orders_status_accepted", SeverityFail},
	{"events_event_type_accepted", SeverityWarn},
	{"orders_unknown_member", SeverityWarn},
	{"order_items_unknown_order", SeverityWarn},
}

// FreshnessCheckName names the freshness check in results and overrides.
const FreshnessCheckName = "orders_freshness"

// ChecksOptions configure the checks job.
type ChecksOptions struct {
	// Location is the business time zone: as_of's day ends at midnight there.
	Location *time.Location
	// MaxAge is the oldest the newest order may be at the end of the as_of
	// day; 0 disables the freshness check.
	MaxAge time.Duration
	// FreshnessSeverity is warn or fail (default warn).
	FreshnessSeverity Severity
	// Severity overrides the default severity of data tests by name.
	Severity map[string]Severity
}

// Checks is the job that runs the freshness check and the data tests
// before the models. It fails (permanently) when a check at fail severity
// fails; warnings are recorded with the run.
type Checks struct {
	wh    Warehouse
	opt   ChecksOptions
	tests []checkQuery
	fresh string
}

type checkQuery struct {
	name     string
	severity Severity
	sql      string
}

// NewChecks returns the checks job; it reads the embedded queries and
// refuses unknown names in opt.Severity.
func NewChecks(wh Warehouse, opt ChecksOptions) (*Checks, error) {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.FreshnessSeverity == "" {
		opt.FreshnessSeverity = SeverityWarn
	}
	c := &Checks{wh: wh, opt: opt}
	known := map[string]bool{FreshnessCheckName: true}
	for _, t := range DataTests {
		known[t.Name] = true
		q, err := sql.Jobs("check_" + t.Name)
		if err != nil {
			return nil, err
		}
		sev := t.Severity
		if s, ok := opt.Severity[t.Name]; ok {
			sev = s
		}
		c.tests = append(c.tests, checkQuery{name: t.Name, severity: sev, sql: q})
	}
	for name := range opt.Severity {
		if !known[name] {
			return nil, fmt.Errorf("new checks: unknown check %q", name)
		}
	}
	q, err := sql.Jobs("freshness")
	if err != nil {
		return nil, err
	}
	c.fresh = q
	return c, nil
}

// Name implements Job.
func (c *Checks) Name() string { return ChecksJobName }

// Run implements Job: it runs every check, records them all in Stats.Checks
// and returns an error wrapping ErrChecksFailed when one at fail severity
// failed. Query errors are returned as they are (a lost connection is
// retried).
func (c *Checks) Run(ctx context.Context, asOf time.Time) (Stats, error) {
	ctx = warehouse.WithQueryName(ctx, "checks")
	var st Stats
	if c.opt.MaxAge > 0 {
		res, n, err := c.freshness(ctx, asOf)
		if err != nil {
			return st, err
		}
		st.RowsIn += n
		st.Checks = append(st.Checks, res)
	}
	for _, t := range c.tests {
		if t.severity == SeverityOff {
			continue
		}
		var n uint64
		if err := c.scalar(ctx, t.sql, &n); err != nil {
			return st, fmt.Errorf("check %s: %w", t.name, err)
		}
		res := CheckResult{Name: t.name, Severity: t.severity, Failing: n, Status: CheckPass}
		if n > 0 {
			res.Status = outcome(t.severity)
			res.Detail = fmt.Sprintf("%d failing rows", n)
		}
		st.Checks = append(st.Checks, res)
	}
	var failed []string
	for _, r := range st.Checks {
		if r.Status == CheckFail {
			failed = append(failed, r.Name)
		}
	}
	st.RowsOut = uint64(len(st.Checks))
	if len(failed) > 0 {
		return st, Permanent(fmt.Errorf("%w: %s", ErrChecksFailed, strings.Join(failed, ", ")))
	}
	return st, nil
}

func outcome(s Severity) CheckStatus {
	if s == SeverityFail {
		return CheckFail
	}
	return CheckWarn
}

// EndOfDay is when the business day asOf ends, in UTC.
func EndOfDay(asOf time.Time, loc *time.Location) time.Time {
	y, m, d := asOf.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc).UTC()
}

func (c *Checks) freshness(ctx context.Context, asOf time.Time) (CheckResult, uint64, error) {
	until := EndOfDay(asOf, c.opt.Location)
	rows, err := c.wh.Query(ctx, c.fresh, clickhouse.Named("until", until.Format("2006-01-02 15:04:05")))
	if err != nil {
		return CheckResult{}, 0, fmt.Errorf("check %s: %w", FreshnessCheckName, err)
	}
	defer rows.Close()
	var (
		n      uint64
		newest time.Time
	)
	if !rows.Next() {
		return CheckResult{}, 0, fmt.Errorf("check %s: no result row", FreshnessCheckName)
	}
	if err := rows.Scan(&n, &newest); err != nil {
		return CheckResult{}, 0, fmt.Errorf("check %s: %w", FreshnessCheckName, err)
	}
	res := CheckResult{Name: FreshnessCheckName, Severity: c.opt.FreshnessSeverity, Status: CheckPass}
	if n == 0 {
		res.Status, res.Detail = outcome(c.opt.FreshnessSeverity), "no orders up to the end of "+asOf.Format(asof.Layout)
		return res, 0, rows.Err()
	}
	age := until.Sub(newest)
	res.Detail = fmt.Sprintf("newest order %s, %s before the end of %s (limit %s)",
		newest.UTC().Format(time.RFC3339), age.Round(time.Second), asOf.Format(asof.Layout), c.opt.MaxAge)
	if age > c.opt.MaxAge {
		res.Status = outcome(c.opt.FreshnessSeverity)
	}
	return res, n, rows.Err()
}

func (c *Checks) scalar(ctx context.Context, q string, dst *uint64) error {
	rows, err := c.wh.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errors.New("no result row")
	}
	if err := rows.Scan(dst); err != nil {
		return err
	}
	return rows.Err()
}
