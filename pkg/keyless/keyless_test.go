package keyless

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

func TestPolicyCheck(t *testing.T) {
	full := Policy{TrustedRoot: "root.json", Identity: "a@example.com", Issuer: "https://issuer.example"}
	if err := full.Check(); err != nil {
		t.Fatalf("a full policy: %v", err)
	}
	if got, want := full.String(), "a certificate for a@example.com issued by https://issuer.example (trusted root root.json)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	re := Policy{TrustedRoot: "root.json", IdentityRegexp: "^a@", IssuerRegexp: "example"}
	if got := re.String(); !strings.Contains(got, "/^a@/ issued by /example/") {
		t.Errorf("String() = %q", got)
	}
	for name, p := range map[string]Policy{
		"no root":        {Identity: "a", Issuer: "b"},
		"no identity":    {TrustedRoot: "r", Issuer: "b"},
		"two identities": {TrustedRoot: "r", Identity: "a", IdentityRegexp: "a", Issuer: "b"},
		"no issuer":      {TrustedRoot: "r", Identity: "a"},
		"two issuers":    {TrustedRoot: "r", Identity: "a", Issuer: "b", IssuerRegexp: "b"},
	} {
		if err := p.Check(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestVerifyWithoutBundles: envelopes that came without their bundle are dropped, each with
// an error naming its line, and the helper is not run; a missing helper is ErrHelper.
func TestVerifyWithoutBundles(t *testing.T) {
	v := Verifier{Helper: filepath.Join(t.TempDir(), HelperName), Policy: Policy{TrustedRoot: "r", Identity: "a", Issuer: "b"}}
	envs := []provenance.Envelope{{Line: 1, Raw: []byte("{}")}, {Line: 3, Raw: []byte("{}")}}
	kept, dropped, err := v.Verify(context.Background(), envs)
	if err != nil || len(kept) != 0 || len(dropped) != 2 {
		t.Fatalf("Verify = %d kept, %d dropped, %v", len(kept), len(dropped), err)
	}
	if !errors.Is(dropped[1], provenance.ErrUnverified) || !strings.HasPrefix(dropped[1].Error(), "line 3: ") {
		t.Errorf("dropped[1] = %v", dropped[1])
	}
	envs = append(envs, provenance.Envelope{Line: 5, Raw: []byte("{}"), Bundle: true})
	if _, _, err := v.Verify(context.Background(), envs); !errors.Is(err, ErrHelper) {
		t.Errorf("no helper: %v, want ErrHelper", err)
	}
	if _, err := os.Stat(v.Helper); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}
