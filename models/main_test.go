package models

import (
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }
