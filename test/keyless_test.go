package test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
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
// Fulcio and logged in a virtual Rekor (keyless/testsigner, sigstore-go's testing/ca), and
// the same signature as cosign's legacy .att layer carries it, pass with the certificate's
// identity and issuer and that sigstore's trusted root, and the real cosign verifies both the
// same way; another identity, another trusted root, a certificate
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
	rootFile, bundles, _ := signKeyless(ctx, t, w, dir, pub, identity, issuer)
	for _, b := range bundles {
		if err := w.AttachBundle(ctx, pub.Ref, b, provenance.PredicateSLSAV02); err != nil {
			t.Fatal(err)
		}
	}
	otherRoot, _, _ := signKeyless(ctx, t, w, filepath.Join(dir, "other"), pub, identity, issuer)
	// Another image, signed keyless the legacy way: the certificate in its .att layer's
	// annotations (cosign attest without --new-bundle-format, Tekton Chains with Fulcio).
	legacyPub := publish(ctx, t, w, quickCase, epoch.AddDate(0, 7, 1))
	legacyRoot, _, legacy := signKeyless(ctx, t, w, filepath.Join(dir, "legacy"), legacyPub, identity, issuer)
	for _, l := range legacy {
		if err := w.AttachLegacy(ctx, legacyPub.Ref, l.Envelope, l.Annotations); err != nil {
			t.Fatal(err)
		}
	}

	keyless := func(root string, more ...string) []string {
		return append([]string{"--trusted-root", root, "--certificate-oidc-issuer", issuer}, more...)
	}
	for _, tt := range []struct {
		name   string
		stdin  []byte           // "" for rebuild verify IMAGE
		pub    *world.Published // nil for pub
		args   []string
		exit   int
		stderr []string
	}{
		{name: "by name", args: keyless(rootFile, "--certificate-identity", identity, "--insecure-ignore-sct"), exit: 0,
			stderr: []string{"verified with a certificate for " + identity + " issued by " + issuer, "carries no certificate", "rebuild: verify: identical"}},
		{name: "legacy .att layer by name", pub: &legacyPub, args: keyless(legacyRoot, "--certificate-identity", identity, "--insecure-ignore-sct"), exit: 0,
			stderr: []string{"1 of 2 envelope(s) verified with a certificate for " + identity, "rebuild: verify: identical"}},
		{name: "legacy .att layer, another trusted root", pub: &legacyPub, args: keyless(rootFile, "--certificate-identity", identity, "--insecure-ignore-sct"), exit: 2,
			stderr: []string{"no envelope verifies with a certificate for " + identity}},
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
			pub := pub
			if tt.pub != nil {
				pub = *tt.pub
			}
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
	// cosign 2's legacy verification takes no trusted root file: the Fulcio chain and the
	// Rekor key come from its environment instead.
	out, err = w.Run(ctx, world.Cmd{Path: w.Tools.Cosign, Args: []string{"verify-attestation",
		"--certificate-identity", identity, "--certificate-oidc-issuer", issuer,
		"--insecure-ignore-sct", "--type", "slsaprovenance02", "--allow-insecure-registry", "--allow-http-registry", legacyPub.Ref},
		Env: cosignRootEnv(t, legacyRoot)})
	if err != nil {
		t.Errorf("cosign verify-attestation of the legacy keyless layer: %v\n%s", err, out)
	}
}

// signKeyless signs the statements of pub's attestation keyless with a fresh virtual
// sigstore (keyless-testsigner) and returns its trusted root file and the bundles.
func signKeyless(ctx context.Context, t *testing.T, w *world.World, dir string, pub world.Published, identity, issuer string) (string, [][]byte, []legacyLayer) {
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
	var legacy []legacyLayer
	for i := range envs {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("statement-%d.sigstore.json", i)))
		if err != nil {
			t.Fatal(err)
		}
		l, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("statement-%d.sigstore.json.legacy.json", i)))
		if err != nil {
			t.Fatal(err)
		}
		var layer legacyLayer
		if err := json.Unmarshal(l, &layer); err != nil {
			t.Fatal(err)
		}
		legacy = append(legacy, layer)
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			t.Fatal(err)
		}
		bundles = append(bundles, compact.Bytes())
	}
	return rootFile, bundles, legacy
}

// legacyLayer is a keyless signature as cosign's legacy .att layer carries it
// (keyless-testsigner's BUNDLE.legacy.json).
type legacyLayer struct {
	Envelope    json.RawMessage   `json:"envelope"`
	Annotations map[string]string `json:"annotations"`
}

// cosignRootEnv writes the Fulcio chain and the Rekor key of a trusted root file as the PEM
// files cosign 2 reads from SIGSTORE_ROOT_FILE and SIGSTORE_REKOR_PUBLIC_KEY.
func cosignRootEnv(t *testing.T, rootFile string) []string {
	t.Helper()
	data, err := os.ReadFile(rootFile)
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		CertificateAuthorities []struct {
			CertChain struct {
				Certificates []struct{ RawBytes []byte }
			}
		}
		Tlogs []struct {
			PublicKey struct{ RawBytes []byte }
		}
	}
	if err := json.Unmarshal(data, &root); err != nil || len(root.CertificateAuthorities) != 1 || len(root.Tlogs) != 1 {
		t.Fatalf("trusted root %s: %v", rootFile, err)
	}
	var chain []byte
	for _, c := range root.CertificateAuthorities[0].CertChain.Certificates {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.RawBytes})...)
	}
	dir := t.TempDir()
	chainFile, rekorFile := filepath.Join(dir, "fulcio.pem"), filepath.Join(dir, "rekor.pub")
	rekor := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: root.Tlogs[0].PublicKey.RawBytes})
	if os.WriteFile(chainFile, chain, 0o644) != nil || os.WriteFile(rekorFile, rekor, 0o644) != nil {
		t.Fatal("writing the cosign root files")
	}
	return []string{"SIGSTORE_ROOT_FILE=" + chainFile, "SIGSTORE_REKOR_PUBLIC_KEY=" + rekorFile}
}
