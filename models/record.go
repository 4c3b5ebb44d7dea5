package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// RecordMetrics replaces model's figures for asOf in model_metrics
// (as_of, model, metric, value, run_id) with values. The table is
// partitioned by (as_of, model), so models recording concurrently do not
// touch each other's rows, and a re-run replaces rather than appends.
func RecordMetrics(ctx context.Context, conn warehouse.Conn, model string, asOf time.Time, runID string, values map[string]float64) error {
	return record(ctx, conn, "model_metrics", "metric", model, asOf, runID, values)
}

// RecordParams replaces model's fitted values for asOf in model_params
// (as_of, model, name, value, run_id), like RecordMetrics.
func RecordParams(ctx context.Context, conn warehouse.Conn, model string, asOf time.Time, runID string, values map[string]float64) error {
	return record(ctx, conn, "model_params", "name", model, asOf, runID, values)
}

// modelPartition is the partition literal and the matching WHERE of one
// model's rows for day (YYYY-MM-DD) in a table partitioned by (as_of,
// model): model_metrics, model_params and model_runs.
func modelPartition(day, model string) (part, where string) {
	lit := "'" + strings.ReplaceAll(model, "'", "") + "'"
	return fmt.Sprintf("('%s', %s)", day, lit), fmt.Sprintf("as_of = '%s' AND model = %s", day, lit)
}

func record(ctx context.Context, conn warehouse.Conn, table, keyCol, model string, asOf time.Time, runID string, values map[string]float64) error {
	day := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	part, where := modelPartition(day.Format(asof.Layout), model)
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	_, err := query.Replace(ctx, conn, table, part, where, func(stage string) error {
		if len(keys) == 0 {
			return nil
		}
		b, err := conn.PrepareBatch(ctx, "INSERT INTO "+stage+" (as_of, model, "+keyCol+", value, run_id)")
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := b.Append(day, model, k, values[k], runID); err != nil {
				_ = b.Abort()
				return err
			}
		}
		return b.Send()
	})
	if err != nil {
		return fmt.Errorf("record %s of %s: %w", table, model, err)
	}
	return nil
}
