// Package keyless verifies envelopes signed keyless (a Fulcio certificate, Rekor entries)
// offline against a trusted root file, by running the rebuild-keyless helper (keyless/ in the
// repository), which does it with sigstore-go. The helper is a binary of its own because
// sigstore-go needs newer versions of modules than the buildah library rebuild links.
package keyless

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// HelperName is the helper's file name, among the build engines.
const HelperName = "rebuild-keyless"

// HelperIn is the helper in dir (the build engines' folder), or an ErrHelper error when it is
// not there.
func HelperIn(dir string) (string, error) {
	helper := filepath.Join(dir, HelperName)
	if _, err := os.Stat(helper); err != nil {
		return "", helperMissing(helper, err)
	}
	return helper, nil
}

func helperMissing(helper string, err error) error {
	return fmt.Errorf("%w %s: %w (it ships beside the build engines: --engines)", ErrHelper, helper, err)
}

// ErrHelper marks a helper that is missing or could not run; ErrPolicy a policy or trusted
// root the helper refused.
var (
	ErrHelper = errors.New("keyless verification helper")
	ErrPolicy = errors.New("keyless verification")
)

// Policy is what a certificate must say, as cosign verify-attestation's flags of the same
// names say it: one of Identity and IdentityRegexp, one of Issuer and IssuerRegexp.
type Policy struct {
	TrustedRoot              string // trusted_root.json: Fulcio CAs, Rekor and CT logs, TSAs
	Identity, IdentityRegexp string // the certificate's subject alternative name
	Issuer, IssuerRegexp     string // its OIDC issuer
	IgnoreSCT                bool   // accept a certificate with no CT log timestamp
}

// Check reports a policy that names no trusted root, or not one identity and one issuer.
func (p Policy) Check() error {
	switch {
	case p.TrustedRoot == "":
		return errors.New("keyless verification needs --trusted-root (a trusted_root.json, as cosign trusted-root create or sigstore's TUF repository gives it)")
	case (p.Identity == "") == (p.IdentityRegexp == ""):
		return errors.New("keyless verification needs one of --certificate-identity and --certificate-identity-regexp")
	case (p.Issuer == "") == (p.IssuerRegexp == ""):
		return errors.New("keyless verification needs one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp")
	}
	return nil
}

func (p Policy) String() string {
	id, issuer := p.Identity, p.Issuer
	if id == "" {
		id = "/" + p.IdentityRegexp + "/"
	}
	if issuer == "" {
		issuer = "/" + p.IssuerRegexp + "/"
	}
	return fmt.Sprintf("a certificate for %s issued by %s (trusted root %s)", id, issuer, p.TrustedRoot)
}

// Verifier verifies keyless with the helper; it is a provenance.Verifier.
type Verifier struct {
	Helper string // the rebuild-keyless binary
	Policy Policy
	// ArtifactDigest, when set, must be the digest of a subject of every statement.
	ArtifactDigest string
}

func (v Verifier) String() string { return v.Policy.String() }

// Verify runs the helper once over the bundles among envs. An envelope that came without
// its bundle (cosign verify-attestation prints the envelope alone) is dropped: it carries no
// certificate.
func (v Verifier) Verify(ctx context.Context, envs []provenance.Envelope) (kept []provenance.Envelope, dropped []error, err error) {
	var input bytes.Buffer
	var bundled []provenance.Envelope
	for _, e := range envs {
		if !e.Bundle {
			dropped = append(dropped, fmt.Errorf("line %d: %w: a DSSE envelope alone carries no certificate; keyless verification needs its sigstore bundle", e.Line, provenance.ErrUnverified))
			continue
		}
		bundled = append(bundled, e)
		input.Write(bytes.ReplaceAll(e.Raw, []byte("\n"), nil))
		input.WriteByte('\n')
	}
	if len(bundled) == 0 {
		return nil, dropped, nil
	}
	results, err := v.run(ctx, &input, len(bundled))
	if err != nil {
		return nil, nil, err
	}
	for i, r := range results {
		if r.Error != "" {
			dropped = append(dropped, fmt.Errorf("line %d: %w: %s", bundled[i].Line, provenance.ErrUnverified, r.Error))
			continue
		}
		kept = append(kept, bundled[i])
	}
	return kept, dropped, nil
}

// result is one line of the helper's output.
type result struct {
	Identity string `json:"identity"`
	Issuer   string `json:"issuer"`
	Error    string `json:"error"`
}

func (v Verifier) run(ctx context.Context, input *bytes.Buffer, n int) ([]result, error) {
	p := v.Policy
	args := []string{"verify", "--trusted-root", p.TrustedRoot}
	for _, f := range [][2]string{
		{"--certificate-identity", p.Identity}, {"--certificate-identity-regexp", p.IdentityRegexp},
		{"--certificate-oidc-issuer", p.Issuer}, {"--certificate-oidc-issuer-regexp", p.IssuerRegexp},
		{"--artifact-digest", v.ArtifactDigest},
	} {
		if f[1] != "" {
			args = append(args, f[0], f[1])
		}
	}
	if p.IgnoreSCT {
		args = append(args, "--insecure-ignore-sct")
	}
	cmd := exec.CommandContext(ctx, v.Helper, args...)
	cmd.Stdin = input
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		var exit *exec.ExitError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, helperMissing(v.Helper, err)
		case errors.As(err, &exit) && exit.ExitCode() == 2:
			return nil, fmt.Errorf("%w: %s", ErrPolicy, strings.TrimPrefix(msg, HelperName+": "))
		}
		return nil, fmt.Errorf("%w: %s", ErrHelper, msg)
	}
	var out []result
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%w: reading its output: %v", ErrHelper, err)
		}
		out = append(out, r)
	}
	if len(out) != n {
		return nil, fmt.Errorf("%w: %d results for %d bundles", ErrHelper, len(out), n)
	}
	return out, nil
}
