package models

import (
	"context"
	"fmt"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// PreviousAsOf returns the latest as_of before w.AsOf in table, or the zero
// date (1970-01-01) when there is none. table comes from the model's code.
func PreviousAsOf(ctx context.Context, conn warehouse.Conn, table string, w Window) (time.Time, error) {
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
	return asof.Parse(s)
}
