package loaders_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/loaders"
)

// realExport is the example: a shop's export with its own column
// names, US dates with a time, and amounts with thousands separators and
// currency symbols.
const realExport = "OrderID,CustomerID,OrderDate,Total\n" +
	"1001,C1,12/31/2025 14:05,\"1,299.00\"\n" +
	"1002,C2,1/2/2025 9:30,$45.50\n" +
	"1003,C1,3/4/2025 18:00,¥45\n" +
	"1004,C3,12/1/2025 08:15,12\n"

// TestRealExportIntegration loads the example with the analyst's date
// format, and again with no format at all (the sample tells M/D/YYYY).
func TestRealExportIntegration(t *testing.T) {
	t.Parallel()
	sh, _ := time.LoadLocation("Asia/Shanghai")
	m, err := loaders.ParseMapping(loaders.Orders, "OrderID=order_id,CustomerID=member_id,OrderDate=ordered_at,Total=amount")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		formats []string
	}{{"MM/DD/YYYY HH:mm", []string{"MM/DD/YYYY HH:mm"}}, {"detected", nil}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn := chtest.Migrated(t)
			path := writeFile(t, "shop_orders.csv", realExport)
			res := load(t, conn, loaders.Options{Kind: loaders.Orders, Mapping: m, TimestampLayouts: tt.formats, Location: sh, MaxRejectRatio: 0.05}, path)
			if res.Rows != 4 || res.Rejected != 0 {
				t.Fatalf("loaded %d, rejected %d (%v); want 4, 0", res.Rows, res.Rejected, res.FirstRejects)
			}
			got := chtest.Rows(t, conn, "SELECT order_id, member_id, toString(ordered_at), toString(amount) FROM orders_current ORDER BY order_id")
			want := [][]string{
				{"1001", "C1", "2025-12-31 06:05:00", "1299.00"},
				{"1002", "C2", "2025-01-02 01:30:00", "45.50"},
				{"1003", "C1", "2025-03-04 10:00:00", "45.00"},
				{"1004", "C3", "2025-12-01 00:15:00", "12.00"},
			}
			for i := range want {
				if i >= len(got) || strings.Join(got[i], "|") != strings.Join(want[i], "|") {
					t.Errorf("rows %v\nwant %v", got, want)
					break
				}
			}
		})
	}
}

// Dates that read as month/day and as day/month fail the file before
// anything is staged, naming the file and line.
func TestAmbiguousDatesFailTheFileIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	path := writeFile(t, "orders.csv", "order_id,member_id,ordered_at,amount\nA1,M1,01/02/2025,1\nA2,M1,03/04/2025 10:00,2\n")
	l := newLoader(t, conn, loaders.Options{Kind: loaders.Orders})
	res, err := l.LoadFile(context.Background(), path)
	if !errors.Is(err, loaders.ErrAmbiguousDates) || !strings.Contains(err.Error(), path+":2") {
		t.Fatalf("err %v; want ErrAmbiguousDates naming %s:2", err, path)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 0 {
		t.Errorf("%d rows published", n)
	}
	if st := ledgerStatus(t, conn, res.FileID); st != "failed" {
		t.Errorf("ledger status %q, want failed", st)
	}
}

// DryRun shows the mapping, the first parsed rows and every reject, and
// needs no connection.
func TestDryRun(t *testing.T) {
	t.Parallel()
	m, _ := loaders.ParseMapping(loaders.Orders, "OrderID=order_id,CustomerID=member_id,OrderDate=ordered_at,Total=amount")
	path := writeFile(t, "shop_orders.csv", realExport+"1005,C4,13/13/2025 10:00,1\n1006,C5,1/1/2025 10:00,lots\n")
	l, err := loaders.New(nil, loaders.Options{Kind: loaders.Orders, Mapping: m, MaxRejectRatio: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.DryRun(context.Background(), path, 2)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 4 || p.Rejected != 2 || !p.OverLimit || p.DateStyle != "M/D/YYYY" {
		t.Errorf("rows %d, rejected %d, over limit %v, style %q; want 4, 2, true, M/D/YYYY", p.Rows, p.Rejected, p.OverLimit, p.DateStyle)
	}
	if p.Sources[0] != "OrderID" || p.Columns[0] != "order_id" || p.Sources[4] != "" {
		t.Errorf("mapping %v <- %v", p.Columns, p.Sources)
	}
	if len(p.First) != 2 || strings.Join(p.First[0][:4], "|") != "1001|C1|2025-12-31 14:05:00|1299.00" {
		t.Errorf("first rows %v", p.First)
	}
	if len(p.Rejects) != 2 || p.Rejects[0].Line != 6 || !strings.Contains(p.Rejects[0].Reason, "M/D/YYYY") || p.Rejects[1].Column != "amount" {
		t.Errorf("rejects %+v", p.Rejects)
	}
}
