package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
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
		if !slices.Contains(have, name) {
			t.Errorf("model %s has no sql/models/%s.sql", name, name)
			continue
		}
		if _, err := models.Queries(name); err != nil {
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
			t.Errorf("table %s (with a _latest view) is no registered model's output: declare it in the model's Outputs", tb)
		}
	}
}
