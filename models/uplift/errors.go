package uplift

import "errors"

// ErrInvalidInput is wrapped by every error about the numbers passed in:
// empty or too small groups, counts out of range, bad shares.
var ErrInvalidInput = errors.New("invalid input")
