package datagen

import (
	"context"
	"testing"
)

// BenchmarkGenerate writes 20,000 members per iteration and reports rows
// (members + orders + events) per second. Run with
// go test -run '^$' -bench Generate ./internal/devtools/datagen/.
func BenchmarkGenerate(b *testing.B) {
	for _, format := range []Format{FormatCSV, FormatNDJSON, FormatParquet} {
		b.Run(string(format), func(b *testing.B) {
			o := DefaultOptions()
			o.Members = 20_000
			o.Format = format
			o.OutDir = b.TempDir()
			var rows, bytes int64
			for b.Loop() {
				s, err := Generate(context.Background(), o)
				if err != nil {
					b.Fatal(err)
				}
				rows, bytes = 0, 0
				for _, f := range s.Files {
					rows += f.Rows
					bytes += f.Bytes
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(bytes)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
		})
	}
}
