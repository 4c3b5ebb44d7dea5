package warehouse

import (
	"bytes"
	"context"
	sqldriver "database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
)

// CH is a Conn over clickhouse-go's native protocol.
type CH struct {
	conn     driver.Conn
	database string
	metrics  *Metrics
}

var _ Conn = (*CH)(nil)

// Exec implements Conn.
func (c *CH) Exec(ctx context.Context, query string, args ...any) error {
	defer c.observe(ctx, time.Now())
	return c.conn.Exec(ctx, query, args...)
}

// staleAttempts bounds how often Query and PrepareBatch try again when
// the pool handed out a dead connection.
const staleAttempts = 3

// Query implements Conn. A query that fails because its pooled
// connection was dead (closed by the server, reset, broken) is tried again
// on another connection: a SELECT has no effect to repeat.
func (c *CH) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	defer c.observe(ctx, time.Now())
	var err error
	for i := 0; i < staleAttempts; i++ {
		var rows Rows
		if rows, err = c.conn.Query(ctx, query, args...); err == nil {
			return rows, nil
		}
		if !staleConn(ctx, err) {
			break
		}
	}
	return nil, err
}

// PrepareBatch implements Conn. Like Query it tries again when the pooled
// connection was dead: no row has been sent at this point, so the insert
// cannot happen twice.
func (c *CH) PrepareBatch(ctx context.Context, query string) (Batch, error) {
	var err error
	for i := 0; i < staleAttempts; i++ {
		var b driver.Batch
		if b, err = c.conn.PrepareBatch(ctx, query); err == nil {
			return &chBatch{b: b, c: c, ctx: ctx}, nil
		}
		if !staleConn(ctx, err) {
			break
		}
	}
	return nil, err
}

// staleConn reports whether err says the connection itself was dead
// (rather than the query wrong or ctx done). clickhouse-go can return such
// a connection from its pool after the server dropped it. (The CI failure
// "use of closed network connection" when recording a job run had another
// cause, a clickhouse-go watchdog closing a pooled connection, fixed by
// v2.51.0; see TestBatchCancelAfterSendKeepsPooledConnectionIntegration.)
func staleConn(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return false // the server answered
	}
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, sqldriver.ErrBadConn)
}

// Unreachable reports whether err says no server answered: a refused,
// reset or dropped connection, rather than a ClickHouse exception or ctx
// being done. Callers that may pass over one replica of several use it.
func Unreachable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	for _, target := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, syscall.EHOSTUNREACH,
		syscall.ENETUNREACH, io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, sqldriver.ErrBadConn} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// ServerVersion implements Conn.
func (c *CH) ServerVersion(ctx context.Context) (Version, error) {
	var v string
	if err := c.conn.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
		return Version{}, err
	}
	return ParseVersion(v)
}

// Database implements Conn.
func (c *CH) Database() string { return c.database }

// Ping checks the server answers.
func (c *CH) Ping(ctx context.Context) error { return c.conn.Ping(ctx) }

// Close implements Conn.
func (c *CH) Close() error { return c.conn.Close() }

func (c *CH) observe(ctx context.Context, start time.Time) {
	if c.metrics == nil {
		return
	}
	c.metrics.QueryDuration.WithLabelValues(QueryName(ctx)).Observe(time.Since(start).Seconds())
}

type chBatch struct {
	b   driver.Batch
	c   *CH
	ctx context.Context
}

func (b *chBatch) Append(v ...any) error    { return b.b.Append(v...) }
func (b *chBatch) Column(i int) BatchColumn { return b.b.Column(i) }
func (b *chBatch) Rows() int                { return b.b.Rows() }
func (b *chBatch) Abort() error             { return b.b.Abort() }

// AppendDecimal64 appends scaled integers (12.34 with scale 2 is 1234)
// to column i, which must be a Decimal of precision 10 to 18 (Decimal64) with
// exactly that scale. It writes the values as the column's wire encoding
// (little-endian Int64), skipping the driver's per-value conversion
// through decimal.Decimal and big.Int, which allocates several times per
// value. It is optional: callers type-assert for it.
func (b *chBatch) AppendDecimal64(i int, scaled []int64, scale int) error {
	cols := b.b.Columns()
	if i < 0 || i >= len(cols) {
		return fmt.Errorf("append decimal: no column %d", i)
	}
	d, ok := cols[i].(*column.Decimal)
	if !ok || d.Precision() < 10 || d.Precision() > 18 || d.Scale() != int64(scale) {
		return fmt.Errorf("append decimal: column %s is %s, not a Decimal(10..18, %d)", cols[i].Name(), cols[i].Type(), scale)
	}
	buf := make([]byte, 8*len(scaled))
	for j, v := range scaled {
		binary.LittleEndian.PutUint64(buf[8*j:], uint64(v))
	}
	if err := d.Decode(proto.NewReader(bytes.NewReader(buf)), len(scaled)); err != nil {
		return fmt.Errorf("append decimal to %s: %w", cols[i].Name(), err)
	}
	return nil
}

// Flush sends the rows appended so far as one block and keeps the insert
// open, so one INSERT can stream many bounded blocks (the server squashes
// them into large parts). It is optional: callers type-assert for it.
func (b *chBatch) Flush() error {
	defer b.c.observe(b.ctx, time.Now())
	return b.b.Flush()
}
func (b *chBatch) Send() error {
	defer b.c.observe(b.ctx, time.Now())
	return b.b.Send()
}

type queryNameKey struct{}

// WithQueryName labels the queries run with ctx in the query duration
// metric. Names are fixed strings (a model or loader name), never data.
func WithQueryName(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, queryNameKey{}, name)
}

// QueryName returns the label set by WithQueryName, or "other".
func QueryName(ctx context.Context) string {
	if s, ok := ctx.Value(queryNameKey{}).(string); ok && s != "" {
		return s
	}
	return "other"
}

// Metrics are the warehouse's Prometheus metrics.
type Metrics struct {
	QueryDuration *prometheus.HistogramVec
}

// NewMetrics creates the warehouse metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		QueryDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "memberlytics_clickhouse_query_duration_seconds",
			Help:    "Time ClickHouse statements took, by query name.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"query"}),
	}
	if reg != nil {
		reg.MustRegister(m.QueryDuration)
	}
	return m
}

// QuoteIdent quotes a ClickHouse identifier with backticks.
func QuoteIdent(name string) string {
	return "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`").Replace(name) + "`"
}
