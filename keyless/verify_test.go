package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rebuild-project/rebuild/keyless/internal/virtual"
)

const (
	identity = "builder@example.com"
	issuer   = "https://issuer.example"
	subject  = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)

var statement = []byte(`{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2",` +
	`"subject":[{"name":"registry.example/app","digest":{"sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}],"predicate":{}}`)

// world is a virtual sigstore's trusted root file and a bundle it signed.
func world(t *testing.T) (rootFile string, s *virtual.Sigstore, bundle []byte) {
	t.Helper()
	s, err := virtual.New()
	if err != nil {
		t.Fatal(err)
	}
	rootJSON, err := s.TrustedRoot()
	if err != nil {
		t.Fatal(err)
	}
	rootFile = filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(rootFile, rootJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	if bundle, err = s.Attest(identity, issuer, statement); err != nil {
		t.Fatal(err)
	}
	return rootFile, s, bundle
}

// verifyOne runs the verify command on input and returns its exit code and output lines.
func verifyOne(t *testing.T, input []byte, args ...string) (int, []result, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), append([]string{"verify"}, args...), bytes.NewReader(input), &out, &errOut)
	var results []result
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r result
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("output: %v", err)
		}
		results = append(results, r)
	}
	return code, results, errOut.String()
}

func TestVerify(t *testing.T) {
	rootFile, _, b := world(t)
	_, other, _ := world(t)
	fromOther, err := other.Attest(identity, issuer, statement)
	if err != nil {
		t.Fatal(err)
	}
	tampered := tamper(t, b)
	base := []string{"--trusted-root", rootFile, "--certificate-oidc-issuer", issuer, "--insecure-ignore-sct"}
	for _, tc := range []struct {
		name  string
		input []byte
		args  []string
		want  string // "" for verified, else a part of the error
	}{
		{"identity", b, append(base, "--certificate-identity", identity), ""},
		{"identity regexp", b, append(base, "--certificate-identity-regexp", `^builder@example\.com$`), ""},
		{"artifact digest", b, append(base, "--certificate-identity", identity, "--artifact-digest", subject), ""},
		{"another identity", b, append(base, "--certificate-identity", "other@example.com"), `expected SAN value "other@example.com"`},
		{"another issuer", b, []string{"--trusted-root", rootFile, "--certificate-identity", identity, "--certificate-oidc-issuer", "https://other.example", "--insecure-ignore-sct"}, "issuer"},
		{"an SCT is required unless told", b, []string{"--trusted-root", rootFile, "--certificate-identity", identity, "--certificate-oidc-issuer", issuer}, "signed certificate timestamp"},
		{"another subject", b, append(base, "--certificate-identity", identity, "--artifact-digest", "sha256:"+strings.Repeat("b", 64)), "artifact digest does not match"},
		{"tampered payload", tampered, append(base, "--certificate-identity", identity), "does not match envelope payload hash"},
		{"another sigstore", fromOther, append(base, "--certificate-identity", identity), "transparency log"},
		{"not a bundle", []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`), append(base, "--certificate-identity", identity), "not a sigstore bundle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, results, stderr := verifyOne(t, append(append([]byte("\n"), tc.input...), '\n'), tc.args...)
			if code != 0 || len(results) != 1 {
				t.Fatalf("exit %d, %d results, want 0 and 1 (stderr %q)", code, len(results), stderr)
			}
			r := results[0]
			switch {
			case tc.want == "" && (r.Error != "" || r.Identity != identity || r.Issuer != issuer):
				t.Fatalf("got %+v, want verified as %s by %s", r, identity, issuer)
			case tc.want != "" && !strings.Contains(r.Error, tc.want):
				t.Fatalf("got %+v, want an error with %q", r, tc.want)
			}
		})
	}
}

// tamper adds a space to the end of the bundle's statement.
func tamper(t *testing.T, b []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	env := m["dsseEnvelope"].(map[string]any)
	payload, err := base64.StdEncoding.DecodeString(env["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	env["payload"] = base64.StdEncoding.EncodeToString(append(payload, ' '))
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyLinesInOrder(t *testing.T) {
	rootFile, s, b := world(t)
	other, err := s.Attest("other@example.com", issuer, statement)
	if err != nil {
		t.Fatal(err)
	}
	input := bytes.Join([][]byte{other, b, []byte("{}")}, []byte("\n"))
	code, results, _ := verifyOne(t, input, "--trusted-root", rootFile, "--certificate-identity", identity,
		"--certificate-oidc-issuer", issuer, "--insecure-ignore-sct")
	if code != 0 || len(results) != 3 || results[0].Error == "" || results[1].Error != "" || results[2].Error == "" {
		t.Fatalf("exit %d, results %+v: want one result a line, only the second verified", code, results)
	}
}

func TestVerifyCommandLine(t *testing.T) {
	rootFile, _, _ := world(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no trusted root", []string{"--certificate-identity", identity, "--certificate-oidc-issuer", issuer}, "--trusted-root is required"},
		{"no identity", []string{"--trusted-root", rootFile, "--certificate-oidc-issuer", issuer}, "--certificate-identity"},
		{"two identities", []string{"--trusted-root", rootFile, "--certificate-identity", identity, "--certificate-identity-regexp", "x", "--certificate-oidc-issuer", issuer}, "one of --certificate-identity"},
		{"no issuer", []string{"--trusted-root", rootFile, "--certificate-identity", identity}, "--certificate-oidc-issuer"},
		{"bad regexp", []string{"--trusted-root", rootFile, "--certificate-identity-regexp", "(", "--certificate-oidc-issuer", issuer}, "("},
		{"bad digest", []string{"--trusted-root", rootFile, "--certificate-identity", identity, "--certificate-oidc-issuer", issuer, "--artifact-digest", "md5:00"}, "--artifact-digest"},
		{"missing root", []string{"--trusted-root", rootFile + ".nope", "--certificate-identity", identity, "--certificate-oidc-issuer", issuer}, "--trusted-root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, results, stderr := verifyOne(t, nil, tc.args...)
			if code != 2 || len(results) != 0 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, results %v, stderr %q: want exit 2 and one line with %q", code, results, stderr, tc.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run(t.Context(), []string{"version"}, nil, &out, &out); code != 0 || !strings.HasPrefix(out.String(), "sigstore-go ") {
		t.Fatalf("exit %d, %q", code, out.String())
	}
}
