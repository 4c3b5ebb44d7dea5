package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
)

func runGenerate(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newGenerateCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestGenerateCmd(t *testing.T) {
	dir := t.TempDir()
	out, err := runGenerate(t, "--members", "300", "--seed", "9", "--out", dir, "--format", "ndjson",
		"--start", "2025-01-01", "--end", "2025-07-01T00:00:00Z")
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("want one line per file and one for truth.json, got:\n%s", out)
	}
	for i, name := range []string{"members.ndjson", "orders.ndjson", "events.ndjson", "items.ndjson", "campaigns.ndjson", "truth.json"} {
		if !strings.HasPrefix(lines[i], filepath.Join(dir, name)+": ") {
			t.Errorf("line %d = %q, want it to start with the path of %s", i+1, lines[i], name)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(lines[0], "300 rows") {
		t.Errorf("members line = %q, want 300 rows", lines[0])
	}

	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth datagen.Truth
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	if truth.Seed != 9 || truth.Format != datagen.FormatNDJSON || truth.Counts.Members != 300 ||
		!truth.Window.Start.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!truth.Window.End.Equal(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("truth.json does not reflect the flags: seed %d format %s members %d window %s..%s",
			truth.Seed, truth.Format, truth.Counts.Members, truth.Window.Start, truth.Window.End)
	}
}

// TestGenerateCmdVolumeFlags checks that --purchase-rate-scale, --bgnbd-b
// and --events-scale reach the generator and truth.json.
func TestGenerateCmdVolumeFlags(t *testing.T) {
	dir := t.TempDir()
	out, err := runGenerate(t, "--members", "300", "--out", dir,
		"--purchase-rate-scale", "10", "--bgnbd-b", "19.2", "--events-scale", "0.05")
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth datagen.Truth
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	p := truth.Parameters
	if p.PurchaseRateScale != 10 || p.AlphaBeforeScale != 4 || p.Purchase.Alpha != 0.4 || p.Purchase.B != 19.2 || p.Events.Scale != 0.05 {
		t.Errorf("truth.json parameters: purchase_rate_scale %v, alpha before %v, bgnbd %+v, events scale %v; want 10, 4, alpha 0.4 b 19.2, 0.05",
			p.PurchaseRateScale, p.AlphaBeforeScale, p.Purchase, p.Events.Scale)
	}
}

// TestGenerateCmdCampaignOpenProb: --campaign-open-prob reaches the
// generator and truth.json; 1 makes every treatment member open.
func TestGenerateCmdCampaignOpenProb(t *testing.T) {
	dir := t.TempDir()
	if out, err := runGenerate(t, "--members", "2000", "--out", dir, "--campaign-open-prob", "1"); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth datagen.Truth
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	for _, c := range truth.Campaigns {
		if c.OpenProb != 1 || c.Treatment == 0 || c.TreatmentOpened != c.Treatment {
			t.Errorf("%s: open prob %v, %d of %d treatment members opened; want 1, all", c.CampaignID, c.OpenProb, c.TreatmentOpened, c.Treatment)
		}
	}
	if out, err := runGenerate(t, "--members", "20", "--out", t.TempDir(), "--campaign-open-prob", "1.5"); err == nil || !strings.Contains(err.Error(), "Campaigns.OpenProb must be in [0, 1], got 1.5") {
		t.Errorf("--campaign-open-prob 1.5: err = %v\n%s", err, out)
	}
}

func TestGenerateCmdEndOnly(t *testing.T) {
	dir := t.TempDir()
	if out, err := runGenerate(t, "--members", "20", "--out", dir, "--end", "2024-06-01", "--events-scale", "0"); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth datagen.Truth
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC); !truth.Window.Start.Equal(want) {
		t.Errorf("start = %s, want two years before --end, %s", truth.Window.Start, want)
	}
	if truth.Counts.Events != 0 {
		t.Errorf("--events-scale 0 wrote %d events", truth.Counts.Events)
	}
}

func TestGenerateCmdErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"format", []string{"--format", "xlsx"}, `Format must be csv, ndjson or parquet, got "xlsx"`},
		{"members", []string{"--members", "0"}, "Members must be > 0"},
		{"start date", []string{"--start", "01/02/2024"}, `--start "01/02/2024": want YYYY-MM-DD or an RFC 3339 time`},
		{"window", []string{"--start", "2025-01-01", "--end", "2024-01-01"}, "End must be after Start"},
		{"arguments", []string{"extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			out, err := runGenerate(t, append([]string{"--out", dir}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q\n%s", err, tt.want, out)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("a failed generate created %s", dir)
			}
		})
	}
}

func TestGenerateIsOnTheRootCommand(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, nil, "generate", "--members", "50", "--seed", "2", "--out", dir, "--format", "parquet")
	if err != nil {
		t.Fatalf("memberlytics generate: %v\n%s", err, out)
	}
	for _, name := range []string{"members.parquet", "orders.parquet", "events.parquet", "truth.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(out, filepath.Join(dir, "members.parquet")+": 50 rows") {
		t.Errorf("output lacks the members summary line:\n%s", out)
	}
}
