package churn

import (
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
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
