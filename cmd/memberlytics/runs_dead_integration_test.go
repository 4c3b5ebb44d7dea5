package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/jobs"
)

// A tiers run left running by a living process (this one) that stopped
// heartbeating an hour ago, as serve leaves one when ClickHouse dies under
// it: backfill --dry-run marks it abandoned (the webhook is told) and
// plans tiers and everything after it, never ALREADY_DONE; runs shows it
// abandoned.
func TestDeadRunSeenByBackfillAndRunsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	var mu sync.Mutex
	var told []jobs.FailureMessage
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m jobs.FailureMessage
		_ = json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		told = append(told, m)
		mu.Unlock()
	}))
	defer hook.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "memberlytics.yaml")
	cfg := "log:\n  level: error\nexports:\n  dir: " + filepath.Join(dir, "exports") + "\njobs:\n  webhook:\n    url: " + hook.URL + "\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{config.EnvAddr: chtest.Server(t).Addr(), config.EnvDatabase: conn.Database()}
	store, err := jobs.NewStore(conn)
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	beat := time.Now().Add(-time.Hour).UTC()
	host, _ := os.Hostname()
	dead := jobs.Run{RunID: "dead-tiers", BatchID: "b", Job: "tiers", AsOf: asOf, Trigger: jobs.TriggerManual, Status: jobs.StatusRunning,
		Attempt: 1, StartedAt: beat, HeartbeatAt: beat, Lease: 30 * time.Second, Owner: host + ":" + strconv.Itoa(os.Getpid())}
	if err := store.Write(context.Background(), dead); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, env, "--config", cfgPath, "backfill", "all", "--from", "2026-01-15", "--to", "2026-01-15", "--dry-run", "--allow-empty")
	if err != nil {
		t.Fatalf("backfill --dry-run: %v\n%s", err, out)
	}
	// The plan runs tiers, then (after member_profile's other
	// dependencies) member_profile, with nothing already done.
	m := regexp.MustCompile(`(?m)^2026-01-15\s+(\S+)\s+-\s+-\s+would run`).FindStringSubmatch(out)
	var plan []string
	if m != nil {
		plan = strings.Split(m[1], ",")
	}
	if ti, mp := slices.Index(plan, "tiers"), slices.Index(plan, "member_profile"); ti < 0 || mp < ti {
		t.Errorf("dry run does not plan tiers and then member_profile with nothing done:\n%s", out)
	}
	out, err = run(t, env, "--config", cfgPath, "runs", "--job", "tiers")
	if err != nil || !regexp.MustCompile(`(?m)^tiers\s+2026-01-15\s+abandoned`).MatchString(out) {
		t.Errorf("runs --job tiers: %v\n%s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 1 || told[0].Run.RunID != "dead-tiers" || told[0].Run.Status != jobs.StatusAbandoned {
		t.Errorf("webhook told %+v, want the dead tiers run abandoned", told)
	}
}
