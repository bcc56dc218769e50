package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

const testdata = "../../pkg/provenance/testdata/"

// unreachable is a git URL refused at once on loopback: a run that gets there has passed
// every check on its input, and no traffic leaves the machine.
const unreachable = "http://127.0.0.1:1/org/app"

// signer is an ECDSA P-256 key pair, as cosign generate-key-pair makes, and its PEM file.
type signer struct {
	key     *ecdsa.PrivateKey
	pubFile string
}

func newSigner(t *testing.T) signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(t.TempDir(), "cosign.pub")
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return signer{key: k, pubFile: pub}
}

// envelope returns statement as one DSSE envelope line signed as cosign signs.
func (s signer) envelope(t *testing.T, statement string) string {
	t.Helper()
	env := provenance.Envelope{PayloadType: provenance.InTotoPayloadType, Payload: []byte(statement)}
	sum := sha256.Sum256(env.PAE())
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	line, err := json.Marshal(map[string]any{
		"payloadType": env.PayloadType, "payload": env.Payload,
		"signatures": []map[string]any{{"keyid": "", "sig": sig}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(line) + "\n"
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(testdata + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

type runCase struct {
	name, stdin string
	stdinReader io.Reader
	args        []string
	code        int
	stderr      []string // each must appear
	notStderr   []string // none may appear
}

// tempDir is $TMPDIR as the test binary started: a run points TMPDIR at its working folder,
// which is gone once it returns.
var tempDir = os.TempDir()

func (tt runCase) check(t *testing.T) {
	t.Helper()
	t.Setenv("TMPDIR", tempDir)
	var stdout, stderr bytes.Buffer
	in := tt.stdinReader
	if in == nil {
		in = strings.NewReader(tt.stdin)
	}
	code := run(context.Background(), append([]string{"--workdir", t.TempDir()}, tt.args...), in, &stdout, &stderr)
	if code != tt.code {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing", stdout.String())
	}
	for _, s := range tt.stderr {
		if !strings.Contains(stderr.String(), s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
		}
	}
	for _, s := range tt.notStderr {
		if strings.Contains(stderr.String(), s) {
			t.Errorf("stderr has %q:\n%s", s, stderr.String())
		}
	}
	if n := strings.Count(stderr.String(), "error:"); n != 1 {
		t.Errorf("want exactly one error line, got %d:\n%s", n, stderr.String())
	}
}

// missingRepo is a local git URL that fails at once (not retried as a network error would
// be): a run that gets there, with --allow-local-git, has passed every check on its input.
const missingRepo = "/nonexistent/rebuild-test-repo"

func TestRunKey(t *testing.T) {
	statement := strings.ReplaceAll(readTestdata(t, "statement-v02.json"), "https://git.example/org/app", missingRepo)
	s := newSigner(t)
	good := s.envelope(t, statement)
	tampered := strings.Replace(good, `"payload":"`, `"payload":"IA`, 1) // a space before the statement
	other := newSigner(t).envelope(t, statement)
	notPEM := filepath.Join(t.TempDir(), "key.pub")
	if err := os.WriteFile(notPEM, []byte("ssh-ed25519 AAAA\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const notCloned = "rebuild: clone"
	tests := []runCase{
		{
			name: "verified", stdin: good, args: []string{"--allow-local-git", "--key", s.pubFile}, code: exitUnavailable,
			stderr: []string{"1 of 1 envelope(s) verified", "cloning " + missingRepo}, notStderr: []string{"warning:"},
		},
		{
			name: "one of two dropped", stdin: tampered + good, args: []string{"--allow-local-git", "--key", s.pubFile}, code: exitUnavailable,
			stderr: []string{"rebuild: warning: dropping the envelope at line 1: its signature does not verify with the key", "1 of 2 envelope(s) verified"},
		},
		{
			name: "wrong key", stdin: other, args: []string{"--allow-local-git", "--key", s.pubFile}, code: exitBadInput,
			stderr:    []string{"no envelope verifies with the key in " + s.pubFile + " (1 read; line 1: its signature does not verify with the key)"},
			notStderr: []string{notCloned},
		},
		{
			name: "tampered", stdin: tampered, args: []string{"--allow-local-git", "--key", s.pubFile}, code: exitBadInput,
			stderr: []string{"no envelope verifies"}, notStderr: []string{notCloned},
		},
		{
			name: "unsigned statement", stdin: statement, args: []string{"--allow-local-git", "--key", s.pubFile}, code: exitBadInput,
			stderr: []string{"line 1: envelope has no signature"}, notStderr: []string{notCloned},
		},
		{
			name: "real cosign output, other key", stdin: readTestdata(t, "cosign-ecdsa.jsonl"), args: []string{"--key", testdata + "cosign-ed25519.pub"},
			code: exitBadInput, stderr: []string{"no envelope verifies"}, notStderr: []string{notCloned},
		},
		{
			name: "key file missing", stdin: good, args: []string{"--key", "/nonexistent.pub"}, code: exitBadInput,
			stderr: []string{"reading --key: open /nonexistent.pub"}, notStderr: []string{notCloned},
		},
		{
			name: "key file not PEM", stdin: good, args: []string{"--key", notPEM}, code: exitBadInput,
			stderr: []string{"--key " + notPEM + ": no PEM block found"}, notStderr: []string{notCloned},
		},
		{
			name: "no key", stdin: good, args: []string{"--allow-local-git"}, code: exitUnavailable,
			stderr: []string{"rebuild: warning: no --key or --certificate-identity given: the attestation is trusted as given, its signatures are not checked\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

// spaces is an endless reader of spaces: JSON whitespace, so only the size limit stops it.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestRunHostileFields(t *testing.T) {
	statement := strings.ReplaceAll(readTestdata(t, "statement-v02.json"), "https://git.example/org/app", unreachable)
	with := func(old, new string) string {
		if !strings.Contains(statement, old) {
			t.Fatalf("statement-v02.json has no %q", old)
		}
		return strings.ReplaceAll(statement, old, new)
	}
	withURL := func(url string) string { return with(unreachable, url) }
	const commit = "0123456789abcdef0123456789abcdef01234567"
	const bad = exitBadInput
	const notCloned = "rebuild: clone"
	tests := []runCase{
		{name: "file URL", stdin: withURL("file:///srv/git/app"), code: bad, stderr: []string{`git URL not fetched: "file:///srv/git/app" is on this machine: pass --allow-local-git to clone from it`}},
		{name: "local path", stdin: withURL("/srv/git/app"), code: bad, stderr: []string{`git URL not fetched: "/srv/git/app" is a local path: pass --allow-local-git to clone from it`}},
		{name: "relative path", stdin: withURL("../app"), code: bad, stderr: []string{`git URL not fetched: "../app" is a local path`}},
		{name: "ssh URL", stdin: withURL("ssh://git@git.example/org/app"), code: bad, stderr: []string{`git URL not fetched: "ssh://git@git.example/org/app" has scheme ssh: only https, http and git are fetched`}},
		{name: "scp-like address", stdin: withURL("git@git.example:org/app"), code: bad, stderr: []string{`git URL not fetched: "git@git.example:org/app" is an ssh address`}},
		{name: "ext transport", stdin: withURL("ext::sh -c touch% /tmp/pwned"), code: bad, stderr: []string{`git URL not fetched: "ext::sh -c touch% /tmp/pwned"`}},
		{name: "URL as a flag", stdin: withURL("--upload-pack=touch /tmp/pwned"), code: bad, stderr: []string{`git URL not fetched: "--upload-pack=touch /tmp/pwned" is not a URL`}},
		{name: "http without host", stdin: withURL("http:///org/app"), code: bad, stderr: []string{`git URL not fetched: "http:///org/app" has no host`}},
		{
			name: "local path allowed", stdin: withURL(missingRepo), args: []string{"--allow-local-git"},
			code: exitUnavailable, stderr: []string{"cloning " + missingRepo},
		},
		{name: "commit not hex", stdin: with(commit, "main"), code: bad, stderr: []string{`commit "main" is not a full lowercase hex object name`}},
		{name: "short commit", stdin: with(commit, commit[:12]), code: bad, stderr: []string{`commit "0123456789ab" is not a full lowercase hex object name`}},
		{
			name: "image digest", stdin: with(`"value": "sha256:4b8e`, `"value": "sha256:4B8E`), code: bad,
			stderr: []string{`result IMAGE_DIGEST "sha256:4B8E1a2f3c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7" is not a sha256 digest`},
		},
		{
			name: "SBOM blob digest", stdin: with("app@sha256:9999", "app@sha512:9999"), code: bad,
			stderr: []string{`result SBOM_BLOB_URL "registry.example/org/app@sha512:9999`},
		},
		{name: "subject digest", stdin: with(`"sha256": "4b8e`, `"sha256": "zz8e`), code: bad, stderr: []string{`sha256 digest "zz8e`}},
		{name: "label as a flag", stdin: with(`"LABELS": ["release=1"]`, `"LABELS": ["--label=evil"]`), code: bad, stderr: []string{`LABELS entry "--label=evil" starts with --: the task fails on it as an unexpected argument`}},
		{name: "build arg as a flag", stdin: with(`"LABELS": ["release=1"]`, `"BUILD_ARGS": ["--net=host"]`), code: bad, stderr: []string{`BUILD_ARGS entry "--net=host" starts with --`}},
		{name: "label with a newline", stdin: with(`"LABELS": ["release=1"]`, `"LABELS": ["a=b\nLABEL c=d"]`), code: bad, stderr: []string{`LABELS entry "a=b\nLABEL c=d" contains a line break`}},
		{name: "annotation with NUL", stdin: with(`"LABELS": ["release=1"]`, `"ANNOTATIONS": ["a=b\u0000c"]`), code: bad, stderr: []string{`ANNOTATIONS entry "a=b\x00c" contains a line break or NUL`}},
		{name: "source URL with a newline", stdin: with(`"SOURCE_URL": "`+unreachable+`"`, `"SOURCE_URL": "x\ny"`), code: bad, stderr: []string{`parameter SOURCE_URL "x\ny" contains a line break or NUL`}},
		{name: "context escapes", stdin: with(`"CONTEXT": "."`, `"CONTEXT": "../.."`), code: bad, stderr: []string{`CONTEXT "../.." escapes the checkout`}},
		{name: "context absolute", stdin: with(`"CONTEXT": "."`, `"CONTEXT": "/etc"`), code: bad, stderr: []string{`CONTEXT "/etc" is an absolute path`}},
		{name: "dockerfile escapes", stdin: with(`"DOCKERFILE": "Containerfile"`, `"DOCKERFILE": "../../etc/passwd"`), code: bad, stderr: []string{`DOCKERFILE "../../etc/passwd" escapes the checkout`}},
		{name: "dockerfile URL", stdin: with(`"DOCKERFILE": "Containerfile"`, `"DOCKERFILE": "https://evil.example/Containerfile"`), code: bad, stderr: []string{`DOCKERFILE "https://evil.example/Containerfile" is a URL`}},
		{name: "build args file", stdin: with(`"BUILD_ARGS_FILE": ""`, `"BUILD_ARGS_FILE": "/etc/passwd"`), code: bad, stderr: []string{`BUILD_ARGS_FILE "/etc/passwd" is an absolute path`}},
		{name: "annotations file", stdin: with(`"ANNOTATIONS_FILE": ""`, `"ANNOTATIONS_FILE": "../x"`), code: bad, stderr: []string{`ANNOTATIONS_FILE "../x" escapes the checkout`}},
		{
			name: "stdin over 64 MiB", stdinReader: io.LimitReader(spaces{}, provenance.MaxInputBytes+1), code: bad,
			stderr: []string{"input larger than 67108864 bytes"},
		},
		{
			name: "too many envelopes", stdin: strings.Repeat(`{"_type":"x"}`+"\n", provenance.MaxEnvelopes+1), code: bad,
			stderr: []string{"line 1001: more than 1000 envelopes"},
		},
	}
	for _, tt := range tests {
		if tt.code == bad {
			tt.notStderr = append(tt.notStderr, notCloned)
		}
		t.Run(tt.name, tt.check)
	}
}

// An SBOM over its size limit is bad input even when another place it was looked for was
// unreachable.
func TestExitCodeSBOMTooLarge(t *testing.T) {
	err := fmt.Errorf("fetching SBOM: %w", errors.Join(fmt.Errorf("%w: 67108865 bytes", inputs.ErrSBOMTooLarge), inputs.ErrUnavailable))
	if got := exitCode(err); got != exitBadInput {
		t.Errorf("exitCode(%v) = %d, want %d", err, got, exitBadInput)
	}
}
