package models

import (
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestMain(m *testing.M) {
	code := chtest.Main(m)
	if genDir != "" { // the predictive tests' generated data set
		_ = os.RemoveAll(genDir)
	}
	os.Exit(code)
}
