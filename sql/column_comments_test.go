package sql_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/sql"
)

// Every column of every table and view the migrations leave (whatever
// tables exist then, the _latest and _current views included) has a
// comment that defines it, on each engine: BI tools show system.columns'
// comment as the field's description.
func TestColumnCommentsDefineIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) { // migrated: Up has run
		t.Run(e.Name, func(t *testing.T) {
			rows := chtest.Rows(t, e.Conn, "SELECT table, name, comment FROM system.columns WHERE database = currentDatabase() ORDER BY table, name")
			if len(rows) == 0 {
				t.Fatal("no columns in the migrated database")
			}
			for _, r := range rows {
				if why := weakComment(r[2]); why != "" {
					t.Errorf("%s.%s: comment %q %s", r[0], r[1], r[2], why)
				}
			}
		})
	}
}

// In cluster mode (ClickHouse 18.16 shards) every shard's tables, views,
// <table>_local and Distributed tables alike, carry defining comments too.
func TestColumnCommentsDefineClusterIntegration(t *testing.T) {
	t.Parallel()
	db, _ := chtest.MigratedCluster(t)
	for i, sh := range db.Shards {
		rows := chtest.Rows(t, sh, "SELECT table, name, comment FROM system.columns WHERE database = currentDatabase() ORDER BY table, name")
		if len(rows) == 0 {
			t.Fatalf("shard %d: no columns in the migrated database", i+1)
		}
		for _, r := range rows {
			if why := weakComment(r[2]); why != "" {
				t.Errorf("shard %d: %s.%s: comment %q %s", i+1, r[0], r[1], r[2], why)
			}
		}
	}
}

// biUser is the shipped BI user (deploy/clickhouse/users.xml: SELECT and
// SHOW on the main database only) as ClickHouse 18.16 expresses it.
const biUser = `<?xml version="1.0"?>
<yandex>
    <profiles><bi><readonly>1</readonly></bi></profiles>
    <users>
        <bi>
            <password>bi-secret</password>
            <networks><ip>::1</ip><ip>127.0.0.1</ip></networks>
            <profile>bi</profile>
            <quota>default</quota>
            <allow_databases><database>%s</database></allow_databases>
        </bi>
    </users>
</yandex>
`

// The BI user reads the column definitions where BI tools look for them,
// system.columns, for a _latest view as for its table (on 18.16; 23.8+
// shows system.columns to a user with SHOW on the database).
func TestBIUserReadsColumnCommentsIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := chtest.DBName(t)
	st := chtest.ServerWithUsers(t, map[string]string{"bi.xml": fmt.Sprintf(biUser, db)})
	cfg := config.Default().ClickHouse
	cfg.Addr, cfg.Database, cfg.ConnectAttempts = st.Addr(), db, 3
	owner, err := warehouse.Open(ctx, cfg, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	r, err := migrate.New(owner, sql.Migrations(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Up(ctx); err != nil {
		t.Fatal(err)
	}
	bi := cfg
	bi.User, bi.Password = "bi", config.Secret("bi-secret")
	conn, err := warehouse.Open(ctx, bi, warehouse.Options{NoCreateDatabase: true})
	if err != nil {
		t.Fatalf("open as the BI user: %v", err)
	}
	defer conn.Close()
	rows := chtest.Rows(t, conn, "SELECT table, comment FROM system.columns WHERE database = currentDatabase() AND name = 'monetary' AND table IN ('member_profile', 'member_profile_latest') ORDER BY table")
	if len(rows) != 2 || rows[0][1] == "" || rows[0][1] != rows[1][1] {
		t.Errorf("the BI user reads %q, want the same definition of monetary for member_profile and member_profile_latest", rows)
	}
}

var (
	// reference is another object's column or a config key: rfm.monetary,
	// models.rfm.window_days.
	reference = regexp.MustCompile(`\b[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+\b`)
	word      = regexp.MustCompile(`[A-Za-z]{2,}`)
	seeFirst  = regexp.MustCompile(`(?i)^(?:see|cf\.?|same as|as in|as)\b`)
)

// weakComment says why comment does not define its column, or "" when it
// may: it is empty; it opens by pointing elsewhere ("see x", "as x") or
// with another column's name (rfm.monetary ...) instead of saying what the
// value is; or, references aside, it has fewer than two words.
func weakComment(comment string) string {
	c := strings.TrimSpace(comment)
	switch {
	case c == "":
		return "is empty (a view named <table>_latest or <table>_current takes <table>'s column comments; another view needs a column list with COMMENTs)"
	case seeFirst.MatchString(c):
		return "only points elsewhere; say what the value is"
	case reference.FindStringIndex(c) != nil && reference.FindStringIndex(c)[0] == 0:
		return "opens with another column's name; say what the value is (unit, window, NULL meaning) first"
	case len(word.FindAllString(reference.ReplaceAllString(c, ""), -1)) < 2:
		return "is too short to define the value"
	}
	return ""
}

func TestWeakComment(t *testing.T) {
	t.Parallel()
	for c, weak := range map[string]bool{
		"":                                       true,
		"  ":                                     true,
		"rfm.monetary":                           true,
		"rfm.m_score (0 = no rfm row or lapsed)": true,
		"see engagement.score":                   true,
		"As driver_1":                            true,
		"members.gender":                         true,
		"Score":                                  true,
		"tiers.tier; the level held":             true,
		"Member key":                             false,
		"Net spend in the window (models.rfm.window_days days ending at as_of), in the brand currency": false,
		"Second reason for the score, as driver_1; empty when none":                                    false,
		"aov_recent / aov_prior - 1; NULL unless both periods have paid orders":                        false,
		"Lineage: load_files.file_id of the file this row came from":                                   false,
	} {
		if got := weakComment(c) != ""; got != weak {
			t.Errorf("weakComment(%q) = %q, want weak %v", c, weakComment(c), weak)
		}
	}
}
