package datagen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// smallOptions is a quick run: a few thousand members.
func smallOptions(t *testing.T, format Format, members int) Options {
	t.Helper()
	o := DefaultOptions()
	o.Members = members
	o.Seed = 42
	o.Format = format
	o.OutDir = t.TempDir()
	return o
}

func mustGenerate(t *testing.T, o Options) Summary {
	t.Helper()
	s, err := Generate(context.Background(), o)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return s
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func TestGenerateDeterministic(t *testing.T) {
	for _, format := range []Format{FormatCSV, FormatNDJSON, FormatParquet} {
		t.Run(string(format), func(t *testing.T) {
			// Different worker counts and chunk interleavings must not
			// change a byte.
			a := smallOptions(t, format, 1200)
			a.Workers = 1
			b := a
			b.OutDir = t.TempDir()
			b.Workers = 3
			mustGenerate(t, a)
			mustGenerate(t, b)
			fa, fb := readDir(t, a.OutDir), readDir(t, b.OutDir)
			want := []string{"campaigns." + string(format), "events." + string(format), "items." + string(format),
				"members." + string(format), "orders." + string(format), TruthFile}
			if got := slices.Sorted(func(yield func(string) bool) {
				for k := range fa {
					if !yield(k) {
						return
					}
				}
			}); !slices.Equal(got, want) {
				t.Fatalf("files = %v, want %v (no temporary files left)", got, want)
			}
			for name, data := range fa {
				if !bytes.Equal(data, fb[name]) {
					t.Errorf("%s differs between runs with the same seed (%d vs %d bytes)", name, len(data), len(fb[name]))
				}
			}

			// Another seed gives other data.
			c := a
			c.OutDir = t.TempDir()
			c.Seed = 43
			mustGenerate(t, c)
			fc := readDir(t, c.OutDir)
			for _, name := range want[:3] {
				if bytes.Equal(fa[name], fc[name]) {
					t.Errorf("%s is identical for seeds 42 and 43", name)
				}
			}
		})
	}
}

// table holds a file's rows as canonical text, the CSV representation.
type table struct {
	columns []string
	rows    [][]string
}

func readCSV(t *testing.T, path string) table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = false
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read %s with encoding/csv: %v", path, err)
	}
	if len(records) == 0 {
		t.Fatalf("%s is empty", path)
	}
	return table{columns: records[0], rows: records[1:]}
}

func readNDJSON(t *testing.T, path string, columns []string) table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab := table{columns: columns}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("%s line %d: %v", path, line, err)
		}
		if len(obj) != len(columns) {
			t.Fatalf("%s line %d has %d keys, want %d: %s", path, line, len(obj), len(columns), sc.Bytes())
		}
		row := make([]string, len(columns))
		for i, c := range columns {
			v, ok := obj[c]
			if !ok {
				t.Fatalf("%s line %d lacks %q", path, line, c)
			}
			switch v := v.(type) {
			case nil:
				row[i] = ""
			case string:
				row[i] = v
			case json.Number:
				row[i] = v.String()
			default:
				t.Fatalf("%s line %d: %s is %T", path, line, c, v)
			}
		}
		tab.rows = append(tab.rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return tab
}

// parquetSchema returns "name type" for each column of a Parquet file.
func parquetSchema(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	var cols []string
	for _, field := range pf.Schema().Fields() {
		opt := ""
		if field.Optional() {
			opt = " optional"
		}
		cols = append(cols, field.Name()+" "+field.Type().String()+opt)
	}
	return cols
}

func readParquet[T any](t *testing.T, path string) []T {
	t.Helper()
	rows, err := parquet.ReadFile[T](path)
	if err != nil {
		t.Fatalf("read %s with parquet-go: %v", path, err)
	}
	return rows
}

func tsText(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

func centsText(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

func readParquetTables(t *testing.T, dir string) [numTables]table {
	t.Helper()
	var out [numTables]table
	for i := range numTables {
		out[i].columns = tableColumns[i]
	}
	for _, m := range readParquet[ParquetMember](t, filepath.Join(dir, "members.parquet")) {
		birthday := ""
		if m.Birthday != nil {
			birthday = time.Unix(int64(*m.Birthday)*secondsPerDay, 0).UTC().Format(time.DateOnly)
		}
		out[tableMembers].rows = append(out[tableMembers].rows, []string{m.MemberID, tsText(m.JoinedAt), birthday,
			m.Gender, m.Region, m.Channel, m.SourceTier, tsText(m.UpdatedAt)})
	}
	for _, o := range readParquet[ParquetOrder](t, filepath.Join(dir, "orders.parquet")) {
		out[tableOrders].rows = append(out[tableOrders].rows, []string{o.OrderID, o.MemberID, tsText(o.OrderedAt),
			centsText(o.Amount), centsText(o.Discount), strconv.Itoa(int(o.Items)), o.Channel, o.StoreID, o.Status, tsText(o.UpdatedAt)})
	}
	for _, e := range readParquet[ParquetEvent](t, filepath.Join(dir, "events.parquet")) {
		out[tableEvents].rows = append(out[tableEvents].rows, []string{e.EventID, e.MemberID, tsText(e.EventTime),
			e.EventType, strconv.FormatFloat(e.Value, 'f', -1, 64), e.Properties})
	}
	for _, it := range readParquet[ParquetItem](t, filepath.Join(dir, "items.parquet")) {
		out[tableItems].rows = append(out[tableItems].rows, []string{it.OrderID, strconv.Itoa(int(it.LineNo)), it.SKU,
			it.Category, strconv.Itoa(int(it.Quantity)), centsText(it.Amount), tsText(it.UpdatedAt)})
	}
	for _, c := range readParquet[ParquetCampaign](t, filepath.Join(dir, "campaigns.parquet")) {
		out[tableCampaigns].rows = append(out[tableCampaigns].rows, []string{c.CampaignID, c.MemberID, c.Group,
			tsText(c.AssignedAt), c.Variant, c.Channel, c.Segment, centsText(c.Cost)})
	}
	return out
}

// cents reads a 2-decimal amount as cents.
func cents(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("amount %q", s)
	}
	return w*100 + f
}

var (
	reMemberID = regexp.MustCompile(`^M\d{9}$`)
	reOrderID  = regexp.MustCompile(`^O\d{9}-\d+$`)
	reEventID  = regexp.MustCompile(`^E\d{9}-\d+$`)
	reMoney    = regexp.MustCompile(`^\d+\.\d\d$`)
	reStore    = regexp.MustCompile(`^(S\d{3,4})?$`)
)

// checkTables checks the canonical rows: types, vocabularies, key
// uniqueness and references, and the window.
func checkTables(t *testing.T, o Options, tabs [numTables]table) {
	t.Helper()
	parseTS := func(where, s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil || ts.Location() != time.UTC || ts.Format(time.RFC3339) != s {
			t.Fatalf("%s: %q is not an RFC 3339 UTC timestamp", where, s)
		}
		if ts.Before(o.Start) || !ts.Before(o.End) {
			t.Fatalf("%s: %s is outside [%s, %s)", where, s, o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339))
		}
		return ts
	}
	in := func(where, s string, set ...string) {
		if !slices.Contains(set, s) {
			t.Fatalf("%s: %q is not one of %v", where, s, set)
		}
	}
	for i, tab := range tabs {
		if !slices.Equal(tab.columns, tableColumns[i]) {
			t.Fatalf("%s columns = %v, want %v", tableNames[i], tab.columns, tableColumns[i])
		}
		for j, r := range tab.rows {
			if len(r) != len(tab.columns) {
				t.Fatalf("%s row %d has %d fields", tableNames[i], j+1, len(r))
			}
		}
	}

	joined := map[string]time.Time{}
	for i, r := range tabs[tableMembers].rows {
		where := fmt.Sprintf("members row %d", i+1)
		if !reMemberID.MatchString(r[0]) {
			t.Fatalf("%s: member_id %q", where, r[0])
		}
		if _, dup := joined[r[0]]; dup {
			t.Fatalf("%s: duplicate member_id %s", where, r[0])
		}
		joined[r[0]] = parseTS(where+" joined_at", r[1])
		if r[2] != "" {
			if _, err := time.Parse(time.DateOnly, r[2]); err != nil {
				t.Fatalf("%s: birthday %q", where, r[2])
			}
		}
		in(where+" gender", r[3], genders...)
		in(where+" region", r[4], regions...)
		in(where+" channel", r[5], channels...)
		in(where+" source_tier", r[6], append([]string{""}, tiers...)...)
		if parseTS(where+" updated_at", r[7]).Before(joined[r[0]]) {
			t.Fatalf("%s: updated_at before joined_at", where)
		}
	}
	if len(joined) != o.Members {
		t.Fatalf("%d members, want %d", len(joined), o.Members)
	}

	orderIDs := map[string]bool{}
	orderCents := map[string]int64{}
	orderUnits := map[string]int{}
	for i, r := range tabs[tableOrders].rows {
		where := fmt.Sprintf("orders row %d", i+1)
		if !reOrderID.MatchString(r[0]) || orderIDs[r[0]] {
			t.Fatalf("%s: bad or duplicate order_id %q", where, r[0])
		}
		orderIDs[r[0]] = true
		j, ok := joined[r[1]]
		if !ok {
			t.Fatalf("%s: unknown member_id %q", where, r[1])
		}
		ordered := parseTS(where+" ordered_at", r[2])
		if ordered.Before(j) {
			t.Fatalf("%s: ordered before joining", where)
		}
		for _, money := range r[3:5] {
			if !reMoney.MatchString(money) {
				t.Fatalf("%s: amount or discount %q is not a 2-decimal number", where, money)
			}
		}
		if r[3] == "0.00" {
			t.Fatalf("%s: zero amount", where)
		}
		if n, err := strconv.Atoi(r[5]); err != nil || n < 1 {
			t.Fatalf("%s: items %q", where, r[5])
		}
		in(where+" channel", r[6], channels...)
		if !reStore.MatchString(r[7]) || (r[6] == "store") != (r[7] != "") {
			t.Fatalf("%s: store_id %q for channel %s", where, r[7], r[6])
		}
		in(where+" status", r[8], statusPaid, statusRefunded, statusCancelled)
		if parseTS(where+" updated_at", r[9]).Before(ordered) {
			t.Fatalf("%s: updated_at before ordered_at", where)
		}
		orderCents[r[0]] = cents(t, r[3])
		orderUnits[r[0]], _ = strconv.Atoi(r[5])
	}

	// Items: every order has lines numbered 1.., whose amounts sum to the
	// order's amount and whose quantities sum to its items.
	lineCents := map[string]int64{}
	lineUnits := map[string]int{}
	lines := map[string]int{}
	for i, r := range tabs[tableItems].rows {
		where := fmt.Sprintf("items row %d", i+1)
		if !orderIDs[r[0]] {
			t.Fatalf("%s: unknown order %q", where, r[0])
		}
		lines[r[0]]++
		if r[1] != strconv.Itoa(lines[r[0]]) {
			t.Fatalf("%s: line_no %s, want %d", where, r[1], lines[r[0]])
		}
		in(where+" category", r[3], categoryLeaves...)
		q, err := strconv.Atoi(r[4])
		if err != nil || q < 1 {
			t.Fatalf("%s: quantity %q", where, r[4])
		}
		if !reMoney.MatchString(r[5]) {
			t.Fatalf("%s: amount %q", where, r[5])
		}
		lineCents[r[0]] += cents(t, r[5])
		lineUnits[r[0]] += q
		parseTS(where+" updated_at", r[6])
	}
	for id := range orderIDs {
		if lines[id] == 0 || lineCents[id] != orderCents[id] || lineUnits[id] != orderUnits[id] {
			t.Fatalf("order %s: %d lines summing to %d cents and %d units, want > 0, %d, %d", id, lines[id], lineCents[id], lineUnits[id], orderCents[id], orderUnits[id])
		}
	}

	// Campaigns: known members, one row per campaign and member.
	assigned := map[string]bool{}
	for i, r := range tabs[tableCampaigns].rows {
		where := fmt.Sprintf("campaigns row %d", i+1)
		in(where+" campaign_id", r[0], campaignIDs[:]...)
		if _, ok := joined[r[1]]; !ok || assigned[r[0]+r[1]] {
			t.Fatalf("%s: unknown or repeated member %q", where, r[1])
		}
		assigned[r[0]+r[1]] = true
		in(where+" group", r[2], "treatment", "control")
		parseTS(where+" assigned_at", r[3])
	}

	eventIDs := map[string]bool{}
	for i, r := range tabs[tableEvents].rows {
		where := fmt.Sprintf("events row %d", i+1)
		if !reEventID.MatchString(r[0]) || eventIDs[r[0]] {
			t.Fatalf("%s: bad or duplicate event_id %q", where, r[0])
		}
		eventIDs[r[0]] = true
		j, ok := joined[r[1]]
		if !ok {
			t.Fatalf("%s: unknown member_id %q", where, r[1])
		}
		if parseTS(where+" event_time", r[2]).Before(j) {
			t.Fatalf("%s: event before joining", where)
		}
		in(where+" event_type", r[3], eventTypeNames[:]...)
		if _, err := strconv.ParseFloat(r[4], 64); err != nil {
			t.Fatalf("%s: value %q", where, r[4])
		}
		var props map[string]any
		if err := json.Unmarshal([]byte(r[5]), &props); err != nil {
			t.Fatalf("%s: properties %q is not a JSON object: %v", where, r[5], err)
		}
		if id, ok := props["order_id"].(string); ok && !orderIDs[id] {
			t.Fatalf("%s: properties refer to unknown order %s", where, id)
		}
	}
}

func TestGenerateFormatsReadBack(t *testing.T) {
	const members = 600
	var canonical [numTables]table
	for _, format := range []Format{FormatCSV, FormatNDJSON, FormatParquet} {
		t.Run(string(format), func(t *testing.T) {
			o := smallOptions(t, format, members)
			sum := mustGenerate(t, o)

			var tabs [numTables]table
			switch format {
			case FormatCSV:
				for i := range numTables {
					tabs[i] = readCSV(t, filepath.Join(o.OutDir, tableNames[i]+".csv"))
				}
				canonical = tabs
			case FormatNDJSON:
				for i := range numTables {
					tabs[i] = readNDJSON(t, filepath.Join(o.OutDir, tableNames[i]+".ndjson"), tableColumns[i])
				}
			case FormatParquet:
				want := map[string][]string{
					"members": {"member_id STRING", "joined_at TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", "birthday DATE optional",
						"gender STRING", "region STRING", "channel STRING", "source_tier STRING", "updated_at TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)"},
					"orders": {"order_id STRING", "member_id STRING", "ordered_at TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)",
						"amount DECIMAL(18,2)", "discount DECIMAL(18,2)", "items INT(32,true)", "channel STRING", "store_id STRING",
						"status STRING", "updated_at TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)"},
					"events": {"event_id STRING", "member_id STRING", "event_time TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)",
						"event_type STRING", "value DOUBLE", "properties STRING"},
					"items": {"order_id STRING", "line_no INT(32,true)", "sku STRING", "category STRING", "quantity INT(32,true)",
						"amount DECIMAL(18,2)", "updated_at TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)"},
					"campaigns": {"campaign_id STRING", "member_id STRING", "group STRING", "assigned_at TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)",
						"variant STRING", "channel STRING", "segment STRING", "cost DECIMAL(18,2)"},
				}
				for name, cols := range want {
					if got := parquetSchema(t, filepath.Join(o.OutDir, name+".parquet")); !slices.Equal(got, cols) {
						t.Errorf("%s.parquet schema:\n got %v\nwant %v", name, got, cols)
					}
				}
				tabs = readParquetTables(t, o.OutDir)
			}

			checkTables(t, o, tabs)
			for i, f := range sum.Files {
				if f.Table != tableNames[i] || f.Rows != int64(len(tabs[i].rows)) {
					t.Errorf("summary says %s has %d rows, file has %d", f.Table, f.Rows, len(tabs[i].rows))
				}
				st, err := os.Stat(f.Path)
				if err != nil || st.Size() != f.Bytes {
					t.Errorf("summary says %s has %d bytes, file: %v %v", f.Path, f.Bytes, st.Size(), err)
				}
			}
			if sum.Truth.Counts.Members != members || sum.Truth.Counts.Orders != int64(len(tabs[tableOrders].rows)) ||
				sum.Truth.Counts.Events != int64(len(tabs[tableEvents].rows)) {
				t.Errorf("truth counts %+v disagree with the files", sum.Truth.Counts)
			}
			// Every format holds the same data as the CSV.
			if format != FormatCSV && canonical[0].rows != nil {
				for i := range numTables {
					if len(tabs[i].rows) != len(canonical[i].rows) {
						t.Fatalf("%s: %d rows, csv has %d", tableNames[i], len(tabs[i].rows), len(canonical[i].rows))
					}
					for j := range tabs[i].rows {
						if !slices.Equal(tabs[i].rows[j], canonical[i].rows[j]) {
							t.Fatalf("%s row %d:\n %s: %q\n csv: %q", tableNames[i], j+1, format, tabs[i].rows[j], canonical[i].rows[j])
						}
					}
				}
			}
		})
	}
}

func TestGenerateCancelled(t *testing.T) {
	o := smallOptions(t, FormatCSV, 200_000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("Generate with a cancelled context = %v, want context.Canceled", err)
	}
	if files := readDir(t, o.OutDir); len(files) != 0 {
		t.Errorf("a cancelled run left files: %v", files)
	}
}

func TestGenerateInvalidOptionsWritesNothing(t *testing.T) {
	o := smallOptions(t, FormatCSV, 10)
	o.OutDir = filepath.Join(o.OutDir, "sub")
	o.Purchase.R = -1
	if _, err := Generate(context.Background(), o); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Generate = %v, want ErrInvalidOptions", err)
	}
	if _, err := os.Stat(o.OutDir); !os.IsNotExist(err) {
		t.Errorf("invalid options created %s", o.OutDir)
	}
}
