package clv

import "errors"

// Sentinel errors returned (wrapped) by this package. Test with errors.Is.
var (
	// ErrNotConverged means the optimiser stopped without reaching the
	// gradient tolerance, even after the Nelder-Mead fallback. The fit
	// result returned alongside holds the last point for diagnosis.
	ErrNotConverged = errors.New("fit did not converge")
	// ErrTooFewCustomers means the data cannot identify the model, for
	// example too few repeat buyers for BG/NBD or for Gamma-Gamma.
	ErrTooFewCustomers = errors.New("too few customers to fit")
	// ErrInvalidData means an input row breaks the model's domain
	// (negative counts, recency outside [0, T], ...). The message names the
	// row and the field.
	ErrInvalidData = errors.New("invalid input data")
	// ErrInvalidParams means model parameters or options are outside their
	// domain (non-positive parameters, q <= 1, negative horizon, ...).
	ErrInvalidParams = errors.New("invalid parameters")
)
