package models_test

import (
	"context"
	"fmt"
	"time"

	"github.com/memberlytics/memberlytics/models"
)

// orderCount is a complete model: paid orders per member as of a date. Its
// output table would be created by a migration:
//
//	CREATE TABLE IF NOT EXISTS order_count (
//	    as_of Date COMMENT '...', member_id String COMMENT '...',
//	    orders UInt64 COMMENT '...', run_id String COMMENT '...'
//	) ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id;
type orderCount struct{}

// Name keys the SQL file sql/models/example_order_count.sql.
func (orderCount) Name() string { return "example_order_count" }

// Deps: this model reads only the raw views.
func (orderCount) Deps() []string { return nil }

// Run fills a staging table and swaps it in as the as_of partition.
func (m orderCount) Run(ctx context.Context, env models.Env, asOf time.Time) (models.Result, error) {
	w := models.NewWindow(asOf, env.Location)
	n, err := models.ReplacePartition(ctx, env.Conn, "order_count", w.AsOf, func(stage string) error {
		q, err := models.Query(m.Name(), "fill", map[string]string{"stage": stage})
		if err != nil {
			return err
		}
		return env.Conn.Exec(ctx, q, w.Args(env.RunID)...)
	})
	if err != nil {
		return models.Result{}, err
	}
	return models.Result{Rows: map[string]uint64{"order_count": n}}, nil
}

// dependsOnCount stands for a model reading order_count.
type dependsOnCount struct{ orderCount }

func (dependsOnCount) Name() string   { return "count_report" }
func (dependsOnCount) Deps() []string { return []string{"example_order_count"} }

// Adding a model: (1) its SQL in sql/models/<name>.sql and its table in a
// migration, (2) a type with Name, Deps and Run, (3) one Add in the
// registry that cmd/memberlytics builds. RunAll then runs it in dependency
// order and records its metrics.
func Example() {
	reg := models.NewRegistry()
	// Registration order does not matter: Ordered sorts by dependencies.
	for _, m := range []models.Model{dependsOnCount{}, orderCount{}} {
		if err := reg.Add(m); err != nil {
			fmt.Println(err)
		}
	}
	ordered, err := reg.Ordered() // all models
	if err != nil {
		fmt.Println(err)
	}
	for _, m := range ordered {
		fmt.Println(m.Name())
	}
	_, err = models.Query("example_order_count", "fill", map[string]string{"stage": "order_count_stage"})
	fmt.Println("sql found:", err == nil)
	// Output:
	// example_order_count
	// count_report
	// sql found: true
}
