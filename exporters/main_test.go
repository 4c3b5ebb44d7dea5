package exporters

import (
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) == "1" {
		os.Exit(crashChild())
	}
	os.Exit(chtest.Main(m))
}
