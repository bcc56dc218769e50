package test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestRebuild publishes each case as Konflux would, then checks that rebuild, given only
// what cosign verify-attestation printed, prints the ID podman pull prints for the image
// (or, for a case that cannot be reproduced, a different well-formed ID).
func TestRebuild(t *testing.T) {
	w := requireWorld(t)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			pub := publish(ctx, t, w, c, epoch.AddDate(0, 0, i))
			if c.after != nil {
				if err := c.after(ctx, w, c.name); err != nil {
					t.Fatalf("changing the world after publishing: %v", err)
				}
			}
			if rebuildBin == "" {
				t.Skip("cmd/rebuild does not exist yet: published and checked the world only")
			}
			start := time.Now()
			res, err := runRebuild(ctx, w, pub.Attestation)
			if err != nil {
				t.Fatal(err)
			}
			defer res.store.Remove()
			t.Logf("rebuild took %s", time.Since(start).Round(time.Millisecond))
			if res.exit != 0 {
				t.Fatalf("rebuild exited %d; stderr:\n%s", res.exit, tail(res.stderr, 4000))
			}
			id := strings.TrimSuffix(res.stdout, "\n")
			if !world.IsImageID(id) || res.stdout != id+"\n" {
				t.Fatalf("rebuild stdout = %q, want 64 hex characters and a newline; stderr:\n%s", res.stdout, tail(res.stderr, 4000))
			}
			switch {
			case c.reproducible && id != pub.ImageID:
				t.Errorf("rebuild printed %s, podman pull printed %s; stderr:\n%s", id, pub.ImageID, tail(res.stderr, 4000))
				explainMismatch(ctx, t, w, res.store, pub.Ref, id)
			case !c.reproducible && id == pub.ImageID:
				t.Errorf("rebuild printed %s, the published ID, for a build that cannot be reproduced", id)
			default:
				t.Logf("rebuild printed %s (published %s, reproducible=%v)", id, pub.ImageID, c.reproducible)
			}
			if c.buildah != "" {
				checkEngine(ctx, t, w, c, pub, res.stderr)
			}
			if c.attestations > 1 {
				checkProvenances(ctx, t, w, c, pub, res.stderr)
			}
			if f, _ := c.params["COMPRESSION_FORMAT"].(string); f == "dual" {
				checkDual(ctx, t, w, pub, res.stderr)
			}
		})
	}
}

// checkEngine checks that the rebuild of an image another buildah built ran that version's
// engine; that without it the rebuild builds with the buildah of the build step's own image
// and still gets the published ID; and that with --no-step-image it refuses, naming the
// version, before pulling.
func checkEngine(ctx context.Context, t *testing.T, w *world.World, c e2eCase, pub world.Published, stderr string) {
	t.Helper()
	if want := "building with buildah " + c.buildah + " ("; !strings.Contains(stderr, want) {
		t.Errorf("rebuild's stderr lacks %q:\n%s", want, tail(stderr, 4000))
	}
	res, err := runRebuild(ctx, w, pub.Attestation, "--engines", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	t.Logf("rebuild with no engine:\n%s", tail(res.stderr, 1500))
	want := "building with buildah " + c.buildah + " (the build step's image "
	if id := strings.TrimSpace(res.stdout); res.exit != 0 || id != pub.ImageID || !strings.Contains(res.stderr, want) {
		t.Errorf("rebuild with no engine exited %d, printed %q (published %s), want 0, the published ID and %q:\n%s",
			res.exit, id, pub.ImageID, want, tail(res.stderr, 4000))
	}
	refused, err := runRebuild(ctx, w, pub.Attestation, "--engines", t.TempDir(), "--no-step-image")
	if err != nil {
		t.Fatal(err)
	}
	defer refused.store.Remove()
	want = "no build engine for the buildah that built the image: buildah " + c.buildah + " ("
	if refused.exit != 2 || !strings.Contains(refused.stderr, want) || strings.Contains(refused.stderr, "rebuild: pull") {
		t.Errorf("rebuild with no engine and --no-step-image exited %d, want 2 with %q before any pull:\n%s", refused.exit, want, tail(refused.stderr, 4000))
	}
}

// checkProvenances checks that an image several pipeline runs attested is rebuilt from the
// newest run's provenance, the others named, and from the first with --provenance 1.
func checkProvenances(ctx context.Context, t *testing.T, w *world.World, c e2eCase, pub world.Published, stderr string) {
	t.Helper()
	want := fmt.Sprintf("%d provenances (pipeline runs) attest this image; rebuilding from #%d (line %d, run ", c.attestations, c.attestations, c.attestations)
	if !strings.Contains(stderr, want) || !strings.Contains(stderr, "  #1: line 1, run ") {
		t.Errorf("rebuild's stderr lacks %q and the first run:\n%s", want, tail(stderr, 4000))
	}
	res, err := runRebuild(ctx, w, pub.Attestation, "--provenance", "1")
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	if res.exit != 0 || strings.TrimSpace(res.stdout) != pub.ImageID || !strings.Contains(res.stderr, "rebuilding from #1 (line 1, run ") {
		t.Errorf("rebuild --provenance 1 exited %d, printed %q (published %s):\n%s", res.exit, res.stdout, pub.ImageID, tail(res.stderr, 4000))
	}
}

// checkDual checks that the rebuild of an image pushed as a dual-compression index named the
// index's gzip image as the one to compare, and that --verify finds it identical.
func checkDual(ctx context.Context, t *testing.T, w *world.World, pub world.Published, stderr string) {
	t.Helper()
	if want := "is an index: comparing with its gzip image sha256:"; !strings.Contains(stderr, want) {
		t.Errorf("rebuild's stderr lacks %q:\n%s", want, tail(stderr, 4000))
	}
	res, err := runRebuild(ctx, w, pub.Attestation, "--verify")
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	if res.exit != 0 || !strings.Contains(res.stderr, "rebuild: verify: identical") {
		t.Errorf("rebuild --verify of the dual index exited %d, want 0 and identical:\n%s", res.exit, tail(res.stderr, 4000))
	}
}

// publications are the cases this test binary's world has published, by name and commit
// date: publishing the same again would attach a second attestation to the same digest.
var publications = map[string]world.Published{}

func publish(ctx context.Context, t *testing.T, w *world.World, c e2eCase, date time.Time) world.Published {
	t.Helper()
	if c.kbc && w.Tools.KBC == "" {
		t.Skip("no konflux-build-cli: set REBUILD_KBC to one built from its source (the Go module proxy does not serve it, so CI cannot build it)")
	}
	key := c.name + "@" + date.UTC().Format(time.RFC3339)
	if pub, ok := publications[key]; ok {
		return pub
	}
	commit, err := w.CreateRepo(ctx, c.name, filepath.Join("testdata", cmp.Or(c.testdata, c.name)), c.prepare, date)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	pub, err := w.Publish(ctx, world.Build{
		Name: c.name, Commit: commit, Params: c.params, CloneParams: c.cloneParams, Attestations: c.attestations,
		Buildah: c.buildah, KBC: c.kbc, Task: c.task, TamperPrefetch: c.tamperPrefetch,
		PrefetchEnvJSON: c.prefetchEnvJSON,
	})
	if err != nil {
		t.Fatalf("publishing %s: %v (log: %s, kept with REBUILD_E2E_KEEP=1)", c.name, err, w.LogPath)
	}
	t.Logf("published %s in %s: podman pull ID %s", pub.Ref, time.Since(start).Round(time.Millisecond), pub.ImageID)
	if pub.BuildID != pub.ImageID {
		t.Errorf("world: the build printed %s but podman pull of the pushed image printed %s", pub.BuildID, pub.ImageID)
	}
	if f, _ := c.params["BUILDAH_FORMAT"].(string); f == "docker" {
		if mt, err := manifestType(w, pub.Ref); err != nil || mt != "application/vnd.docker.distribution.manifest.v2+json" {
			t.Errorf("world: %s was pushed with BUILDAH_FORMAT=docker, its manifest is %q (%v)", pub.Ref, mt, err)
		}
	}
	if f, _ := c.params["COMPRESSION_FORMAT"].(string); f == "dual" {
		if mt, err := manifestType(w, pub.Ref); err != nil || mt != "application/vnd.oci.image.index.v1+json" {
			t.Errorf("world: %s was pushed with COMPRESSION_FORMAT=dual, its manifest is %q (%v), want an OCI index", pub.Ref, mt, err)
		}
	}
	if got, want := bytes.Count(pub.Attestation, []byte("\n")), max(c.attestations, 1); got != want {
		t.Errorf("world: cosign verify-attestation printed %d lines, want %d", got, want)
	}
	dir := filepath.Join(w.Dir, "cases", c.name)
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "attestation.json"), pub.Attestation, 0o644)
		_ = os.WriteFile(filepath.Join(dir, "sbom.json"), pub.SBOM, 0o644)
	}
	publications[key] = pub
	return pub
}

// explainMismatch logs where the rebuilt image id differs from the published ref.
func explainMismatch(ctx context.Context, t *testing.T, w *world.World, s world.Store, ref, id string) {
	t.Helper()
	diff, err := w.ConfigDiff(ctx, s, ref, id)
	if err != nil {
		diff = err.Error()
	}
	t.Logf("image configs, published and rebuilt:\n%s", diff)
	if diff, err = w.TreeDiff(ctx, s, ref, id); err != nil {
		diff = err.Error()
	}
	t.Logf("file trees, published and rebuilt:\n%s", diff)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
