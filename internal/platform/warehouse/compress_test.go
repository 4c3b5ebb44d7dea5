package warehouse

import (
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestCompressionFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr string
		want clickhouse.CompressionMethod
	}{
		{"127.0.0.1:9000", clickhouse.CompressionNone},
		{"127.0.0.2:9000", clickhouse.CompressionNone},
		{"localhost:9000", clickhouse.CompressionNone},
		{"LocalHost:9440", clickhouse.CompressionNone},
		{"[::1]:9000", clickhouse.CompressionNone},
		{"10.0.0.5:9000", clickhouse.CompressionLZ4},
		{"[2001:db8::1]:9000", clickhouse.CompressionLZ4},
		{"clickhouse.example.com:9440", clickhouse.CompressionLZ4},
		{"localhost.example.com:9000", clickhouse.CompressionLZ4},
		{"db", clickhouse.CompressionLZ4},
	} {
		if got := compressionFor(tc.addr); got != tc.want {
			t.Errorf("compressionFor(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}
