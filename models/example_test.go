package models_test

import (
	"context"
	"fmt"
	"time"

	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/internal/example"
)

// countReport stands for a model reading order_count.
type countReport struct{}

func (countReport) Name() string   { return "count_report" }
func (countReport) Deps() []string { return []string{"order_count"} }
func (countReport) Run(context.Context, models.Env, time.Time) (models.Result, error) {
	return models.Result{}, nil
}

// Adding a model is one folder and one registry line: the folder
// (models/internal/example is the walkthrough's) holds the model's Go, its
// SQL (go:embed, parsed once by query.MustParse), its parameters with
// defaults and Validate, its Tables declaration and its tests; the
// migration creating its table goes under sql/schema. RunAll then runs it
// in dependency order and records its metrics.
func Example() {
	orderCount, err := example.New(example.DefaultParams())
	if err != nil {
		fmt.Println(err)
	}
	reg := models.NewRegistry()
	// Registration order does not matter: Ordered sorts by dependencies.
	for _, m := range []models.Model{countReport{}, orderCount} {
		if err := reg.Add(m); err != nil {
			fmt.Println(err)
		}
	}
	ordered, err := reg.Ordered() // all models
	if err != nil {
		fmt.Println(err)
	}
	for _, m := range ordered {
		fmt.Println(m.Name(), models.OutputTables(m))
	}
	// Output:
	// order_count [order_count]
	// count_report [count_report]
}
