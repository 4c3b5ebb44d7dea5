package occasions

import (
	"context"
	"fmt"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models/engagement"
	"github.com/memberlytics/memberlytics/models/lifecycle"
	"github.com/memberlytics/memberlytics/models/profile"
	"github.com/memberlytics/memberlytics/models/rfm"
	"github.com/memberlytics/memberlytics/models/tiers"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/models"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func TestParamsValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for days, want := range map[int]string{
		0:   "models.occasions.days: must be 1 to 365, got 0",
		366: "models.occasions.days: must be 1 to 365, got 366",
	} {
		if _, err := New(Params{Days: days}); err == nil || err.Error() != want {
			t.Errorf("days %d: err = %v, want %s", days, err, want)
		}
	}
	cfg := config.Default()
	if err := config.Parse([]byte("models:\n  occasions:\n    dayz: 7\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := FromConfig(cfg.Models.Occasions); err == nil || !strings.Contains(err.Error(), "models.occasions.dayz (line 3)") {
		t.Errorf("unknown key: err = %v", err)
	}
	cfg = config.Default()
	if err := config.Parse([]byte("models:\n  occasions:\n    days: 30\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	if m, err := FromConfig(cfg.Models.Occasions); err != nil || m.Params().Days != 30 {
		t.Errorf("days 30: %v, %v", m, err)
	}
}

// member is one test member: birth_date as the loaders write it (text,
// any year), the legacy birthday column, and when it joined (UTC).
type member struct {
	id, birthDate string
	birthday      *time.Time
	joined        string
}

func insertMembers(t *testing.T, conn warehouse.Conn, ms []member) {
	t.Helper()
	ctx := context.Background()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO members (member_id, joined_at, birthday, birth_date, gender, region, channel, source_tier, updated_at, file_id, loaded_at)")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		j, err := time.Parse(time.DateTime, m.joined)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Append(m.id, j, m.birthday, m.birthDate, "", "", "", "", j, "test", j); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

// TestOccasionsIntegration lists birthdays and anniversaries for several
// as_of dates on both engines, in the Asia/Shanghai business zone: a 1965
// birthday, the first and last day of the 14-day horizon and the day
// after it, a list across the new year, a Feb 29 birthday and joined date
// on Feb 28 in 2027 and on Feb 29 in 2028, a date of birth in the legacy
// birthday column only, an impossible date (counted, not listed), a
// member who joined after as_of, and a joined time that is the next day
// in the business zone. A re-run replaces the partition.
func TestOccasionsIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	legacy := time.Date(1980, 12, 7, 0, 0, 0, 0, time.UTC)
	ms := []member{
		{id: "A1965", birthDate: "1965-12-10", joined: "2020-01-15 02:00:00"},
		{id: "Btoday", birthDate: "1990-12-05", joined: "2020-03-15 02:00:00"},
		{id: "Clast", birthDate: "1999-12-18", joined: "2020-03-15 02:00:00"},
		{id: "Dafter", birthDate: "1970-12-19", joined: "2020-03-15 02:00:00"},
		{id: "Eleap", birthDate: "1988-02-29", joined: "2020-03-15 02:00:00"},
		{id: "Fnone", birthDate: "", joined: "2020-03-15 02:00:00"},
		{id: "Gbad", birthDate: "2001-04-31", joined: "2020-03-15 02:00:00"},
		{id: "Hlegacy", birthday: &legacy, joined: "2020-03-15 02:00:00"},
		{id: "Inewyear", birthDate: "1975-01-03", joined: "2020-03-15 02:00:00"},
		{id: "Janniv", birthDate: "", joined: "2021-12-08 02:00:00"},
		{id: "Klocal", birthDate: "", joined: "2021-12-08 20:00:00"}, // 2021-12-09 04:00 in Shanghai
		{id: "Lfeb29", birthDate: "", joined: "2024-02-29 02:00:00"},
		{id: "Mlater", birthDate: "1960-12-06", joined: "2026-12-05 17:00:00"}, // 2026-12-06 01:00 in Shanghai: after the first as_of
		{id: "Nyear1", birthDate: "", joined: "2025-12-05 02:00:00"},
	}
	cases := []struct {
		asOf string
		want []string // member occasion occasion_date days_until years source_date
	}{
		{"2026-12-05", []string{
			"A1965 birthday 2026-12-10 5 61 1965-12-10",
			"Btoday birthday 2026-12-05 0 36 1990-12-05",
			"Clast birthday 2026-12-18 13 27 1999-12-18",
			"Hlegacy birthday 2026-12-07 2 46 1980-12-07",
			"Janniv anniversary 2026-12-08 3 5 2021-12-08",
			"Klocal anniversary 2026-12-09 4 5 2021-12-09",
			"Nyear1 anniversary 2026-12-05 0 1 2025-12-05",
		}},
		{"2026-12-25", []string{
			"Inewyear birthday 2027-01-03 9 52 1975-01-03",
		}},
		{"2027-02-20", []string{
			"Eleap birthday 2027-02-28 8 39 1988-02-29",
			"Lfeb29 anniversary 2027-02-28 8 3 2024-02-29",
		}},
		{"2028-02-20", []string{
			"Eleap birthday 2028-02-29 9 40 1988-02-29",
			"Lfeb29 anniversary 2028-02-29 9 4 2024-02-29",
		}},
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			insertMembers(t, e.Conn, ms)
			for _, c := range cases {
				day, err := asof.Parse(c.asOf)
				if err != nil {
					t.Fatal(err)
				}
				res, err := m.Run(ctx, models.Env{Conn: e.Conn, Location: shanghai, RunID: "r-" + c.asOf}, day)
				if err != nil {
					t.Fatal(err)
				}
				got := chtest.Rows(t, e.Conn, `SELECT concat(member_id, ' ', occasion, ' ', toString(occasion_date), ' ', toString(days_until), ' ',
					toString(years), ' ', source_date) FROM occasions WHERE as_of = ? ORDER BY member_id, occasion`, c.asOf)
				var lines []string
				for _, r := range got {
					lines = append(lines, r[0])
				}
				if !slices.Equal(lines, c.want) {
					t.Errorf("%s: occasions\n%s\nwant\n%s", c.asOf, strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
				}
				if res.Rows["occasions"] != uint64(len(c.want)) || res.Metrics["invalid_birth_dates"] != 1 {
					t.Errorf("%s: result %+v, want %d rows and 1 invalid birth date", c.asOf, res, len(c.want))
				}
			}
			// A re-run replaces the partition.
			day, _ := asof.Parse("2026-12-05")
			if _, err := m.Run(ctx, models.Env{Conn: e.Conn, Location: shanghai, RunID: "again"}, day); err != nil {
				t.Fatal(err)
			}
			if n, again := chtest.QueryUint(t, e.Conn, "SELECT count() FROM occasions WHERE as_of = '2026-12-05'"),
				chtest.QueryUint(t, e.Conn, "SELECT count() FROM occasions WHERE as_of = '2026-12-05' AND run_id = 'again'"); n != 7 || again != 7 {
				t.Errorf("re-run: %d rows, %d of the re-run; want 7 and 7", n, again)
			}
		})
	}
}

// TestProfilePublishesOccasionsIntegration runs occasions and
// member_profile (with occasions as a dependency) on one server and on
// the two-shard cluster: segment_members holds family occasion, one row
// per listed occasion, segment birthday or anniversary, in the same
// partition as the profile's other families; the cluster gives the
// server's rows, and the sharded occasions rows live on both shards.
func TestProfilePublishesOccasionsIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var ms []member
	for i := range 200 {
		// Birthdays spread over 1950-1999, one a day from 2026-11-28 on.
		bd := time.Date(1950+i%50, 11, 28, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%40)
		ms = append(ms, member{id: fmt.Sprintf("M%03d", i), birthDate: bd.Format(time.DateOnly), joined: "2023-12-01 02:00:00"})
	}
	single := chtest.Migrated(t)
	db, cluster := chtest.MigratedCluster(t)
	m, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	day, _ := asof.Parse("2026-12-05")
	var results [][][]string
	for _, conn := range []warehouse.Conn{single, cluster} {
		insertMembers(t, conn, ms)
		reg := models.NewRegistry()
		for _, x := range []models.Model{modeltest.Must(rfm.New(rfm.DefaultParams())), modeltest.Must(engagement.New(engagement.DefaultParams())), modeltest.Must(lifecycle.New(lifecycle.DefaultParams())),
			modeltest.Must(tiers.New(tiers.DefaultParams())), m, profile.New("occasions")} {
			if err := reg.Add(x); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := models.RunAll(ctx, reg, models.Env{Conn: conn, Location: time.UTC, RunID: "p1"}, nil, day); err != nil {
			t.Fatal(err)
		}
		seg := chtest.Rows(t, conn, "SELECT segment, member_id FROM segment_members WHERE as_of = '2026-12-05' AND family = 'occasion' ORDER BY segment, member_id")
		occ := chtest.Rows(t, conn, "SELECT occasion, member_id FROM occasions WHERE as_of = '2026-12-05' ORDER BY occasion, member_id")
		if len(seg) == 0 || !slices.EqualFunc(seg, occ, slices.Equal[[]string]) {
			t.Errorf("segment_members family occasion %v, want the occasions rows %v", seg, occ)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM segment_members WHERE as_of = '2026-12-05' AND family = 'occasion' AND run_id != 'p1'"); n != 0 {
			t.Errorf("%d occasion rows of another run", n)
		}
		results = append(results, seg)
	}
	// The anniversary (2023-12-01) is outside the horizon; the birthdays
	// of 2026-12-05 to 2026-12-18 are the 14 days of i%40 in 7..20.
	if want := 14 * 5; len(results[0]) != want {
		t.Errorf("server: %d occasion rows, want %d", len(results[0]), want)
	}
	if !slices.EqualFunc(results[0], results[1], slices.Equal[[]string]) {
		t.Errorf("cluster rows %v differ from the server's %v", results[1], results[0])
	}
	for i, sh := range db.Shards {
		if n := chtest.QueryUint(t, sh, "SELECT count() FROM occasions_local"); n == 0 {
			t.Errorf("shard %d holds no occasions rows", i+1)
		}
	}
}

// TestExampleConfig: the keys deploy/memberlytics.example.yaml documents
// decode into the model's parameters.
func TestExampleConfig(t *testing.T) {
	cfg, err := config.Load("../../deploy/memberlytics.example.yaml", true, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromConfig(cfg.Models.Occasions)
	if err != nil || m.Params().Days != 14 {
		t.Fatalf("example config: %v, %v", m, err)
	}
}
