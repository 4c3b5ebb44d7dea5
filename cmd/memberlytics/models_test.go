package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/sql"
)

// TestModelRegistry: every model builds from the default configuration
// (each parsed its embedded SQL when its package loaded) and the registry
// orders without error.
func TestModelRegistry(t *testing.T) {
	reg, err := newModelRegistry(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Ordered(); err != nil {
		t.Fatal(err)
	}
	if len(reg.Names()) < 15 {
		t.Errorf("registry holds %v", reg.Names())
	}
}

// badModelConfigs lists every testdata/models/*.bad.yml file with the key
// path and reason its error must name: the models decode their own
// sections, and newModelRegistry (run by every command right after the
// file is loaded) reports them.
var badModelConfigs = []struct {
	file    string
	wantKey string
	reason  string
}{
	{"clv_time_unit.bad.yml", "models.clv.time_unit", "must be day or week"},
	{"churn_risk_bands.bad.yml", "models.churn.risk_bands", "three ascending probabilities"},
	{"models_rfm_uncovered.bad.yml", "models.rfm.segments", "cell r=1 f=1 is not covered"},
	{"models_tier_rule.bad.yml", "models.tiers.levels[1].rule", "must be any or all, got \"either\""},
	{"models_rfm_lapsed_empty.bad.yml", "models.rfm.lapsed_segment", "must not be empty"},
	{"models_rfm_lapsed_clash.bad.yml", "models.rfm.lapsed_segment", "must differ from the R/F map segments, got \"Lost\""},
	{"models_lifecycle_days_order.bad.yml", "models.lifecycle.churned_days", "must be greater than sleeping_days (120), got 100"},
	{"models_lifecycle_negative.bad.yml", "models.lifecycle.silent_days", "must not be negative"},
	{"models_lifecycle_percentiles.bad.yml", "models.lifecycle.silent_percentile", "want 0 < silent_percentile < sleeping_percentile < churned_percentile < 1, got 0.75, 0.7 and 0.95"},
	{"models_lifecycle_smoothing.bad.yml", "models.lifecycle.smoothing", "must be at least 0 and below 1, got 1"},
	{"models_engagement_points_earned.bad.yml", "models.engagement.weights.points_earned", "mirrors orders and is not an engagement event"},
	{"churn_risk_band_quantiles.bad.yml", "models.churn.risk_band_quantiles", "three ascending shares"},
	{"churn_max_inactive_days.bad.yml", "models.churn.max_inactive_days", "at least horizon_days (90), got 30"},
	{"churn_l2_candidates.bad.yml", "models.churn.l2_candidates[1]", "must be a number >= 0, got -1"},
	{"models_tier_max_downgrade.bad.yml", "models.tiers.max_downgrade_levels", "must be at least 1, got 0"},
	{"models_tier_conversion_days.bad.yml", "models.tiers.conversion_days", "must be between 1 and 3650, got 0"},
	{"models_tier_retention_days.bad.yml", "models.tiers.retention_days", "must be between 1 and 3650, got -5"},
	{"unknown_key.bad.yml", "models.rfm.windw_days (line 3)", "unknown key"},
	{"wrong_type.bad.yml", "models.churn.horizon_days (line 3)", "want a whole number"},
	{"not_a_mapping.bad.yml", "models.clv (line 2)", "want a mapping"},
	{"two_sections.bad.yml", "models.potential.decile_gap", "must be between 1 and 9, got 0"},
}

func TestBadModelConfigs(t *testing.T) {
	t.Parallel()
	for _, tt := range badModelConfigs {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(filepath.Join("testdata", "models", tt.file), true, func(string) string { return "" })
			if err == nil {
				_, err = newModelRegistry(cfg)
			}
			if err == nil {
				t.Fatalf("%s: no error, want one naming %s", tt.file, tt.wantKey)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.wantKey) || !strings.Contains(msg, tt.reason) || !strings.Contains(msg, "invalid configuration: ") {
				t.Errorf("%s: error = %q\nwant it to contain %q and %q", tt.file, msg, tt.wantKey, tt.reason)
			}
		})
	}
	cfg, err := config.Load("testdata/models/two_sections.bad.yml", true, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newModelRegistry(cfg); err == nil || !strings.Contains(err.Error(), "models.rfm.trend_days: must be at least 1, got 0") {
		t.Errorf("two bad sections: err = %v, want both named", err)
	}
	files, _ := filepath.Glob("testdata/models/*.bad.yml")
	if len(files) != len(badModelConfigs) {
		t.Errorf("found %d bad model config files, badModelConfigs names %d: keep them in step", len(files), len(badModelConfigs))
	}
}

// TestExampleConfigModels: the example configuration's models sections
// decode into the models' own parameters.
func TestExampleConfigModels(t *testing.T) {
	cfg, err := config.Load("../../deploy/memberlytics.example.yaml", true, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newModelRegistry(cfg); err != nil {
		t.Fatal(err)
	}
}

// TestModelOutputsCoverEveryOutputTableIntegration: the tables dates and
// drop visit (models.OutputTables of each registered model) are exactly
// the migrations' tables with a <table>_latest view, apart from
// model_metrics and model_params, each written by one model.
func TestModelOutputsCoverEveryOutputTableIntegration(t *testing.T) {
	t.Parallel()
	reg, err := newModelRegistry(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	conn := chtest.Migrated(t)
	want := map[string]bool{}
	for _, r := range chtest.Rows(t, conn, "SELECT name FROM system.tables WHERE database = currentDatabase() AND endsWith(name, '_latest')") {
		if tb := strings.TrimSuffix(r[0], "_latest"); tb != "model_metrics" && tb != "model_params" {
			want[tb] = true
		}
	}
	seen := map[string]string{}
	for _, name := range reg.Names() {
		m, _ := reg.Get(name)
		for _, tb := range models.OutputTables(m) {
			if other, dup := seen[tb]; dup {
				t.Errorf("table %s is an output of %s and %s", tb, other, name)
			}
			seen[tb] = name
			if !want[tb] {
				t.Errorf("model %s declares output %s, which has no %s_latest view", name, tb, tb)
			}
		}
	}
	for tb := range want {
		if _, ok := seen[tb]; !ok {
			t.Errorf("table %s (with a _latest view) is no registered model's output: declare it in the model's Tables", tb)
		}
	}
}

// TestModelTablesDeclared: what each registered model declares about its
// output tables (models.Table) is what the cluster lists (sql.Sharded,
// sql.Home) and the table comments (sql/schema/table_comments.tsv, also
// for the table's _latest view) say, and its migration creates the table.
// The declarations are the source: a mismatch names the line to write.
func TestModelTablesDeclared(t *testing.T) {
	t.Parallel()
	reg, err := newModelRegistry(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	tsv, err := sql.Schema.ReadFile("schema/table_comments.tsv")
	if err != nil {
		t.Fatal(err)
	}
	comments := map[string]string{}
	for _, line := range strings.Split(string(tsv), "\n") {
		if name, comment, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			comments[name] = comment
		}
	}
	for _, name := range reg.Names() {
		m, _ := reg.Get(name)
		if _, ok := m.(models.Declarer); !ok {
			t.Errorf("model %s does not declare its tables (models.Declarer)", name)
			continue
		}
		for _, tb := range models.Tables(m) {
			key, sharded := sql.Sharded[tb.Name]
			home := slices.Contains(sql.Home, tb.Name)
			switch {
			case tb.Sharded && (!sharded || key != sql.ShardingKey || home):
				t.Errorf("model %s: table %s is sharded: sql/cluster.go Sharded needs %q: ShardingKey, and Home must not list it", name, tb.Name, tb.Name)
			case !tb.Sharded && (sharded || !home):
				t.Errorf("model %s: table %s is a home table: sql/cluster.go Home needs %q, and Sharded must not list it", name, tb.Name, tb.Name)
			}
			if tb.Comment == "" || comments[tb.Name] != tb.Comment {
				t.Errorf("model %s: sql/schema/table_comments.tsv needs the line %s\\t%s", name, tb.Name, tb.Comment)
			}
			latest := tb.Name + " of the newest complete snapshot (snapshots): its as_of and the run it names."
			if comments[tb.Name+"_latest"] != latest {
				t.Errorf("model %s: sql/schema/table_comments.tsv needs the line %s_latest\\t%s", name, tb.Name, latest)
			}
			src, err := sql.Schema.ReadFile("schema/" + tb.Migration)
			if err != nil || !strings.Contains(string(src), "CREATE TABLE IF NOT EXISTS "+tb.Name+"\n") && !strings.Contains(string(src), "CREATE TABLE IF NOT EXISTS "+tb.Name+" ") {
				t.Errorf("model %s: table %s: migration sql/schema/%s does not create it (%v)", name, tb.Name, tb.Migration, err)
			}
		}
	}
}

// TestBadModelConfigStopsEveryCommand: a command that never runs a model
// (runs, against an address nothing listens on) still fails on a bad
// models.* key, with its message, before it connects.
func TestBadModelConfigStopsEveryCommand(t *testing.T) {
	out, err := run(t, nil, "--config", "testdata/models/clv_time_unit.bad.yml", "runs")
	if err == nil || !strings.Contains(err.Error(), "models.clv.time_unit: must be day or week") {
		t.Errorf("runs with a bad models.clv: err = %v (output %q)", err, out)
	}
}
