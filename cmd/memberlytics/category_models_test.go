package main

import (
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
)

// The example config's category_affinity and next_category sections decode
// into the models' parameters, and a bad key there stops the registry
// with an error that names it.
func TestCategoryModelsConfig(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	cfg, err := config.Load("../../deploy/memberlytics.example.yaml", true, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := newModelRegistry(cfg)
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	for _, n := range []string{"category_affinity", "next_category"} {
		if _, ok := reg.Get(n); !ok {
			t.Errorf("registry lacks %s", n)
		}
	}
	bad := config.Default()
	if err := config.Parse([]byte("models:\n  next_category:\n    level: 7\n"), &bad); err != nil {
		t.Fatal(err)
	}
	if _, err := newModelRegistry(bad); err == nil || !strings.Contains(err.Error(), "models.next_category.level") {
		t.Errorf("level 7: err = %v, want one naming models.next_category.level", err)
	}
}
