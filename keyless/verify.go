package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// maxLine bounds one bundle; a Konflux provenance is tens of KiB.
const maxLine = 64 << 20

// policy is what a bundle must satisfy, as cosign verify-attestation's flags of the same
// names say it.
type policy struct {
	trustedRoot              string
	identity, identityRegexp string
	issuer, issuerRegexp     string
	ignoreSCT                bool
	artifactDigest           string // "sha256:<hex>": a subject of the statement must have it
}

func parsePolicy(args []string) (policy, error) {
	var p policy
	fs := flag.NewFlagSet("rebuild-keyless verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&p.trustedRoot, "trusted-root", "", "")
	fs.StringVar(&p.identity, "certificate-identity", "", "")
	fs.StringVar(&p.identityRegexp, "certificate-identity-regexp", "", "")
	fs.StringVar(&p.issuer, "certificate-oidc-issuer", "", "")
	fs.StringVar(&p.issuerRegexp, "certificate-oidc-issuer-regexp", "", "")
	fs.BoolVar(&p.ignoreSCT, "insecure-ignore-sct", false, "")
	fs.StringVar(&p.artifactDigest, "artifact-digest", "", "")
	if err := fs.Parse(args); err != nil {
		return p, err
	}
	switch {
	case fs.NArg() > 0:
		return p, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case p.trustedRoot == "":
		return p, errors.New("--trusted-root is required")
	case (p.identity == "") == (p.identityRegexp == ""):
		return p, errors.New("give one of --certificate-identity and --certificate-identity-regexp")
	case (p.issuer == "") == (p.issuerRegexp == ""):
		return p, errors.New("give one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp")
	}
	return p, nil
}

// checker verifies bundles against one policy.
type checker struct {
	v      *verify.Verifier
	policy verify.PolicyBuilder
}

func (p policy) verifier() (*checker, error) {
	tr, err := root.NewTrustedRootFromPath(p.trustedRoot)
	if err != nil {
		return nil, fmt.Errorf("--trusted-root %s: %w", p.trustedRoot, err)
	}
	// As cosign: the certificate logged in a transparency log (one entry at least), valid when
	// the log (or a timestamp authority) saw it, and carrying a CT log's timestamp unless told.
	opts := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1)}
	if !p.ignoreSCT {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	v, err := verify.NewVerifier(tr, opts...)
	if err != nil {
		return nil, err
	}
	id, err := verify.NewShortCertificateIdentity(p.issuer, p.issuerRegexp, p.identity, p.identityRegexp)
	if err != nil {
		return nil, err
	}
	artifact := verify.WithoutArtifactUnsafe() // the caller checks the subjects itself
	if p.artifactDigest != "" {
		algo, hexDigest, ok := strings.Cut(p.artifactDigest, ":")
		sum, err := hex.DecodeString(hexDigest)
		if !ok || algo != "sha256" || err != nil || len(sum) != 32 {
			return nil, fmt.Errorf("--artifact-digest %q is not sha256:<64 hex digits>", p.artifactDigest)
		}
		artifact = verify.WithArtifactDigest(algo, sum)
	}
	return &checker{v: v, policy: verify.NewPolicy(artifact, verify.WithCertificateIdentity(id))}, nil
}

// result is one line of verify's output.
type result struct {
	Identity string `json:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	Error    string `json:"error,omitempty"`
}

func (c *checker) check(line []byte) result {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(line); err != nil {
		return result{Error: "not a sigstore bundle: " + err.Error()}
	}
	if _, err := b.Envelope(); err != nil {
		return result{Error: "the bundle holds no DSSE envelope: " + err.Error()}
	}
	res, err := c.v.Verify(&b, c.policy)
	if err != nil {
		return result{Error: err.Error()}
	}
	if res.Signature == nil || res.Signature.Certificate == nil {
		return result{Error: "the bundle is signed with a key, not a certificate"}
	}
	cert := res.Signature.Certificate
	return result{Identity: cert.SubjectAlternativeName, Issuer: cert.Issuer}
}

// verifyLines checks each non-empty line of in and writes its result to out.
func verifyLines(c *checker, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		if err := enc.Encode(c.check(line)); err != nil {
			return err
		}
	}
	return sc.Err()
}
