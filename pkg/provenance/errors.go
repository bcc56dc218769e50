package provenance

import (
	"errors"
	"fmt"
)

// ErrInvalidInput is matched (errors.Is) by every error Read and ReadEnvelopes return.
var ErrInvalidInput = errors.New("invalid provenance input")

// Conditions a caller may branch on; each also matches ErrInvalidInput.
var (
	// ErrTooLarge: the input exceeds MaxInputBytes or MaxEnvelopes.
	ErrTooLarge error = inputError("input too large")
	// ErrUnsupported: a payload, statement or predicate type this package does not read.
	ErrUnsupported error = inputError("unsupported type")
	// ErrMissing: something a rebuild needs is not recorded (clone task, commit, build task, ...).
	ErrMissing error = inputError("missing from provenance")
	// ErrAmbiguous: several recorded tasks fit and nothing says which one built the subject.
	ErrAmbiguous error = inputError("ambiguous provenance")
	// ErrDisagree: several envelopes describe different builds.
	ErrDisagree error = inputError("envelopes disagree")
)

type inputError string

func (e inputError) Error() string { return string(e) }
func (e inputError) Unwrap() error { return ErrInvalidInput }

// markedError keeps err's text but also matches kind, so messages need not repeat the sentinel.
type markedError struct {
	err, kind error
}

func (e *markedError) Error() string   { return e.err.Error() }
func (e *markedError) Unwrap() []error { return []error{e.err, e.kind} }

// newError formats a message that matches kind without repeating kind's text.
func newError(kind error, format string, args ...any) error {
	return mark(kind, fmt.Errorf(format, args...))
}

func mark(kind, err error) error {
	if err == nil || errors.Is(err, kind) {
		return err
	}
	return &markedError{err: err, kind: kind}
}
