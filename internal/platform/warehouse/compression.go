package warehouse

import "github.com/ClickHouse/clickhouse-go/v2"

// compressionMethod picks the native protocol's block compression for the
// clickhouse.compression setting ("auto", "lz4" or "none", checked by
// config.Validate; "" counts as auto) and addr: auto is compressionFor's
// rule (none on a loopback address, LZ4 elsewhere); lz4 and none force
// it, e.g. lz4 for a loopback tunnel to a remote server, none on a fast
// private network where CPU is the limit.
func compressionMethod(setting, addr string) clickhouse.CompressionMethod {
	switch setting {
	case "none":
		return clickhouse.CompressionNone
	case "lz4":
		return clickhouse.CompressionLZ4
	}
	return compressionFor(addr)
}
