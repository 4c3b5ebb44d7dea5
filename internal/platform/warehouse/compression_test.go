package warehouse

import (
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestCompressionMethod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		setting, addr string
		want          clickhouse.CompressionMethod
	}{
		{"auto", "127.0.0.1:9000", clickhouse.CompressionNone},
		{"", "localhost:9000", clickhouse.CompressionNone},
		{"auto", "10.0.0.5:9000", clickhouse.CompressionLZ4},
		{"lz4", "127.0.0.1:9000", clickhouse.CompressionLZ4},
		{"lz4", "[::1]:9000", clickhouse.CompressionLZ4},
		{"none", "10.0.0.5:9000", clickhouse.CompressionNone},
		{"none", "ch-1.example.com:9440", clickhouse.CompressionNone},
	}
	for _, tt := range tests {
		if got := compressionMethod(tt.setting, tt.addr); got != tt.want {
			t.Errorf("compressionMethod(%q, %q) = %v, want %v", tt.setting, tt.addr, got, tt.want)
		}
	}
}
