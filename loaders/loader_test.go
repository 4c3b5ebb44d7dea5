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

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/loaders"
)

// TestFormatsIntegration loads the same generated data in every format and
// compression and checks each gives the same rows.
func TestFormatsIntegration(t *testing.T) {
	t.Parallel()
	csvDir := generated(t, datagen.FormatCSV)
	wantOrders := countLines(t, filepath.Join(csvDir, "orders.csv")) - 1
	wantMembers := countLines(t, filepath.Join(csvDir, "members.csv")) - 1
	wantEvents := countLines(t, filepath.Join(csvDir, "events.csv")) - 1
	wantItems := countLines(t, filepath.Join(csvDir, "items.csv")) - 1
	wantCampaigns := countLines(t, filepath.Join(csvDir, "campaigns.csv")) - 1
	var wantSum string
	for _, f := range []datagen.Format{datagen.FormatCSV, datagen.FormatNDJSON, datagen.FormatParquet} {
		for _, ext := range []string{"", ".gz", ".zst"} {
			t.Run(string(f)+ext, func(t *testing.T) {
				conn := chtest.Migrated(t)
				dir := generated(t, f)
				for _, tt := range []struct {
					kind loaders.Kind
					want int64
				}{{loaders.Members, wantMembers}, {loaders.Orders, wantOrders}, {loaders.Events, wantEvents},
					{loaders.Items, wantItems}, {loaders.Campaigns, wantCampaigns}} {
					path := compress(t, filepath.Join(dir, string(tt.kind)+"."+string(f)), ext)
					res := load(t, conn, loaders.Options{Kind: tt.kind, BatchRows: 500}, path)
					if res.Rows != tt.want || res.Rejected != 0 {
						t.Errorf("%s: loaded %d rows, %d rejected; want %d, 0 (first rejects %v)", path, res.Rows, res.Rejected, tt.want, res.FirstRejects)
					}
					if got := chtest.QueryUint(t, conn, "SELECT count() FROM "+tt.kind.Table()+"_current"); int64(got) != tt.want {
						t.Errorf("%s_current has %d rows, want %d", tt.kind.Table(), got, tt.want)
					}
					if res.UnknownOrders != 0 {
						t.Errorf("%s: %d items of unknown orders", path, res.UnknownOrders)
					}
					if st := ledgerStatus(t, conn, res.FileID); st != "loaded" {
						t.Errorf("ledger status %q, want loaded", st)
					}
				}
				// Same content whatever the format: compare a fingerprint.
				sum := chtest.QueryString(t, conn, `SELECT concat(toString(sum(amount)), '/', toString(sum(discount)), '/', toString(sum(items)), '/',
					toString(min(ordered_at)), '/', toString(max(updated_at)), '/', toString(countIf(status = 'refunded'))) FROM orders_current`)
				sum += "|" + chtest.QueryString(t, conn, `SELECT concat(toString(countIf(isNull(birthday))), '/', toString(sum(toUInt32(assumeNotNull(birthday)))), '/', toString(max(joined_at))) FROM members_current`)
				sum += "|" + chtest.QueryString(t, conn, `SELECT concat(toString(sum(value)), '/', toString(sum(length(properties))), '/', toString(uniqExact(event_type))) FROM events_current`)
				sum += "|" + chtest.QueryString(t, conn, `SELECT concat(toString(sum(amount)), '/', toString(sum(quantity)), '/', toString(uniqExact(category_l2)), '/', toString(countIf(member_id = ''))) FROM order_items_current`)
				sum += "|" + chtest.QueryString(t, conn, "SELECT concat(toString(sum(cost)), '/', toString(countIf(`group` = 'control')), '/', toString(max(assigned_at))) FROM campaign_members_current")
				if wantSum == "" {
					wantSum = sum
				} else if sum != wantSum {
					t.Errorf("fingerprint %s\nwant (from csv) %s", sum, wantSum)
				}
				if n := stageTables(t, conn); n != 0 {
					t.Errorf("%d staging tables left", n)
				}
			})
		}
	}
}

// TestMappingAndTimeZoneIntegration loads a file with other column names,
// a semicolon delimiter, a BOM and naive Shanghai timestamps.
func TestMappingAndTimeZoneIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	path := writeFile(t, "shop.csv", "\xef\xbb\xbfOrderNo;Customer;Created;Paid;Extra\n"+
		"A1;M1;2024-03-01 20:00:00;12.50;x\n"+
		"A2;M2;01/03/2024 07:30;3;y\n"+
		"\"A;3\";M3;2024-03-01T12:00:00Z;0.99;z\n")
	res := load(t, conn, loaders.Options{
		Kind: loaders.Orders, Delimiter: ';', Location: sh,
		Mapping:          loaders.Mapping{"OrderNo": "order_id", "Customer": "member_id", "Created": "ordered_at", "Paid": "amount"},
		TimestampLayouts: []string{"02/01/2006 15:04"},
	}, path)
	if res.Rows != 3 || res.Rejected != 0 || len(res.Ignored) != 1 || res.Ignored[0] != "Extra" {
		t.Fatalf("result %+v", res)
	}
	for _, tt := range []struct{ id, want string }{
		{"A1", "2024-03-01 12:00:00"}, // 20:00 in Shanghai is 12:00 UTC
		{"A2", "2024-02-29 23:30:00"},
		{"A;3", "2024-03-01 12:00:00"}, // an explicit Z stays UTC
	} {
		got := chtest.QueryString(t, conn, "SELECT toString(ordered_at, 'UTC') FROM orders_current WHERE order_id = ?", tt.id)
		if got != tt.want {
			t.Errorf("%s ordered_at = %q, want %q UTC", tt.id, got, tt.want)
		}
	}
	if got := chtest.QueryString(t, conn, "SELECT concat(toString(amount), ' ', status, ' ', toString(updated_at, 'UTC')) FROM orders_current WHERE order_id = 'A1'"); got != "12.5 paid 2024-03-01 12:00:00" && got != "12.50 paid 2024-03-01 12:00:00" {
		t.Errorf("defaults: got %q, want amount 12.50, status paid, updated_at = ordered_at", got)
	}
}

// TestReloadIntegration: the same content again is a no-op, --force loads
// again without double counting, and a corrected order replaces the old.
func TestReloadIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	v1 := writeFile(t, "orders.csv", "order_id,member_id,ordered_at,amount,status,updated_at\n"+
		"O1,M1,2024-01-01T10:00:00Z,10.00,paid,2024-01-01T10:00:00Z\n"+
		"O2,M1,2024-01-02T10:00:00Z,20.00,paid,2024-01-02T10:00:00Z\n")
	first := load(t, conn, loaders.Options{Kind: loaders.Orders}, v1)
	again := load(t, conn, loaders.Options{Kind: loaders.Orders}, v1)
	if !again.Skipped || again.FileID != first.FileID || !again.LoadedAt.Equal(first.LoadedAt) {
		t.Errorf("second load: %+v, want skipped with the first load's time %s", again, first.LoadedAt)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 2 {
		t.Errorf("raw orders = %d after a no-op reload, want 2", n)
	}
	forced := load(t, conn, loaders.Options{Kind: loaders.Orders, Force: true}, v1)
	if forced.Skipped || forced.Rows != 2 {
		t.Errorf("forced load: %+v", forced)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders_current"); n != 2 {
		t.Errorf("orders_current = %d after --force, want 2 (each key once)", n)
	}
	// O2 corrected: refunded, later updated_at. Loaded before and after an
	// older correction, the latest updated_at wins.
	v2 := writeFile(t, "orders-fix.csv", "order_id,member_id,ordered_at,amount,status,updated_at\n"+
		"O2,M1,2024-01-02T10:00:00Z,20.00,refunded,2024-01-05T09:00:00Z\n")
	stale := writeFile(t, "orders-stale.csv", "order_id,member_id,ordered_at,amount,status,updated_at\n"+
		"O2,M1,2024-01-02T10:00:00Z,25.00,paid,2024-01-03T09:00:00Z\n")
	load(t, conn, loaders.Options{Kind: loaders.Orders}, v2)
	load(t, conn, loaders.Options{Kind: loaders.Orders}, stale)
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders_current WHERE order_id = 'O2'"); n != 1 {
		t.Errorf("O2 counted %d times, want 1", n)
	}
	if st := chtest.QueryString(t, conn, "SELECT status FROM orders_current WHERE order_id = 'O2'"); st != "refunded" {
		t.Errorf("O2 status = %q, want refunded (latest updated_at)", st)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders_current WHERE status = 'paid'"); n != 1 {
		t.Errorf("paid orders = %d, want 1", n)
	}
}

// TestMemberCorrectionIntegration: a member sent again with a later
// updated_at replaces the earlier version in members_current, whichever
// order the files arrive in; models see each member once.
func TestMemberCorrectionIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	head := "member_id,joined_at,region,source_tier,updated_at\n"
	v1 := writeFile(t, "members.csv", head+
		"M1,2023-05-01T08:00:00Z,north,silver,2023-05-01T08:00:00Z\n"+
		"M2,2023-06-01T08:00:00Z,south,,2023-06-01T08:00:00Z\n")
	fix := writeFile(t, "members-fix.csv", head+
		"M1,2023-05-01T08:00:00Z,east,gold,2024-02-01T00:00:00Z\n")
	stale := writeFile(t, "members-stale.csv", head+
		"M1,2023-05-01T08:00:00Z,west,bronze,2023-09-01T00:00:00Z\n")
	for _, p := range []string{v1, fix, stale} {
		load(t, conn, loaders.Options{Kind: loaders.Members}, p)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM members"); n != 4 {
		t.Errorf("raw members = %d, want 4 versions kept", n)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM members_current"); n != 2 {
		t.Errorf("members_current = %d, want 2 (each member once)", n)
	}
	if got := chtest.QueryString(t, conn, "SELECT concat(region, '/', source_tier) FROM members_current WHERE member_id = 'M1'"); got != "east/gold" {
		t.Errorf("M1 = %q, want east/gold (the latest updated_at, loaded before an older correction)", got)
	}
}

// TestBirthDateKeepsEveryBirthdayIntegration: birthdays outside Date's
// range (before 1970, after 2149) are NULL in birthday and kept in
// birth_date, which a source cannot set itself; CSV and NDJSON alike.
func TestBirthDateKeepsEveryBirthdayIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	csvPath := writeFile(t, "members.csv", "member_id,joined_at,birthday,birth_date\n"+
		"A,2024-01-01T00:00:00Z,1950-04-01,1999-01-01\n"+
		"B,2024-01-01T00:00:00Z,19451231,\n"+
		"C,2024-01-01T00:00:00Z,1985-02-28,\n"+
		"D,2024-01-01T00:00:00Z,,\n"+
		"E,2024-01-01T00:00:00Z,2200-01-01,\n")
	res := load(t, conn, loaders.Options{Kind: loaders.Members}, csvPath)
	if res.BirthdaysNulled != 3 || len(res.Ignored) != 1 || res.Ignored[0] != "birth_date" {
		t.Errorf("result: %d birthdays nulled (want 3), ignored %v (want [birth_date])", res.BirthdaysNulled, res.Ignored)
	}
	ndPath := writeFile(t, "members.ndjson", `{"member_id":"F","joined_at":"2024-01-01","birthday":"1969-12-31"}
{"member_id":"G","joined_at":"2024-01-01","birthday":"1970-01-02","birth_date":"x"}
`)
	load(t, conn, loaders.Options{Kind: loaders.Members}, ndPath)
	got := chtest.Rows(t, conn, "SELECT member_id, ifNull(toString(birthday), 'NULL'), birth_date FROM members_current ORDER BY member_id")
	want := [][]string{
		{"A", "NULL", "1950-04-01"}, {"B", "NULL", "1945-12-31"}, {"C", "1985-02-28", "1985-02-28"},
		{"D", "NULL", ""}, {"E", "NULL", "2200-01-01"}, {"F", "NULL", "1969-12-31"}, {"G", "1970-01-02", "1970-01-02"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("members:\n got %v\nwant %v", got, want)
	}
}

// TestEventsWithoutIDIntegration: events without event_id get a key from
// their content, so a forced reload does not double count.
func TestEventsWithoutIDIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	path := writeFile(t, "events.ndjson", `{"member_id":"M1","event_time":"2024-01-01T10:00:00Z","event_type":"login"}
{"member_id":"M1","event_time":"2024-01-01T10:05:00Z","event_type":"points_earned","value":30,"properties":{"order_id":"O1"}}

{"member_id":"M2","event_time":"2024-01-01T10:05:00Z","event_type":"login","extra":true}
`)
	load(t, conn, loaders.Options{Kind: loaders.Events}, path)
	res := load(t, conn, loaders.Options{Kind: loaders.Events, Force: true}, path)
	if res.Rows != 3 {
		t.Fatalf("rows = %d, want 3", res.Rows)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM events_current"); n != 3 {
		t.Errorf("events_current = %d after a forced reload, want 3", n)
	}
	if p := chtest.QueryString(t, conn, "SELECT properties FROM events_current WHERE event_type = 'points_earned'"); p != `{"order_id":"O1"}` {
		t.Errorf("properties = %q", p)
	}
	if p := chtest.QueryString(t, conn, "SELECT properties FROM events_current WHERE member_id = 'M2'"); p != `{}` {
		t.Errorf("default properties = %q, want {}", p)
	}
}

// TestRejectsIntegration: bad rows go to load_rejects and the rest loads;
// over the ratio the whole file fails.
func TestRejectsIntegration(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("order_id,member_id,ordered_at,amount,status\n")
	for i := 0; i < 96; i++ {
		b.WriteString("O" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ",M1,2024-01-01T10:00:00Z,1.00,paid\n")
	}
	b.WriteString(",M1,2024-01-01T10:00:00Z,1.00,paid\n")                                              // line 98: missing order_id
	b.WriteString("B1,M1,not-a-time,1.00,paid\n")                                                      // line 99: unparsable
	b.WriteString("B2,M1,2024-01-01T10:00:00Z,-5.00,paid\n")                                           // line 100: negative paid
	b.WriteString("B3,M1," + time.Now().Add(72*time.Hour).UTC().Format(time.RFC3339) + ",1.00,paid\n") // line 101: future
	b.WriteString("B4,M1,2024-01-01T10:00:00Z,-5.00,refunded\n")                                       // fine: a negative refund
	path := writeFile(t, "orders.csv", b.String())

	t.Run("within the limit", func(t *testing.T) {
		t.Parallel()
		conn := chtest.Migrated(t)
		res := load(t, conn, loaders.Options{Kind: loaders.Orders, MaxRejectRatio: 0.05}, path)
		if res.Rows != 97 || res.Rejected != 4 {
			t.Fatalf("rows %d rejected %d, want 97, 4", res.Rows, res.Rejected)
		}
		rows, err := conn.Query(context.Background(), "SELECT line, column, reason FROM load_rejects WHERE file_id = ? ORDER BY line", res.FileID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		want := []struct {
			line   uint64
			column string
			reason string
		}{{98, "order_id", "missing"}, {99, "ordered_at", "not a timestamp"}, {100, "amount", "negative amount"}, {101, "ordered_at", "future"}}
		i := 0
		for rows.Next() {
			var line uint64
			var col, reason string
			if err := rows.Scan(&line, &col, &reason); err != nil {
				t.Fatal(err)
			}
			if i >= len(want) || line != want[i].line || col != want[i].column || !strings.Contains(reason, want[i].reason) {
				t.Errorf("reject %d: line %d %s %q", i, line, col, reason)
			} else if i < len(want) {
				_ = want[i]
			}
			i++
		}
		if i != len(want) {
			t.Errorf("%d rejects stored, want %d", i, len(want))
		}
	})
	t.Run("over the limit", func(t *testing.T) {
		t.Parallel()
		conn := chtest.Migrated(t)
		res, err := newLoader(t, conn, loaders.Options{Kind: loaders.Orders, MaxRejectRatio: 0.01}).LoadFile(context.Background(), path)
		var rerr *loaders.RejectError
		if !errors.Is(err, loaders.ErrTooManyRejects) || !errors.As(err, &rerr) {
			t.Fatalf("err = %v, want ErrTooManyRejects", err)
		}
		if len(rerr.First) != 4 || !strings.Contains(err.Error(), "orders.csv:98: order_id: missing") {
			t.Errorf("error should list the first rejects with file, line and field:\n%v", err)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 0 {
			t.Errorf("%d orders visible after a failed file, want 0", n)
		}
		if st := ledgerStatus(t, conn, res.FileID); st != "failed" {
			t.Errorf("ledger status %q, want failed", st)
		}
		if n := chtest.QueryUint(t, conn, "SELECT count() FROM load_rejects WHERE file_id = ?", res.FileID); n != 4 {
			t.Errorf("load_rejects has %d rows, want 4", n)
		}
	})
}

// TestAllOrNothingIntegration injects failures part-way through a file:
// nothing may be visible, the ledger says failed, and the next load loads
// the file exactly once.
func TestAllOrNothingIntegration(t *testing.T) {
	t.Parallel()
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	want := countLines(t, path) - 1
	cases := []struct {
		name    string
		attempt func(t *testing.T, conn loaders.Conn) error
	}{
		{"context cancelled after 2 batches", func(t *testing.T, conn loaders.Conn) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l := newLoader(t, conn, loaders.Options{Kind: loaders.Orders, BatchRows: 100, Progress: func(p loaders.Progress) {
				if p.Rows >= 200 {
					cancel()
				}
			}})
			_, err := l.LoadFile(ctx, path)
			return err
		}},
		{"insert fails on the 3rd batch", func(t *testing.T, conn loaders.Conn) error {
			fc := &flakyConn{Conn: conn.(*flakyConn).Conn, cutAfterSends: 2}
			_, err := newLoader(t, fc, loaders.Options{Kind: loaders.Orders, BatchRows: 100}).LoadFile(context.Background(), path)
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conn := chtest.Migrated(t)
			err := tc.attempt(t, &flakyConn{Conn: conn})
			if err == nil {
				t.Fatal("load succeeded, want the injected failure")
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 0 {
				t.Errorf("%d rows visible after a failed load, want 0", n)
			}
			if n := stageTables(t, conn); n != 0 {
				t.Errorf("%d staging tables left", n)
			}
			id := chtest.QueryString(t, conn, "SELECT file_id FROM load_files LIMIT 1")
			if st := ledgerStatus(t, conn, id); st != "failed" {
				t.Errorf("ledger status %q, want failed", st)
			}
			res := load(t, conn, loaders.Options{Kind: loaders.Orders, BatchRows: 100}, path)
			if res.Rows != want || res.Recovered {
				t.Errorf("retry: %+v, want %d rows loaded afresh", res, want)
			}
			if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); int64(n) != want {
				t.Errorf("raw orders = %d after the retry, want %d (exactly once)", n, want)
			}
		})
	}
}

// TestServerGoneIntegration: the connection dies mid-file, so not even the
// clean-up reaches the server; once the dead attempt's lease has expired,
// the next load drops the stage and loads once.
func TestServerGoneIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	want := countLines(t, path) - 1
	fc := &flakyConn{Conn: conn, cutAfterSends: 2, cutAll: true}
	if _, err := newLoader(t, fc, loaders.Options{Kind: loaders.Orders, BatchRows: 100}).LoadFile(context.Background(), path); err == nil {
		t.Fatal("load succeeded, want the injected failure")
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 0 {
		t.Errorf("%d rows visible, want 0", n)
	}
	if n := stageTables(t, conn); n != 1 {
		t.Errorf("%d staging tables, want the dead run's 1", n)
	}
	later := func() time.Time { return time.Now().Add(loaders.DefaultLease + time.Minute) }
	res := load(t, conn, loaders.Options{Kind: loaders.Orders, Now: later}, path)
	if res.Rows != want || res.Recovered {
		t.Errorf("retry %+v", res)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); int64(n) != want {
		t.Errorf("orders = %d, want %d", n, want)
	}
	if n := stageTables(t, conn); n != 0 {
		t.Errorf("%d staging tables left after the next load", n)
	}
}

// TestCrashAfterAttachIntegration: the rows were attached but the process
// lost the server before recording it. The next load must complete the
// ledger, not attach the rows again.
func TestCrashAfterAttachIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	path := filepath.Join(generated(t, datagen.FormatCSV), "orders.csv")
	want := countLines(t, path) - 1
	fc := &flakyConn{Conn: conn, cutAfterAttach: true}
	res, err := newLoader(t, fc, loaders.Options{Kind: loaders.Orders}).LoadFile(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "published") {
		t.Fatalf("err = %v, want the ledger update to fail after publishing", err)
	}
	if st := ledgerStatus(t, conn, res.FileID); st != "loading" {
		t.Fatalf("ledger status %q, want loading (the run died)", st)
	}
	if _, err := newLoader(t, conn, loaders.Options{Kind: loaders.Orders}).LoadFile(context.Background(), path); !errors.Is(err, loaders.ErrBeingLoaded) {
		t.Fatalf("load within the dead attempt's lease: %v, want ErrBeingLoaded", err)
	}
	later := func() time.Time { return time.Now().Add(loaders.DefaultLease + time.Minute) }
	again := load(t, conn, loaders.Options{Kind: loaders.Orders, Now: later}, path)
	if !again.Recovered || again.Rows != want {
		t.Errorf("next load %+v, want recovered with %d rows", again, want)
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); int64(n) != want {
		t.Errorf("raw orders = %d, want %d (attached once)", n, want)
	}
	if st := ledgerStatus(t, conn, res.FileID); st != "loaded" {
		t.Errorf("ledger status %q, want loaded", st)
	}
	if n := stageTables(t, conn); n != 0 {
		t.Errorf("%d staging tables left", n)
	}
	if third := load(t, conn, loaders.Options{Kind: loaders.Orders}, path); !third.Skipped {
		t.Errorf("third load %+v, want skipped", third)
	}
}

// TestCorruptFilesIntegration: files that are not what they claim fail
// with ErrCorrupt (never a panic) and publish nothing.
func TestCorruptFilesIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	dir := generated(t, datagen.FormatParquet)
	pq, err := os.ReadFile(filepath.Join(dir, "orders.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	csvData, err := os.ReadFile(filepath.Join(generated(t, datagen.FormatCSV), "orders.csv"))
	if err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile(compress(t, filepath.Join(generated(t, datagen.FormatCSV), "orders.csv"), ".gz"))
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i * 7919 % 251)
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"garbage.csv", garbage},
		{"garbage.ndjson", garbage},
		{"truncated.parquet", pq[:len(pq)/2]},
		{"notparquet.parquet", csvData},
		{"footer-damaged.parquet", append(append([]byte{}, pq[:len(pq)-12]...), []byte("\x00\x00\x00\x00\x00\x00\x00\x00PAR1")...)},
		{"badheader.csv.gz", garbage},
		{"truncated.csv.gz", gz[:len(gz)/2]},
		{"garbage.csv.zst", garbage},
		{"empty.csv", nil},
	}
	for _, tc := range cases {
		path := filepath.Join(t.TempDir(), tc.name)
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := newLoader(t, conn, loaders.Options{Kind: loaders.Orders}).LoadFile(context.Background(), path)
		if !errors.Is(err, loaders.ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", tc.name, err)
			continue
		}
		if st := ledgerStatus(t, conn, res.FileID); st != "failed" {
			t.Errorf("%s: ledger %q, want failed", tc.name, st)
		}
	}
	if n := chtest.QueryUint(t, conn, "SELECT count() FROM orders"); n != 0 {
		t.Errorf("%d rows visible from corrupt files", n)
	}
}

func TestExpandPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []string{"a.csv", "b.ndjson.gz", "c.parquet", "skip.txt", ".hidden.csv", "sub/d.csv.zst"} {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	got, err := loaders.ExpandPaths([]string{dir, filepath.Join(dir, "*.csv")}, "")
	if err != nil {
		t.Fatal(err)
	}
	// Directories skip dot files; a glob takes what it matches.
	want := []string{"a.csv", "b.ndjson.gz", "c.parquet", "sub/d.csv.zst", ".hidden.csv", "a.csv"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if rel, _ := filepath.Rel(dir, got[i]); rel != want[i] {
			t.Errorf("[%d] = %s, want %s", i, rel, want[i])
		}
	}
	if _, err := loaders.ExpandPaths([]string{filepath.Join(dir, "*.nothing")}, ""); err == nil {
		t.Error("a glob matching nothing should fail")
	}
}

// A directory gives only the files whose names match the kind's glob;
// files and globs named on the command line are taken as they are.
func TestExpandPathsDirectoryGlob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []string{"members.csv", "orders.csv", "truth.json", "events.ndjson", "old/members_2024.csv.gz"} {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	got, err := loaders.ExpandPaths([]string{dir, filepath.Join(dir, "orders.csv")}, "*member*")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"members.csv", "old/members_2024.csv.gz", "orders.csv"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if rel, _ := filepath.Rel(dir, got[i]); rel != want[i] {
			t.Errorf("[%d] = %s, want %s", i, rel, want[i])
		}
	}
	_, err = loaders.ExpandPaths([]string{filepath.Join(dir, "old")}, "*order*")
	if err == nil || !strings.Contains(err.Error(), "no file in "+filepath.Join(dir, "old")+" matches *order*") {
		t.Errorf("a directory without matching files: err %v", err)
	}
}

// TestReusedBatchesIntegration: the loader reuses its column buffers
// from batch to batch; with one row per batch, rows without optional
// values that follow rows with them must be stored with the defaults
// (NULL birthday, status paid, updated_at = ordered_at, ...) on both
// engines.
func TestReusedBatchesIntegration(t *testing.T) {
	t.Parallel()
	orders := writeFile(t, "orders.csv", "order_id,member_id,ordered_at,amount,discount,items,channel,store_id,status,updated_at\n"+
		"O1,M1,2024-01-01T10:00:00Z,10.50,1.25,3,web,S1,refunded,2024-01-05T00:00:00Z\n"+
		"O2,M2,2024-01-02T10:00:00Z,20.00,,,,,,\n"+
		"O3,M3,2024-01-03T10:00:00Z,30.00,2.00,4,app,S2,cancelled,2024-01-06T00:00:00Z\n"+
		"O4,M4,2024-01-04T10:00:00Z,40.00,,,,,,\n")
	members := writeFile(t, "members.csv", "member_id,joined_at,birthday,region,updated_at\n"+
		"M1,2023-01-01T00:00:00Z,1980-02-03,north,2023-02-01T00:00:00Z\n"+
		"M2,2023-01-02T00:00:00Z,,,\n"+
		"M3,2023-01-03T00:00:00Z,1990-04-05,south,2023-03-01T00:00:00Z\n"+
		"M4,2023-01-04T00:00:00Z,,,\n")
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			load(t, e.Conn, loaders.Options{Kind: loaders.Orders, BatchRows: 1}, orders)
			load(t, e.Conn, loaders.Options{Kind: loaders.Members, BatchRows: 1}, members)
			got := chtest.Rows(t, e.Conn, "SELECT order_id, toString(toFloat64(amount)), toString(toFloat64(discount)), toString(items), channel, store_id, status, "+
				"toString(updated_at) FROM orders ORDER BY order_id")
			want := [][]string{
				{"O1", "10.5", "1.25", "3", "web", "S1", "refunded", "2024-01-05 00:00:00"},
				{"O2", "20", "0", "0", "", "", "paid", "2024-01-02 10:00:00"},
				{"O3", "30", "2", "4", "app", "S2", "cancelled", "2024-01-06 00:00:00"},
				{"O4", "40", "0", "0", "", "", "paid", "2024-01-04 10:00:00"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("orders:\n got %v\nwant %v", got, want)
			}
			got = chtest.Rows(t, e.Conn, "SELECT member_id, ifNull(toString(birthday), 'NULL'), birth_date, region, toString(updated_at) FROM members ORDER BY member_id")
			want = [][]string{
				{"M1", "1980-02-03", "1980-02-03", "north", "2023-02-01 00:00:00"},
				{"M2", "NULL", "", "", "2023-01-02 00:00:00"},
				{"M3", "1990-04-05", "1990-04-05", "south", "2023-03-01 00:00:00"},
				{"M4", "NULL", "", "", "2023-01-04 00:00:00"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("members:\n got %v\nwant %v", got, want)
			}
		})
	}
}
