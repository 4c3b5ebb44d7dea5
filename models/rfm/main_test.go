package rfm

import (
	"os"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
)

func TestMain(m *testing.M) { os.Exit(modeltest.Main(m)) }

func mustNew(t testing.TB, p Params) *RFM {
	t.Helper()
	m, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
