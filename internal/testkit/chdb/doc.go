// Package chdb runs modern ClickHouse (26.7, through chDB's libchdb.so)
// inside the test process, behind the same warehouse.Conn interface as the
// clickhouse-go connection, so migrations and models run on it unchanged.
// It exists so tests can prove memberlytics' SQL on a current ClickHouse as
// well as on the 18.16 server installed here.
//
// The library is loaded with purego (no cgo). scripts/fetch-libchdb.sh
// puts it in .cache/chdb/; Locate finds it there or through
// MEMBERLYTICS_LIBCHDB.
//
// The contracts in detail are in README.md in this folder.
package chdb
