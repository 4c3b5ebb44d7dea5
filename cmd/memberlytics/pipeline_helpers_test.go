package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
)

// generatedPipeline prepares an end-to-end CLI test: a small generated data
// set (300 members, seed 3) in a temp dir, a migrated database, the
// environment that points the CLI at it, and the config's loaders.sources
// block naming the three generated files.
func generatedPipeline(t *testing.T) (dir string, env map[string]string, sources string) {
	t.Helper()
	dir = t.TempDir()
	if err := compat.Generate(context.Background(), dir, 300, 3); err != nil {
		t.Fatal(err)
	}
	conn := chtest.Migrated(t)
	env = map[string]string{
		config.EnvAddr:     chtest.Server(t).Addr(),
		config.EnvDatabase: conn.Database(),
	}
	sources = "loaders:\n  sources:\n"
	for _, k := range []string{"members", "orders", "events"} {
		sources += "    " + k + ":\n      kind: " + k + "\n      paths: [\"" + filepath.Join(dir, k+".csv") + "\"]\n"
	}
	return dir, env, sources
}
