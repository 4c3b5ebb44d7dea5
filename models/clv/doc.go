// Package clv holds the statistics behind the clv model: the BG/NBD purchase
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
// Time is measured in one model time unit (see TimeUnit): the fitted rate
// parameters (alpha, and so every expectation) are per unit, and the caller
// converts its data and horizons to that unit.
//
// References:
//
//   - P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "Counting Your
//     Customers" the Easy Way: An Alternative to the Pareto/NBD Model,
//     Marketing Science 24(2):275-284. Cited below as FHL 2005.
//   - P. S. Fader, B. G. S. Hardie, K. L. Lee (2008), Computing P(alive)
//     Using the BG/NBD Model (note).
//   - P. S. Fader, B. G. S. Hardie (2013), The Gamma-Gamma Model of
//     Monetary Value (note). Cited below as FH 2013.
package clv
