// Package internal holds no code; its subdirectories are the zones below
// the product packages (docs/architecture.md has the table):
//
//   - platform: what production code stands on (warehouse connection,
//     config, migrations, snapshots, the as_of date layout).
//   - devtools: developer tools the CLI ships (datagen, localch).
//   - testkit: test-only harnesses (chtest, chdb, compat, genload).
//
// TestZones checks the one-way import rule over the whole module.
package internal
