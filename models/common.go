package models

import (
	"context"
	"fmt"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// exec runs the named query of model with tables filled in and args bound,
// labelling it for the query-duration metric as model.query.
func exec(ctx context.Context, conn warehouse.Conn, model, query string, tables map[string]string, args []any) error {
	q, err := Query(model, query, tables)
	if err != nil {
		return err
	}
	if err := conn.Exec(warehouse.WithQueryName(ctx, model+"."+query), q, args...); err != nil {
		return fmt.Errorf("%s.%s: %w", model, query, err)
	}
	return nil
}

// queryRow runs the named query and scans its single row into dest.
func queryRow(ctx context.Context, conn warehouse.Conn, model, query string, tables map[string]string, args []any, dest ...any) error {
	q, err := Query(model, query, tables)
	if err != nil {
		return err
	}
	rows, err := conn.Query(warehouse.WithQueryName(ctx, model+"."+query), q, args...)
	if err != nil {
		return fmt.Errorf("%s.%s: %w", model, query, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s.%s: %w", model, query, err)
		}
		return fmt.Errorf("%s.%s: no row", model, query)
	}
	if err := rows.Scan(dest...); err != nil {
		return fmt.Errorf("%s.%s: %w", model, query, err)
	}
	return rows.Err()
}

// previousAsOf returns the latest as_of before w.AsOf in table, or the zero
// date (1970-01-01) when there is none. table comes from the model's code.
func previousAsOf(ctx context.Context, conn warehouse.Conn, table string, w Window) (time.Time, error) {
	rows, err := conn.Query(ctx, "SELECT toString(max(as_of)) FROM "+warehouse.QuoteIdent(table)+" WHERE as_of < toDate(?)", w.Date())
	if err != nil {
		return time.Time{}, fmt.Errorf("previous as_of of %s: %w", table, err)
	}
	defer rows.Close()
	var s string
	if rows.Next() {
		if err := rows.Scan(&s); err != nil {
			return time.Time{}, fmt.Errorf("previous as_of of %s: %w", table, err)
		}
	}
	if s == "" || s == "0000-00-00" {
		s = "1970-01-01"
	}
	return ParseAsOf(s)
}
