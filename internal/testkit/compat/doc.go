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
// The contracts in detail are in README.md in this folder.
package compat
