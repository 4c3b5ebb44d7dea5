package churn

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models"
	"github.com/memberlytics/memberlytics/models/clv"
	"github.com/memberlytics/memberlytics/models/tiers"
)

func TestMain(m *testing.M) { os.Exit(modeltest.Main(m)) }

// newTestChurn is the churn model with the default parameters, the
// default clv model and the default tier levels.
func newTestChurn(t *testing.T) *Churn {
	t.Helper()
	m, err := New(DefaultParams(), modeltest.Must(clv.New(clv.DefaultParams())), tiers.DefaultParams().LevelNames())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// runWithCLV runs m's clv model (run id run+"-clv"; skipped is fine: churn
// then has no p_alive fit at asOf) and then m (run id run) for asOf
// through models.RunOne, as the job graph does.
func runWithCLV(t *testing.T, conn warehouse.Conn, m *Churn, run string, asOf time.Time) (models.RunResult, error) {
	t.Helper()
	ctx := context.Background()
	if _, err := models.RunOne(ctx, m.clv, modeltest.Env(conn, run+"-clv"), asOf); err != nil && !errors.Is(err, models.ErrSkipped) {
		t.Fatalf("clv run before churn: %v", err)
	}
	return models.RunOne(ctx, m, modeltest.Env(conn, run), asOf)
}
