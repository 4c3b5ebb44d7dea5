package clv

import (
	"context"
	"testing"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
)

// TestCLVFitWithNegative2F1Integration is a regression test: on 300
// generated members (seed 5) the BG/NBD fit for 2025-12-24 has a + b < 1
// (r = 0.19, a = 0.35, b = 0.53), so the hypergeometric function in the
// expected purchases of one-time buyers is negative, and the run used to
// fail with "tuple x=0 t_x=0 T=117 days gives a non-finite value". Every
// member must now be scored with finite values.
func TestCLVFitWithNegative2F1Integration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	o := datagen.DefaultOptions()
	o.Members, o.Seed, o.OutDir = 300, 5, dir
	if _, err := datagen.Generate(ctx, o); err != nil {
		t.Fatal(err)
	}
	conn := chtest.Migrated(t)
	if err := genload.All(ctx, conn, dir, genload.Before(datagen.DefaultEnd)); err != nil {
		t.Fatal(err)
	}
	asOf := modeltest.AsOf(t, "2025-12-24")
	if _, err := newTestCLV(t, nil).Run(ctx, modeltest.Env(conn, "negative-2f1"), asOf); err != nil {
		t.Fatalf("clv run: %v", err)
	}
	p := modeltest.Params(t, conn, "clv", asOf)
	if !(p["a"]+p["b"] < 1) {
		t.Errorf("fitted a + b = %g: the data no longer exercises a negative 2F1 (pick another seed)", p["a"]+p["b"])
	}
	var members, bad, oneTime uint64
	rows, err := conn.Query(ctx, `SELECT count(), countIf(NOT (isFinite(expected_purchases) AND isFinite(clv) AND expected_purchases >= 0)), countIf(frequency = 0)
		FROM clv WHERE as_of = ?`, asOf.Format(asof.Layout))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&members, &bad, &oneTime); err != nil {
			t.Fatal(err)
		}
	}
	if members == 0 || oneTime == 0 || bad != 0 {
		t.Errorf("clv rows: %d members, %d one-time buyers, %d with a non-finite or negative expectation; want some, some, 0", members, oneTime, bad)
	}
}
