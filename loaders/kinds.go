package loaders

import (
	"context"
	"fmt"
	"strings"
)

// Rules of the items and campaigns kinds, applied by recordBuilder.finish
// after every value parsed.

// categoryLevels is how many levels of an item's category path get a
// column of their own (category_l1 .. category_l3).
const categoryLevels = 3

// splitCategory splits a category path such as "beauty/skincare/serum"
// into its first categoryLevels levels, each trimmed of spaces; empty
// levels (a leading, trailing or doubled slash) are skipped and missing
// levels are "". Levels past the third stay only in the full path.
func splitCategory(path string) [categoryLevels]string {
	var out [categoryLevels]string
	n := 0
	for _, part := range strings.Split(path, "/") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if n == categoryLevels {
			break
		}
		out[n] = part
		n++
	}
	return out
}

// finishItem fills the category levels and refuses a negative amount.
func (rb *recordBuilder) finishItem(r *rawRow) bool {
	s := rb.s
	if a := s.index("amount"); rb.iv[a] < 0 {
		rb.rej.add(r.line, "amount", "negative amount on an item", r.vals[a])
		return false
	}
	levels := splitCategory(rb.sv[s.index("category")])
	l1 := s.index("category_l1")
	for i, v := range levels {
		rb.sv[l1+i] = v
	}
	return true
}

// Campaign groups.
const (
	GroupTreatment = "treatment"
	GroupControl   = "control"
)

// finishCampaign reads the group (any case, spaces trimmed) and refuses
// anything but treatment or control, and a negative cost.
func (rb *recordBuilder) finishCampaign(r *rawRow) bool {
	s := rb.s
	g := s.index("group")
	switch v := strings.ToLower(strings.TrimSpace(rb.sv[g])); v {
	case GroupTreatment, GroupControl:
		rb.sv[g] = v
	default:
		rb.rej.add(r.line, "group", "unknown group (want treatment or control)", rb.sv[g])
		return false
	}
	if c := s.index("cost"); rb.iv[c] < 0 {
		rb.rej.add(r.line, "cost", "negative cost", r.vals[c])
		return false
	}
	return true
}

// lookupBytes bounds the order ids one lookup query carries (ClickHouse's
// max_query_size is 256 KiB by default).
const lookupBytes = 128 << 10

// publishedFiles keeps the rows of files the ledger has published, as the
// _current views do (sql/schema/090_ledger_gated_current_views.sql); GLOBAL
// reads the home table load_files once and ships the set to the shards.
const publishedFiles = "file_id GLOBAL NOT IN (SELECT file_id FROM load_files GROUP BY file_id HAVING countIf(status = 'loaded') = 0)"

// fillItemMembers looks the block's order ids up in the published orders
// (the latest version of each) and fills the member_id of the items that have none,
// so items are sharded with their orders in cluster mode. It returns the
// number of items whose order is not in orders: they load as they are
// (member_id from the file, or empty) and count as unknown orders.
func (l *Loader) fillItemMembers(ctx context.Context, blk *block) (unknown int64, err error) {
	orderIDs := blk.str[l.s.index("order_id")][:blk.rows]
	members := blk.str[l.s.index("member_id")][:blk.rows]
	seen := make(map[string]string, len(orderIDs))
	var batch []string
	size := 0
	lookup := func() error {
		if len(batch) == 0 {
			return nil
		}
		rows, err := l.conn.Query(ctx, "SELECT order_id, argMax(member_id, updated_at) FROM orders "+
			"WHERE order_id IN (SELECT arrayJoin(?)) AND "+publishedFiles+" GROUP BY order_id", batch)
		if err != nil {
			return fmt.Errorf("look up the items' orders: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, member string
			if err := rows.Scan(&id, &member); err != nil {
				return fmt.Errorf("look up the items' orders: %w", err)
			}
			seen[id] = member
		}
		batch, size = batch[:0], 0
		return rows.Err()
	}
	asked := make(map[string]bool, len(orderIDs))
	for _, id := range orderIDs {
		if asked[id] {
			continue
		}
		asked[id] = true
		batch = append(batch, id)
		if size += len(id) + 4; size >= lookupBytes {
			if err := lookup(); err != nil {
				return 0, err
			}
		}
	}
	if err := lookup(); err != nil {
		return 0, err
	}
	for j, id := range orderIDs {
		m, ok := seen[id]
		if !ok {
			unknown++
			continue
		}
		if members[j] == "" {
			members[j] = m
		}
	}
	return unknown, nil
}
