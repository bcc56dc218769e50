package provenance

import (
	"context"
	"crypto"
)

// A Verifier checks the envelopes' signatures before anything of their payloads is read.
// It keeps those that verify; for each one dropped, dropped holds an error naming its line
// that matches ErrUnverified. err is for a verification that could not run at all.
type Verifier interface {
	Verify(ctx context.Context, envs []Envelope) (kept []Envelope, dropped []error, err error)
	// String says what it verifies with, for messages: "the key in cosign.pub".
	String() string
}

// KeyVerifier verifies with a public key (Verify).
type KeyVerifier struct {
	Key  crypto.PublicKey
	Name string // the key's file
}

func (v KeyVerifier) Verify(_ context.Context, envs []Envelope) ([]Envelope, []error, error) {
	kept, dropped := Verify(envs, v.Key)
	return kept, dropped, nil
}

func (v KeyVerifier) String() string { return "the key in " + v.Name }
