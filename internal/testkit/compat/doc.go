// Package compat proves that memberlytics' SQL gives the same answers on
// the ClickHouse versions it supports: the 18.16 server installed here and
// a modern ClickHouse (26.7, in-process through chDB). It is test support:
// tests get one database per engine from internal/testkit/chtest.Engines, load the
// same generated data into each (LoadGenerated), run the same code on
// both, and compare what they hold (ReadSchema / CompareSchemas for the
// structure, Snapshot / CompareTables for the rows).
//
// # What "the same" means
//
//   - Schemas: the same tables with the same engine, the same columns in
//     the same order with the same types (after NormalizeType) and the same
//     comments.
//   - Rows: the same number of rows, read in the order of the table's
//     sorting key, ties broken by every other non-float column, so the
//     order does not depend on the engine. Tables whose engine collapses
//     rows on merge (ReplacingMergeTree and kin) are read with FINAL, so
//     background merge timing does not show.
//   - Values: everything but floating point is compared exactly, in
//     ClickHouse's text form (toString), except Decimal, whose text form
//     lost its trailing zeros in newer versions (18.16 prints 12.30, 26.7
//     prints 12.3): decimals are compared as numbers, exactly.
//   - Floating point (Float32, Float64, also inside Nullable) is compared
//     with a tolerance, by default DefaultTolerance: see its comment.
package compat
