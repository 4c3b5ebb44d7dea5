package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// biUser is a BI-style user as ClickHouse 18.16 expresses the shipped
// grants (deploy/clickhouse/users.xml: SELECT, SHOW on the main database
// only): readonly, and allowed the main database alone.
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

// TestWorkDatabaseHiddenFromBIUserIntegration: Open creates the work
// database beside the main one; a user allowed only the main database
// reads its tables but neither reads nor lists the work database's.
func TestWorkDatabaseHiddenFromBIUserIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := chtest.DBName(t)
	st := chtest.ServerWithUsers(t, map[string]string{"bi.xml": fmt.Sprintf(biUser, db)})
	cfg := config.Default().ClickHouse
	cfg.Addr, cfg.Database, cfg.ConnectAttempts = st.Addr(), db, 3
	runner, err := warehouse.Open(ctx, cfg, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer runner.Close()
	for _, q := range []string{
		"CREATE TABLE orders (k String) ENGINE = MergeTree() ORDER BY k",
		"CREATE TABLE " + warehouse.WorkTable(db, "orders_stage_x") + " AS orders",
	} {
		if err := runner.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	bi := cfg
	bi.User, bi.Password = "bi", config.Secret("bi-secret")
	conn, err := warehouse.Open(ctx, bi, warehouse.Options{NoCreateDatabase: true})
	if err != nil {
		t.Fatalf("open as the BI user: %v", err)
	}
	defer conn.Close()
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 0 {
		t.Errorf("BI user reads %d orders, want 0", n)
	}
	read := "SELECT count() FROM " + warehouse.WorkTable(db, "orders_stage_x")
	rows, err := conn.Query(ctx, read)
	if err == nil {
		rows.Close()
		t.Errorf("BI user ran %s, want access denied", read)
	} else if ex := (*clickhouse.Exception)(nil); !errors.As(err, &ex) {
		t.Errorf("%s: %v, want a server exception", read, err)
	}
	// SHOW TABLES of the main database, what BI tools list, shows no work
	// table. (18.16 lets any user read system.tables, so it could list the
	// work database's names; 23.8+ with the shipped grants does not.)
	if got := chtest.QueryString(t, conn, "SELECT arrayStringConcat(groupArray(name), ',') FROM system.tables WHERE database = currentDatabase()"); got != "orders" {
		t.Errorf("the BI user's database lists %q, want orders", got)
	}
}
