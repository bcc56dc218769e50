package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/containers/buildah"

	"github.com/rebuild-project/rebuild/pkg/compare"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

const (
	verifierID = "https://github.com/rebuild-project/rebuild"
	vsaType    = "https://slsa.dev/verification_summary/v1"
	policyURI  = "https://github.com/rebuild-project/rebuild/blob/main/docs/report.md#verification-policy"
)

// inputRecord keeps the attestation lines read from stdin when --attest needs their digests.
type inputRecord struct{ buf bytes.Buffer }

// recordInput returns stdin, copied into the record as it is read when cfg asks for a
// signed summary.
func recordInput(cfg config, stdin io.Reader) (io.Reader, *inputRecord) {
	rec := &inputRecord{}
	if cfg.attest == "" {
		return stdin, rec
	}
	return io.TeeReader(stdin, &rec.buf), rec
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

// attest signs a verification summary of rep with cfg.attest and writes it to cfg.attestOut.
func attest(cfg config, key *ecdsa.PrivateKey, subject provenance.Subject, rep *compare.Report, input *inputRecord) error {
	stmt := vsaStatement{
		Type:          "https://in-toto.io/Statement/v1",
		Subject:       []vsaSubject{{Name: subject.Name, Digest: digestMap(subject.Digest)}},
		PredicateType: vsaType,
		Predicate: vsaPredicate{
			Verifier:           vsaVerifier{ID: verifierID, Version: map[string]string{"buildah": buildah.Version}},
			TimeVerified:       rep.Compared.Format(time.RFC3339),
			ResourceURI:        "oci://" + subject.Name + "@" + subject.Digest,
			Policy:             vsaResource{URI: policyURI},
			InputAttestations:  inputAttestations(input),
			VerificationResult: "FAILED",
			VerifiedLevels:     []string{"FAILED"},
			Rebuild:            vsaRebuildFacts{RebuiltImageID: rep.Rebuilt.ID, PublishedImageID: rep.Published.ID, Causes: rep.Causes},
		},
	}
	if rep.Identical {
		stmt.Predicate.VerificationResult, stmt.Predicate.VerifiedLevels = "PASSED", []string{}
	}
	payload, err := json.Marshal(stmt)
	if err != nil {
		return fmt.Errorf("encoding the verification summary: %w", err)
	}
	env, err := signEnvelope(key, "application/vnd.in-toto+json", payload)
	if err != nil {
		return err
	}
	if err := os.WriteFile(cfg.attestOut, append(env, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the verification summary: %w", err)
	}
	return nil
}

// inputAttestations names each provenance envelope read by the sha256 of its JSON line.
func inputAttestations(input *inputRecord) []vsaResource {
	out := []vsaResource{}
	envs, err := provenance.ReadEnvelopes(bytes.NewReader(input.buf.Bytes()))
	if err != nil {
		return out
	}
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

// readSigningKey reads an unencrypted EC private key: PKCS#8 ("PRIVATE KEY") or SEC 1
// ("EC PRIVATE KEY") PEM.
func readSigningKey(path string) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading the --attest key: %w", errUsage, err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: --attest %s: no PEM key", errUsage, path)
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: --attest %s: %w", errUsage, path, err)
		}
		if ec, ok := k.(*ecdsa.PrivateKey); ok {
			return ec, nil
		}
		return nil, fmt.Errorf("%w: --attest %s: not an EC key", errUsage, path)
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: --attest %s: %w", errUsage, path, err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: --attest %s: a %q PEM block; want an unencrypted PKCS#8 EC key (cosign's encrypted keys are not read: see README)", errUsage, path, block.Type)
}
