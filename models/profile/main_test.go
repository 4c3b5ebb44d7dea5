package profile

import (
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
)

func TestMain(m *testing.M) { os.Exit(modeltest.Main(m)) }
