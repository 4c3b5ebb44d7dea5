package sql_test

import (
	"context"
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/sql"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// TestPickBothEnginesIntegration runs testdata/variants/probe on each
// engine: 18.16 must get and run the baseline, 26.7 the @23.8 variant (a
// window function). It also checks that the branch is needed, the @23.8
// statement failing on 18.16, and that the baseline still runs on 26.7.
func TestPickBothEnginesIntegration(t *testing.T) {
	t.Parallel()
	fsys := os.DirFS("testdata")
	ctx := context.Background()
	want := map[string]string{"clickhouse-18.16": "baseline", "chdb-26.7": "since 23.8"}
	vs, err := sql.Variants(fsys, "variants", "probe")
	if err != nil || len(vs) != 2 {
		t.Fatalf("Variants = %v, %v; want 2", vs, err)
	}
	for _, e := range chtest.EmptyEngines(t) {
		t.Run(e.Name, func(t *testing.T) {
			v, err := e.Conn.ServerVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			q, err := sql.Pick(fsys, "variants", "probe", v)
			if err != nil {
				t.Fatal(err)
			}
			if got := scanVariant(t, e, q); want[e.Name] != "" && got != want[e.Name] {
				t.Errorf("picked %q on %s, want %q", got, e.Name, want[e.Name])
			}
			// Every variant up to the server's version runs there; newer ones
			// are expected to fail on older servers (that is why they exist).
			for _, va := range vs {
				b, err := os.ReadFile("testdata/" + va.File)
				if err != nil {
					t.Fatal(err)
				}
				rows, err := e.Conn.Query(ctx, string(b))
				if err == nil {
					rows.Close()
				}
				if fits := v.AtLeast(va.Major, va.Minor); fits != (err == nil) {
					t.Errorf("%s on %s (%s): error %v, fits %v", va.File, e.Name, v, err, fits)
				}
			}
		})
	}
}

func scanVariant(t *testing.T, e chtest.Engine, q string) string {
	t.Helper()
	rows, err := e.Conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", e.Name, err)
	}
	defer rows.Close()
	var name string
	var n uint64
	for rows.Next() {
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%s: n = %d, want 1", e.Name, n)
	}
	return name
}
