// Package query is the one way models and the report run their SQL.
//
//	var queries = query.MustParse("rfm", src) // models/rfm/rfm.sql (go:embed), cut at "-- name:" lines
//	q := queries.On(conn)
//	err := q.Exec(ctx, "fill", query.Tables{"stage": stage}, args...)
//	err = q.Row(ctx, "cuts", nil, args, &a, &b)
//	err = q.Each(ctx, "tuples", nil, args, func(r warehouse.Rows) error { ... })
//	sc, err := q.Scratch(ctx); defer sc.Drop(); base := sc.Table("base")
//	n, err := q.Stage(ctx, "rfm", asOf, func(stage string) error { ... })
//
// Every SQL file is parsed once, when the program starts (a model's by
// its package-level MustParse, the report's by this package). Each query is labelled <set>.<query> for
// the query-duration metric and its errors read "<set>.<query>: ...".
// {{name}} placeholders take identifiers (quoted) from Tables; values are
// bound parameters. Stage is ReplacePartition: an as_of partition is
// published whole or not at all, on one server or every shard.
package query
