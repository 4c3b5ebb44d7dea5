package campaigns

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models/engagement"
	"github.com/memberlytics/memberlytics/models/tiers"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/report"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func TestParamsValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, tt := range []struct {
		edit func(*Params)
		want string
	}{
		{func(p *Params) { p.WindowDays = 0 }, "models.campaigns.window_days: must be 1-3650, got 0"},
		{func(p *Params) { p.BootstrapReps = 99 }, "models.campaigns.bootstrap_reps: must be at least 100, got 99"},
		{func(p *Params) { p.MatchedRatio = 0 }, "models.campaigns.matched_ratio: must be above 0, got 0"},
		{func(p *Params) { p.LayerDays = 0 }, "models.campaigns.layer_days: must be 1-3650, got 0"},
		{func(p *Params) { p.DefaultTreatmentShare = 1 }, "models.campaigns.default_treatment_share: must be between 0 and 1 (exclusive), got 1"},
		{func(p *Params) { p.TreatmentShares = map[string]float64{"C1": 0.9, "C0": 0} }, "models.campaigns.treatment_shares.C0: must be between 0 and 1 (exclusive), got 0"},
	} {
		p := DefaultParams()
		tt.edit(&p)
		if _, err := New(p); err == nil || err.Error() != tt.want {
			t.Errorf("err = %v, want %q", err, tt.want)
		}
	}
}

// TestFromConfig decodes models.campaigns over the defaults and refuses
// an unknown key and a bad value, naming the key.
func TestFromConfig(t *testing.T) {
	decode := func(src string) (*Campaigns, error) {
		var doc struct {
			Campaigns config.Params `yaml:"campaigns"`
		}
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		return FromConfig(doc.Campaigns)
	}
	m, err := decode("campaigns:\n  window_days: 14\n  treatment_shares: {C1: 0.9}\n")
	if err != nil {
		t.Fatal(err)
	}
	if m.p.WindowDays != 14 || m.p.share("C1") != 0.9 || m.p.share("C7") != 0.5 || m.p.BootstrapReps != 1000 {
		t.Errorf("decoded %+v", m.p)
	}
	if m, err := decode("other: 1\n"); err != nil || m.p.WindowDays != 30 {
		t.Errorf("absent section: %v, %v; want the defaults", m, err)
	}
	if _, err := decode("campaigns:\n  window_dayz: 14\n"); err == nil || !strings.Contains(err.Error(), "window_dayz") {
		t.Errorf("unknown key: err = %v", err)
	}
	if _, err := decode("campaigns:\n  default_treatment_share: 2\n"); err == nil || !strings.Contains(err.Error(), "models.campaigns.default_treatment_share") {
		t.Errorf("bad share: err = %v", err)
	}
}

// TestRunNeedsTiersRun: Run outside RunOne (no tiers run given) fails
// with a clear error before touching the warehouse.
func TestRunNeedsTiersRun(t *testing.T) {
	m, _ := New(DefaultParams())
	_, err := m.Run(context.Background(), models.Env{}, time.Now())
	if err == nil || !strings.Contains(err.Error(), "no run of dependency tiers") {
		t.Errorf("err = %v", err)
	}
}

// genMembers sizes the generated population of the integration tests.
const genMembers = 40_000

var (
	genOnce  sync.Once
	genDir   string
	genTruth datagen.Truth
	genErr   error
)

// generated writes one generator dataset per test binary (default
// options: two years to 2026-01-01; campaigns C0 without effect and C1).
func generated(t *testing.T) (string, datagen.Truth) {
	t.Helper()
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "memberlytics-campaigns-")
		if genErr != nil {
			return
		}
		o := datagen.DefaultOptions()
		o.Members = genMembers
		o.OutDir = genDir
		if _, genErr = datagen.Generate(context.Background(), o); genErr != nil {
			return
		}
		b, err := os.ReadFile(filepath.Join(genDir, datagen.TruthFile))
		if err != nil {
			genErr = err
			return
		}
		genErr = json.Unmarshal(b, &genTruth)
	})
	if genErr != nil {
		t.Fatalf("generate test data: %v", genErr)
	}
	return genDir, genTruth
}

// loadCampaigns loads campaigns.csv into campaign_members.
func loadCampaigns(ctx context.Context, conn warehouse.Conn, dir string) error {
	f, err := os.Open(filepath.Join(dir, "campaigns.csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil {
		return err
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO campaign_members (campaign_id, member_id, `group`, assigned_at, variant, channel, segment, cost, updated_at, file_id, loaded_at)")
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = b.Abort()
			return err
		}
		at, err := time.Parse(time.RFC3339, rec[3])
		if err != nil {
			_ = b.Abort()
			return err
		}
		cost, err := decimal.NewFromString(rec[7])
		if err != nil {
			_ = b.Abort()
			return err
		}
		if err := b.Append(rec[0], rec[1], rec[2], at, rec[4], rec[5], rec[6], cost, at, "test", now); err != nil {
			_ = b.Abort()
			return err
		}
	}
	return b.Send()
}

// addTestCampaigns adds, from the generated ones: C9, C1's treatment
// members alone (no control: pre_post); CS, C0 with two thirds of its
// control lost (a sample ratio mismatch against 90/10); and a
// campaign_open event carrying C1's id for every C1 treatment member an
// hour after assignment (reached).
func addTestCampaigns(ctx context.Context, conn warehouse.Conn) error {
	const cols = "campaign_id, member_id, `group`, assigned_at, variant, channel, segment, cost, updated_at, file_id, loaded_at"
	for _, q := range []string{
		"INSERT INTO campaign_members (" + cols + ") SELECT 'C9', member_id, `group`, assigned_at, variant, channel, segment, cost, updated_at, file_id, loaded_at FROM campaign_members WHERE campaign_id = 'C1' AND `group` = 'treatment'",
		"INSERT INTO campaign_members (" + cols + ") SELECT 'CS', member_id, `group`, assigned_at, variant, channel, segment, cost, updated_at, file_id, loaded_at FROM campaign_members WHERE campaign_id = 'C0' AND (`group` = 'treatment' OR cityHash64(member_id) % 3 = 0)",
		`INSERT INTO events (event_id, member_id, event_time, event_type, value, properties, file_id, loaded_at)
			SELECT concat('EC1-', member_id), member_id, assigned_at + 3600, 'campaign_open', 0, '{"campaign_id":"C1"}', 'test', now()
			FROM campaign_members WHERE campaign_id = 'C1' AND ` + "`group`" + ` = 'treatment'`,
	} {
		if err := conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// result is the part of a campaign_results row the test reads.
type result struct {
	evidence, group, variant                string
	members, converters, complete, mismatch uint64
	rate                                    float64
	upgrades                                *uint64
	uplift, lo, hi, p, bootLo, bootHi       *float64
	rpm, rpmP, incremental, roi, srmP       *float64
}

func readResults(t *testing.T, conn warehouse.Conn, table string) map[string]result {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT campaign_id, evidence, group, variant, members, converters, toUInt64(window_complete), toUInt64(srm_mismatch),
		conversion_rate, tier_upgrades, conversion_uplift, conversion_ci_low, conversion_ci_high, conversion_p, conversion_boot_ci_low, conversion_boot_ci_high,
		rpm_uplift, rpm_p, incremental_revenue, roi, srm_p FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]result{}
	for rows.Next() {
		var id string
		var r result
		if err := rows.Scan(&id, &r.evidence, &r.group, &r.variant, &r.members, &r.converters, &r.complete, &r.mismatch, &r.rate, &r.upgrades,
			&r.uplift, &r.lo, &r.hi, &r.p, &r.bootLo, &r.bootHi, &r.rpm, &r.rpmP, &r.incremental, &r.roi, &r.srmP); err != nil {
			t.Fatal(err)
		}
		out[id+"/"+r.group+"/"+r.variant] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func f(x *float64) string {
	if x == nil {
		return "NULL"
	}
	return strconv.FormatFloat(*x, 'f', 4, 64)
}

// TestCampaignsIntegration generates data (C0 without effect, C1 with
// about +3 points of 30-day conversion), runs engagement and tiers the
// day before each campaign and at as_of, then campaigns, on ClickHouse
// 18.16, chDB 26.7 and the two-shard cluster: C1's true effect is inside
// both its intervals, C0 is not significant, CS (C0 with
// lost control rows) is flagged by the SRM check and C0 and C1 are not,
// C9 (no control) is labelled pre_post against matched members, the
// funnel counts reached members from events (the generator's opens for
// C0: treatment only), a re-run replaces the partitions, and the engines
// agree. The model's parameters are the demo config's.
func TestCampaignsIntegration(t *testing.T) {
	dir, truth := generated(t)
	if len(truth.Campaigns) != 2 {
		t.Fatalf("truth has %d campaigns, want 2", len(truth.Campaigns))
	}
	type target struct {
		name string
		conn func(t *testing.T) warehouse.Conn
	}
	var targets []target
	for _, e := range chtest.Engines(t) {
		targets = append(targets, target{e.Name, func(*testing.T) warehouse.Conn { return e.Conn }})
	}
	targets = append(targets, target{"cluster", func(t *testing.T) warehouse.Conn { _, cc := chtest.MigratedCluster(t); return cc }})
	all := map[string]map[string]result{}
	var mu sync.Mutex
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			got := runCampaigns(t, tg.conn(t), dir, truth)
			mu.Lock()
			all[tg.name] = got
			mu.Unlock()
		})
	}
	var ref string
	for name, got := range all {
		if ref == "" {
			ref = name
			continue
		}
		for k, a := range all[ref] {
			b := got[k]
			if a.members != b.members || a.converters != b.converters || f(a.uplift) != f(b.uplift) || f(a.p) != f(b.p) || f(a.rpm) != f(b.rpm) {
				t.Errorf("%s: %s has members %d converters %d uplift %s p %s rpm %s, %s has %d %d %s %s %s", k, ref, a.members, a.converters, f(a.uplift), f(a.p), f(a.rpm),
					name, b.members, b.converters, f(b.uplift), f(b.p), f(b.rpm))
			}
		}
	}
}

func runCampaigns(t *testing.T, conn warehouse.Conn, dir string, truth datagen.Truth) map[string]result {
	ctx := context.Background()
	if err := genload.All(ctx, conn, dir, nil); err != nil {
		t.Fatal(err)
	}
	if err := loadCampaigns(ctx, conn, dir); err != nil {
		t.Fatal(err)
	}
	if err := addTestCampaigns(ctx, conn); err != nil {
		t.Fatal(err)
	}
	// The demo's config: its intended treatment share (0.9, also CS's)
	// is the generator's, so C0 and C1 must pass the SRM check with it.
	m := demoModel(t)
	reg := models.NewRegistry()
	for _, x := range []models.Model{modeltest.Must(engagement.New(engagement.DefaultParams())), modeltest.Must(tiers.New(tiers.DefaultParams())), m} {
		if err := reg.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	env := models.Env{Conn: conn, Location: time.UTC}
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range truth.Campaigns {
		env.RunID = "tiers-before-" + c.CampaignID
		if _, err := models.RunAll(ctx, reg, env, []string{"engagement", "tiers"}, c.AssignedAt.AddDate(0, 0, -1)); err != nil {
			t.Fatal(err)
		}
	}
	env.RunID = "r1"
	if _, err := models.RunAll(ctx, reg, env, nil, asOf); err != nil {
		t.Fatal(err)
	}
	first := chtest.QueryUint(t, conn, "SELECT count() FROM campaign_results WHERE as_of = '2025-12-31'")
	env.RunID, env.Snapshot = "r2", reg
	if _, err := models.RunOne(ctx, m, env, asOf); err != nil {
		t.Fatal(err)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM campaign_results WHERE as_of = '2025-12-31' AND run_id = 'r2'"); n != first || n == 0 {
		t.Errorf("re-run: %d rows of r2, want the %d rows of the first run replaced", n, first)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM campaign_results WHERE run_id != 'r2'") + chtest.QueryUint(t, conn, "SELECT count() FROM campaign_funnel WHERE run_id != 'r2'"); n != 0 {
		t.Errorf("re-run left %d rows of the first run", n)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM campaign_results_latest"); n != first {
		t.Errorf("campaign_results_latest has %d rows, want %d (published snapshot)", n, first)
	}
	got := readResults(t, conn, "campaign_results")
	c0, c1 := truth.Campaigns[0], truth.Campaigns[1]
	t1, k1 := got["C1/treatment/"], got["C1/control/"]
	t.Logf("C1: treatment %d (truth %d), control %d (truth %d); conversion %.4f vs %.4f; uplift %s [%s, %s] boot [%s, %s] p %s; truth effect %.4f (expected %.4f); rpm uplift %s p %s; incremental revenue %s, roi %s",
		t1.members, c1.Treatment, k1.members, c1.Control, t1.rate, k1.rate, f(t1.uplift), f(t1.lo), f(t1.hi), f(t1.bootLo), f(t1.bootHi), f(t1.p),
		c1.Effect, c1.ExpectedEffect, f(t1.rpm), f(t1.rpmP), f(t1.incremental), f(t1.roi))
	if t1.members != uint64(c1.Treatment) || k1.members != uint64(c1.Control) {
		t.Errorf("C1 groups %d/%d, truth %d/%d", t1.members, k1.members, c1.Treatment, c1.Control)
	}
	if t1.uplift == nil || !(*t1.lo <= c1.Effect && c1.Effect <= *t1.hi) || !(*t1.bootLo <= c1.Effect && c1.Effect <= *t1.bootHi) {
		t.Errorf("C1: true effect %.4f outside the interval [%s, %s] or bootstrap [%s, %s]", c1.Effect, f(t1.lo), f(t1.hi), f(t1.bootLo), f(t1.bootHi))
	}
	t0 := got["C0/treatment/"]
	t.Logf("C0: treatment %d, control %d; uplift %s [%s, %s] p %s; rpm p %s; srm p %s", t0.members, c0.Control, f(t0.uplift), f(t0.lo), f(t0.hi), f(t0.p), f(t0.rpmP), f(t0.srmP))
	if t0.p == nil || *t0.p < 0.05 {
		t.Errorf("C0 (no effect): conversion p %s, want not significant at 5%%", f(t0.p))
	}
	for _, k := range []string{"C0/treatment/", "C1/treatment/", "C1/control/", "C1/treatment/A", "C1/treatment/B"} {
		r, ok := got[k]
		if !ok || r.evidence != Randomised || r.mismatch != 0 || r.srmP == nil || r.complete != 1 || r.upgrades == nil {
			t.Errorf("%s: %+v (present %v); want randomised, no SRM flag, window complete, tier upgrades counted", k, r, ok)
		}
	}
	if cs := got["CS/treatment/"]; cs.mismatch != 1 || cs.srmP == nil || *cs.srmP >= 0.001 {
		t.Errorf("CS (control rows lost): srm p %s, mismatch %d; want flagged", f(cs.srmP), cs.mismatch)
	}
	pp, mt := got["C9/treatment/"], got["C9/matched/"]
	t.Logf("C9 (pre_post): targeted %d, matched %d; uplift %s [%s, %s]", pp.members, mt.members, f(pp.uplift), f(pp.lo), f(pp.hi))
	if pp.evidence != PrePost || mt.evidence != PrePost || mt.members < pp.members/2 || pp.uplift == nil || pp.srmP != nil {
		t.Errorf("C9: treatment %+v, matched %+v; want pre_post with about as many matched members and an uplift, no SRM", pp, mt)
	}
	fun := chtest.Rows(t, conn, "SELECT `group`, step, toString(members) FROM campaign_funnel WHERE campaign_id = 'C1' ORDER BY `group`, step_no")
	t.Logf("C1 funnel: %v", fun)
	if len(fun) != 8 || fun[4][1] != "flagged" || fun[5][1] != "reached" || fun[5][2] != fun[4][2] || fun[1][2] != "0" {
		t.Errorf("C1 funnel %v: want 4 steps per group, every flagged treatment member reached (test events), no control member reached", fun)
	}
	// C0 gets no test events: its reached members are the generator's
	// opens, treatment members only.
	f0 := funnel(t, conn, "C0")
	t.Logf("C0 funnel: %v", f0)
	if tr, ct := f0["treatment"], f0["control"]; tr["flagged"] == 0 || tr["reached"] == 0 || tr["reached"] > tr["flagged"] || ct["flagged"] == 0 || ct["reached"] != 0 {
		t.Errorf("C0 funnel %v: want flagged members in both groups, treatment members reached (at most the flagged), no control member reached", f0)
	}
	rep, err := report.Load(ctx, conn, asOf, Section)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	if c := rep.Sections[0].Data.(*Figures); len(c.Missing) != 0 || len(c.Rows) != len(got) || len(c.Funnel) == 0 {
		t.Errorf("report campaigns section: %d rows (want %d), %d funnel rows, missing %v", len(c.Rows), len(got), len(c.Funnel), c.Missing)
	}
	return got
}

// TestExampleConfigDecodes: the documented keys of
// deploy/memberlytics.example.yaml decode into DefaultParams' values.
func TestExampleConfigDecodes(t *testing.T) {
	cfg, err := config.Load("../../deploy/memberlytics.example.yaml", true, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromConfig(cfg.Models.Campaigns)
	if err != nil {
		t.Fatal(err)
	}
	if d := DefaultParams(); m.p.WindowDays != d.WindowDays || m.p.BootstrapReps != d.BootstrapReps || m.p.LayerDays != d.LayerDays || len(m.p.TreatmentShares) != 0 {
		t.Errorf("example decodes to %+v, want the defaults %+v", m.p, d)
	}
}

// funnel returns a campaign's funnel of the as_of: members by group and step.
func funnel(t *testing.T, conn warehouse.Conn, campaign string) map[string]map[string]uint64 {
	t.Helper()
	out := map[string]map[string]uint64{}
	for _, r := range chtest.Rows(t, conn, "SELECT `group`, step, toString(members) FROM campaign_funnel WHERE as_of = '2025-12-31' AND campaign_id = '"+campaign+"'") {
		n, err := strconv.ParseUint(r[2], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if out[r[0]] == nil {
			out[r[0]] = map[string]uint64{}
		}
		out[r[0]][r[1]] = n
	}
	return out
}

// demoConfig is the config make demo runs with (scripts/demo.sh).
const demoConfig = "deploy/demo/memberlytics.yaml"

// demoModel is the model as the demo config sets it up.
func demoModel(t *testing.T) *Campaigns {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", demoConfig), true, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromConfig(cfg.Models.Campaigns)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDemoConfigMatchesGenerator: make demo runs with the demo config,
// and that config's intended treatment share of every generated campaign
// is the share the generator assigns (truth.json), so the SRM check does
// not flag the demo's campaigns (TestCampaignsIntegration runs the model
// with this config on generated data).
func TestDemoConfigMatchesGenerator(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "demo.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "--config $CONFIG") || !strings.Contains(string(script), "CONFIG=${DEMO_CONFIG:-"+demoConfig+"}") {
		t.Errorf("scripts/demo.sh does not run its commands with --config %s", demoConfig)
	}
	for _, line := range strings.Split(string(script), "\n") {
		if strings.Contains(line, "$ML generate") && strings.Contains(line, "treatment") {
			t.Errorf("scripts/demo.sh generates with its own treatment share (%q); the generator's default is what %s must match", line, demoConfig)
		}
	}
	m := demoModel(t)
	o := datagen.DefaultOptions()
	o.Members = 5
	o.OutDir = t.TempDir()
	sum, err := datagen.Generate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Truth.Campaigns) == 0 {
		t.Fatal("the generator wrote no campaigns")
	}
	for _, c := range sum.Truth.Campaigns {
		if got := m.p.share(c.CampaignID); got != c.TreatmentShare {
			t.Errorf("%s: the demo config tests treatment share %v, the generator assigns %v", c.CampaignID, got, c.TreatmentShare)
		}
	}
}
