package compat

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// Run is the code a cross-engine test runs on each engine's database after
// the data is loaded: for example every registered model for one as_of.
// It must not depend on which engine it runs on.
type Run func(ctx context.Context, conn warehouse.Conn) error

// Case is one cross-engine comparison.
type Case struct {
	// DataDir holds datagen's CSV output (see Generate), loaded into each
	// engine with LoadGenerated. Empty loads nothing.
	DataDir string
	// LoadedAt is the loaded_at of every loaded row; zero means
	// datagen.DefaultEnd. Any fixed instant works: it only has to be the
	// same on both engines.
	LoadedAt time.Time
	// Run runs on each engine after loading.
	Run Run
	// Options chooses the columns not compared.
	Options Options
	// Tolerance for floats; the zero value means DefaultTolerance.
	Tolerance Tolerance
}

// Result is what each engine held after a Case: engine name -> table name
// -> snapshot, for assertions beyond equality (for example that a model
// wrote rows at all).
type Result map[string]map[string]*Table

// Compare runs c on every engine (in parallel, each in its own database)
// and reports through t every difference between the first engine and each
// other: a Run error on any engine, then schemas (CompareSchemas) and the
// rows of every table and view of the database (CompareTables). A Run error
// names the engine and keeps the other engine's error too, so a statement
// that fails on one version is reported with both outcomes.
func Compare(t testing.TB, engines []chtest.Engine, c Case) Result {
	t.Helper()
	tol := c.Tolerance
	if tol == (Tolerance{}) {
		tol = DefaultTolerance
	}
	type out struct {
		schema Schema
		tables map[string]*Table
		err    error
	}
	outs := make([]out, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i].schema, outs[i].tables, outs[i].err = runOne(context.Background(), e.Conn, c)
		}()
	}
	wg.Wait()
	failed := false
	for i, e := range engines {
		if outs[i].err != nil {
			t.Errorf("%s: %v", e.Name, outs[i].err)
			failed = true
		}
	}
	if failed {
		return nil
	}
	res := Result{}
	for i, e := range engines {
		res[e.Name] = outs[i].tables
	}
	a := engines[0].Name
	for i, e := range engines[1:] {
		b := e.Name
		for _, d := range CompareSchemas(a, outs[0].schema, b, outs[i+1].schema) {
			t.Errorf("schema: %s", d)
		}
		for _, name := range sortedKeys(outs[0].tables) {
			tb, ok := outs[i+1].tables[name]
			if !ok {
				continue // reported by CompareSchemas
			}
			for _, d := range CompareTables(a, outs[0].tables[name], b, tb, tol) {
				t.Errorf("rows: %s", d)
			}
		}
	}
	return res
}

func runOne(ctx context.Context, conn warehouse.Conn, c Case) (Schema, map[string]*Table, error) {
	if c.DataDir != "" {
		at := c.LoadedAt
		if at.IsZero() {
			at = datagen.DefaultEnd
		}
		if _, err := LoadGenerated(ctx, conn, c.DataDir, at); err != nil {
			return Schema{}, nil, err
		}
	}
	if c.Run != nil {
		if err := c.Run(ctx, conn); err != nil {
			return Schema{}, nil, fmt.Errorf("run: %w", err)
		}
	}
	s, err := ReadSchema(ctx, conn)
	if err != nil {
		return Schema{}, nil, err
	}
	tables := map[string]*Table{}
	for name, ts := range s.Tables {
		if tables[name], err = Snapshot(ctx, conn, ts, c.Options); err != nil {
			return Schema{}, nil, err
		}
	}
	return s, tables, nil
}
