package exporters

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// null marks a NULL cell in the expected rows.
const null = "\x00NULL"

// probeDDL is a table with every exported type.
const probeDDL = `CREATE TABLE %s (
    as_of Date COMMENT 'as of',
    member_id String COMMENT 'member',
    name String COMMENT 'free text',
    tier Nullable(String) COMMENT 'tier',
    i8 Int8 COMMENT 'x', i16 Int16 COMMENT 'x', i32 Int32 COMMENT 'x', i64 Int64 COMMENT 'x',
    u8 UInt8 COMMENT 'x', u16 UInt16 COMMENT 'x', u32 UInt32 COMMENT 'x', u64 UInt64 COMMENT 'x',
    f32 Float32 COMMENT 'x', f64 Float64 COMMENT 'x',
    spend Decimal(18, 2) COMMENT 'money', rate Decimal(9, 4) COMMENT 'x',
    maybe_spend Nullable(Decimal(18, 2)) COMMENT 'x',
    joined Date COMMENT 'x', last_seen Nullable(Date) COMMENT 'x',
    updated_at DateTime('UTC') COMMENT 'x', maybe_at Nullable(DateTime('UTC')) COMMENT 'x',
    tags Array(String) COMMENT 'x', n_orders Nullable(Int64) COMMENT 'x'
) ENGINE = MergeTree() PARTITION BY as_of ORDER BY (as_of, member_id)`

var probeColumns = []string{"as_of", "member_id", "name", "tier", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64",
	"f32", "f64", "spend", "rate", "maybe_spend", "joined", "last_seen", "updated_at", "maybe_at", "tags", "n_orders"}

var probeTypes = []string{"Date", "String", "String", "Nullable(String)", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64",
	"Float32", "Float64", "Decimal(18, 2)", "Decimal(9, 4)", "Nullable(Decimal(18, 2))", "Date", "Nullable(Date)",
	"DateTime('UTC')", "Nullable(DateTime('UTC'))", "Array(String)", "Nullable(Int64)"}

var testAsOf = time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// probeRow is one inserted row and the cells every reader must give back.
type probeRow struct {
	values []any
	want   []string
}

func probeRows() []probeRow {
	return []probeRow{
		{ // inserted first, sorts last
			values: []any{testAsOf, "m-010", "plain", ptr("Silver"), int8(1), int16(2), int32(3), int64(4), uint8(5), uint16(6), uint32(7), uint64(8),
				float32(0.5), float64(2.5), decimal.RequireFromString("0.01"), decimal.RequireFromString("1"), ptr(decimal.RequireFromString("-0.01")),
				day("2026-01-30"), ptr(day("2026-01-31")), ts("2026-01-31T12:00:00Z"), ptr(ts("2026-01-31T12:00:01Z")), []string{"only"}, ptr(int64(-1))},
			want: []string{"2026-01-31", "m-010", "plain", "Silver", "1", "2", "3", "4", "5", "6", "7", "8",
				"0.5", "2.5", "0.01", "1.0000", "-0.01", "2026-01-30", "2026-01-31", "2026-01-31T12:00:00Z", "2026-01-31T12:00:01Z", `["only"]`, "-1"},
		},
		{
			values: []any{testAsOf, "m-001", "Zoë, \"the\" ✓\nline two", nil, int8(math.MinInt8), int16(math.MinInt16), int32(math.MinInt32), int64(math.MinInt64),
				uint8(math.MaxUint8), uint16(math.MaxUint16), uint32(math.MaxUint32), uint64(math.MaxUint64),
				float32(1.5), float64(-0.1), decimal.RequireFromString("-12.30"), decimal.RequireFromString("0.0001"), nil,
				day("1970-01-01"), nil, ts("2026-01-31T23:59:59Z"), nil, []string{}, nil},
			want: []string{"2026-01-31", "m-001", "Zoë, \"the\" ✓\nline two", null, "-128", "-32768", "-2147483648", "-9223372036854775808",
				"255", "65535", "4294967295", "18446744073709551615",
				"1.5", "-0.1", "-12.30", "0.0001", null, "1970-01-01", null, "2026-01-31T23:59:59Z", null, "[]", null},
		},
		{
			values: []any{testAsOf, "m-002", "", ptr(""), int8(math.MaxInt8), int16(math.MaxInt16), int32(math.MaxInt32), int64(math.MaxInt64),
				uint8(0), uint16(0), uint32(0), uint64(0),
				float32(-2.25), float64(1e300), decimal.RequireFromString("9999999999999999.99"), decimal.RequireFromString("-99999.9999"), ptr(decimal.RequireFromString("0.05")),
				day("2099-12-31"), ptr(day("2026-01-31")), ts("1970-01-01T00:00:01Z"), ptr(ts("2026-01-01T00:00:00Z")), []string{"a", "b,c", `"q"`}, ptr(int64(7))},
			want: []string{"2026-01-31", "m-002", "", "", "127", "32767", "2147483647", "9223372036854775807",
				"0", "0", "0", "0",
				"-2.25", "1e+300", "9999999999999999.99", "-99999.9999", "0.05", "2099-12-31", "2026-01-31", "1970-01-01T00:00:01Z", "2026-01-01T00:00:00Z", `["a","b,c","\"q\""]`, "7"},
		},
	}
}

// wantProbe is the expected export of probeRows for testAsOf, in file order.
func wantProbe() [][]string {
	r := probeRows()
	return [][]string{r[1].want, r[2].want, r[0].want}
}

// createProbe creates table name in conn's database and fills it: the
// probe rows for testAsOf (out of order) and one row of another as_of.
func createProbe(t *testing.T, conn warehouse.Conn, name string) {
	t.Helper()
	ctx := context.Background()
	if err := conn.Exec(ctx, fmt.Sprintf(probeDDL, warehouse.QuoteIdent(name))); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+warehouse.QuoteIdent(name)+" ("+strings.Join(probeColumns, ", ")+")")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range probeRows() {
		if err := b.Append(r.values...); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	other := append([]any(nil), probeRows()[0].values...)
	other[0] = testAsOf.AddDate(0, 0, -1)
	other[1] = "m-000-other-day"
	if err := b.Append(other...); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatalf("insert %s: %v", name, err)
	}
}

func probeCatalog(t *testing.T, tables ...string) *Catalog {
	t.Helper()
	var srcs []Source
	for _, n := range tables {
		srcs = append(srcs, Source{Name: n, Table: n, OrderBy: []string{"member_id"}})
	}
	c, err := NewCatalog(srcs...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func export(t *testing.T, conn warehouse.Conn, cat *Catalog, o Options, asOf time.Time) *Manifest {
	t.Helper()
	e, err := New(conn, cat, o)
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.Export(context.Background(), asOf)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return m
}

func TestRoundTripIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.Migrated(t)
	createProbe(t, conn, "probe")
	dir := t.TempDir()
	m := export(t, conn, probeCatalog(t, "probe"), Options{Dir: dir, BatchRows: 2, Parquet: ParquetOptions{RowGroupRows: 2}}, testAsOf)
	folder := filepath.Join(dir, "as_of=2026-01-31")
	want := wantProbe()

	// The manifest's columns are ClickHouse's own, in table order.
	chTypes := describeTable(t, conn, "probe")
	if len(m.Files) != 3 {
		t.Fatalf("manifest lists %d files, want 3", len(m.Files))
	}
	for _, f := range m.Files {
		if f.Rows != int64(len(want)) {
			t.Errorf("%s: manifest rows = %d, want %d", f.Path, f.Rows, len(want))
		}
		var got []string
		for _, c := range f.Columns {
			got = append(got, c.Name+" "+c.Type)
		}
		if strings.Join(got, "|") != strings.Join(chTypes, "|") {
			t.Errorf("%s: manifest columns\n%v\nClickHouse says\n%v", f.Path, got, chTypes)
		}
	}
	checkManifestFiles(t, folder)

	t.Run("parquet-go", func(t *testing.T) {
		compareRows(t, "parquet-go", readParquetGo(t, filepath.Join(folder, "probe.parquet")), want)
	})
	t.Run("pqarrow", func(t *testing.T) {
		tbl := readPqarrow(t, filepath.Join(folder, "probe.parquet"))
		checkArrowTypes(t, tbl)
		compareRows(t, "pqarrow", tbl.rows, want)
	})
	t.Run("arrow-ipc", func(t *testing.T) {
		tbl := readArrowIPC(t, filepath.Join(folder, "probe.arrow"))
		checkArrowTypes(t, tbl)
		compareRows(t, "arrow ipc", tbl.rows, want)
	})
	t.Run("csv", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(folder, "probe.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(raw, []byte(strings.Join(probeColumns, ",")+"\r\n")) {
			t.Errorf("csv does not start with the header and CRLF: %q", raw[:min(len(raw), 80)])
		}
		recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// CSV has no NULL: it is an empty field.
		var csvWant [][]string
		for _, r := range want {
			row := make([]string, len(r))
			for i, c := range r {
				if c != null {
					row[i] = c
				}
			}
			csvWant = append(csvWant, row)
		}
		compareRows(t, "csv", recs[1:], csvWant)
	})
	t.Run("parquet schema", func(t *testing.T) {
		f, err := os.Open(filepath.Join(folder, "probe.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "probe.parquet.schema")
		got := pf.Schema().String() + "\n"
		wantSchema, err := os.ReadFile(golden)
		if err != nil || string(wantSchema) != got {
			os.WriteFile(golden+".FAIL", []byte(got), 0o644)
			t.Errorf("parquet schema differs from %s (got written to %s.FAIL)", golden, golden)
		}
		if n := len(pf.RowGroups()); n != 2 {
			t.Errorf("row groups = %d, want 2 (row_group_rows 2, 3 rows)", n)
		}
		for _, cc := range pf.Metadata().RowGroups[0].Columns {
			if got := cc.MetaData.Codec.String(); got != "ZSTD" {
				t.Errorf("column %v codec %s, want ZSTD", cc.MetaData.PathInSchema, got)
			}
			enc := fmt.Sprint(cc.MetaData.Encoding)
			dict := strings.Contains(enc, "RLE_DICTIONARY")
			name := cc.MetaData.PathInSchema[0]
			if (name == "name" || name == "tier" || name == "tags") != dict {
				t.Errorf("column %s encodings %s: dictionary only for non-id strings", name, enc)
			}
		}
	})
}

// describeTable returns "name type" for each column of table.
func describeTable(t *testing.T, conn warehouse.Conn, table string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "DESCRIBE TABLE "+warehouse.QuoteIdent(table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]string, len(rows.Columns()))
		dest := make([]any, len(vals))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals[0]+" "+vals[1])
	}
	return out
}

// checkManifestFiles checks that the folder is complete and every file's
// size and SHA-256 match the manifest, and nothing else is there.
func checkManifestFiles(t *testing.T, folder string) *Manifest {
	t.Helper()
	m, err := ReadManifest(folder)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{manifestFile: true, successFile: true}
	for _, f := range m.Files {
		listed[f.Path] = true
		b, err := os.ReadFile(filepath.Join(folder, f.Path))
		if err != nil {
			t.Errorf("manifest lists %s: %v", f.Path, err)
			continue
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != f.Bytes || hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("%s: %d bytes sha256 %x, manifest says %d bytes %s", f.Path, len(b), sum, f.Bytes, f.SHA256)
		}
	}
	entries, _ := os.ReadDir(folder)
	for _, e := range entries {
		if !listed[e.Name()] {
			t.Errorf("unlisted file %s in %s", e.Name(), folder)
		}
	}
	return m
}

func compareRows(t *testing.T, reader string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d:\n%q", reader, len(got), len(want), got)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Errorf("%s row %d: %d cells, want %d", reader, i, len(got[i]), len(want[i]))
			continue
		}
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("%s row %d column %s = %q, want %q", reader, i, probeColumns[j], got[i][j], want[i][j])
			}
		}
	}
}

// readParquetGo reads a Parquet file with parquet-go, rendering cells from
// the file's own logical types.
func readParquetGo(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	leaves := pf.Schema().Columns()
	var out [][]string
	reader := parquet.NewReader(pf)
	defer reader.Close()
	rows := make([]parquet.Row, 1)
	for {
		n, err := reader.ReadRows(rows)
		if n == 0 {
			break
		}
		row := rows[0]
		cells := make([]string, len(leaves))
		var lists = map[int][]string{}
		isList := map[int]bool{}
		for _, v := range row {
			ci := v.Column()
			leaf, _ := pf.Schema().Lookup(leaves[ci]...)
			if len(leaves[ci]) > 1 { // LIST: name.list.element
				isList[ci] = true
				if !v.IsNull() {
					lists[ci] = append(lists[ci], string(v.ByteArray()))
				}
				continue
			}
			cells[ci] = parquetCell(t, leaf.Node, v)
		}
		for ci := range isList {
			l := lists[ci]
			if l == nil {
				l = []string{}
			}
			b, _ := json.Marshal(l)
			cells[ci] = string(b)
		}
		out = append(out, cells)
		if err != nil {
			break
		}
	}
	return out
}

func parquetCell(t *testing.T, n parquet.Node, v parquet.Value) string {
	if v.IsNull() {
		return null
	}
	var ltv any
	if lt := n.Type().LogicalType(); lt != nil {
		ltv = lt.Value
	}
	switch lt := ltv.(type) {
	case *format.StringType:
		return string(v.ByteArray())
	case *format.DateType:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly)
	case *format.TimestampType:
		if _, micros := lt.Unit.Value.(*format.MicroSeconds); !lt.IsAdjustedToUTC || !micros {
			t.Errorf("timestamp %v: want MICROS adjusted to UTC", lt)
		}
		return time.UnixMicro(v.Int64()).UTC().Format("2006-01-02T15:04:05Z")
	case *format.DecimalType:
		var unscaled int64
		if n.Type().Kind() == parquet.Int32 {
			unscaled = int64(v.Int32())
		} else {
			unscaled = v.Int64()
		}
		return decimal.New(unscaled, -lt.Scale).StringFixed(lt.Scale)
	case *format.IntType:
		if lt.IsSigned {
			if lt.BitWidth == 64 {
				return strconv.FormatInt(v.Int64(), 10)
			}
			return strconv.FormatInt(int64(v.Int32()), 10)
		}
		if lt.BitWidth == 64 {
			return strconv.FormatUint(v.Uint64(), 10)
		}
		return strconv.FormatUint(uint64(v.Uint32()), 10)
	}
	switch n.Type().Kind() {
	case parquet.Float:
		return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64)
	}
	t.Errorf("unexpected parquet type %v", n.Type())
	return "?"
}

type arrowTable struct {
	schema *arrow.Schema
	rows   [][]string
}

func readPqarrow(t *testing.T, path string) arrowTable {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	out := arrowTable{schema: tbl.Schema(), rows: make([][]string, tbl.NumRows())}
	for i := range out.rows {
		out.rows[i] = make([]string, tbl.NumCols())
	}
	for c := 0; c < int(tbl.NumCols()); c++ {
		r := 0
		for _, chunk := range tbl.Column(c).Data().Chunks() {
			for i := 0; i < chunk.Len(); i++ {
				out.rows[r][c] = arrowCell(t, chunk, i)
				r++
			}
		}
	}
	return out
}

func readArrowIPC(t *testing.T, path string) arrowTable {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := arrowTable{schema: r.Schema()}
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.Record(i)
		if err != nil {
			t.Fatal(err)
		}
		for row := 0; row < int(rec.NumRows()); row++ {
			cells := make([]string, rec.NumCols())
			for c := range cells {
				cells[c] = arrowCell(t, rec.Column(c), row)
			}
			out.rows = append(out.rows, cells)
		}
	}
	return out
}

func arrowCell(t *testing.T, a arrow.Array, i int) string {
	if a.IsNull(i) {
		return null
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(a.Value(i), 10)
	case *array.Float32:
		return strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		return a.Value(i).ToTime(tt.Unit).UTC().Format("2006-01-02T15:04:05Z")
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues().(*array.String)
		l := []string{}
		for j := start; j < end; j++ {
			l = append(l, vals.Value(int(j)))
		}
		b, _ := json.Marshal(l)
		return string(b)
	}
	t.Errorf("unexpected arrow array %T", a)
	return "?"
}

// checkArrowTypes checks the Arrow types a reader sees for the probe table.
func checkArrowTypes(t *testing.T, tbl arrowTable) {
	t.Helper()
	want := []string{"date32", "utf8", "utf8", "utf8", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
		"float32", "float64", "decimal(18, 2)", "decimal(9, 4)", "decimal(18, 2)", "date32", "date32",
		"timestamp[us, tz=UTC]", "timestamp[us, tz=UTC]", "list<", "int64"}
	nullable := map[string]bool{"tier": true, "maybe_spend": true, "last_seen": true, "maybe_at": true, "n_orders": true}
	if len(tbl.schema.Fields()) != len(want) {
		t.Fatalf("%d fields, want %d", len(tbl.schema.Fields()), len(want))
	}
	for i, f := range tbl.schema.Fields() {
		if f.Name != probeColumns[i] {
			t.Errorf("field %d is %s, want %s", i, f.Name, probeColumns[i])
		}
		if got := f.Type.String(); !strings.HasPrefix(got, want[i]) {
			t.Errorf("field %s type %s, want %s", f.Name, got, want[i])
		}
		if f.Nullable != nullable[f.Name] && f.Type.ID() != arrow.LIST {
			t.Errorf("field %s nullable = %v", f.Name, f.Nullable)
		}
	}
}
