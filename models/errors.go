package models

import "errors"

var (
	// ErrDuplicate is returned by Registry.Add for a name already registered.
	ErrDuplicate = errors.New("model already registered")
	// ErrUnknown is returned for a model name (or dependency) not registered.
	ErrUnknown = errors.New("unknown model")
	// ErrCycle is returned by Registry.Ordered when dependencies form a cycle.
	ErrCycle = errors.New("model dependency cycle")
	// ErrNoSQL is returned when a model's embedded SQL or query is missing.
	ErrNoSQL = errors.New("model sql not found")
	// ErrPrecondition is returned when a fitted model's assumptions do not
	// hold on the data (for example the Gamma-Gamma independence of
	// frequency and spend); the run is refused and its outputs untouched.
	ErrPrecondition = errors.New("model precondition not met")
)

var (
	// ErrMissingDependency is returned by RunOne when a dependency has no
	// finished output for the same as_of (never ran, failed or running).
	ErrMissingDependency = errors.New("dependency output missing")
	// ErrSkipped is returned by RunOne, together with the model's
	// ErrPrecondition error, when the model was recorded as skipped: its
	// preconditions did not hold, it wrote no output, and the models that
	// depend on it may still run (their columns from it are NULL).
	ErrSkipped = errors.New("model skipped")
)
