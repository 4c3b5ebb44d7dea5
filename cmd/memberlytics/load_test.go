package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestLoadCmdIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	env := map[string]string{
		config.EnvAddr:     chtest.Config(t, conn.Database()).Addr,
		config.EnvDatabase: conn.Database(),
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "memberlytics.yaml")
	os.WriteFile(cfg, []byte(`loaders:
  sources:
    shop:
      kind: orders
      delimiter: ";"
      timezone: Asia/Shanghai
      columns: {No: order_id, Who: member_id, When: ordered_at, Paid: amount}
`), 0o644)
	in := filepath.Join(dir, "in")
	os.MkdirAll(in, 0o755)
	os.WriteFile(filepath.Join(in, "a.csv"), []byte("No;Who;When;Paid\nA1;M1;2024-03-01 20:00:00;1.50\nA2;M1;2024-03-02 20:00:00;oops\n"), 0o644)
	os.WriteFile(filepath.Join(in, "b.csv"), []byte("No;Who;When;Paid\nB1;M2;2024-03-01 08:00:00;2\n"), 0o644)

	out, err := run(t, env, "--config", cfg, "load", "--source", "shop", in)
	if err == nil || !strings.Contains(out, "a.csv: FAILED") || !strings.Contains(out, "a.csv:3: amount: not a decimal number") {
		t.Fatalf("first load: err %v, output:\n%s\nwant a.csv to fail (1 of 2 rows rejected) with its first reject", err, out)
	}
	if !strings.Contains(out, "b.csv: 1 rows loaded, 0 rejected") {
		t.Errorf("b.csv summary missing:\n%s", out)
	}
	out, err = run(t, env, "--config", cfg, "load", "--source", "shop", filepath.Join(in, "b.csv"))
	if err != nil || !strings.Contains(out, "already loaded at") || !strings.Contains(out, "--force") {
		t.Errorf("reload: err %v, output:\n%s", err, out)
	}
	rows, err := conn.Query(context.Background(), "SELECT toString(ordered_at) FROM orders_current WHERE order_id = 'B1'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var at string
	if !rows.Next() || rows.Scan(&at) != nil || at != "2024-03-01 00:00:00" {
		t.Errorf("B1 ordered_at = %q, want 2024-03-01 00:00:00 (08:00 Shanghai)", at)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"load", in}, "--kind"},
		{[]string{"load", "--kind", "orders"}, "name at least one file"},
		{[]string{"load", "--source", "nope", in}, "no such source"},
		{[]string{"load", "--source", "shop", "--kind", "events", in}, "contradicts"},
		{[]string{"load", "--kind", "orders", filepath.Join(in, "*.nothing")}, "no file matches"},
		// Hashed /dev/zero for ever at 99% CPU, deaf to SIGTERM.
		{[]string{"load", "--kind", "orders", "--format", "csv", "/dev/zero"}, "/dev/zero: not a regular file: a character device"},
	} {
		out, err := run(t, env, append([]string{"--config", cfg}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("%v: err %v, output %q; want an error containing %q", tc.args, err, out, tc.want)
		}
	}
}
