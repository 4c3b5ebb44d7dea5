package main

import (
	"log/slog"

	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/sql"
)

// newMigrator returns the migration runner for conn: in cluster mode (a
// connection with a topology) it rewrites the migrations for the cluster
// (sharded tables as <table>_local + Distributed; docs/cluster.md).
func newMigrator(conn warehouse.Conn, log *slog.Logger) (*migrate.Runner, error) {
	r, err := migrate.New(conn, sql.Migrations(), log)
	if err != nil {
		return nil, err
	}
	if topo, ok := warehouse.TopologyOf(conn); ok {
		if err := r.UseCluster(migrate.Cluster{Topology: topo, Sharded: sql.Sharded, Home: sql.Home}); err != nil {
			return nil, err
		}
	}
	return r, nil
}
