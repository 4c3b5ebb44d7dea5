package migrate_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/memberlytics/memberlytics/internal/platform/migrate"
	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/sql"
)

// Every table and view the migrations create has a line in
// table_comments.tsv, every line names one of them, and on a server that
// stores table comments (ClickHouse 26.7 through chDB) Up sets them all;
// on 18.16, which cannot, Up still succeeds and changes nothing.
func TestTableCommentsIntegration(t *testing.T) {
	t.Parallel()
	want, err := migrate.Comments(sql.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range chtest.Engines(t) { // migrated, so Up has run
		t.Run(e.Name, func(t *testing.T) {
			rows, err := e.Conn.Query(context.Background(), "SELECT name FROM system.tables WHERE database = currentDatabase()")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				names = append(names, n)
			}
			rows.Close()
			seen := map[string]bool{}
			for _, n := range names {
				seen[n] = true
				if want[n] == "" {
					t.Errorf("%s has no line in %s", n, migrate.CommentsFile)
				}
			}
			for n := range want {
				if !seen[n] {
					t.Errorf("%s lists %s, which the migrations do not create", migrate.CommentsFile, n)
				}
			}
			v, err := e.Conn.ServerVersion(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !v.AtLeast(23, 9) {
				return // no system.tables.comment to check
			}
			for _, n := range names {
				got := chtest.QueryString(t, e.Conn, "SELECT comment FROM system.tables WHERE database = currentDatabase() AND name = '"+n+"'")
				if got != want[n] {
					t.Errorf("comment of %s = %q, want %q", n, got, want[n])
				}
			}
		})
	}
}

// failComments fails every MODIFY COMMENT.
type failComments struct{ warehouse.Conn }

var errRefused = errors.New("refused")

func (c failComments) Exec(ctx context.Context, q string, args ...any) error {
	if strings.Contains(q, "MODIFY COMMENT") {
		return errRefused
	}
	return c.Conn.Exec(ctx, q, args...)
}

// A comment the server refuses fails Up with an error naming the table;
// the migrations themselves are applied and recorded.
func TestTableCommentRefusedIntegration(t *testing.T) {
	t.Parallel()
	conn := failComments{chtest.ModernDB(t)}
	fsys := fstest.MapFS{
		"001_t.sql":          {Data: []byte("CREATE TABLE IF NOT EXISTS t (a UInt8 COMMENT 'a') ENGINE = MergeTree() ORDER BY a;")},
		migrate.CommentsFile: {Data: []byte("# test\nt\tA table.\nschema_migrations\tApplied migrations.\n")},
	}
	r, err := migrate.New(conn, fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	done, err := r.Up(context.Background())
	if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "set the comment of") {
		t.Fatalf("Up: %v, want the refused comment named", err)
	}
	if len(done) != 1 {
		t.Errorf("applied %v, want 001_t.sql", done)
	}
	st, err := r.Status(context.Background())
	if err != nil || len(st) != 1 || !st[0].Applied {
		t.Errorf("status %+v, %v: want 001_t.sql applied", st, err)
	}
}

func TestCommentsFileErrors(t *testing.T) {
	for name, text := range map[string]string{
		"no tab":    "t A table.\n",
		"empty":     "t\t \n",
		"duplicate": "t\tOne.\nt\tTwo.\n",
	} {
		_, err := migrate.New(nil, fstest.MapFS{migrate.CommentsFile: {Data: []byte(text)}}, nil)
		if err == nil || !strings.Contains(err.Error(), migrate.CommentsFile+" line") {
			t.Errorf("%s: %v, want an error naming the file and line", name, err)
		}
	}
	m, err := migrate.Comments(fstest.MapFS{migrate.CommentsFile: {Data: []byte("# c\n\nt\tIt's a \\ table.\n")}})
	if err != nil || m["t"] != `It's a \ table.` || len(m) != 1 {
		t.Errorf("Comments = %v, %v", m, err)
	}
}

// Quotes and backslashes in a comment reach the server as written; a
// second Up writes nothing (the comment already matches).
func TestTableCommentQuotingIntegration(t *testing.T) {
	t.Parallel()
	db := chtest.ModernDB(t)
	fsys := fstest.MapFS{
		"001_t.sql":          {Data: []byte("CREATE TABLE IF NOT EXISTS t (a UInt8 COMMENT 'a') ENGINE = MergeTree() ORDER BY a;")},
		migrate.CommentsFile: {Data: []byte("t\tIt's a \\ \"table\".\nschema_migrations\tApplied migrations.\n")},
	}
	r, err := migrate.New(db, fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := chtest.QueryString(t, db, "SELECT comment FROM system.tables WHERE database = currentDatabase() AND name = 't'"); got != `It's a \ "table".` {
		t.Errorf("comment = %q", got)
	}
	again, err := migrate.New(failComments{db}, fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Up(context.Background()); err != nil {
		t.Errorf("second Up rewrote a comment: %v", err)
	}
}

// failColumnComments fails every COMMENT COLUMN.
type failColumnComments struct{ warehouse.Conn }

func (c failColumnComments) Exec(ctx context.Context, q string, args ...any) error {
	if strings.Contains(q, "COMMENT COLUMN") {
		return errRefused
	}
	return c.Conn.Exec(ctx, q, args...)
}

// On both engines Up gives a <table>_latest or <table>_current view the
// column comments of <table>, follows a later change of them and a view
// recreated without them, leaves other views alone, and a second Up writes
// nothing.
func TestViewColumnCommentsIntegration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, e := range chtest.EmptyEngines(t) {
		t.Run(e.Name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"001_t.sql": {Data: []byte(`CREATE TABLE IF NOT EXISTS t (a UInt8 COMMENT 'A count', b String COMMENT 'A member\'s \\ name') ENGINE = MergeTree() ORDER BY a;
CREATE VIEW IF NOT EXISTS t_latest AS SELECT * FROM t;
CREATE VIEW IF NOT EXISTS t_current AS SELECT a FROM t;
CREATE VIEW IF NOT EXISTS t_other AS SELECT a FROM t;`)},
			}
			comments := func() map[string]string {
				out := map[string]string{}
				for _, r := range chtest.Rows(t, e.Conn, "SELECT table, name, comment FROM system.columns WHERE database = currentDatabase() AND table != 'schema_migrations'") {
					out[r[0]+"."+r[1]] = r[2]
				}
				return out
			}
			up := func(conn warehouse.Conn) error {
				r, err := migrate.New(conn, fsys, nil)
				if err != nil {
					t.Fatal(err)
				}
				_, err = r.Up(ctx)
				return err
			}
			if err := up(e.Conn); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"t.a": "A count", "t.b": `A member's \ name`, "t_latest.a": "A count", "t_latest.b": `A member's \ name`, "t_current.a": "A count", "t_other.a": ""}
			if got := comments(); !maps.Equal(got, want) {
				t.Errorf("after Up: %v, want %v", got, want)
			}
			fsys["002_t.sql"] = &fstest.MapFile{Data: []byte(`ALTER TABLE t COMMENT COLUMN a 'Paid orders, all time';
DROP TABLE IF EXISTS t_current;
CREATE VIEW IF NOT EXISTS t_current AS SELECT * FROM t;`)}
			if err := up(e.Conn); err != nil {
				t.Fatal(err)
			}
			want = map[string]string{"t.a": "Paid orders, all time", "t.b": `A member's \ name`, "t_latest.a": "Paid orders, all time", "t_latest.b": `A member's \ name`,
				"t_current.a": "Paid orders, all time", "t_current.b": `A member's \ name`, "t_other.a": ""}
			if got := comments(); !maps.Equal(got, want) {
				t.Errorf("after a changed comment and a recreated view: %v, want %v", got, want)
			}
			if err := up(failColumnComments{e.Conn}); err != nil {
				t.Errorf("third Up rewrote a comment: %v", err)
			}
		})
	}
}

// A view column comment the server refuses fails Up with an error naming
// the view and column; the migration itself is applied.
func TestViewColumnCommentRefusedIntegration(t *testing.T) {
	t.Parallel()
	conn := failColumnComments{chtest.NewDB(t)}
	fsys := fstest.MapFS{
		"001_t.sql": {Data: []byte("CREATE TABLE IF NOT EXISTS t (a UInt8 COMMENT 'A count') ENGINE = MergeTree() ORDER BY a;\nCREATE VIEW IF NOT EXISTS t_latest AS SELECT * FROM t;")},
	}
	r, err := migrate.New(conn, fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	done, err := r.Up(context.Background())
	if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "set the comment of column t_latest.a") {
		t.Fatalf("Up: %v, want the refused column comment named", err)
	}
	if len(done) != 1 {
		t.Errorf("applied %v, want 001_t.sql", done)
	}
}

// failQuery fails every query that starts with prefix.
type failQuery struct {
	warehouse.Conn
	prefix string
}

func (c failQuery) Query(ctx context.Context, q string, args ...any) (warehouse.Rows, error) {
	if strings.HasPrefix(q, c.prefix) {
		return nil, errRefused
	}
	return c.Conn.Query(ctx, q, args...)
}

// When the columns or the views cannot be read, Up fails saying so; the
// migrations are applied.
func TestViewColumnCommentsReadFailsIntegration(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"001_t.sql": {Data: []byte("CREATE TABLE IF NOT EXISTS t (a UInt8 COMMENT 'A count') ENGINE = MergeTree() ORDER BY a;\nCREATE VIEW IF NOT EXISTS t_latest AS SELECT * FROM t;")},
	}
	for _, prefix := range []string{"SELECT table, name, comment FROM system.columns", "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'View'"} {
		r, err := migrate.New(failQuery{chtest.NewDB(t), prefix}, fsys, nil)
		if err != nil {
			t.Fatal(err)
		}
		done, err := r.Up(context.Background())
		if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "view column comments") {
			t.Errorf("%s refused: Up: %v, want an error saying view column comments", prefix, err)
		}
		if len(done) != 1 {
			t.Errorf("%s refused: applied %v, want 001_t.sql", prefix, done)
		}
	}
}
