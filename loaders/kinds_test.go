package loaders_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/loaders"
)

// itemRow is one row of order_items_current, as text.
type itemRow struct{ order, line, member, l1, l2, l3, qty, amount string }

func itemRows(t *testing.T, conn chtest.Querier) []itemRow {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT order_id, toString(line_no), member_id, category_l1, category_l2, category_l3,
		toString(quantity), toString(amount) FROM order_items_current ORDER BY order_id, line_no`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []itemRow
	for rows.Next() {
		var r itemRow
		if err := rows.Scan(&r.order, &r.line, &r.member, &r.l1, &r.l2, &r.l3, &r.qty, &r.amount); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestItemsIntegration loads order lines on both engines: member_id is
// taken from orders when the file has none (over several blocks), the
// category path is split into levels, an item of an unknown order loads
// and is counted, a negative amount is refused with its line, and a line
// re-sent with a later updated_at replaces the earlier one.
func TestItemsIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			conn := e.Conn
			load(t, conn, loaders.Options{Kind: loaders.Orders}, writeFile(t, "orders.csv",
				"order_id,member_id,ordered_at,amount,updated_at\n"+
					"O1,M1,2024-01-01T10:00:00Z,15.50,2024-01-01T10:00:00Z\n"+
					"O2,M9,2024-01-02T10:00:00Z,4.00,2024-01-02T10:00:00Z\n"))
			// O2 moved to member M2 by a later version: the latest wins.
			load(t, conn, loaders.Options{Kind: loaders.Orders}, writeFile(t, "orders-fix.csv",
				"order_id,member_id,ordered_at,amount,updated_at\n"+
					"O2,M2,2024-01-02T10:00:00Z,4.00,2024-01-03T10:00:00Z\n"))

			res := load(t, conn, loaders.Options{Kind: loaders.Items, BatchRows: 2, MaxRejectRatio: 0.5}, writeFile(t, "items.csv",
				"order_id,line_no,sku,category,quantity,amount,updated_at\n"+
					"O1,1,SKU1,beauty/skincare/serum,2,10.00,2024-01-01T10:00:00Z\n"+
					"O1,2,SKU2, /home//kitchen/ ,1,5.50,2024-01-01T10:00:00Z\n"+
					"O2,1,SKU3,a/b/c/d,1,3.00,2024-01-02T10:00:00Z\n"+
					"O9,1,SKU4,toys,1,1.00,2024-01-02T10:00:00Z\n"+
					"O2,2,SKU5,toys,1,-1.00,2024-01-02T10:00:00Z\n"))
			if res.Rows != 4 || res.Rejected != 1 || res.UnknownOrders != 1 {
				t.Errorf("rows %d, rejected %d, unknown orders %d; want 4, 1, 1", res.Rows, res.Rejected, res.UnknownOrders)
			}
			if want := []loaders.Reject{{Line: 6, Column: "amount", Reason: "negative amount on an item", Raw: "-1.00"}}; !reflect.DeepEqual(res.FirstRejects, want) {
				t.Errorf("rejects %+v, want %+v", res.FirstRejects, want)
			}
			// A file with member_id: kept as given, also for an unknown
			// order; a re-sent line with a later updated_at wins.
			res = load(t, conn, loaders.Options{Kind: loaders.Items}, writeFile(t, "items2.ndjson",
				`{"order_id":"O1","line_no":2,"member_id":"M1","sku":"SKU2","category":"home/kitchen/pans","quantity":3,"amount":"5.50","updated_at":"2024-01-05T10:00:00Z"}`+"\n"+
					`{"order_id":"O8","line_no":1,"member_id":"M8","sku":"SKU6","quantity":1,"amount":2,"updated_at":"2024-01-05T10:00:00Z"}`+"\n"))
			if res.Rows != 2 || res.UnknownOrders != 1 {
				t.Errorf("second file: rows %d, unknown orders %d; want 2, 1", res.Rows, res.UnknownOrders)
			}
			want := []itemRow{
				{"O1", "1", "M1", "beauty", "skincare", "serum", "2", "10"},
				{"O1", "2", "M1", "home", "kitchen", "pans", "3", "5.5"},
				{"O2", "1", "M2", "a", "b", "c", "1", "3"},
				{"O8", "1", "M8", "", "", "", "1", "2"},
				{"O9", "1", "", "toys", "", "", "1", "1"},
			}
			got := itemRows(t, conn)
			for i := range got {
				// Decimal text differs by engine (5.5 or 5.50).
				if strings.Contains(got[i].amount, ".") {
					got[i].amount = strings.TrimRight(strings.TrimRight(got[i].amount, "0"), ".")
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("order_items_current:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestItemsOrderLookupGatedOnLedgerIntegration: an item takes its member
// only from orders whose file is published. Order O1 has a published
// version (member M1) and a later version from a file still loading
// (member M9); O2 exists only in that file. The item of O1 takes M1, the
// item of O2 counts as an unknown order and keeps no member.
func TestItemsOrderLookupGatedOnLedgerIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			conn := e.Conn
			ctx := context.Background()
			load(t, conn, loaders.Options{Kind: loaders.Orders}, writeFile(t, "orders.csv",
				"order_id,member_id,ordered_at,amount,updated_at\n"+
					"O1,M1,2024-01-01T10:00:00Z,15.50,2024-01-01T10:00:00Z\n"))
			if err := conn.Exec(ctx, `INSERT INTO orders (order_id, member_id, ordered_at, amount, updated_at, file_id)
				SELECT arrayJoin(['O1', 'O2']) AS o, if(o = 'O1', 'M9', 'M7'), toDateTime('2024-01-02 10:00:00', 'UTC'), 1, toDateTime('2024-01-09 10:00:00', 'UTC'), 'loading-orders'`); err != nil {
				t.Fatal(err)
			}
			if err := conn.Exec(ctx, `INSERT INTO load_files (file_id, attempt_id, path, kind, status, started_at, finished_at, version)
				SELECT 'loading-orders', 'a1', 'orders-2.csv', 'orders', 'loading', now(), now(), 1`); err != nil {
				t.Fatal(err)
			}
			res := load(t, conn, loaders.Options{Kind: loaders.Items}, writeFile(t, "items.csv",
				"order_id,line_no,sku,quantity,amount,updated_at\n"+
					"O1,1,SKU1,1,1.00,2024-01-03T10:00:00Z\n"+
					"O2,1,SKU2,1,1.00,2024-01-03T10:00:00Z\n"))
			if res.Rows != 2 || res.UnknownOrders != 1 {
				t.Errorf("rows %d, unknown orders %d; want 2, 1", res.Rows, res.UnknownOrders)
			}
			got := itemRows(t, conn)
			if len(got) != 2 || got[0].member != "M1" || got[1].member != "" {
				t.Errorf("items %+v: want O1 with M1 (its published order) and O2 with no member", got)
			}
		})
	}
}

// TestItemsWithoutOrdersTableIntegration: when the orders cannot be read
// the items file fails, nothing is published and the attempt is failed.
func TestItemsWithoutOrdersTableIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	if err := conn.Exec(context.Background(), "DROP TABLE orders_current"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(context.Background(), "DROP TABLE orders"); err != nil {
		t.Fatal(err)
	}
	l := newLoader(t, conn, loaders.Options{Kind: loaders.Items})
	res, err := l.LoadFile(context.Background(), writeFile(t, "items.csv",
		"order_id,line_no,sku,quantity,amount,updated_at\nO1,1,SKU1,1,1.00,2024-01-01T10:00:00Z\n"))
	var ex *clickhouse.Exception
	if err == nil || !strings.Contains(err.Error(), "look up the items' orders") || !errors.As(err, &ex) {
		t.Fatalf("err = %v, want a server error looking up the orders", err)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM order_items"); n != 0 {
		t.Errorf("%d items published", n)
	}
	if st := ledgerStatus(t, conn, res.FileID); st != "failed" {
		t.Errorf("ledger status %q, want failed", st)
	}
}

// TestCampaignsIntegration loads a campaign sent in two parts on both
// engines: groups in any case, an unknown group refused with its line and
// field, each part loaded once (sent again it is skipped), and the same
// assignments sent again in another file (another format) count once in
// campaign_members_current.
func TestCampaignsIntegration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	part1 := filepath.Join(dir, "c1-part1.csv")
	part2 := filepath.Join(dir, "c1-part2.ndjson")
	again := filepath.Join(dir, "c1-part2-again.csv")
	for p, content := range map[string]string{
		part1: "campaign_id,member_id,group,assigned_at,variant,channel,segment,cost\n" +
			"C1,M1,treatment,2024-02-01T00:00:00Z,A,sms,rfm_segment/at_risk,0.05\n" +
			"C1,M2, Control ,2024-02-01T00:00:00Z,,,rfm_segment/at_risk,\n" +
			"C1,M3,holdout,2024-02-01T00:00:00Z,,,rfm_segment/at_risk,\n",
		part2: `{"campaign_id":"C1","member_id":"M4","group":"TREATMENT","assigned_at":"2024-02-01T00:00:00Z","cost":0.05}` + "\n" +
			`{"campaign_id":"C1","member_id":"M5","group":"control","assigned_at":"2024-02-01T00:00:00Z"}` + "\n",
		again: "campaign_id,member_id,group,assigned_at,cost\n" +
			"C1,M4,treatment,2024-02-01T00:00:00Z,0.05\n" +
			"C1,M5,control,2024-02-01T00:00:00Z,0\n",
	} {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			conn := e.Conn
			o := loaders.Options{Kind: loaders.Campaigns, MaxRejectRatio: 0.5}
			res := load(t, conn, o, part1)
			if res.Rows != 2 || res.Rejected != 1 {
				t.Errorf("part 1: rows %d, rejected %d; want 2, 1", res.Rows, res.Rejected)
			}
			if want := []loaders.Reject{{Line: 4, Column: "group", Reason: "unknown group (want treatment or control)", Raw: "holdout"}}; !reflect.DeepEqual(res.FirstRejects, want) {
				t.Errorf("rejects %+v, want %+v", res.FirstRejects, want)
			}
			if res := load(t, conn, o, part2); res.Rows != 2 {
				t.Errorf("part 2: rows %d, want 2", res.Rows)
			}
			for _, p := range []string{part1, part2} {
				if res := load(t, conn, o, p); !res.Skipped {
					t.Errorf("%s sent again was not skipped", p)
				}
			}
			if res := load(t, conn, o, again); res.Rows != 2 {
				t.Errorf("part 2 again: rows %d, want 2", res.Rows)
			}
			got := chtest.QueryString(t, conn, "SELECT arrayStringConcat(groupArray(concat(member_id, ':', `group`)), ',') FROM (SELECT member_id, `group` FROM campaign_members_current ORDER BY member_id)")
			if want := "M1:treatment,M2:control,M4:treatment,M5:control"; got != want {
				t.Errorf("campaign_members_current = %s, want %s", got, want)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM load_rejects WHERE file_id = ? AND line = 4 AND column = 'group'", res.FileID); n != 1 {
				t.Errorf("load_rejects has %d rows for line 4, group; want 1", n)
			}
		})
	}
}

// TestItemsOneConnectionIntegration loads items over several blocks
// through a one-connection pool: each block's order lookup needs the
// connection, so the insert may not hold it between blocks.
func TestItemsOneConnectionIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDBWith(t, func(c *config.ClickHouse) { c.MaxOpenConns, c.MaxIdleConns = 1, 1 }, warehouse.Options{})
	chtest.MigrateAll(t, conn)
	load(t, conn, loaders.Options{Kind: loaders.Orders}, writeFile(t, "orders.csv",
		"order_id,member_id,ordered_at,amount\nO1,M1,2024-01-01T10:00:00Z,3.00\n"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := newLoader(t, conn, loaders.Options{Kind: loaders.Items, BatchRows: 1}).LoadFile(ctx, writeFile(t, "items.csv",
		"order_id,line_no,sku,quantity,amount,updated_at\n"+
			"O1,1,SKU1,1,1.00,2024-01-01T10:00:00Z\n"+
			"O1,2,SKU2,1,1.00,2024-01-01T10:00:00Z\n"+
			"O1,3,SKU3,1,1.00,2024-01-01T10:00:00Z\n"))
	if err != nil || res.Rows != 3 {
		t.Fatalf("rows %d, err %v; want 3 rows", res.Rows, err)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM order_items_current WHERE member_id = 'M1'"); n != 3 {
		t.Errorf("%d items of M1, want 3", n)
	}
}

// TestKindRulesDryRun checks the items' and campaigns' row rules without a
// server: what is refused, with its line and column, and what passes.
func TestKindRulesDryRun(t *testing.T) {
	for _, tt := range []struct {
		kind    loaders.Kind
		content string
		want    []loaders.Reject
	}{
		{loaders.Items, "order_id,line_no,sku,category,quantity,amount,updated_at\n" +
			"O1,1,S,a/b,1,1.00,2024-01-01T00:00:00Z\n" +
			"O1,2,S,a/b,-1,1.00,2024-01-01T00:00:00Z\n" +
			"O1,3,S,a/b,1,-0.01,2024-01-01T00:00:00Z\n" +
			"O1,,S,a/b,1,1.00,2024-01-01T00:00:00Z\n" +
			"O1,5,S,a/b,1,1.00,\n",
			[]loaders.Reject{
				{Line: 3, Column: "quantity"},
				{Line: 4, Column: "amount", Reason: "negative amount on an item"},
				{Line: 5, Column: "line_no", Reason: "missing required value"},
				{Line: 6, Column: "updated_at", Reason: "missing required value"},
			}},
		{loaders.Campaigns, "campaign_id,member_id,group,assigned_at,cost\n" +
			"C1,M1,Treatment,2024-01-01T00:00:00Z,0.05\n" +
			"C1,M2,test,2024-01-01T00:00:00Z,0\n" +
			"C1,M3,control,2024-01-01T00:00:00Z,-0.05\n" +
			"C1,M4,,2024-01-01T00:00:00Z,\n",
			[]loaders.Reject{
				{Line: 3, Column: "group", Reason: "unknown group (want treatment or control)"},
				{Line: 4, Column: "cost", Reason: "negative cost"},
				{Line: 5, Column: "group", Reason: "missing required value"},
			}},
	} {
		l, err := loaders.New(nil, loaders.Options{Kind: tt.kind, MaxRejectRatio: 1})
		if err != nil {
			t.Fatal(err)
		}
		p, err := l.DryRun(context.Background(), writeFile(t, string(tt.kind)+".csv", tt.content), 5)
		if err != nil {
			t.Fatalf("%s: %v", tt.kind, err)
		}
		if len(p.Rejects) != len(tt.want) {
			t.Fatalf("%s: rejects %+v, want %+v", tt.kind, p.Rejects, tt.want)
		}
		for i, w := range tt.want {
			g := p.Rejects[i]
			if g.Line != w.Line || g.Column != w.Column || (w.Reason != "" && g.Reason != w.Reason) {
				t.Errorf("%s: reject %d = %+v, want %+v", tt.kind, i, g, w)
			}
		}
	}
}
