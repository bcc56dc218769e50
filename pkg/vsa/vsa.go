// Package vsa writes the outcome of a rebuild's comparison as a signed SLSA verification
// summary: an in-toto statement in a DSSE envelope.
package vsa

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rebuild-project/rebuild/pkg/compare"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

const (
	verifierID = "https://github.com/rebuild-project/rebuild"
	vsaType    = "https://slsa.dev/verification_summary/v1"
	policyURI  = "https://github.com/rebuild-project/rebuild/blob/main/docs/report.md#verification-policy"
)

// ErrKey marks a signing key that cannot be read or used: bad input.
var ErrKey = errors.New("signing key")

// Summary is what the verification summary says.
type Summary struct {
	Subject provenance.Subject
	Report  *compare.Report
	// Inputs are the provenance envelopes the rebuild was made from.
	Inputs []provenance.Envelope
	// Versions are the verifier's versions, by component.
	Versions map[string]string
	// AcceptTimestamps passes an image equivalent to the published one but for time values
	// (rebuild --accept timestamps).
	AcceptTimestamps bool
	// Signed: the Inputs were verified with a key the user trusts (--key).
	Signed bool
}

// passedLevels are the verified levels of a PASSED summary: with the provenance's signature
// verified (hosted build platform, signed provenance) and the image rebuilt from it, SLSA
// Build level 2; without, nothing about the provenance was verified.
func (s Summary) passedLevels() []string {
	if s.Signed {
		return []string{"SLSA_BUILD_LEVEL_2"}
	}
	return []string{}
}

type vsaStatement struct {
	Type          string       `json:"_type"`
	Subject       []vsaSubject `json:"subject"`
	PredicateType string       `json:"predicateType"`
	Predicate     vsaPredicate `json:"predicate"`
}

type vsaSubject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

type vsaPredicate struct {
	Verifier           vsaVerifier     `json:"verifier"`
	TimeVerified       string          `json:"timeVerified"`
	ResourceURI        string          `json:"resourceUri"`
	Policy             vsaResource     `json:"policy"`
	InputAttestations  []vsaResource   `json:"inputAttestations"`
	VerificationResult string          `json:"verificationResult"`
	VerifiedLevels     []string        `json:"verifiedLevels"`
	Rebuild            vsaRebuildFacts `json:"rebuild"`
}

type vsaVerifier struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version,omitempty"`
}

type vsaResource struct {
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest,omitempty"`
}

// vsaRebuildFacts is this verifier's own extension of the predicate.
type vsaRebuildFacts struct {
	RebuiltImageID   string   `json:"rebuiltImageId"`
	PublishedImageID string   `json:"publishedImageId"`
	Causes           []string `json:"causes"`
	// Outcome is identical, equivalent (but for the time values carried over) or different.
	Outcome string `json:"outcome"`
	// Accepted names the difference accepted for a PASSED outcome that is not identical.
	Accepted string `json:"accepted,omitempty"`
	// CarriedTimeValues counts the time values carried over for an equivalent outcome.
	CarriedTimeValues int `json:"carriedTimeValues,omitempty"`
}

type dsseEnvelope struct {
	PayloadType string          `json:"payloadType"`
	Payload     string          `json:"payload"`
	Signatures  []dsseSignature `json:"signatures"`
}

type dsseSignature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// Write signs the summary with key and writes the DSSE envelope to path; it returns the
// envelope.
func Write(path string, key *ecdsa.PrivateKey, s Summary) ([]byte, error) {
	env, err := Sign(key, s)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, append(env, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("writing the verification summary: %w", err)
	}
	return env, nil
}

// Sign makes the summary's statement and signs it with key: a DSSE envelope.
func Sign(key *ecdsa.PrivateKey, s Summary) ([]byte, error) {
	subject, rep := s.Subject, s.Report
	stmt := vsaStatement{
		Type:          "https://in-toto.io/Statement/v1",
		Subject:       []vsaSubject{{Name: subject.Name, Digest: digestMap(subject.Digest)}},
		PredicateType: vsaType,
		Predicate: vsaPredicate{
			Verifier:           vsaVerifier{ID: verifierID, Version: s.Versions},
			TimeVerified:       rep.Compared.Format(time.RFC3339),
			ResourceURI:        "oci://" + subject.Name + "@" + subject.Digest,
			Policy:             vsaResource{URI: policyURI},
			InputAttestations:  inputAttestations(s.Inputs),
			VerificationResult: "FAILED",
			VerifiedLevels:     []string{"FAILED"},
			Rebuild:            vsaRebuildFacts{RebuiltImageID: rep.Rebuilt.ID, PublishedImageID: rep.Published.ID, Causes: rep.Causes},
		},
	}
	facts := &stmt.Predicate.Rebuild
	switch {
	case rep.Identical:
		facts.Outcome = "identical"
		stmt.Predicate.VerificationResult, stmt.Predicate.VerifiedLevels = "PASSED", s.passedLevels()
	case rep.Equivalent():
		facts.Outcome, facts.CarriedTimeValues = "equivalent", len(rep.Equivalence.Carried)
		if s.AcceptTimestamps {
			facts.Accepted = "timestamps"
			stmt.Predicate.VerificationResult, stmt.Predicate.VerifiedLevels = "PASSED", s.passedLevels()
		}
	default:
		facts.Outcome = "different"
	}
	payload, err := json.Marshal(stmt)
	if err != nil {
		return nil, fmt.Errorf("encoding the verification summary: %w", err)
	}
	return signEnvelope(key, "application/vnd.in-toto+json", payload)
}

// inputAttestations names each provenance envelope read by the sha256 of its JSON line.
func inputAttestations(envs []provenance.Envelope) []vsaResource {
	out := []vsaResource{}
	for _, e := range envs {
		sum := sha256.Sum256(e.Raw)
		out = append(out, vsaResource{Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}})
	}
	return out
}

func digestMap(d string) map[string]string {
	alg, hexDigest, _ := strings.Cut(d, ":")
	return map[string]string{alg: hexDigest}
}

// signEnvelope signs payload as DSSE does: ECDSA over the SHA-256 of its PAE.
func signEnvelope(key *ecdsa.PrivateKey, payloadType string, payload []byte) ([]byte, error) {
	pae := provenance.Envelope{PayloadType: payloadType, Payload: payload}.PAE()
	sum := sha256.Sum256(pae)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		return nil, fmt.Errorf("signing the verification summary: %w", err)
	}
	return json.Marshal(dsseEnvelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []dsseSignature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	})
}

// ReadKey reads an EC private key: PKCS#8 ("PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY") PEM,
// or the encrypted key `cosign generate-key-pair` writes, opened with COSIGN_PASSWORD.
func ReadKey(path string) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrKey, path, err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w %s: no PEM key", ErrKey, path)
	}
	if isCosignKey(block.Type) {
		der, err := decryptCosignKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrKey, path, err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrKey, path, err)
		}
		if ec, ok := k.(*ecdsa.PrivateKey); ok {
			return ec, nil
		}
		return nil, fmt.Errorf("%w %s: not an EC key", ErrKey, path)
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrKey, path, err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w %s: a %q PEM block; want a PKCS#8 or SEC 1 EC key, or cosign's encrypted one", ErrKey, path, block.Type)
}
