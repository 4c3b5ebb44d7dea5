package potential

import (
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
	"github.com/memberlytics/memberlytics/models/churn"
	"github.com/memberlytics/memberlytics/models/clv"
	"github.com/memberlytics/memberlytics/models/tiers"
)

func TestMain(m *testing.M) { os.Exit(modeltest.Main(m)) }

// newCLV and newChurn are the clv and churn models with default parameters.
func newCLV() *clv.CLV { return modeltest.Must(clv.New(clv.DefaultParams())) }

func newChurn() *churn.Churn {
	return modeltest.Must(churn.New(churn.DefaultParams(), newCLV(), tiers.DefaultParams().LevelNames()))
}
