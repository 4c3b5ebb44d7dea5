// Package datagen generates synthetic member, order, event, order item and
// campaign assignment files whose
// behaviour follows known models, plus a truth.json recording every
// parameter, so that memberlytics' loaders and models can be checked
// against a known answer. It is pure Go and never talks to ClickHouse.
//
// The contracts in detail are in README.md in this folder.
package datagen
