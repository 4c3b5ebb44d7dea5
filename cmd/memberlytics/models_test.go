package main

import (
	"slices"
	"testing"

	"github.com/memberlytics/memberlytics/internal/config"
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
