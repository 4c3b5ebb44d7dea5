package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/snapshot"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// recordTables are where RunOne records every model's figures, partitioned
// by (as_of, model).
var recordTables = []string{"model_metrics", "model_params"}

// ModelDate is one model's output for one as_of.
type ModelDate struct {
	Model string `json:"model"`
	// Exists is true when one of the model's tables has rows for the as_of.
	Exists bool   `json:"exists"`
	Rows   uint64 `json:"rows"`
	// RunIDs are the runs whose rows (output, metrics or params) are there
	// for the as_of; more than one means a torn output.
	RunIDs []string `json:"run_ids"`
	// Recorded is true when model_metrics holds the model's figures.
	Recorded bool `json:"recorded"`
}

// DateOutputs is every registered model's output for one as_of.
type DateOutputs struct {
	AsOf string `json:"as_of"`
	// Published is true when the as_of has a complete snapshot, the only
	// state in which _latest views, the report and exports use it.
	Published bool        `json:"published"`
	Models    []ModelDate `json:"models"`
}

// Dates lists every as_of present in a registered model's output table or
// in model_metrics or model_params, oldest first, with each model's output
// for it. A table that does not exist counts as empty.
func Dates(ctx context.Context, conn warehouse.Conn, reg *Registry) ([]DateOutputs, error) {
	type key struct{ asOf, model string }
	got := map[key]*ModelDate{}
	days := map[string]bool{}
	at := func(asOf, model string) *ModelDate {
		days[asOf] = true
		k := key{asOf, model}
		if got[k] == nil {
			got[k] = &ModelDate{Model: model}
		}
		return got[k]
	}
	addRun := func(md *ModelDate, runID string) {
		if !slices.Contains(md.RunIDs, runID) {
			md.RunIDs = append(md.RunIDs, runID)
		}
	}
	names := reg.Names()
	for _, name := range names {
		m, _ := reg.Get(name)
		for _, table := range OutputTables(m) {
			err := scanRows(ctx, conn, "SELECT toString(as_of), run_id, count() FROM "+warehouse.QuoteIdent(table)+" GROUP BY as_of, run_id", func(r warehouse.Rows) error {
				var asOf, runID string
				var n uint64
				if err := r.Scan(&asOf, &runID, &n); err != nil {
					return err
				}
				md := at(asOf, name)
				md.Rows += n
				md.Exists = md.Rows > 0
				addRun(md, runID)
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("list dates of %s: %w", table, err)
			}
		}
	}
	for _, table := range recordTables {
		err := scanRows(ctx, conn, "SELECT toString(as_of), model, run_id FROM "+table+" GROUP BY as_of, model, run_id", func(r warehouse.Rows) error {
			var asOf, model, runID string
			if err := r.Scan(&asOf, &model, &runID); err != nil {
				return err
			}
			if !slices.Contains(names, model) {
				days[asOf] = true // a model no longer registered still dates the as_of
				return nil
			}
			md := at(asOf, model)
			md.Recorded = md.Recorded || table == "model_metrics"
			addRun(md, runID)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list dates of %s: %w", table, err)
		}
	}
	published := map[string]bool{}
	snaps, err := snapshot.Dates(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("list dates: %w", err)
	}
	for _, d := range snaps {
		published[d.Format(asof.Layout)] = true
	}
	out := make([]DateOutputs, 0, len(days))
	for d := range days {
		do := DateOutputs{AsOf: d, Published: published[d]}
		for _, name := range names {
			md := ModelDate{Model: name, RunIDs: []string{}}
			if g := got[key{d, name}]; g != nil {
				md = *g
				sort.Strings(md.RunIDs)
			}
			do.Models = append(do.Models, md)
		}
		out = append(out, do)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AsOf < out[j].AsOf })
	return out, nil
}

// Dropped is one table's rows removed by Drop.
type Dropped struct {
	Table string
	Model string
	Rows  uint64
}

// Drop removes asOf's outputs of the named models (every registered model
// when names is empty): it first withdraws asOf's snapshot (the date is
// no longer published), then drops the as_of partition of each of their
// output tables (on every shard in cluster mode) and their rows in
// model_metrics, model_params and model_runs (with no names, also those of
// models no longer registered). It returns what it removed, tables without rows for asOf
// included, and is idempotent. A run writing asOf at the same time may
// publish again after it.
func Drop(ctx context.Context, conn warehouse.Conn, reg *Registry, asOf time.Time, names []string) ([]Dropped, error) {
	all := len(names) == 0
	if all {
		names = reg.Names()
	}
	day := asOf.Format(asof.Layout)
	for _, name := range names {
		if _, ok := reg.Get(name); !ok {
			return nil, fmt.Errorf("drop %s: model %s: %w (have %v)", day, name, ErrUnknown, reg.Names())
		}
	}
	// The date stops being published before any of its outputs goes, so
	// no reader sees a snapshot with a model missing.
	if _, err := snapshot.Withdraw(ctx, conn, asOf); err != nil {
		return nil, fmt.Errorf("drop %s: %w", day, err)
	}
	var out []Dropped
	for _, name := range names {
		m, _ := reg.Get(name)
		for _, table := range OutputTables(m) {
			n, err := query.Count(ctx, conn, warehouse.QuoteIdent(table), fmt.Sprintf("as_of = '%s'", day))
			if err != nil {
				return out, fmt.Errorf("drop %s of %s: %w", day, table, err)
			}
			if err := query.DropPartition(ctx, conn, table, "'"+day+"'"); err != nil {
				return out, fmt.Errorf("drop %s of %s: %w", day, table, err)
			}
			out = append(out, Dropped{Table: table, Model: name, Rows: n})
		}
	}
	// model_runs goes too, so a dependency check no longer finds a run
	// whose output is gone.
	for _, table := range append(append([]string(nil), recordTables...), "model_runs") {
		models := names
		if all {
			models = nil
			err := scanRows(ctx, conn, "SELECT DISTINCT model FROM "+table+" WHERE as_of = toDate(?) ORDER BY model", func(r warehouse.Rows) error {
				var model string
				if err := r.Scan(&model); err != nil {
					return err
				}
				models = append(models, model)
				return nil
			}, day)
			if err != nil {
				return out, fmt.Errorf("drop %s of %s: %w", day, table, err)
			}
		}
		for _, model := range models {
			part, where := modelPartition(day, model)
			n, err := query.Count(ctx, conn, table, where)
			if err != nil {
				return out, fmt.Errorf("drop %s of %s: %w", day, table, err)
			}
			if n == 0 {
				continue
			}
			if err := query.DropPartition(ctx, conn, table, part); err != nil {
				return out, fmt.Errorf("drop %s of %s for %s: %w", day, table, model, err)
			}
			out = append(out, Dropped{Table: table, Model: model, Rows: n})
		}
	}
	return out, nil
}

// scanRows runs query and calls fn for each row. A table that does not
// exist (a model without a migration yet) has no rows.
func scanRows(ctx context.Context, conn warehouse.Conn, query string, fn func(warehouse.Rows) error, args ...any) error {
	rows, err := conn.Query(ctx, query, args...)
	var ex *clickhouse.Exception
	if errors.As(err, &ex) && ex.Code == codeUnknownTable {
		return nil
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// codeUnknownTable is ClickHouse's UNKNOWN_TABLE.
const codeUnknownTable = 60
