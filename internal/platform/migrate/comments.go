package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
)

// CommentsFile, in the migrations' directory, gives every table and view
// its comment: NAME<TAB>COMMENT per line, # starts a comment line.
const CommentsFile = "table_comments.tsv"

// commentMajor.commentMinor is the first ClickHouse with ALTER TABLE ...
// MODIFY COMMENT. 18.16 cannot store a table comment at all, so there
// the table descriptions live only in the README (columns have COMMENTs
// on every version).
const commentMajor, commentMinor = 23, 9

// Comments returns the table and view comments of the migrations in fsys
// (CommentsFile), by name; a missing file means none.
func Comments(fsys fs.FS) (map[string]string, error) {
	data, err := fs.ReadFile(fsys, CommentsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", CommentsFile, err)
	}
	out := map[string]string{}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, comment, ok := strings.Cut(line, "\t")
		if !ok || name == "" || strings.TrimSpace(comment) == "" {
			return nil, fmt.Errorf("%s line %d: want NAME<TAB>COMMENT", CommentsFile, i+1)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s line %d: %s is listed twice", CommentsFile, i+1, name)
		}
		out[name] = comment
	}
	return out, nil
}

// viewSuffixes are the suffixes of the views whose columns take their
// comments from a table's: <table>_latest and <table>_current read <table>
// and keep its column names, so each of their columns gets the comment of
// <table>'s column of the same name.
var viewSuffixes = []string{"_latest", "_current"}

// setComments documents the database on each host (the initiator and, in
// cluster mode, every shard): on every version, the columns of each
// <table>_latest and <table>_current view get <table>'s column comments
// (a view recreated by a later migration, or whose table's comments a
// later migration rewrote, is brought back in line); where the server can
// store one, every listed table and view gets its comment (a shard's
// <table>_local gets <table>'s). Only comments that differ are written,
// so it is cheap to run after every Up.
func (r *Runner) setComments(ctx context.Context) error {
	hosts := []warehouse.Conn{r.conn}
	if r.cluster != nil {
		hosts = r.cluster.Topology.Shards // the initiator is one of them
		if r.cluster.Topology.Replicated {
			// Views are per server: every replica gets its comments.
			hosts = nil
			for _, rs := range r.cluster.Topology.Replicas {
				hosts = append(hosts, rs...)
			}
		}
	}
	for _, h := range hosts {
		if err := viewColumnComments(ctx, h); err != nil {
			return err
		}
		if len(r.comments) == 0 {
			continue
		}
		v, err := h.ServerVersion(ctx)
		if err != nil {
			return fmt.Errorf("table comments: %w", err)
		}
		if !v.AtLeast(commentMajor, commentMinor) {
			continue
		}
		if err := r.commentHost(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

// viewColumnComments gives the columns of h's <table>_latest and
// <table>_current views the comments of <table>'s columns of the same
// name (ALTER TABLE view COMMENT COLUMN, which 18.16 and 26.7 both store
// for a view), where they differ.
func viewColumnComments(ctx context.Context, h warehouse.Conn) error {
	rows, err := h.Query(ctx, "SELECT table, name, comment FROM system.columns WHERE database = currentDatabase()")
	if err != nil {
		return fmt.Errorf("view column comments: %w", err)
	}
	cols := map[string]map[string]string{} // table -> column -> comment
	var order [][2]string                  // (table, column) as listed
	for rows.Next() {
		var table, name, comment string
		if err := rows.Scan(&table, &name, &comment); err != nil {
			rows.Close()
			return fmt.Errorf("view column comments: %w", err)
		}
		if cols[table] == nil {
			cols[table] = map[string]string{}
		}
		cols[table][name] = comment
		order = append(order, [2]string{table, name})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("view column comments: %w", err)
	}
	views, err := viewNames(ctx, h)
	if err != nil {
		return err
	}
	for _, tc := range order {
		view, col := tc[0], tc[1]
		if !views[view] {
			continue
		}
		base := ""
		for _, suf := range viewSuffixes {
			if b, ok := strings.CutSuffix(view, suf); ok && cols[b] != nil {
				base = b
			}
		}
		want := cols[base][col]
		if base == "" || want == "" || want == cols[view][col] {
			continue
		}
		q := "ALTER TABLE " + warehouse.QuoteIdent(view) + " COMMENT COLUMN " + warehouse.QuoteIdent(col) + " " + quoteString(want)
		if err := h.Exec(ctx, q); err != nil {
			return fmt.Errorf("set the comment of column %s.%s: %w", view, col, err)
		}
	}
	return nil
}

// viewNames is the set of views in h's current database.
func viewNames(ctx context.Context, h warehouse.Conn) (map[string]bool, error) {
	rows, err := h.Query(ctx, "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'View'")
	if err != nil {
		return nil, fmt.Errorf("view column comments: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("view column comments: %w", err)
		}
		out[name] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("view column comments: %w", err)
	}
	return out, nil
}

func (r *Runner) commentHost(ctx context.Context, h warehouse.Conn) error {
	rows, err := h.Query(ctx, "SELECT name, comment FROM system.tables WHERE database = currentDatabase()")
	if err != nil {
		return fmt.Errorf("table comments: %w", err)
	}
	have := map[string]string{}
	for rows.Next() {
		var name, comment string
		if err := rows.Scan(&name, &comment); err != nil {
			rows.Close()
			return fmt.Errorf("table comments: %w", err)
		}
		have[name] = comment
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("table comments: %w", err)
	}
	for name, cur := range have {
		want, ok := r.comments[name]
		if !ok {
			if base, local := strings.CutSuffix(name, "_local"); local {
				want, ok = r.comments[base]
			}
		}
		if !ok || cur == want {
			continue
		}
		q := "ALTER TABLE " + warehouse.QuoteIdent(name) + " MODIFY COMMENT " + quoteString(want)
		if err := h.Exec(ctx, q); err != nil {
			return fmt.Errorf("set the comment of %s: %w", name, err)
		}
	}
	return nil
}

// quoteString is s as a ClickHouse string literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
