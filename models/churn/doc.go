// Package churn is the churn model (churn.go: Churn, Params, churn.sql) and
// the statistics behind it: an
// L2-regularised logistic regression on standardised features with
// per-row explanations, a seeded reservoir sampler to cap training rows,
// and the evaluation metrics (AUC, log loss, Brier score, top-decile lift,
// calibration by decile).
//
// Everything is pure Go and deterministic: the same rows, options and seed
// give bit-identical models, whatever the number of cores the fit's
// passes are split over. Scoring needs only Model.RawCoefficients, so a
// caller can push it into ClickHouse as a SQL expression or stream rows
// through Model.Predict.
package churn
