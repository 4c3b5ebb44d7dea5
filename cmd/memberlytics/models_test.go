package main

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/sql"
)

// TestEveryModelHasSQL: each registered model has sql/models/<name>.sql
// with at least one query, and the registry orders without error.
func TestEveryModelHasSQL(t *testing.T) {
	reg, err := newModelRegistry(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Ordered(); err != nil {
		t.Fatal(err)
	}
	have := sql.ModelNames()
	for _, name := range reg.Names() {
		m, _ := reg.Get(name)
		if t := reflect.TypeOf(m); t.Kind() == reflect.Pointer && strings.Contains(t.Elem().PkgPath(), "/models/") {
			continue // a folder model: its SQL is embedded there and parsed by query.MustParse at start-up
		}
		if !slices.Contains(have, name) {
			t.Errorf("model %s has no sql/models/%s.sql", name, name)
			continue
		}
		if _, err := query.Sources(name); err != nil {
			t.Errorf("model %s: %v", name, err)
		}
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
