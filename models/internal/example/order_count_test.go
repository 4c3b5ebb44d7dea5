package example

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/report"
	"github.com/memberlytics/memberlytics/report/reporttest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func TestParamsValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if _, err := New(Params{WindowDays: 0}); err == nil || err.Error() != "models.order_count.window_days: must be at least 1, got 0" {
		t.Errorf("window_days 0: err = %v", err)
	}
}

func TestFromConfig(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"window_days: 30\n", ""},
		{"window_dayz: 30\n", "models.order_count.window_dayz (line 1): unknown key"},
		{"window_days: thirty\n", "models.order_count.window_days (line 1): want a whole number"},
	} {
		var section config.Params
		if err := yaml.Unmarshal([]byte(tt.yaml), &section); err != nil {
			t.Fatal(err)
		}
		m, err := FromConfig(section)
		switch {
		case tt.want == "" && (err != nil || m.p.WindowDays != 30):
			t.Errorf("%q: %v, %+v", tt.yaml, err, m)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: err = %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

// TestOrderCountIntegration runs the model twice for one as_of: the
// second run replaces the partition, and a later refund does not change
// what an earlier as_of counted.
func TestOrderCountIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	create, err := os.ReadFile("testdata/order_count.sql")
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, string(create)); err != nil {
		t.Fatal(err)
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO orders (order_id, member_id, ordered_at, amount, status, updated_at)")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { d, _ := time.Parse(time.DateTime, s); return d }
	for _, o := range []struct {
		id, member, ordered, status, updated string
	}{
		{"o1", "m1", "2024-03-01 10:00:00", "paid", "2024-03-01 10:00:00"},
		{"o2", "m1", "2024-03-20 10:00:00", "refunded", "2024-04-02 09:00:00"}, // refunded after as_of
		{"o3", "m2", "2024-03-31 23:00:00", "paid", "2024-03-31 23:00:00"},
		{"o4", "m2", "2024-04-01 01:00:00", "paid", "2024-04-01 01:00:00"}, // after as_of
	} {
		if err := b.Append(o.id, o.member, at(o.ordered), "10.00", o.status, at(o.updated)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	m, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	day, _ := asof.Parse("2024-03-31")
	for _, run := range []string{"r1", "r2"} {
		res, err := m.Run(ctx, models.Env{Conn: conn, RunID: run}, day)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows["order_count"] != 2 || res.Metrics["orders"] != 3 {
			t.Errorf("run %s: %v", run, res)
		}
	}
	got := chtest.Rows(t, conn, "SELECT member_id, toString(orders), run_id FROM order_count ORDER BY member_id")
	want := [][]string{{"m1", "2", "r2"}, {"m2", "1", "r2"}}
	if len(got) != len(want) || got[0][1] != "2" || got[1][1] != "1" || got[0][2] != "r2" {
		t.Errorf("order_count = %v, want %v", got, want)
	}
}

func TestSectionDeclared(t *testing.T) {
	if err := Section.Check(); err != nil {
		t.Error(err)
	}
}

// TestSectionIntegration: the model's report section, read and drawn by
// the report from the model's own folder, with the previous as_of's
// figures beside the as_of's, and a notice when the table is missing.
func TestSectionIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := chtest.Migrated(t)
	create, err := os.ReadFile("testdata/order_count.sql")
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, string(create)); err != nil {
		t.Fatal(err)
	}
	prev, _ := asof.Parse("2024-03-24")
	day, _ := asof.Parse("2024-03-31")
	var rows [][]any
	for i, n := range []uint64{1, 1, 2, 7, 5} {
		rows = append(rows, []any{day, fmt.Sprint("m", i), n, "r"}, []any{prev, fmt.Sprint("m", i), uint64(1), "r"})
	}
	chtest.Insert(t, conn, "INSERT INTO order_count (as_of, member_id, orders, run_id)", rows)
	r, err := report.Load(ctx, conn, day, Section)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Sections[0].Data.(*Buckets)
	if got.Members != [5]float64{2, 1, 0, 0, 2} || got.Prev != [5]float64{5, 0, 0, 0, 0} || !got.HasPrev {
		t.Errorf("buckets %+v", got)
	}
	for l, want := range map[report.Lang][]string{
		report.English: {`id="order_count"`, "Orders per member", `data-chart="order_count"`, "5+", "-60.0%"},
		report.Chinese: {"会员订单数", "窗口内已付订单数"},
	} {
		var page bytes.Buffer
		if err := report.Render(&page, r, report.Options{Lang: l}); err != nil {
			t.Fatal(err)
		}
		out := html.UnescapeString(page.String())
		reporttest.Contains(t, l, out, want...)
		if strings.Contains(out, "??") {
			t.Errorf("%s: an untranslated label", l)
		}
	}
	if err := conn.Exec(ctx, "DROP TABLE order_count"); err != nil {
		t.Fatal(err)
	}
	if r, err = report.Load(ctx, conn, day, Section); err != nil {
		t.Fatal(err)
	}
	if ms := r.Sections[0].Missing; len(ms) != 1 || ms[0].Table != "order_count" || ms[0].Reason != report.NoTable {
		t.Errorf("missing %+v, want order_count's table", ms)
	}
}
