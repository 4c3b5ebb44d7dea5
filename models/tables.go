package models

// Table declares one output table of a model, one partition per as_of.
// The cluster lists (sql.Sharded, sql.Home) and the table comments
// (sql/schema/table_comments.tsv) must say the same about it:
// TestModelTablesDeclared in cmd/memberlytics checks every registered
// model's tables against them and names the line to change.
type Table struct {
	// Name is the table's name; the migration creates it.
	Name string
	// Sharded is true for a member-keyed table: in cluster mode a
	// <name>_local on every shard, sharded by sql.ShardingKey. Otherwise
	// the table is kept on the initiator (sql.Home).
	Sharded bool
	// Comment is the table's comment: what one row is.
	Comment string
	// Migration is the file under sql/schema that creates the table.
	Migration string
}

// Declarer is implemented by a model that declares its output tables.
// Every registered model does (a test checks); a model without it writes
// the one table named like it.
type Declarer interface {
	Tables() []Table
}

// Tables returns the output tables m declares, or the table named like
// the model.
func Tables(m Model) []Table {
	if d, ok := m.(Declarer); ok {
		return d.Tables()
	}
	return []Table{{Name: m.Name()}}
}

// OutputTables returns the names of the tables m writes.
func OutputTables(m Model) []string {
	var out []string
	for _, t := range Tables(m) {
		out = append(out, t.Name)
	}
	return out
}
