package test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestSignature checks rebuild --key against real cosign output: the world signs with a
// cosign key pair, cosign verify-attestation prints the envelope, and rebuild verifies it
// offline with the public key; with another cosign key it refuses before cloning, and an
// envelope changed after signing is dropped while the intact one is used.
func TestSignature(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var c e2eCase
	for _, c = range cases {
		if c.name == "multistage" {
			break
		}
	}
	// A date of its own: another commit, so another image, than TestRebuild's.
	pub := publish(ctx, t, w, c, epoch.AddDate(0, 6, 0))

	otherDir, err := w.TempDir("other-key-")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(ctx, world.Cmd{Path: w.Tools.Cosign, Args: []string{"generate-key-pair"}, Dir: otherDir}); err != nil {
		t.Fatal(err)
	}
	otherKey := filepath.Join(otherDir, "cosign.pub")
	tampered := tamper(t, pub.Attestation)

	tests := []struct {
		name      string
		stdin     []byte
		key       string
		args      []string // more flags: what the provenance must record
		exit      int
		stderr    []string
		notStderr []string
	}{
		{
			name: "world's key", stdin: pub.Attestation, key: w.PubKey, exit: 0,
			stderr: []string{"1 of 1 envelope(s) verified"}, notStderr: []string{"warning:"},
		},
		{
			name: "another key", stdin: pub.Attestation, key: otherKey, exit: 2,
			stderr:    []string{"rebuild: error: signature not verified: no envelope verifies with the key in " + otherKey},
			notStderr: []string{"rebuild: clone", "rebuild: pull"},
		},
		{
			name: "tampered envelope dropped", stdin: append(tampered, pub.Attestation...), key: w.PubKey, exit: 0,
			stderr: []string{"rebuild: warning: dropping the envelope at line 1: its signature does not verify with the key", "1 of 2 envelope(s) verified"},
		},
		{
			name: "only a tampered envelope", stdin: tampered, key: w.PubKey, exit: 2,
			stderr: []string{"no envelope verifies"}, notStderr: []string{"rebuild: clone"},
		},
		{
			name: "expected source, branch, builder and task", stdin: pub.Attestation, key: w.PubKey, exit: 0,
			args: []string{"--source-uri", strings.TrimPrefix(w.GitURL(c.name), "http://"), "--source-ref", "refs/heads/main",
				"--builder-id", "https://tekton.dev/chains/v2", "--trusted-task", "sha256:" + strings.Repeat("1", 64), "--trusted-task", "sha256:" + strings.Repeat("6", 64)},
		},
		{
			name: "another source", stdin: pub.Attestation, key: w.PubKey, exit: 2, args: []string{"--source-uri", "git.example/org/*"},
			stderr:    []string{"rebuild: error: not the expected provenance: --source-uri git.example/org/*: the provenance's source is " + w.GitURL(c.name)},
			notStderr: []string{"rebuild: clone", "rebuild: pull"},
		},
		{
			name: "another branch", stdin: pub.Attestation, key: w.PubKey, exit: 2, args: []string{"--source-ref", "release-*"},
			stderr: []string{"--source-ref release-*: the pipeline ran for branch main"}, notStderr: []string{"rebuild: clone"},
		},
		{
			name: "untrusted task", stdin: pub.Attestation, key: w.PubKey, exit: 2, args: []string{"--trusted-task", "sha256:" + strings.Repeat("1", 64)},
			stderr: []string{"--trusted-task: the build task build-container ran bundle "}, notStderr: []string{"rebuild: clone"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := runRebuild(ctx, w, tt.stdin, append([]string{"--key", tt.key}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer res.store.Remove()
			if res.exit != tt.exit {
				t.Fatalf("rebuild exited %d, want %d; stderr:\n%s", res.exit, tt.exit, tail(res.stderr, 4000))
			}
			for _, s := range tt.stderr {
				if !strings.Contains(res.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, tail(res.stderr, 4000))
				}
			}
			for _, s := range tt.notStderr {
				if strings.Contains(res.stderr, s) {
					t.Errorf("stderr has %q:\n%s", s, tail(res.stderr, 4000))
				}
			}
			if tt.exit != 0 {
				if res.stdout != "" || strings.Count(res.stderr, "error:") != 1 {
					t.Errorf("want no stdout and one error line; stdout %q, stderr:\n%s", res.stdout, res.stderr)
				}
				return
			}
			if id := strings.TrimSuffix(res.stdout, "\n"); id != pub.ImageID {
				t.Errorf("rebuild printed %q, podman pull printed %s", res.stdout, pub.ImageID)
			}
		})
	}
}

// tamper returns the first envelope of attestation with one byte added to its payload (a
// space after the statement: still a valid statement, but no longer what was signed).
func tamper(t *testing.T, attestation []byte) []byte {
	t.Helper()
	line, _, _ := bytes.Cut(attestation, []byte("\n"))
	var env map[string]any
	if err := json.Unmarshal(line, &env); err != nil {
		t.Fatal(err)
	}
	s, _ := env["payload"].(string)
	payload, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decoding payload: %v", err)
	}
	env["payload"] = append(payload, ' ') // encoding/json writes []byte as base64
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}
