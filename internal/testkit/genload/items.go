package genload

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// Items loads items.csv lines whose order (in orders.csv) passes keep
// by ordered_at. items.csv has no member_id: it is taken from orders.csv,
// as the items loader takes it from orders, and the category path is
// split into its first three levels. loaded_at is the line's updated_at,
// so two engines loaded from one directory hold the same rows.
func Items(ctx context.Context, conn warehouse.Conn, dir string, keep Filter) error {
	member, err := orderMembers(filepath.Join(dir, "orders.csv"), keep)
	if err != nil {
		return err
	}
	const q = `INSERT INTO order_items (order_id, line_no, member_id, sku, category, category_l1, category_l2, category_l3, quantity, amount, updated_at, file_id, loaded_at)`
	return load(ctx, conn, filepath.Join(dir, "items.csv"), q, func(b warehouse.Batch, r []string) error {
		m, ok := member[r[0]]
		if !ok {
			return errSkip
		}
		line, err := strconv.ParseUint(r[1], 10, 32)
		if err != nil {
			return err
		}
		qty, err := strconv.ParseUint(r[4], 10, 32)
		if err != nil {
			return err
		}
		amount, err := decimal.NewFromString(r[5])
		if err != nil {
			return err
		}
		upd, err := ts(r[6])
		if err != nil {
			return err
		}
		lv := append(strings.SplitN(r[3], "/", 4), "", "", "")
		return b.Append(r[0], uint32(line), m, r[2], r[3], lv[0], lv[1], lv[2], uint32(qty), amount, upd, "genload", upd)
	})
}

// orderMembers maps each order of path whose ordered_at passes keep to
// its member.
func orderMembers(path string, keep Filter) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("genload: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("genload %s: %w", path, err)
	}
	out := make(map[string]string, len(recs))
	for _, r := range recs[1:] {
		at, err := ts(r[2])
		if err != nil {
			return nil, fmt.Errorf("genload %s: %w", path, err)
		}
		if keep == nil || keep(at) {
			out[r[0]] = r[1]
		}
	}
	return out, nil
}
