package nextcategory

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/models"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func TestParamsValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultParams().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, tt := range []struct {
		edit func(*Params)
		want string
	}{
		{func(p *Params) { p.WindowDays = 0 }, "models.next_category.window_days: must be at least 1, got 0"},
		{func(p *Params) { p.Level = 4 }, "models.next_category.level: must be 1, 2 or 3, got 4"},
		{func(p *Params) { p.Level = 0 }, "models.next_category.level: must be 1, 2 or 3, got 0"},
		{func(p *Params) { p.HorizonDays = -1 }, "models.next_category.horizon_days: must be at least 1, got -1"},
		{func(p *Params) { p.MinPairMembers = 0 }, "models.next_category.min_pair_members: must be at least 1, got 0"},
	} {
		p := DefaultParams()
		tt.edit(&p)
		if _, err := New(p); err == nil || err.Error() != tt.want {
			t.Errorf("err = %v, want %s", err, tt.want)
		}
	}
}

func TestFromConfig(t *testing.T) {
	t.Parallel()
	section := func(src string) config.Params {
		var p config.Params
		if err := yaml.Unmarshal([]byte(src), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m, err := FromConfig(section("level: 1\nhorizon_days: 30\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.p != (Params{WindowDays: 365, Level: 1, HorizonDays: 30, MinPairMembers: 5}) {
		t.Errorf("decoded %+v", m.p)
	}
	if _, err := FromConfig(section("horizon: 30\n")); err == nil || !strings.Contains(err.Error(), "models.next_category.horizon") {
		t.Errorf("unknown key: err = %v", err)
	}
	if _, err := FromConfig(section("level: 5\n")); err == nil || !strings.Contains(err.Error(), "models.next_category.level") {
		t.Errorf("bad value: err = %v", err)
	}
}

// fixture orders, one line each at level 1: m1 beauty x2 and home before
// the horizon, fashion in it; m2 beauty and home; m3 beauty and fashion;
// m4 home x2.
var fixture = []struct{ order, member, at, category string }{
	{"o1", "m1", "2024-01-10 10:00:00", "beauty/skincare/serum"},
	{"o2", "m1", "2024-02-10 10:00:00", "beauty/makeup/lipstick"},
	{"o3", "m1", "2024-03-10 10:00:00", "home/kitchen/cookware"},
	{"o4", "m2", "2024-01-11 10:00:00", "beauty/skincare/serum"},
	{"o5", "m2", "2024-01-12 10:00:00", "home/kitchen/cookware"},
	{"o6", "m3", "2024-01-13 10:00:00", "beauty/skincare/serum"},
	{"o7", "m3", "2024-02-13 10:00:00", "fashion/women/dresses"},
	{"o8", "m4", "2024-01-14 10:00:00", "home/kitchen/cookware"},
	{"o9", "m4", "2024-02-14 10:00:00", "home/decor/candles"},
	{"o10", "m1", "2024-06-15 10:00:00", "fashion/women/dresses"},
}

func loadFixture(t *testing.T, conn warehouse.Conn) {
	t.Helper()
	ctx := context.Background()
	at := func(s string) time.Time { d, _ := time.Parse(time.DateTime, s); return d }
	ob, err := conn.PrepareBatch(ctx, "INSERT INTO orders (order_id, member_id, ordered_at, amount, status, updated_at)")
	if err != nil {
		t.Fatal(err)
	}
	ib, err := conn.PrepareBatch(ctx, "INSERT INTO order_items (order_id, line_no, member_id, category, category_l1, category_l2, category_l3, quantity, amount, updated_at)")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range fixture {
		if err := ob.Append(o.order, o.member, at(o.at), "10.00", "paid", at(o.at)); err != nil {
			t.Fatal(err)
		}
		lv := strings.Split(o.category, "/")
		if err := ib.Append(o.order, uint32(1), o.member, o.category, lv[0], lv[1], lv[2], uint32(1), "10.00", at(o.at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ob.Send(); err != nil {
		t.Fatal(err)
	}
	if err := ib.Send(); err != nil {
		t.Fatal(err)
	}
}

// checkFixture runs the model at level 1 twice for 2024-06-30 with a
// 30-day horizon. Evaluation: m1 is the one member with a purchase in the
// horizon (fashion); fitted before it, m1's top three are fashion
// (2 x lift(beauty, fashion) = 2.667), home, beauty: a hit, and so is the
// most-popular baseline (beauty, home, fashion). Published, fitted on all
// orders: m3 (beauty, fashion) gets beauty 1.778 (lift(beauty, beauty)
// 0.444 + lift(fashion, beauty) 1.333), home 1.556, fashion 1.333; m4
// (home x2) beauty 1.778, fashion 1.333, home 0.889.
// cells, when not 0, bounds the members of one pairs chunk and the score
// cells of one predict chunk (so 1 gives each member chunks of its own).
func checkFixture(t *testing.T, conn warehouse.Conn, cells uint64) {
	t.Helper()
	ctx := context.Background()
	loadFixture(t, conn)
	m, err := New(Params{WindowDays: 365, Level: 1, HorizonDays: 30, MinPairMembers: 1})
	if err != nil {
		t.Fatal(err)
	}
	m.cells = cells
	day, _ := asof.Parse("2024-06-30")
	for _, run := range []string{"r1", "r2"} {
		res, err := m.Run(ctx, models.Env{Conn: conn, RunID: run}, day)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows["next_category"] != 12 || res.Metrics["members"] != 4 || res.Metrics["eval_members"] != 1 ||
			res.Metrics["hit_at_3"] != 1 || res.Metrics["baseline_hit_at_3"] != 1 {
			t.Errorf("run %s: %+v", run, res)
		}
	}
	got := chtest.Rows(t, conn, `SELECT member_id, toString(rank), category, toString(round(score, 3)), toString(level), run_id
		FROM next_category WHERE as_of = '2024-06-30' AND member_id IN ('m3', 'm4') ORDER BY member_id, rank`)
	want := [][]string{
		{"m3", "1", "beauty", "1.778", "1", "r2"}, {"m3", "2", "home", "1.556", "1", "r2"}, {"m3", "3", "fashion", "1.333", "1", "r2"},
		{"m4", "1", "beauty", "1.778", "1", "r2"}, {"m4", "2", "fashion", "1.333", "1", "r2"}, {"m4", "3", "home", "0.889", "1", "r2"},
	}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for i := range want {
		if strings.Join(got[i], " ") != strings.Join(want[i], " ") {
			t.Errorf("row %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestNextCategoryIntegration checks lift, scores, ranks and the
// evaluation on hand-made data on both engines; a re-run replaces the
// partition.
func TestNextCategoryIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { checkFixture(t, e.Conn, 0) })
	}
}

// TestChunkedPredictIntegration: counting pairs and scoring the members
// in chunks by member hash (one member a pairs chunk, one cell a scores
// chunk) gives the same rows, on both engines.
func TestChunkedPredictIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { checkFixture(t, e.Conn, 1) })
	}
}

// TestNextCategoryClusterIntegration: the same in cluster mode.
func TestNextCategoryClusterIntegration(t *testing.T) {
	t.Parallel()
	_, cc := chtest.MigratedCluster(t)
	checkFixture(t, cc, 0)
}

var (
	genOnce sync.Once
	genDir  string
	genErr  error
)

// TestBeatsMostPopularIntegration: on generated data (default options,
// 3000 members) next_category's hit rate at 3 over the last 90 days
// beats the most-popular baseline's, on both engines. The generator has
// no sequential signal: each line's category is an independent draw from
// the member's fixed preference, so what the model learns is that members
// keep buying what they bought (the repeat pairs a = b) plus the
// categories their co-buyers favour.
func TestBeatsMostPopularIntegration(t *testing.T) {
	t.Parallel()
	genOnce.Do(func() {
		if genDir, genErr = os.MkdirTemp("", "memberlytics-nextcat-"); genErr != nil {
			return
		}
		o := datagen.DefaultOptions()
		o.Members = 3000
		o.OutDir = genDir
		_, genErr = datagen.Generate(context.Background(), o)
	})
	if genErr != nil {
		t.Fatalf("generate test data: %v", genErr)
	}
	ctx := context.Background()
	m, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	day, _ := asof.Parse("2025-12-31")
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			if err := genload.Orders(ctx, e.Conn, genDir, nil); err != nil {
				t.Fatal(err)
			}
			if err := genload.Items(ctx, e.Conn, genDir, nil); err != nil {
				t.Fatal(err)
			}
			res, err := m.Run(ctx, models.Env{Conn: e.Conn, RunID: "r"}, day)
			if err != nil {
				t.Fatal(err)
			}
			hit, base, n := res.Metrics["hit_at_3"], res.Metrics["baseline_hit_at_3"], res.Metrics["eval_members"]
			t.Logf("%s: hit@3 %.3f vs most popular %.3f over %.0f members", e.Name, hit, base, n)
			if n < 200 || hit <= base {
				t.Errorf("hit@3 %.3f, most popular %.3f over %.0f members: want more than the baseline over at least 200", hit, base, n)
			}
		})
	}
}
