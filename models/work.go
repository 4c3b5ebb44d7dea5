package models

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// legacyWorkPattern matches the work tables of versions before the work
// database, which lived in the main one with no expiry.
const legacyWorkPattern = `^[a-z0-9_]+_(stage|tmp)_[0-9a-f]{8}(_[a-z0-9_]+)?$`

// SweepOptions configure SweepWork.
type SweepOptions struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// DryRun reports the tables and drops none.
	DryRun bool
	// Logger receives a line per table dropped; nil discards them.
	Logger *slog.Logger
}

// SweepWork drops the models' stage and scratch tables whose query.WorkLease has
// passed: in the work database (on every shard in cluster mode), and
// those left in the main database by versions before it, once they are
// older than query.WorkLease. It returns them as database.table (with
// "shard N: " in front in cluster mode). A running model's tables are
// within their lease, so SweepWork is safe while models run; RunOne calls
// it before each model.
func SweepWork(ctx context.Context, conn warehouse.Conn, o SweepOptions) ([]string, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conns, wheres := []warehouse.Conn{conn}, []string{""}
	if topo, ok := warehouse.TopologyOf(conn); ok {
		conns, wheres = topo.Shards, nil
		for i := range topo.Shards {
			wheres = append(wheres, fmt.Sprintf("shard %d: ", i+1))
		}
	}
	now := o.Now()
	var dropped []string
	for i, c := range conns {
		work, err := warehouse.ListTables(ctx, c, warehouse.WorkDatabase(c.Database()), query.WorkPattern.String())
		if err != nil {
			return dropped, fmt.Errorf("sweep model work tables: %s%w", wheres[i], err)
		}
		legacy, err := warehouse.ListTables(ctx, c, c.Database(), legacyWorkPattern)
		if err != nil {
			return dropped, fmt.Errorf("sweep model work tables: %s%w", wheres[i], err)
		}
		var expired []warehouse.WorkTableInfo
		for _, t := range work {
			exp, err := strconv.ParseInt(query.WorkPattern.FindStringSubmatch(t.Name)[2], 10, 64)
			if err == nil && now.Unix() > exp {
				expired = append(expired, t)
			}
		}
		for _, t := range legacy {
			if now.Sub(time.Unix(t.Modified, 0)) > query.WorkLease {
				expired = append(expired, t)
			}
		}
		for _, t := range expired {
			name := wheres[i] + t.Database + "." + t.Name
			dropped = append(dropped, name)
			if o.DryRun {
				continue
			}
			if err := c.Exec(ctx, "DROP TABLE IF EXISTS "+warehouse.QuoteIdent(t.Database)+"."+warehouse.QuoteIdent(t.Name)); err != nil {
				return dropped, fmt.Errorf("sweep model work tables: %sdrop %s.%s: %w", wheres[i], t.Database, t.Name, err)
			}
			log.Info("dropped a model work table left by an earlier run", "table", name)
		}
	}
	return dropped, nil
}
