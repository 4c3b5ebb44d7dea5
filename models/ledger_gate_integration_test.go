package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/clv"
	"github.com/memberlytics/memberlytics/models/cohorts"
	"github.com/memberlytics/memberlytics/models/rfm"
)

// gateFixture is 120 members of a file the ledger does not know (so
// visible), member i buying on 1 + i%6 days of 2023-2024, and the orders
// of 12 more members u00..u11 whose members rows come from file
// "unpublished" (gateLoad).
func gateFixture() modeltest.Fixture {
	var f modeltest.Fixture
	order := func(id string, i int) {
		for k := 0; k <= i%6; k++ {
			d := time.Date(2023, 1, 2, 10, 0, 0, 0, time.UTC).AddDate(0, 0, (i*37+k*97)%700)
			f.Orders = append(f.Orders, modeltest.Order{Member: id, At: d.Format("2006-01-02 15:04:05"), Amount: float64(20 + (i*7+k*13)%50)})
		}
	}
	for i := 0; i < 120; i++ {
		id := fmt.Sprintf("m%03d", i)
		f.Members = append(f.Members, modeltest.Member{ID: id, Joined: "2023-01-01 00:00:00"})
		order(id, i)
	}
	for i := 0; i < 12; i++ {
		order(fmt.Sprintf("u%02d", i), i)
	}
	return f
}

// gateLoad loads gateFixture and the members u00..u11 with file_id
// "unpublished", whose only ledger row is an attempt still 'loading': a
// members file whose load stopped after staging (or after some shards'
// attaches) and before the ledger said loaded.
func gateLoad(t *testing.T, conn warehouse.Conn) {
	t.Helper()
	ctx := context.Background()
	gateFixture().Load(t, conn)
	if err := conn.Exec(ctx, `INSERT INTO members (member_id, joined_at, updated_at, file_id)
		SELECT concat(if(number < 10, 'u0', 'u'), toString(number)), toDateTime('2023-01-01 00:00:00', 'UTC'), toDateTime('2023-01-01 00:00:00', 'UTC'), 'unpublished'
		FROM system.numbers LIMIT 12`); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, `INSERT INTO load_files (file_id, attempt_id, path, kind, status, started_at, finished_at, version)
		SELECT 'unpublished', 'a1', 'members-2.csv', 'members', 'loading', now(), now(), 1`); err != nil {
		t.Fatal(err)
	}
}

// gateModels runs rfm, cohorts (by first order) and clv for 2024-12-31
// and returns how many of the unpublished file's members each counted,
// and how many members in all.
func gateModels(t *testing.T, conn warehouse.Conn, run string) (unpublished, all map[string]uint64) {
	t.Helper()
	cp := clv.DefaultParams()
	cp.MaxSpendCorrelation, cp.L2Penalty = 1, 0.1
	ms := []models.Model{
		modeltest.Must(rfm.New(rfm.DefaultParams())),
		modeltest.Must(cohorts.New(cohorts.DefaultParams())),
		modeltest.Must(clv.New(cp)),
	}
	for _, m := range ms {
		if _, err := models.RunOne(context.Background(), m, models.Env{Conn: conn, Location: time.UTC, RunID: run}, modeltest.AsOf(t, "2024-12-31")); err != nil {
			t.Fatalf("%s: %v", m.Name(), err)
		}
	}
	unpublished = map[string]uint64{
		"rfm": chtest.QueryUint(t, conn, "SELECT count() FROM rfm WHERE as_of = '2024-12-31' AND startsWith(member_id, 'u')"),
		"clv": chtest.QueryUint(t, conn, "SELECT count() FROM clv WHERE as_of = '2024-12-31' AND startsWith(member_id, 'u')"),
	}
	all = map[string]uint64{
		"rfm":     chtest.QueryUint(t, conn, "SELECT count() FROM rfm WHERE as_of = '2024-12-31'"),
		"clv":     chtest.QueryUint(t, conn, "SELECT count() FROM clv WHERE as_of = '2024-12-31'"),
		"cohorts": chtest.QueryUint(t, conn, "SELECT sum(cohort_size) FROM cohorts WHERE as_of = '2024-12-31' AND period_type = 'month' AND period = 0"),
	}
	return unpublished, all
}

// checkGate: while the members file is unpublished, rfm, cohorts and clv
// count only the 120 published members; once the ledger records the file
// loaded, the same rows count and the 12 members join.
func checkGate(t *testing.T, conn warehouse.Conn) {
	t.Helper()
	un, all := gateModels(t, conn, "gated")
	for _, m := range []string{"rfm", "clv"} {
		if un[m] != 0 {
			t.Errorf("%s has %d rows of members of an unpublished file, want 0", m, un[m])
		}
	}
	for _, m := range []string{"rfm", "clv", "cohorts"} {
		if all[m] != 120 {
			t.Errorf("%s counts %d members with the members file unpublished, want 120", m, all[m])
		}
	}
	if err := conn.Exec(context.Background(), `INSERT INTO load_files (file_id, attempt_id, path, kind, status, started_at, finished_at, version)
		SELECT 'unpublished', 'a2', 'members-2.csv', 'members', 'loaded', now(), now(), 2`); err != nil {
		t.Fatal(err)
	}
	un, all = gateModels(t, conn, "published")
	for _, m := range []string{"rfm", "clv"} {
		if un[m] != 12 {
			t.Errorf("%s has %d rows of the file's members once it is loaded, want 12", m, un[m])
		}
	}
	for _, m := range []string{"rfm", "clv", "cohorts"} {
		if all[m] != 132 {
			t.Errorf("%s counts %d members once the file is loaded, want 132", m, all[m])
		}
	}
}

// TestMemberReadsGatedOnLedgerIntegration: rfm, cohorts and clv read the
// members table only through the ledger gate of the _current views
// (migration 090), on both engines.
func TestMemberReadsGatedOnLedgerIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			gateLoad(t, e.Conn)
			checkGate(t, e.Conn)
		})
	}
}

// TestClusterMemberReadsGatedOnLedgerIntegration: the same in cluster
// mode, where rfm's and cohorts' member filters run on the shards.
func TestClusterMemberReadsGatedOnLedgerIntegration(t *testing.T) {
	t.Parallel()
	db, cc := chtest.MigratedCluster(t)
	gateLoad(t, cc)
	for i, sh := range db.Shards {
		if n := chtest.QueryUint(t, sh, "SELECT count() FROM members_local WHERE file_id = 'unpublished'"); n == 0 {
			t.Fatalf("shard %d holds none of the unpublished file's members; the test needs both", i+1)
		}
	}
	checkGate(t, cc)
}
