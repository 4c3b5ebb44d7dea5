package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// TestCleanCmdIntegration: leftovers of crashed loads and model runs (a
// stage whose attempt holds no lease, an attempt stuck loading past its
// lease, an expired model stage) are listed by --dry-run and removed by
// clean; a live model table stays.
func TestCleanCmdIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	env := map[string]string{
		config.EnvAddr:     chtest.Config(t, conn.Database()).Addr,
		config.EnvDatabase: conn.Database(),
	}
	work := func(name string) string { return warehouse.WorkTable(conn.Database(), name) }
	loadStage := "orders_stage_00112233445566ff_aabbccddeeff0011"
	modelStage := fmt.Sprintf("rfm_stage_%d_0badcafe", time.Now().Add(-time.Minute).Unix())
	liveStage := fmt.Sprintf("rfm_stage_%d_0c0ffee0", time.Now().Add(time.Hour).Unix())
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS " + warehouse.QuoteIdent(warehouse.WorkDatabase(conn.Database())),
		"CREATE TABLE " + work(loadStage) + " AS orders",
		"CREATE TABLE " + work(modelStage) + " AS rfm",
		"CREATE TABLE " + work(liveStage) + " AS rfm",
		`INSERT INTO load_files (file_id, attempt_id, path, kind, status, started_at, finished_at, version)
			SELECT '00112233445566ff', 'aabbccddeeff0011', '/in/orders.csv', 'orders', 'loading', now() - 7200, now() - 7200, 1`,
		`INSERT INTO load_leases (file_id, attempt_id, owner, claimed_at, claim_ns, expires_at, state, version)
			SELECT '00112233445566ff', 'aabbccddeeff0011', 'gone:1', now() - 7200, 1, now() - 3600, 'claimed', 1`,
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	out, err := run(t, env, "clean", "--dry-run")
	if err != nil {
		t.Fatalf("clean --dry-run: %v\n%s", err, out)
	}
	wdb := warehouse.WorkDatabase(conn.Database())
	for _, want := range []string{
		"would drop load stage " + wdb + "." + loadStage,
		"would mark abandoned load attempt 00112233445566ff/aabbccddeeff0011",
		"would drop model work table " + wdb + "." + modelStage,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, liveStage) {
		t.Errorf("dry run lists the live stage %s:\n%s", liveStage, out)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM system.tables WHERE database = ?", wdb); n != 3 {
		t.Errorf("dry run changed the work database: %d tables, want 3", n)
	}
	out, err = run(t, env, "clean")
	if err != nil || !strings.Contains(out, "dropped load stage ") {
		t.Fatalf("clean: %v\n%s", err, out)
	}
	if got := chtest.QueryString(t, conn, "SELECT arrayStringConcat(groupArray(name), ',') FROM system.tables WHERE database = ?", wdb); got != liveStage {
		t.Errorf("work database after clean: %q, want only %q", got, liveStage)
	}
	if st := chtest.QueryString(t, conn, "SELECT status FROM load_files FINAL WHERE attempt_id = 'aabbccddeeff0011'"); st != "abandoned" {
		t.Errorf("stuck attempt is %q after clean, want abandoned", st)
	}
	if out, err = run(t, env, "clean"); err != nil || !strings.Contains(out, "nothing to clean") {
		t.Errorf("second clean: %v\n%s", err, out)
	}
}
