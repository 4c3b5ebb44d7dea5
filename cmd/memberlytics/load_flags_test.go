package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// The export: its own column names, US dates, amounts with
// separators and symbols, and two bad rows of six.
const shopExport = "OrderID,CustomerID,OrderDate,Total\n" +
	"1001,C1,12/31/2025 14:05,\"1,299.00\"\n" +
	"1002,C2,1/2/2025 9:30,$45.50\n" +
	"1003,C1,3/4/2025 18:00,¥45\n" +
	"1004,C3,12/1/2025 08:15,12\n" +
	"1005,C4,31/12/2025 10:00,5\n" +
	"1006,C5,1/1/2025 10:00,lots\n"

// TestLoadRealExportWithoutYAMLIntegration loads the export with flags
// only: the dry run shows what would happen and changes nothing, the
// default limit refuses the file and says how to raise it, a raised one
// loads it.
func TestLoadRealExportWithoutYAMLIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	env := map[string]string{config.EnvAddr: chtest.Config(t, conn.Database()).Addr, config.EnvDatabase: conn.Database()}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "memberlytics.yaml")
	os.WriteFile(cfg, nil, 0o644)
	path := filepath.Join(dir, "shop_orders.csv")
	os.WriteFile(path, []byte(shopExport), 0o644)
	flags := []string{"--config", cfg, "load", "--kind", "orders", "--map", "OrderID=order_id,CustomerID=member_id,OrderDate=ordered_at,Total=amount",
		"--date-format", "MM/DD/YYYY HH:mm", "--timezone", "Asia/Shanghai"}

	out, err := run(t, env, append(flags, "--dry-run", path)...)
	for _, want := range []string{
		"would load 4 rows, reject 2 (33.33%, over; the file would fail the limit of 1.00%)",
		"order_id <- OrderID, member_id <- CustomerID, ordered_at <- OrderDate, amount <- Total",
		"2025-12-31 06:05:00", "1299.00",
		"shop_orders.csv:6: ordered_at: not a timestamp (want MM/DD/YYYY HH:mm, RFC 3339",
		`shop_orders.csv:7: amount: not a decimal number ("lots")`,
		"dry run: nothing was loaded",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if err == nil || !strings.Contains(err.Error(), "1 of 1 files would fail") {
		t.Errorf("dry run of a file over the limit: err %v", err)
	}
	for _, q := range []string{"SELECT count() FROM load_files", "SELECT count() FROM orders", "SELECT count() FROM load_rejects"} {
		if n := chtest.QueryUint(t, conn, q); n != 0 {
			t.Errorf("after --dry-run, %s = %d, want 0", q, n)
		}
	}

	out, err = run(t, env, append(flags, path)...)
	if err == nil || !strings.Contains(out, "--max-reject-ratio 0.34, or loaders.max_reject_ratio in the config") {
		t.Errorf("load over the default limit: err %v; want the way to raise it in:\n%s", err, out)
	}
	out, err = run(t, env, append(flags, "--max-reject-ratio", "0.5", path)...)
	if err != nil || !strings.Contains(out, "4 rows loaded, 2 rejected") {
		t.Fatalf("load with --max-reject-ratio 0.5: err %v\n%s", err, out)
	}
	if got := chtest.QueryString(t, conn, "SELECT concat(toString(count()), '/', toString(sum(amount)), '/', toString(min(ordered_at))) FROM orders_current"); got != "4/1401.50/2025-01-02 01:30:00" {
		t.Errorf("orders_current count/sum/min = %s, want 4/1401.50/2025-01-02 01:30:00", got)
	}
}

// Bad flags fail before anything is read or connected, naming the flag.
func TestLoadRefusesBadFlags(t *testing.T) {
	t.Parallel()
	env := map[string]string{config.EnvAddr: "127.0.0.1:1"}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "memberlytics.yaml")
	os.WriteFile(cfg, nil, 0o644)
	path := filepath.Join(dir, "orders.csv")
	os.WriteFile(path, []byte(shopExport), 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--map", "OrderID"}, `--map: invalid loader options: "OrderID" is not SOURCE=column`},
		{[]string{"--map", "OrderID=orderid"}, "orderid is not a column of orders"},
		{[]string{"--date-format", "QQ/MM/YYYY"}, `--date-format: not a date format: "QQ/MM/YYYY": unknown "Q" at position 1`},
		{[]string{"--timezone", "Mars/Olympus"}, `--timezone "Mars/Olympus"`},
		{[]string{"--max-reject-ratio", "5"}, "--max-reject-ratio: want a share between 0 and 1"},
		{[]string{"--number-format", "1 234,56"}, `--number-format: want "1,234.56" or "1.234,56"`},
	} {
		out, err := run(t, env, append(append([]string{"--config", cfg, "load", "--kind", "orders"}, tt.args...), path)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, output %q; want %q", tt.args, err, out, tt.want)
		}
	}
	// Dates of the sample that read both ways fail the dry run, naming
	// file and line.
	amb := filepath.Join(dir, "orders_amb.csv")
	os.WriteFile(amb, []byte("order_id,member_id,ordered_at,amount\nA1,M1,01/02/2025,1\n"), 0o644)
	out, err := run(t, env, "--config", cfg, "load", "--kind", "orders", "--dry-run", amb)
	if err == nil || !strings.Contains(out, "ambiguous dates: "+amb+":2") || !strings.Contains(out, `--date-format "MM/DD/YYYY"`) {
		t.Errorf("ambiguous dates: err %v\n%s", err, out)
	}
}

// A directory load takes only the kind's files and says what was
// published and what failed.
func TestLoadDirectoryTakesTheKindsFilesIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	env := map[string]string{config.EnvAddr: chtest.Config(t, conn.Database()).Addr, config.EnvDatabase: conn.Database()}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "memberlytics.yaml")
	os.WriteFile(cfg, nil, 0o644)
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	os.WriteFile(filepath.Join(data, "members.csv"), []byte("member_id,joined_at\nM1,2024-01-01\nM2,2024-01-02\n"), 0o644)
	os.WriteFile(filepath.Join(data, "members_bad.csv"), []byte("member_id,joined_at\nM3,never\n"), 0o644)
	os.WriteFile(filepath.Join(data, "orders.csv"), []byte("order_id,member_id,ordered_at,amount\nA1,M1,2024-01-01,1\n"), 0o644)
	os.WriteFile(filepath.Join(data, "truth.json"), []byte(`{"seed": 1}`+"\n"), 0o644)

	out, err := run(t, env, "--config", cfg, "load", "--kind", "members", data)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 files failed and were not published (1 loaded, 0 skipped as loaded before)") {
		t.Errorf("directory load: err %v\n%s", err, out)
	}
	if strings.Contains(out, "orders.csv") || strings.Contains(out, "truth.json") {
		t.Errorf("directory load of members touched other files:\n%s", out)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM members_current"); n != 2 {
		t.Errorf("members_current has %d rows, want 2", n)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 0 {
		t.Errorf("orders has %d rows, want 0", n)
	}
}
