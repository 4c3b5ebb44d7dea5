package report

import "errors"

// ErrUnknownLang is returned by ParseLang for a language other than en or zh.
var ErrUnknownLang = errors.New("unknown report language")
