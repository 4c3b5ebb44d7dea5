package datagen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/sample")

// TestGoldenSample pins the exact output of a tiny run (seed 1, 5 members,
// default options) in CSV and NDJSON, and the Parquet schemas. The files
// under testdata/sample double as examples for loader tests. A mismatch
// writes the new output next to the golden file as .FAIL; run
// go test ./internal/devtools/datagen -run Golden -update after an intended change.
func TestGoldenSample(t *testing.T) {
	golden := func(name string, got []byte) {
		t.Helper()
		path := filepath.Join("testdata", "sample", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			_ = os.WriteFile(path+".FAIL", got, 0o644)
			t.Errorf("%s differs from the golden file; see %s.FAIL", name, path)
		}
	}
	for _, format := range []Format{FormatCSV, FormatNDJSON, FormatParquet} {
		o := DefaultOptions()
		o.Members = 5
		o.Format = format
		o.OutDir = t.TempDir()
		mustGenerate(t, o)
		for _, table := range tableNames {
			name := table + "." + string(format)
			b, err := os.ReadFile(filepath.Join(o.OutDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if format == FormatParquet {
				f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					t.Fatal(err)
				}
				golden(table+".parquet.schema", []byte(f.Schema().String()+"\n"))
				continue
			}
			golden(name, b)
		}
		if format == FormatCSV {
			b, err := os.ReadFile(filepath.Join(o.OutDir, TruthFile))
			if err != nil {
				t.Fatal(err)
			}
			golden(TruthFile, b)
		}
	}
}
