package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
)

// `memberlytics evaluate clv` end to end: load generated members and orders through
// the CLI, back-test, and find the printed table and the recorded
// model_metrics; bad dates are refused with the flag named.
func TestEvaluateCLVCommandIntegration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := compat.Generate(context.Background(), dir, 2000, 5); err != nil {
		t.Fatal(err)
	}
	conn := chtest.Migrated(t)
	env := map[string]string{config.EnvAddr: chtest.Server(t).Addr(), config.EnvDatabase: conn.Database()}
	// clv scores members who joined by as_of, so members are loaded too.
	for _, kind := range []string{"members", "orders"} {
		if out, err := run(t, env, "load", "--kind", kind, filepath.Join(dir, kind+".csv")); err != nil {
			t.Fatalf("load %s: %v\n%s", kind, err, out)
		}
	}
	out, err := run(t, env, "evaluate", "clv", "--calibration-end", "2025-06-30", "--holdout-end", "2025-12-31")
	if err != nil {
		t.Fatalf("evaluate: %v\n%s", err, out)
	}
	for _, want := range []string{"clv calibration to 2025-06-30, holdout 184 days to 2025-12-31", "BG/NBD r=", "CALIBRATION REPEATS", "total", "mean absolute error:",
		"value per purchase day over", "PREDICTED REVENUE DECILE", "total revenue"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	n := chtest.QueryUint(t, conn, "SELECT count() FROM model_metrics WHERE model = 'clv_evaluation' AND as_of = '2025-06-30' AND metric IN ('mae', 'predicted_total', 'actual_total')")
	if n != 3 {
		t.Errorf("model_metrics has %d of mae, predicted_total, actual_total for clv_evaluation 2025-06-30, want 3", n)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM clv"); n != 0 {
		t.Errorf("evaluate wrote %d clv rows, want none", n)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--calibration-end", "2025-12-31", "--holdout-end", "2025-06-30"}, "must be after --calibration-end"},
		{[]string{"--calibration-end", "2025-13-01", "--holdout-end", "2025-12-31"}, "--calibration-end"},
		{[]string{"--calibration-end", "2025-06-30", "--holdout-end", "soon"}, "--holdout-end"},
	} {
		out, err := run(t, env, append([]string{"evaluate", "clv"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("evaluate clv %v: %v, want an error containing %q\n%s", c.args, err, c.want, out)
		}
	}
}
