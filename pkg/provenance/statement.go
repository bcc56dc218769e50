package provenance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
)

// Statement and predicate types Read accepts.
const (
	StatementV01     = "https://in-toto.io/Statement/v0.1"
	StatementV1      = "https://in-toto.io/Statement/v1"
	PredicateSLSAV02 = "https://slsa.dev/provenance/v0.2"
)

// predicateDecoders maps a predicate type to the function that turns it into a recipe;
// a newer SLSA version is one more entry.
var predicateDecoders = map[string]func(subjects []Subject, predicate json.RawMessage) (*Recipe, error){
	PredicateSLSAV02: decodeSLSAV02,
	PredicateSLSAV1:  decodeSLSAV1,
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

type jsonStatement struct {
	Type          string `json:"_type"`
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate json.RawMessage `json:"predicate"`
}

// Read reads the output of cosign verify-attestation (one DSSE envelope per line, or bare
// in-toto statements) and returns the build recipe the provenance records. When several
// envelopes are given they must describe the same build; their subjects are unioned.
// Read checks no signature: see ReadEnvelopes. Every error matches ErrInvalidInput.
func Read(r io.Reader) (*Recipe, error) {
	rec, err := read(r)
	return rec, mark(ErrInvalidInput, err)
}

func read(r io.Reader) (*Recipe, error) {
	envs, err := readEnvelopes(r)
	if err != nil {
		return nil, err
	}
	return decodeAll(envs)
}

// decodeAll decodes every envelope and returns the recipe of the newest pipeline run they
// record (group): the one decode loop Read, ReadLenient and FromEnvelopes share.
func decodeAll(envs []Envelope) (*Recipe, error) {
	ps, err := group(envs)
	if err != nil {
		return nil, err
	}
	return ps[len(ps)-1].Recipe, nil
}

func decodeEnvelope(env Envelope) (*Recipe, error) {
	if env.PayloadType != InTotoPayloadType {
		return nil, newError(ErrUnsupported, "unsupported payload type %q (want %q)", env.PayloadType, InTotoPayloadType)
	}
	var st jsonStatement
	if err := unmarshal(env.Payload, &st); err != nil {
		return nil, fmt.Errorf("decoding statement: %w", err)
	}
	if st.Type != StatementV01 && st.Type != StatementV1 {
		return nil, newError(ErrUnsupported, "unsupported statement type %q (want %q or %q)", st.Type, StatementV01, StatementV1)
	}
	decode, ok := predicateDecoders[st.PredicateType]
	if !ok {
		return nil, newError(ErrUnsupported, "unsupported predicate type %q (want %q or %q)", st.PredicateType, PredicateSLSAV02, PredicateSLSAV1)
	}
	if len(st.Subject) == 0 {
		return nil, newError(ErrMissing, "statement has no subject")
	}
	subjects := make([]Subject, 0, len(st.Subject))
	for _, s := range st.Subject {
		hex, ok := s.Digest["sha256"]
		if !ok {
			return nil, newError(ErrMissing, "subject %q has no sha256 digest", s.Name)
		}
		if !sha256Hex.MatchString(hex) {
			return nil, fmt.Errorf("subject %q: sha256 digest %q is not 64 lowercase hex digits", s.Name, hex)
		}
		subjects = append(subjects, Subject{Name: s.Name, Digest: "sha256:" + hex})
	}
	if len(st.Predicate) == 0 || string(st.Predicate) == "null" {
		return nil, newError(ErrMissing, "statement has no predicate")
	}
	rec, err := decode(subjects, st.Predicate)
	if err != nil {
		return nil, fmt.Errorf("decoding predicate: %w", err)
	}
	return rec, nil
}

// unmarshal is json.Unmarshal with type errors told in JSON terms rather than as Go types.
func unmarshal(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Type == nil {
		return err
	}
	want := "a " + te.Type.Kind().String()
	switch te.Type.Kind() {
	case reflect.Slice, reflect.Array:
		want = "an array"
	case reflect.Struct, reflect.Map:
		want = "an object"
	case reflect.Int, reflect.Int64, reflect.Float64:
		want = "a number"
	}
	field := te.Field
	if field == "" {
		field = "the value"
	}
	return fmt.Errorf("%s is a JSON %s, want %s", field, te.Value, want)
}
