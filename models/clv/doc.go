// Package clv is the clv model (clv.go: CLV, Params, clv.sql) and the
// statistics behind it: the BG/NBD purchase
// model (Fader, Hardie & Lee 2005), the Gamma-Gamma spend model (Fader &
// Hardie 2013) and customer lifetime value over a horizon.
//
// Everything here is pure Go and deterministic. The fits work on distinct
// (x, t_x, T) tuples with integer counts, so their cost grows with the number
// of distinct tuples, not with the number of members; each likelihood pass
// is split over the cores in pieces fixed by the data (models/internal/pieces), so
// results do not depend on the number of cores. All formulas are
// evaluated in log-space so that large frequencies and ages stay finite.
//
// The contracts in detail are in README.md in this folder.
package clv
