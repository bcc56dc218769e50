package provenance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits on what ReadEnvelopes (and so Read) accepts; larger input is refused with ErrTooLarge.
const (
	// MaxInputBytes bounds the whole input. A Konflux provenance is tens of KiB per envelope.
	MaxInputBytes = 64 << 20
	// MaxEnvelopes bounds the number of envelopes (or bare statements) in the input.
	MaxEnvelopes = 1000
)

// InTotoPayloadType is the only DSSE payload type Read accepts.
const InTotoPayloadType = "application/vnd.in-toto+json"

// Envelope is one DSSE envelope of the input, its payload and signatures base64-decoded.
// A bare in-toto statement in the input becomes an unsigned Envelope: PayloadType is
// InTotoPayloadType, Payload the statement's bytes and Signatures nil.
type Envelope struct {
	Line        int // 1-based line of the input where the envelope starts
	PayloadType string
	Payload     []byte
	Signatures  []Signature
	Raw         []byte // the envelope's JSON as it appeared in the input (the whole bundle for one)
	// Bundle: Raw is a sigstore bundle holding the envelope beside what verifies it keyless
	// (a certificate, transparency log entries), as cosign attest --new-bundle-format writes.
	Bundle bool
}

// Signature is one DSSE signature, Sig base64-decoded.
type Signature struct {
	KeyID string
	Sig   []byte
}

// PAE returns the DSSE pre-authentication encoding of the envelope: the bytes a signature covers.
func (e Envelope) PAE() []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(e.PayloadType)))
	b.WriteByte(' ')
	b.WriteString(e.PayloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(e.Payload)))
	b.WriteByte(' ')
	b.Write(e.Payload)
	return b.Bytes()
}

// ReadEnvelopes reads the JSON values of r (one DSSE envelope per line as cosign prints them,
// or bare in-toto statements) without interpreting the payloads, so that signatures can be
// checked before anything is parsed. Every error matches ErrInvalidInput.
func ReadEnvelopes(r io.Reader) ([]Envelope, error) {
	envs, err := readEnvelopes(r)
	return envs, mark(ErrInvalidInput, err)
}

func readEnvelopes(r io.Reader) ([]Envelope, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading input: %w", err)
	}
	if len(data) > MaxInputBytes {
		return nil, newError(ErrTooLarge, "input larger than %d bytes", MaxInputBytes)
	}
	lines := lineCounter{data: data}
	dec := json.NewDecoder(bytes.NewReader(data))
	var envs []Envelope
	for {
		start := skipSpace(data, int(dec.InputOffset()))
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		line := lines.at(start)
		if err != nil {
			return nil, fmt.Errorf("line %d: decoding JSON: %w", line, err)
		}
		if len(envs) == MaxEnvelopes {
			return nil, newError(ErrTooLarge, "line %d: more than %d envelopes", line, MaxEnvelopes)
		}
		env, err := parseEnvelope(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		env.Line = line
		envs = append(envs, env)
	}
	if len(envs) == 0 {
		return nil, newError(ErrMissing, "no envelope in input")
	}
	return envs, nil
}

// BundleMediaType starts the media type of every sigstore bundle version.
const BundleMediaType = "application/vnd.dev.sigstore.bundle"

type jsonEnvelope struct {
	MediaType    string          `json:"mediaType"`
	DSSEEnvelope json.RawMessage `json:"dsseEnvelope"`
	PayloadType  *string         `json:"payloadType"`
	Payload      string          `json:"payload"`
	Signatures   []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	} `json:"signatures"`
	StatementType *string `json:"_type"`
}

func parseEnvelope(raw []byte) (Envelope, error) {
	if len(raw) == 0 || raw[0] != '{' {
		return Envelope{}, errors.New("not a JSON object")
	}
	var j jsonEnvelope
	if err := json.Unmarshal(raw, &j); err != nil {
		return Envelope{}, fmt.Errorf("decoding envelope: %w", err)
	}
	if j.PayloadType == nil && strings.HasPrefix(j.MediaType, BundleMediaType) {
		return parseBundle(raw, j.DSSEEnvelope)
	}
	if j.PayloadType == nil {
		if j.StatementType == nil {
			return Envelope{}, errors.New("neither a DSSE envelope (no payloadType) nor an in-toto statement (no _type)")
		}
		return Envelope{PayloadType: InTotoPayloadType, Payload: bytes.Clone(raw), Raw: raw}, nil
	}
	payload, err := decodeBase64(j.Payload)
	if err != nil {
		return Envelope{}, fmt.Errorf("decoding payload: %w", err)
	}
	env := Envelope{PayloadType: *j.PayloadType, Payload: payload, Raw: raw}
	for i, s := range j.Signatures {
		sig, err := decodeBase64(s.Sig)
		if err != nil {
			return Envelope{}, fmt.Errorf("decoding signature %d: %w", i+1, err)
		}
		env.Signatures = append(env.Signatures, Signature{KeyID: s.KeyID, Sig: sig})
	}
	return env, nil
}

// parseBundle reads the DSSE envelope a sigstore bundle holds.
func parseBundle(raw, dsse json.RawMessage) (Envelope, error) {
	var inner jsonEnvelope
	if len(dsse) == 0 || json.Unmarshal(dsse, &inner) != nil || inner.PayloadType == nil {
		return Envelope{}, errors.New("a sigstore bundle with no DSSE envelope (it signs a blob, not an attestation)")
	}
	env, err := parseEnvelope(dsse)
	if err != nil {
		return Envelope{}, fmt.Errorf("the sigstore bundle's envelope: %w", err)
	}
	env.Raw, env.Bundle = raw, true
	return env, nil
}

// decodeBase64 accepts standard and URL-safe base64, padded or not, as DSSE allows;
// the error reported is the standard encoding's, which is what cosign writes.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err2 := enc.DecodeString(s); err2 == nil {
			return b, nil
		}
	}
	return nil, err
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// lineCounter turns increasing byte offsets into 1-based line numbers in linear time overall.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (c *lineCounter) at(off int) int {
	off = min(off, len(c.data))
	if off > c.off {
		c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
		c.off = off
	}
	return c.line + 1
}
