package test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestVerifyByName: rebuild verify IMAGE finds the attestations cosign attached to IMAGE (by
// tag or digest), keeps those signed with --key, and verifies; an image the attestation's
// build did not push, one with no attestation, another key or another source are refused.
func TestVerifyByName(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := caseNamed(t, "multistage")
	pub := publish(ctx, t, w, c, epoch.AddDate(0, 6, 0)) // TestSignature's
	repo, _, _ := strings.Cut(pub.Ref, "@")
	otherDir, err := w.TempDir("other-key-")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(ctx, world.Cmd{Path: w.Tools.Cosign, Args: []string{"generate-key-pair"}, Dir: otherDir}); err != nil {
		t.Fatal(err)
	}
	base := w.Registry + "/busybox:latest" // an image with no attestation
	vsaPath := filepath.Join(t.TempDir(), "vsa.json")
	for _, tt := range []struct {
		name   string
		args   []string
		exit   int
		stderr []string
	}{
		{name: "by digest, summary signed with cosign's key, attached", args: []string{"--key", w.PubKey, "--attest", w.Key, "--attest-out", vsaPath, "--attach", pub.Ref},
			exit: 0, stderr: []string{"rebuild: verify: identical"}},
		{name: "by tag, expected source", args: []string{"--key", w.PubKey, "--source-ref", "main", repo + ":" + pub.Params.String("COMMIT_SHA")},
			exit: 0, stderr: []string{"reading the attestations attached to " + repo + "@" + pub.Digest, "rebuild: verify: identical"}},
		{name: "another source", args: []string{"--key", w.PubKey, "--source-uri", "git.example/org/app", pub.Ref}, exit: 2,
			stderr: []string{"rebuild: error: not the expected provenance: --source-uri git.example/org/app"}},
		{name: "another key", args: []string{"--key", filepath.Join(otherDir, "cosign.pub"), pub.Ref}, exit: 2,
			stderr: []string{"no envelope verifies with the key"}},
		{name: "no attestation", args: []string{"--key", w.PubKey, base}, exit: 3,
			stderr: []string{"no attestation attached to the image"}},
		{name: "no key", args: []string{pub.Ref}, exit: 2, stderr: []string{"rebuild verify needs --key"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := runSubcommand(ctx, w, nil, "verify", tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer res.store.Remove()
			if res.exit != tt.exit {
				t.Fatalf("rebuild verify exited %d, want %d; stderr:\n%s", res.exit, tt.exit, tail(res.stderr, 4000))
			}
			for _, s := range tt.stderr {
				if !strings.Contains(res.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, tail(res.stderr, 4000))
				}
			}
			if tt.exit == 0 && strings.TrimSpace(res.stdout) != pub.ImageID {
				t.Errorf("stdout %q, want the published ID %s", res.stdout, pub.ImageID)
			}
			if slices.Contains(tt.args, "--attest") {
				checkVSA(t, w, pub, w.PubKey, vsaPath, "PASSED")
				checkVSALevels(t, vsaPath)
			}
			if slices.Contains(tt.args, "--attach") {
				out, err := w.Run(ctx, world.Cmd{Path: w.Tools.Cosign, Args: []string{"verify-attestation", "--key", w.PubKey,
					"--insecure-ignore-tlog", "--type", "https://slsa.dev/verification_summary/v1", pub.Ref}})
				if err != nil || !strings.Contains(string(out), `"payloadType":"application/vnd.in-toto+json"`) {
					t.Errorf("cosign verify-attestation of the attached summary: %v\n%s", err, out)
				}
			}
			if tt.exit != 0 && (res.stdout != "" || strings.Contains(res.stderr, "rebuild: clone")) {
				t.Errorf("refused after reading more than the attestations: stdout %q, stderr:\n%s", res.stdout, res.stderr)
			}
		})
	}
}

// checkVSALevels checks that a PASSED summary made with --key claims SLSA Build level 2 and
// names rebuild's version and the buildah that rebuilt.
func checkVSALevels(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env struct{ Payload []byte }
	var stmt struct {
		Predicate struct {
			VerifiedLevels []string
			Verifier       struct{ Version map[string]string }
		}
	}
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(env.Payload, &stmt); err != nil {
		t.Fatal(err)
	}
	p := stmt.Predicate
	if !slices.Equal(p.VerifiedLevels, []string{"SLSA_BUILD_LEVEL_2"}) || p.Verifier.Version["rebuild"] == "" || p.Verifier.Version["buildah"] != "1.42.2" {
		t.Errorf("summary: verifiedLevels %v, verifier version %v", p.VerifiedLevels, p.Verifier.Version)
	}
}

// TestVerifyBatch: rebuild verify over several images (arguments two at once, a Konflux
// Snapshot one at a time) on one store: a line as each ends, "ID IMAGE" on stdout, one report
// for all, and an image with no attestation gets "error" while the others go on.
func TestVerifyBatch(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	a := publish(ctx, t, w, caseNamed(t, "multistage"), epoch.AddDate(0, 6, 0)) // TestSignature's
	b := publish(ctx, t, w, quickCase, epoch.AddDate(0, 6, 1))
	bare := w.Registry + "/busybox:latest"
	dir := t.TempDir()
	report := filepath.Join(dir, "batch.json")
	res, err := runSubcommand(ctx, w, nil, "verify", "--key", w.PubKey, "--jobs", "2", "--report", report, a.Ref, b.Ref, bare)
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	if res.exit != 3 {
		t.Errorf("batch exited %d, want 3 (the image with no attestation's); stderr:\n%s", res.exit, tail(res.stderr, 4000))
	}
	if want := a.ImageID + " " + a.Ref + "\n" + b.ImageID + " " + b.Ref + "\n"; res.stdout != want {
		t.Errorf("stdout %q, want %q", res.stdout, want)
	}
	wants := []string{"/3] " + a.Ref + ": identical (", "/3] " + bare + ": error: ", "IMAGE", "VERDICT"}
	if runtime.NumCPU() >= 2 { // two CPUs or more: each job gets its own
		wants = append(wants, "rebuild: batch 3 images, 2 at once, each on CPUs of its own (")
	}
	for _, want := range wants {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, tail(res.stderr, 4000))
		}
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Images []struct {
			Image, Verdict string
			Exit           int
			Report         struct{ Identical bool }
		}
	}
	if err := json.Unmarshal(data, &rep); err != nil || len(rep.Images) != 3 || rep.Images[0].Verdict != "identical" || !rep.Images[1].Report.Identical || rep.Images[2].Verdict != "error" || rep.Images[2].Exit != 3 {
		t.Errorf("report: %+v (%v)", rep.Images, err)
	}

	snapshot := filepath.Join(dir, "snapshot.json")
	snap := `{"apiVersion": "appstudio.redhat.com/v1alpha1", "kind": "Snapshot", "spec": {"application": "app", "components": [` +
		`{"name": "a", "containerImage": "` + a.Ref + `"}, {"name": "b", "containerImage": "` + b.Ref + `"}]}}`
	if err := os.WriteFile(snapshot, []byte(snap), 0o644); err != nil {
		t.Fatal(err)
	}
	res2, err := runSubcommand(ctx, w, nil, "verify", "--key", w.PubKey, "--jobs", "1", "--snapshot", snapshot)
	if err != nil {
		t.Fatal(err)
	}
	defer res2.store.Remove()
	if res2.exit != 0 || strings.Count(res2.stdout, "\n") != 2 {
		t.Errorf("snapshot batch exited %d, stdout %q; stderr:\n%s", res2.exit, res2.stdout, tail(res2.stderr, 4000))
	}
	// One at a time, the images start, and so end, in the snapshot's order; unpinned.
	for _, want := range []string{"[1/2] " + a.Ref + ": identical (", "[2/2] " + b.Ref + ": identical ("} {
		if !strings.Contains(res2.stderr, want) {
			t.Errorf("snapshot batch: stderr lacks %q:\n%s", want, tail(res2.stderr, 4000))
		}
	}
	if strings.Contains(res2.stderr, "CPUs of its own") {
		t.Errorf("snapshot batch with --jobs 1 says it pins:\n%s", tail(res2.stderr, 4000))
	}
}
