package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/pkg/provenance"
	"github.com/rebuild-project/rebuild/test/world"
)

// TestKeyless: rebuild verify IMAGE verifies keyless and offline, with sigstore-go (the
// rebuild-keyless helper): the sigstore bundles attached to the image, signed by a virtual
// Fulcio and logged in a virtual Rekor (keyless/testsigner, sigstore-go's testing/ca), pass
// with the certificate's identity and issuer and that sigstore's trusted root, and the real
// cosign verifies them the same way; another identity, another trusted root, a certificate
// with no CT timestamp, or envelopes without their bundles are refused before any clone.
func TestKeyless(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const identity, issuer = "build-pipeline@konflux.example", "https://oidc.konflux.example"
	pub := publish(ctx, t, w, quickCase, epoch.AddDate(0, 7, 0))
	dir := t.TempDir()
	rootFile, bundles := signKeyless(ctx, t, w, dir, pub, identity, issuer)
	for _, b := range bundles {
		if err := w.AttachBundle(ctx, pub.Ref, b, provenance.PredicateSLSAV02); err != nil {
			t.Fatal(err)
		}
	}
	otherRoot, _ := signKeyless(ctx, t, w, filepath.Join(dir, "other"), pub, identity, issuer)

	keyless := func(root string, more ...string) []string {
		return append([]string{"--trusted-root", root, "--certificate-oidc-issuer", issuer}, more...)
	}
	for _, tt := range []struct {
		name   string
		stdin  []byte // "" for rebuild verify IMAGE
		args   []string
		exit   int
		stderr []string
	}{
		{name: "by name", args: keyless(rootFile, "--certificate-identity", identity, "--insecure-ignore-sct"), exit: 0,
			stderr: []string{"verified with a certificate for " + identity + " issued by " + issuer, "carries no certificate", "rebuild: verify: identical"}},
		{name: "bundles on stdin, identity regexp", stdin: bytes.Join(bundles, []byte("\n")),
			args: keyless(rootFile, "--certificate-identity-regexp", `^build-pipeline@konflux\.example$`, "--insecure-ignore-sct"), exit: 0,
			stderr: []string{"verified with a certificate for /^build-pipeline@konflux"}},
		{name: "another identity", args: keyless(rootFile, "--certificate-identity", "someone@konflux.example", "--insecure-ignore-sct"), exit: 2,
			stderr: []string{"no envelope verifies with a certificate for someone@konflux.example", `expected SAN value "someone@konflux.example"`}},
		{name: "another trusted root", args: keyless(otherRoot, "--certificate-identity", identity, "--insecure-ignore-sct"), exit: 2,
			stderr: []string{"no envelope verifies with a certificate for " + identity}},
		{name: "no CT timestamp", args: keyless(rootFile, "--certificate-identity", identity), exit: 2,
			stderr: []string{"signed certificate timestamp"}},
		{name: "envelopes alone on stdin", stdin: pub.Attestation, args: keyless(rootFile, "--certificate-identity", identity, "--insecure-ignore-sct"), exit: 2,
			stderr: []string{"a DSSE envelope alone carries no certificate"}},
		{name: "half a policy", args: []string{"--trusted-root", rootFile, "--certificate-identity", identity}, exit: 2,
			stderr: []string{"needs one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var res rebuildResult
			var err error
			if tt.stdin != nil {
				res, err = runSubcommand(ctx, w, tt.stdin, "", tt.args...)
			} else {
				res, err = runSubcommand(ctx, w, nil, "verify", append(tt.args, pub.Ref)...)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer res.store.Remove()
			if res.exit != tt.exit {
				t.Fatalf("exit %d, want %d; stderr:\n%s", res.exit, tt.exit, tail(res.stderr, 4000))
			}
			for _, s := range tt.stderr {
				if !strings.Contains(res.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, tail(res.stderr, 4000))
				}
			}
			switch {
			case tt.exit == 0 && strings.TrimSpace(res.stdout) != pub.ImageID:
				t.Errorf("stdout %q, want the published ID %s", res.stdout, pub.ImageID)
			case tt.exit != 0 && (res.stdout != "" || strings.Contains(res.stderr, "rebuild: clone")):
				t.Errorf("refused after reading more than the attestations: stdout %q, stderr:\n%s", res.stdout, res.stderr)
			}
		})
	}

	// The real cosign finds the bundles among the referrers and verifies them against the
	// same trusted root: they are what cosign attest --new-bundle-format attaches.
	out, err := w.Run(ctx, world.Cmd{Path: w.Tools.Cosign, Args: []string{"verify-attestation", "--new-bundle-format",
		"--trusted-root", rootFile, "--certificate-identity", identity, "--certificate-oidc-issuer", issuer,
		"--insecure-ignore-sct", "--type", "slsaprovenance02", "--allow-insecure-registry", "--allow-http-registry", pub.Ref}})
	if err != nil {
		t.Errorf("cosign verify-attestation of the keyless bundles: %v\n%s", err, out)
	}
}

// signKeyless signs the statements of pub's attestation keyless with a fresh virtual
// sigstore (keyless-testsigner) and returns its trusted root file and the bundles.
func signKeyless(ctx context.Context, t *testing.T, w *world.World, dir string, pub world.Published, identity, issuer string) (string, [][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	envs, err := provenance.ReadEnvelopes(bytes.NewReader(pub.Attestation))
	if err != nil {
		t.Fatal(err)
	}
	rootFile := filepath.Join(dir, "trusted_root.json")
	args := []string{"--trusted-root", rootFile, "--identity", identity, "--issuer", issuer}
	for i, e := range envs {
		statement := filepath.Join(dir, fmt.Sprintf("statement-%d.json", i))
		if err := os.WriteFile(statement, e.Payload, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, statement+"="+strings.TrimSuffix(statement, ".json")+".sigstore.json")
	}
	if out, err := w.Run(ctx, world.Cmd{Path: w.Tools.TestSigner, Args: args}); err != nil {
		t.Fatalf("keyless-testsigner: %v\n%s", err, out)
	}
	var bundles [][]byte
	for i := range envs {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("statement-%d.sigstore.json", i)))
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			t.Fatal(err)
		}
		bundles = append(bundles, compact.Bytes())
	}
	return rootFile, bundles
}
