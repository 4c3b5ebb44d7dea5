package chdb

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// allTypes is a row of every column type memberlytics uses, in the order of
// allTypesDDL.
type allTypes struct {
	S      string
	FS     string
	U8     uint8
	U16    uint16
	U32    uint32
	U64    uint64
	I8     int8
	I16    int16
	I32    int32
	I64    int64
	F32    float32
	F64    float64
	B      bool
	Dec    decimal.Decimal
	Dec38  decimal.Decimal
	D      time.Time
	D32    time.Time
	DT     time.Time
	DTNoTZ time.Time
	DT64   time.Time
	E      string
	NS     *string
	NU     *uint64
	ND     *time.Time
	NDec   *decimal.Decimal
	AS     []string
	AU     []uint64
	ANI    []*int32
}

const allTypesCols = "s, fs, u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, b, dec, dec38, d, d32, dt, dt_notz, dt64, e, ns, nu, nd, ndec, as_, au, ani"

const allTypesDDL = `CREATE TABLE all_types (
	s String, fs FixedString(4),
	u8 UInt8, u16 UInt16, u32 UInt32, u64 UInt64,
	i8 Int8, i16 Int16, i32 Int32, i64 Int64,
	f32 Float32, f64 Float64, b Bool,
	dec Decimal(18, 2), dec38 Decimal(38, 6),
	d Date, d32 Date32, dt DateTime('UTC'), dt_notz DateTime, dt64 DateTime64(3, 'UTC'),
	e Enum8('bronze' = 1, 'silver' = 2, 'gold' = 3),
	ns Nullable(String), nu Nullable(UInt64), nd Nullable(Date), ndec Nullable(Decimal(18, 2)),
	as_ Array(String), au Array(UInt64), ani Array(Nullable(Int32))
) ENGINE = MergeTree() ORDER BY u64`

func ptr[T any](v T) *T { return &v }

func (r *allTypes) values() []any {
	return []any{r.S, r.FS, r.U8, r.U16, r.U32, r.U64, r.I8, r.I16, r.I32, r.I64, r.F32, r.F64, r.B,
		r.Dec, r.Dec38, r.D, r.D32, r.DT, r.DTNoTZ, r.DT64, r.E, r.NS, r.NU, r.ND, r.NDec, r.AS, r.AU, r.ANI}
}

func (r *allTypes) dests() []any {
	return []any{&r.S, &r.FS, &r.U8, &r.U16, &r.U32, &r.U64, &r.I8, &r.I16, &r.I32, &r.I64, &r.F32, &r.F64, &r.B,
		&r.Dec, &r.Dec38, &r.D, &r.D32, &r.DT, &r.DTNoTZ, &r.DT64, &r.E, &r.NS, &r.NU, &r.ND, &r.NDec, &r.AS, &r.AU, &r.ANI}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// sampleRows covers the edges: extremes of every integer, awkward strings,
// NULLs and empty arrays, times before and after 2038.
func sampleRows() []allTypes {
	return []allTypes{
		{
			S: "plain", FS: "ab\x00\x00", U8: 1, U16: 2, U32: 3, U64: 1, I8: -1, I16: -2, I32: -3, I64: -4,
			F32: 1.5, F64: 0.1, B: true,
			Dec: decimal.RequireFromString("12.34"), Dec38: decimal.RequireFromString("-123456789012345678901234567890.123456"),
			D: day(2024, 2, 29), D32: day(1900, 1, 1), DT: time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC),
			DTNoTZ: time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC), DT64: time.Date(2024, 1, 2, 3, 4, 5, 123e6, time.UTC),
			E: "gold", NS: ptr("x"), NU: ptr(uint64(7)), ND: ptr(day(2023, 12, 31)), NDec: ptr(decimal.RequireFromString("-0.01")),
			AS: []string{"a", "b\tc"}, AU: []uint64{1, math.MaxUint64}, ANI: []*int32{ptr(int32(-1)), nil, ptr(int32(2))},
		},
		{
			S: "tab\there\nnewline\\back'quote\"dq ünïcødé ✓ ?", FS: "wxyz",
			U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxUint64,
			I8: math.MinInt8, I16: math.MinInt16, I32: math.MinInt32, I64: math.MinInt64,
			F32: float32(math.Inf(-1)), F64: math.MaxFloat64, B: false,
			Dec: decimal.RequireFromString("9999999999999999.99"), Dec38: decimal.RequireFromString("0.000001"),
			D: day(2149, 6, 6), D32: day(2299, 12, 31), DT: time.Date(2106, 2, 7, 6, 28, 15, 0, time.UTC),
			DTNoTZ: time.Unix(0, 0).UTC(), DT64: time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC),
			E: "bronze", AS: []string{}, AU: []uint64{}, ANI: []*int32{},
		},
		{
			S: "", FS: "\x00\x00\x00\x00", U64: 2, I8: math.MaxInt8, I16: math.MaxInt16, I32: math.MaxInt32, I64: math.MaxInt64,
			F32: math.SmallestNonzeroFloat32, F64: math.Copysign(0, -1), Dec: decimal.RequireFromString("-9999999999999999.99"),
			Dec38: decimal.RequireFromString("99999999999999999999999999999999.999999"), D: day(1970, 1, 1),
			D32: day(1969, 7, 20), DT: time.Unix(1, 0).UTC(), DTNoTZ: time.Unix(1<<31, 0).UTC(),
			DT64: time.Unix(0, 0).UTC(), E: "silver", NS: ptr(""), NU: ptr(uint64(0)), ND: ptr(day(1970, 1, 1)),
			NDec: ptr(decimal.Zero), AS: []string{""}, AU: []uint64{0}, ANI: []*int32{nil},
		},
	}
}

// equalRows compares field by field: times with Equal, decimals with
// Equal, floats by bits, everything else with DeepEqual.
func equalRows(t *testing.T, got, want allTypes) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		ok := false
		switch w := w.(type) {
		case time.Time:
			ok = g.(time.Time).Equal(w) && g.(time.Time).Location() == time.UTC
		case *time.Time:
			g := g.(*time.Time)
			ok = (g == nil) == (w == nil) && (w == nil || g.Equal(*w))
		case decimal.Decimal:
			ok = g.(decimal.Decimal).Equal(w)
		case *decimal.Decimal:
			g := g.(*decimal.Decimal)
			ok = (g == nil) == (w == nil) && (w == nil || g.Equal(*w))
		case float64:
			ok = math.Float64bits(g.(float64)) == math.Float64bits(w)
		case float32:
			ok = math.Float32bits(g.(float32)) == math.Float32bits(w)
		default:
			ok = reflect.DeepEqual(g, w)
		}
		if !ok {
			t.Errorf("%s: got %#v, want %#v", name, g, w)
		}
	}
}

func readAllTypes(t *testing.T, c *Conn) []allTypes {
	t.Helper()
	rows, err := c.Query(context.Background(), "SELECT "+allTypesCols+" FROM all_types ORDER BY u64")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []allTypes
	for rows.Next() {
		var r allTypes
		if err := rows.Scan(r.dests()...); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkAllTypes(t *testing.T, c *Conn) {
	t.Helper()
	want := sampleRows()
	got := readAllTypes(t, c)
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	// ORDER BY u64: 1, 2, MaxUint64.
	for i, j := range []int{0, 2, 1} {
		equalRows(t, got[i], want[j])
	}
}

func TestBatchRowWiseRoundTripIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	mustExec(t, c, allTypesDDL)
	b, err := c.PrepareBatch(context.Background(), "INSERT INTO all_types ("+allTypesCols+")")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sampleRows() {
		if err := b.Append(r.values()...); err != nil {
			t.Fatal(err)
		}
	}
	if b.Rows() != 3 {
		t.Fatalf("Rows() = %d, want 3", b.Rows())
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	checkAllTypes(t, c)
}

func TestBatchColumnWiseRoundTripIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	mustExec(t, c, allTypesDDL)
	b, err := c.PrepareBatch(context.Background(), "INSERT INTO all_types ("+allTypesCols+") VALUES")
	if err != nil {
		t.Fatal(err)
	}
	rows := sampleRows()
	// One typed slice per column, built by reflection over the fields.
	rt := reflect.TypeFor[allTypes]()
	for i := 0; i < rt.NumField(); i++ {
		s := reflect.MakeSlice(reflect.SliceOf(rt.Field(i).Type), 0, len(rows))
		for _, r := range rows {
			s = reflect.Append(s, reflect.ValueOf(r).Field(i))
		}
		if err := b.Column(i).Append(s.Interface()); err != nil {
			t.Fatalf("column %d: %v", i, err)
		}
	}
	if b.Rows() != 3 {
		t.Fatalf("Rows() = %d, want 3", b.Rows())
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	checkAllTypes(t, c)
}

func TestBatchErrorsIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE t (id UInt32, name String, amount Decimal(18, 2), n Nullable(Int8)) ENGINE = MergeTree() ORDER BY id")

	for _, q := range []string{"INSERT INTO t", "INSERT INTO t VALUES", "SELECT 1", "INSERT INTO t ()"} {
		if _, err := c.PrepareBatch(ctx, q); err == nil {
			t.Errorf("PrepareBatch(%q): no error", q)
		}
	}
	if _, err := c.PrepareBatch(ctx, "INSERT INTO t (id, nope)"); err == nil {
		t.Error("PrepareBatch with an unknown column: no error")
	}

	b, err := c.PrepareBatch(ctx, "INSERT INTO t (id, name, amount, n)")
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		row  []any
		want string
	}{
		{"too few values", []any{uint32(1)}, "1 values for 4 columns"},
		{"negative into UInt32", []any{-1, "a", decimal.Zero, nil}, `column "id" (UInt32)`},
		{"overflow UInt32", []any{uint64(1) << 32, "a", decimal.Zero, nil}, "out of range"},
		{"int into String", []any{uint32(1), 5, decimal.Zero, nil}, `cannot insert int into String`},
		{"float into Decimal", []any{uint32(1), "a", 1.5, nil}, `cannot insert float64 into Decimal(18, 2)`},
		{"NULL into UInt32", []any{nil, "a", decimal.Zero, nil}, "NULL for a column that is not Nullable"},
		{"overflow Int8", []any{uint32(1), "a", decimal.Zero, 300}, "out of range for Int8"},
	}
	for _, tt := range bad {
		err := b.Append(tt.row...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	if b.Rows() != 0 {
		t.Fatalf("failed appends left %d rows", b.Rows())
	}
	// Loose integer types and *T are accepted where they fit, as in clickhouse-go.
	if err := b.Append(1, "a", decimal.RequireFromString("1.005"), ptr(int8(-3))); err != nil {
		t.Fatal(err)
	}
	if err := b.Column(0).Append([]int{2}); err == nil || !strings.Contains(err.Error(), "use []uint32") {
		t.Errorf("column append of []int into UInt32: %v, want an error naming []uint32", err)
	}
	if err := b.Column(9).Append([]uint32{1}); err == nil {
		t.Error("Column(9) of 4: no error")
	}
	if err := b.Send(); err == nil || !strings.Contains(err.Error(), "use []uint32") {
		t.Fatalf("Send after a failed column append: %v", err)
	}
	if err := b.Append(uint32(3), "c", decimal.Zero, nil); !errors.Is(err, ErrBatchSent) {
		t.Fatalf("Append after Send: %v, want ErrBatchSent", err)
	}

	// Columns of different lengths.
	b, err = c.PrepareBatch(ctx, "INSERT INTO t (id, name, amount, n)")
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Column(0).Append([]uint32{1, 2})
	_ = b.Column(1).Append([]string{"a"})
	_ = b.Column(2).Append([]decimal.Decimal{decimal.Zero, decimal.Zero})
	_ = b.Column(3).Append([]*int8{nil, nil})
	if err := b.Send(); err == nil || !strings.Contains(err.Error(), "rows") {
		t.Fatalf("Send with uneven columns: %v", err)
	}

	// Abort sends nothing; a good batch sends; decimals truncate to the scale.
	b, err = c.PrepareBatch(ctx, "INSERT INTO t (id, name, amount, n)")
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Append(uint32(10), "aborted", decimal.Zero, nil)
	if err := b.Abort(); err != nil {
		t.Fatal(err)
	}
	b, err = c.PrepareBatch(ctx, "INSERT INTO t (id, name, amount, n)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append(uint32(11), "kept", "2.509", int8(4)); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	var n uint64
	var amount decimal.Decimal
	queryOne(t, c, "SELECT count(), sum(amount) FROM t", nil, &n, &amount)
	if n != 1 || !amount.Equal(decimal.RequireFromString("2.50")) {
		t.Fatalf("table holds %d rows summing %s, want 1 row of 2.50", n, amount)
	}
	// An empty batch sends nothing and succeeds.
	b, err = c.PrepareBatch(ctx, "INSERT INTO t (id)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatalf("empty Send: %v", err)
	}
}

func TestLargeBatchIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	mustExec(t, c, "CREATE TABLE big (id UInt64, member String, amount Decimal(18, 2), at DateTime('UTC')) ENGINE = MergeTree() ORDER BY id")
	const n = 100_000
	ids, members := make([]uint64, n), make([]string, n)
	amounts, ats := make([]decimal.Decimal, n), make([]time.Time, n)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var wantSum decimal.Decimal
	for i := range n {
		ids[i] = uint64(i)
		members[i] = "m" + strings.Repeat("x", i%7)
		amounts[i] = decimal.New(int64(i%1000), -2)
		wantSum = wantSum.Add(amounts[i])
		ats[i] = base.Add(time.Duration(i) * time.Minute)
	}
	b, err := c.PrepareBatch(context.Background(), "INSERT INTO big (id, member, amount, at)")
	if err != nil {
		t.Fatal(err)
	}
	for i, col := range []any{ids, members, amounts, ats} {
		if err := b.Column(i).Append(col); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	var count, idSum uint64
	var sum decimal.Decimal
	var last time.Time
	queryOne(t, c, "SELECT count(), sum(id), sum(amount), max(at) FROM big", nil, &count, &idSum, &sum, &last)
	if count != n || idSum != n*(n-1)/2 || !sum.Equal(wantSum) || !last.Equal(ats[n-1]) {
		t.Fatalf("got count %d, sum(id) %d, sum(amount) %s, max(at) %s; want %d, %d, %s, %s",
			count, idSum, sum, last, n, n*(n-1)/2, wantSum, ats[n-1])
	}
}

// A DateTime column takes Unix seconds as []int64, as clickhouse-go's
// does (the loaders append timestamps so); out-of-range seconds fail.
func TestBatchDateTimeFromUnixSecondsIntegration(t *testing.T) {
	t.Parallel()
	c := openTest(t)
	ctx := context.Background()
	mustExec(t, c, "CREATE TABLE ts (id UInt32, at DateTime('UTC')) ENGINE = MergeTree() ORDER BY id")
	b, err := c.PrepareBatch(ctx, "INSERT INTO ts (id, at)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Column(1).Append([]int64{0, -1}); err == nil || !strings.Contains(err.Error(), "out of range for DateTime") {
		t.Fatalf("append of -1 seconds: %v, want out of range", err)
	}
	if err := b.Abort(); err != nil {
		t.Fatal(err)
	}
	b, err = c.PrepareBatch(ctx, "INSERT INTO ts (id, at)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Column(0).Append([]uint32{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := b.Column(1).Append([]int64{1704067200, 4291747199}); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	var s string
	queryOne(t, c, "SELECT arrayStringConcat(groupArray(toString(at)), ',') FROM (SELECT at FROM ts ORDER BY id)", nil, &s)
	if s != "2024-01-01 00:00:00,2105-12-31 23:59:59" {
		t.Errorf("stored %q", s)
	}
}
