package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"time"

	"github.com/memberlytics/memberlytics/exporters"
	"github.com/memberlytics/memberlytics/internal/platform/config"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/compat"
	"github.com/memberlytics/memberlytics/report"
)

// engineOutputs is what the report and the exporter made of one engine's
// model tables: the cross-engine test compares them, so the report's SQL
// (sql/report) and the exporter's (its typed SELECTs and
// sql/exports/segment_changes.sql) are proven on both versions too.
type engineOutputs struct {
	report *report.Report
	files  map[string][][]string // CSV file -> records
	man    *exporters.Manifest
}

// readOutputs loads the report for asOf from conn and exports every
// catalog table as CSV and Parquet into dir.
func readOutputs(ctx context.Context, conn warehouse.Conn, asOf time.Time, dir string) (*engineOutputs, error) {
	reg, err := newModelRegistry(config.Default())
	if err != nil {
		return nil, err
	}
	sections := reportSections(reg)
	rep, err := report.Load(ctx, conn, asOf, sections...)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	rep.GeneratedAt = time.Time{}
	cat, err := exporters.DefaultCatalog()
	if err != nil {
		return nil, err
	}
	ex, err := exporters.New(conn, cat, exporters.Options{
		Dir: dir, Formats: []string{exporters.FormatCSV, exporters.FormatParquet}, RunID: "compat",
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		return nil, err
	}
	man, err := ex.Export(ctx, asOf)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	out := &engineOutputs{report: rep, files: map[string][][]string{}, man: man}
	folder := filepath.Join(dir, "as_of="+asOf.Format(time.DateOnly))
	for _, f := range man.Files {
		if f.Format != exporters.FormatCSV {
			continue
		}
		fh, err := os.Open(filepath.Join(folder, f.Path))
		if err != nil {
			return nil, err
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("read back %s: %w", f.Path, err)
		}
		out.files[f.Path] = recs
	}
	return out, nil
}

// diffOutputs lists how b's report and export differ from a's: exact
// except floats (in the report and in CSV cells), which may differ by tol.
func diffOutputs(a, b *engineOutputs, tol compat.Tolerance) []string {
	var d []string
	diffValue(&d, "report", reflect.ValueOf(a.report).Elem(), reflect.ValueOf(b.report).Elem(), tol)
	if len(a.man.Files) != len(b.man.Files) {
		return append(d, fmt.Sprintf("export: %d files vs %d", len(a.man.Files), len(b.man.Files)))
	}
	for i, fa := range a.man.Files {
		fb := b.man.Files[i]
		if fa.Path != fb.Path || fa.Rows != fb.Rows || !reflect.DeepEqual(fa.Columns, fb.Columns) {
			d = append(d, fmt.Sprintf("export %s: %d rows %v vs %s: %d rows %v", fa.Path, fa.Rows, fa.Columns, fb.Path, fb.Rows, fb.Columns))
		}
	}
	for path, ra := range a.files {
		rb := b.files[path]
		if len(ra) != len(rb) {
			d = append(d, fmt.Sprintf("export %s: %d records vs %d", path, len(ra), len(rb)))
			continue
		}
		for i := range ra {
			if len(ra[i]) != len(rb[i]) {
				d = append(d, fmt.Sprintf("export %s record %d: %d fields vs %d", path, i, len(ra[i]), len(rb[i])))
				continue
			}
			for j := range ra[i] {
				if ra[i][j] == rb[i][j] {
					continue
				}
				x, errx := strconv.ParseFloat(ra[i][j], 64)
				y, erry := strconv.ParseFloat(rb[i][j], 64)
				if errx == nil && erry == nil && tol.Equal(x, y) {
					continue
				}
				d = append(d, fmt.Sprintf("export %s record %d column %s: %q vs %q", path, i, ra[0][j], ra[i][j], rb[i][j]))
			}
		}
	}
	return d
}

// diffValue compares two values of one type field by field.
func diffValue(d *[]string, path string, a, b reflect.Value, tol compat.Tolerance) {
	if len(*d) > 50 {
		return
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		if !tol.Equal(a.Float(), b.Float()) {
			*d = append(*d, fmt.Sprintf("%s: %v vs %v", path, a.Float(), b.Float()))
		}
	case reflect.Struct:
		if a.Type() == reflect.TypeOf(time.Time{}) {
			if !a.Interface().(time.Time).Equal(b.Interface().(time.Time)) {
				*d = append(*d, fmt.Sprintf("%s: %v vs %v", path, a.Interface(), b.Interface()))
			}
			return
		}
		for i := 0; i < a.NumField(); i++ {
			if !a.Type().Field(i).IsExported() {
				continue
			}
			diffValue(d, path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i), tol)
		}
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			*d = append(*d, fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len()))
			return
		}
		for i := 0; i < a.Len(); i++ {
			diffValue(d, fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i), tol)
		}
	case reflect.Map:
		if a.Len() != b.Len() {
			*d = append(*d, fmt.Sprintf("%s: %d keys vs %d", path, a.Len(), b.Len()))
			return
		}
		for _, k := range a.MapKeys() {
			vb := b.MapIndex(k)
			if !vb.IsValid() {
				*d = append(*d, fmt.Sprintf("%s[%v]: missing", path, k))
				continue
			}
			diffValue(d, fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), vb, tol)
		}
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				*d = append(*d, fmt.Sprintf("%s: nil vs not", path))
			}
			return
		}
		diffValue(d, path, a.Elem(), b.Elem(), tol)
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			*d = append(*d, fmt.Sprintf("%s: %v vs %v", path, a.Interface(), b.Interface()))
		}
	}
}
