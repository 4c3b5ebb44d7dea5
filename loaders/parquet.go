package loaders

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquetReader reads a Parquet file's rows as text by canonical column:
// timestamps as RFC 3339 in UTC, dates as YYYY-MM-DD, decimals with their
// scale, numbers in Go's shortest form. Only top-level columns are read.
// parquet-go may panic on damaged pages; such panics become ErrCorrupt.
type parquetReader struct {
	file   *parquet.File
	leaves []int // canonical column -> leaf column index, -1
	conv   []func(parquet.Value) string
	byLeaf map[int]int // leaf column -> canonical column
	groups []parquet.RowGroup
	g      int
	rows   parquet.Rows
	buf    []parquet.Row
	n, i   int
	rowNum int64
}

func newParquetReader(r io.ReaderAt, size int64, s *schema, m Mapping) (pr *parquetReader, ignored []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			pr, err = nil, corruptf("damaged Parquet file: %v", p)
		}
	}()
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, nil, corruptf("not a Parquet file or truncated: %v", err)
	}
	fields := f.Schema().Fields()
	header := make([]string, len(fields))
	for i, fl := range fields {
		header[i] = fl.Name()
	}
	pos, ignored, err := s.resolve(header, m)
	if err != nil {
		return nil, nil, err
	}
	pr = &parquetReader{file: f, leaves: make([]int, len(s.cols)), conv: make([]func(parquet.Value) string, len(s.cols)), byLeaf: map[int]int{}, groups: f.RowGroups()}
	for i, p := range pos {
		pr.leaves[i] = -1
		if p < 0 {
			continue
		}
		leaf, ok := f.Schema().Lookup(header[p])
		if !ok {
			return nil, nil, fmt.Errorf("%w: parquet column %s is not a plain column", ErrInvalidOptions, header[p])
		}
		pr.leaves[i] = leaf.ColumnIndex
		pr.byLeaf[leaf.ColumnIndex] = i
		pr.conv[i] = valueConverter(leaf.Node)
	}
	pr.buf = make([]parquet.Row, 1024)
	return pr, ignored, nil
}

func (pr *parquetReader) given() []bool {
	g := make([]bool, len(pr.leaves))
	for i, l := range pr.leaves {
		g[i] = l >= 0
	}
	return g
}

// valueConverter returns how a column's values become text.
func valueConverter(n parquet.Node) func(parquet.Value) string {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.TimestampType:
			unit := time.Millisecond
			if v.Unit.Value != nil {
				unit = v.Unit.Value.Duration()
			}
			perSec := int64(time.Second / unit)
			return func(x parquet.Value) string {
				v := x.Int64()
				sec := v / perSec
				if v%perSec < 0 {
					sec--
				}
				return time.Unix(sec, 0).UTC().Format(time.RFC3339)
			}
		case *format.DateType:
			return func(x parquet.Value) string {
				return time.Unix(int64(x.Int32())*86400, 0).UTC().Format("2006-01-02")
			}
		case *format.DecimalType:
			scale := int(v.Scale)
			return func(x parquet.Value) string {
				var b *big.Int
				switch x.Kind() {
				case parquet.Int32:
					b = big.NewInt(int64(x.Int32()))
				case parquet.Int64:
					b = big.NewInt(x.Int64())
				default:
					b = twosComplement(x.ByteArray())
				}
				return scaled(b, scale)
			}
		}
	}
	return func(x parquet.Value) string {
		switch x.Kind() {
		case parquet.Boolean:
			return strconv.FormatBool(x.Boolean())
		case parquet.Int32:
			return strconv.FormatInt(int64(x.Int32()), 10)
		case parquet.Int64:
			return strconv.FormatInt(x.Int64(), 10)
		case parquet.Float:
			return strconv.FormatFloat(float64(x.Float()), 'g', -1, 32)
		case parquet.Double:
			return strconv.FormatFloat(x.Double(), 'g', -1, 64)
		}
		return string(x.ByteArray())
	}
}

func twosComplement(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}

// scaled writes an unscaled integer with scale decimals ("-1234", 2 -> "-12.34").
func scaled(n *big.Int, scale int) string {
	s := new(big.Int).Abs(n).String()
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if n.Sign() < 0 {
		s = "-" + s
	}
	return s
}

func (p *parquetReader) next(r *rawRow) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = corruptf("damaged Parquet file near row %d: %v", p.rowNum+1, x)
		}
	}()
	for p.i >= p.n {
		if err := p.fill(); err != nil {
			return err
		}
	}
	row := p.buf[p.i]
	p.i++
	p.rowNum++
	r.line = p.rowNum
	r.reset()
	for _, v := range row {
		ci, ok := p.byLeaf[v.Column()]
		if !ok || v.IsNull() {
			continue
		}
		r.vals[ci], r.has[ci] = p.conv[ci](v), true
	}
	return nil
}

func (p *parquetReader) fill() error {
	for {
		if p.rows == nil {
			if p.g >= len(p.groups) {
				return io.EOF
			}
			p.rows = p.groups[p.g].Rows()
			p.g++
		}
		n, err := p.rows.ReadRows(p.buf)
		p.i, p.n = 0, n
		if err != nil {
			_ = p.rows.Close()
			p.rows = nil
			if !errors.Is(err, io.EOF) {
				return corruptf("damaged Parquet file near row %d: %v", p.rowNum+1, err)
			}
		}
		if n > 0 {
			return nil
		}
	}
}

func (p *parquetReader) text() string {
	if p.i == 0 || p.i > p.n {
		return ""
	}
	return fmt.Sprint(p.buf[p.i-1])
}

func (p *parquetReader) close() {
	if p.rows != nil {
		_ = p.rows.Close()
	}
}
