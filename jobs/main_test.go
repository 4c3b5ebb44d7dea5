package jobs

import (
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	os.Exit(chtest.Main(m))
}
