package churn

import "errors"

// Sentinel errors returned (wrapped) by this package. Test with errors.Is.
var (
	// ErrInvalidData means the rows cannot be used: mismatched lengths,
	// NaN or infinite values, no rows. The message names the row or field.
	ErrInvalidData = errors.New("invalid input data")
	// ErrSingleClass means every label is the same, so neither the model
	// nor AUC is defined.
	ErrSingleClass = errors.New("labels have a single class")
	// ErrNotConverged means the optimiser stopped before the gradient
	// tolerance; the model returned alongside is the last point.
	ErrNotConverged = errors.New("fit did not converge")
	// ErrInvalidOptions means an option is out of range.
	ErrInvalidOptions = errors.New("invalid options")
)
