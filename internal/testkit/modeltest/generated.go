package modeltest

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/datagen"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/genload"
	"github.com/memberlytics/memberlytics/models"
)

// GenMembers is the size of the generated population the predictive
// integration tests share: large enough for their recovery tolerances,
// small enough for two shared cores.
const GenMembers = 20_000

var (
	genOnce  sync.Once
	genDir   string
	genTruth datagen.Truth
	genErr   error
)

// Main runs a models test binary (chtest.Main) and removes the generated
// data set afterwards. Use it as TestMain.
func Main(m *testing.M) int {
	code := chtest.Main(m)
	if genDir != "" {
		_ = os.RemoveAll(genDir)
	}
	return code
}

// Generated writes one generator data set per test binary (default
// options, GenMembers members: two years to datagen.DefaultEnd) and
// returns its directory and truth.
func Generated(t *testing.T) (string, datagen.Truth) {
	t.Helper()
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "memberlytics-predictive-")
		if genErr != nil {
			return
		}
		o := datagen.DefaultOptions()
		o.Members = GenMembers
		o.OutDir = genDir
		if _, genErr = datagen.Generate(context.Background(), o); genErr != nil {
			return
		}
		b, err := os.ReadFile(filepath.Join(genDir, datagen.TruthFile))
		if err != nil {
			genErr = err
			return
		}
		genErr = json.Unmarshal(b, &genTruth)
	})
	if genErr != nil {
		t.Fatalf("generate test data: %v", genErr)
	}
	return genDir, genTruth
}

// LoadedDB is a migrated database holding the generated data whose rows
// pass keep, and the data set's directory.
func LoadedDB(t *testing.T, keep genload.Filter) (*warehouse.CH, string) {
	t.Helper()
	dir, _ := Generated(t)
	conn := chtest.Migrated(t)
	if err := genload.All(context.Background(), conn, dir, keep); err != nil {
		t.Fatal(err)
	}
	return conn, dir
}

// KeyValues reads (string, float64) rows of q into a map.
func KeyValues(t *testing.T, conn warehouse.Conn, q string, args ...any) map[string]float64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k string
		var v float64
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// Params reads model_params of model for asOf.
func Params(t *testing.T, conn warehouse.Conn, model string, asOf time.Time) map[string]float64 {
	return KeyValues(t, conn, "SELECT name, value FROM model_params WHERE model = ? AND as_of = ?", model, asOf.Format(asof.Layout))
}

// Metrics reads model_metrics of model for asOf.
func Metrics(t *testing.T, conn warehouse.Conn, model string, asOf time.Time) map[string]float64 {
	return KeyValues(t, conn, "SELECT metric, value FROM model_metrics WHERE model = ? AND as_of = ?", model, asOf.Format(asof.Layout))
}

// Env is the run environment of a test run: conn, UTC, run id run.
func Env(conn warehouse.Conn, run string) models.Env {
	return models.Env{Conn: conn, Location: time.UTC, RunID: run}
}

// ReadCSV reads a generated CSV file without its header row.
func ReadCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return out[1:]
}

// LoadCSV inserts generated members and orders rows (ReadCSV of
// members.csv and orders.csv) as a Fixture.
func LoadCSV(t *testing.T, conn warehouse.Conn, members, orders [][]string) {
	t.Helper()
	var f Fixture
	for _, m := range members {
		f.Members = append(f.Members, Member{m[0], rfc(t, m[1])})
	}
	for _, o := range orders {
		a, err := strconv.ParseFloat(o[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		f.Orders = append(f.Orders, Order{o[1], rfc(t, o[2]), a, o[8]})
	}
	f.Load(t, conn)
}

func rfc(t *testing.T, s string) string {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC().Format("2006-01-02 15:04:05")
}
