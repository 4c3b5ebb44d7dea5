package modeltest

import (
	"context"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// LoadUnpublished inserts member versions vs with file_id fileID and a
// ledger row for the file whose attempt is still 'loading': a members
// file whose load stopped after staging, or after some shards' attaches,
// and before the ledger said loaded. Publish records it loaded.
func LoadUnpublished(t testing.TB, conn warehouse.Conn, fileID string, vs ...MemberVersion) {
	t.Helper()
	ctx := context.Background()
	for _, m := range vs {
		b, err := conn.PrepareBatch(ctx, "INSERT INTO members (member_id, joined_at, source_tier, updated_at, file_id)")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Append(m.ID, TS(t, m.Joined), m.Tier, TS(t, m.Updated), fileID); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
	}
	ledger(t, conn, fileID, "a1", "loading", 1)
}

// Publish records the file of LoadUnpublished loaded by a second attempt.
func Publish(t testing.TB, conn warehouse.Conn, fileID string) {
	t.Helper()
	ledger(t, conn, fileID, "a2", "loaded", 2)
}

func ledger(t testing.TB, conn warehouse.Conn, fileID, attempt, status string, version uint64) {
	t.Helper()
	if err := conn.Exec(context.Background(), `INSERT INTO load_files (file_id, attempt_id, path, kind, status, started_at, finished_at, version)
		SELECT ?, ?, 'members.csv', 'members', ?, now(), now(), ?`, fileID, attempt, status, version); err != nil {
		t.Fatalf("write the ledger row of %s: %v", fileID, err)
	}
}
