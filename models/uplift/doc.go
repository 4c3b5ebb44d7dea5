// Package uplift holds the statistics of a campaign's effect: the
// difference of two proportions (DiffProportions: two-proportion z-test,
// 95% interval), the difference of two means (Welch: Welch's t-test with
// Welch-Satterthwaite degrees of freedom), percentile bootstrap intervals
// of both with a fixed seed (BootstrapMeans, BootstrapProportions) and the
// sample ratio mismatch test of the groups' sizes against the intended
// split (SampleRatioMismatch). It is pure Go: callers count the groups and
// outcomes (in ClickHouse or elsewhere) and pass numbers in. Treatment is
// group 1, control group 2, and every difference is treatment minus
// control.
package uplift
