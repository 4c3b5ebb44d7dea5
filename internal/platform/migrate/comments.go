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

// setComments gives every listed table and view of the database its
// comment, on each host (the initiator and, in cluster mode, every shard;
// a shard's <table>_local gets <table>'s comment), where the server can
// store one. Only comments that differ are written, so it is cheap to run
// after every Up.
func (r *Runner) setComments(ctx context.Context) error {
	if len(r.comments) == 0 {
		return nil
	}
	hosts := []warehouse.Conn{r.conn}
	if r.cluster != nil {
		hosts = r.cluster.Topology.Shards // the initiator is one of them
	}
	for _, h := range hosts {
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
