package main

import (
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// TestMain stops the test ClickHouse server and removes the chDB data
// directory that integration tests in this package may start.
func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }
