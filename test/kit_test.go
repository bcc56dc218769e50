package test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/pkg/kit"
	"github.com/rebuild-project/rebuild/test/world"
)

// TestKit makes a rebuild kit of published images on the connected host, then rebuilds
// from the kit alone inside a network namespace with no interfaces up and gets the
// published ID; a kit with one byte changed in an image layer, the bundle or the SBOM is
// refused with the changed item named.
func TestKit(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	for i, name := range []string{"multistage", "two-builders", "step-image", "hermetic-generic"} {
		c := caseNamed(t, name)
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			pub := publish(ctx, t, w, c, epoch.AddDate(0, 1, i))
			if c.after != nil {
				if err := c.after(ctx, w, c.name); err != nil {
					t.Fatalf("changing the world after publishing: %v", err)
				}
			}
			dir, err := w.TempDir("kit-" + name + "-")
			if err != nil {
				t.Fatal(err)
			}
			defer world.RemoveAll(dir)
			kitDir := filepath.Join(dir, "kit")

			start := time.Now()
			res, err := runCommand(ctx, w, pub.Attestation, nil, rebuildBin, "kit", "--policy", w.Policy, kitDir)
			if err != nil {
				t.Fatal(err)
			}
			if res.exit != 0 {
				t.Fatalf("rebuild kit exited %d; stderr:\n%s", res.exit, tail(res.stderr, 4000))
			}
			made := time.Since(start)
			m := readKitManifest(t, kitDir)
			if want := cmp.Or(c.buildah, "1.42.2"); m.Buildah != want {
				t.Errorf("the kit's listing names buildah %q, want %s", m.Buildah, want)
			}
			withStep := slices.ContainsFunc(m.Images, func(im kit.Image) bool { return strings.Contains(im.Reference, "/buildah-task@") })
			if withStep != (c.name == "step-image") {
				t.Errorf("the kit holds the build step's image: %v, want %v (no engine has buildah %s)", withStep, !withStep, m.Buildah)
			}
			t.Logf("kit made in %s: %d bytes in %d files; the sum of its parts %d (attestation %d, SBOM %d, source files %d as a %d-byte bundle, %d image(s) %d as a %d-byte layout)",
				made.Round(time.Millisecond), m.Sizes.Kit, len(m.Files), m.Sizes.Parts, m.Sizes.Attestation, m.Sizes.SBOM,
				m.Sizes.SourceFiles, m.Sizes.Bundle, len(m.Images), m.Sizes.Images, m.Sizes.Layout)

			start = time.Now()
			res = offlineRebuild(ctx, t, w, unshare, pub.Attestation, kitDir)
			if res.exit != 0 || res.stdout != pub.ImageID+"\n" {
				t.Fatalf("offline rebuild from the kit: exit %d, stdout %q, want %s; stderr:\n%s", res.exit, res.stdout, pub.ImageID, tail(res.stderr, 4000))
			}
			t.Logf("offline rebuild from the kit in %s printed the published ID %s", time.Since(start).Round(time.Millisecond), pub.ImageID)

			if c.buildah != "" && !strings.Contains(res.stderr, "(the build step's image ") {
				t.Errorf("the offline rebuild did not build with the build step's image:\n%s", tail(res.stderr, 3000))
			}
			if i > 0 {
				return // one case is enough for the changed kits
			}
			layer := firstLayer(t, kitDir, m)
			for _, item := range []struct{ name, path, named string }{
				{"layer", layer, filepath.Base(layer)},
				{"bundle", filepath.Join(kitDir, kit.SourceFile), kit.SourceFile},
				{"sbom", filepath.Join(kitDir, kit.SBOMFile), kit.SBOMFile},
			} {
				t.Run("changed-"+item.name, func(t *testing.T) {
					restore := flipByte(t, item.path)
					defer restore()
					res := offlineRebuild(ctx, t, w, unshare, pub.Attestation, kitDir)
					if res.exit != 2 || !strings.Contains(res.stderr, item.named) {
						t.Errorf("a kit with a byte changed in %s: exit %d, want 2 with an error naming %s; stdout %q; stderr:\n%s",
							item.path, res.exit, item.named, res.stdout, tail(res.stderr, 2000))
					}
					t.Logf("refused: %s", lastLine(res.stderr))
				})
			}
		})
	}
}

func caseNamed(t *testing.T, name string) e2eCase {
	t.Helper()
	for _, c := range cases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no case %s", name)
	return e2eCase{}
}

// offlineRebuild runs rebuild --kit in a new network namespace, with a store of its own.
func offlineRebuild(ctx context.Context, t *testing.T, w *world.World, unshare string, attestation []byte, kitDir string) rebuildResult {
	t.Helper()
	store, err := w.NewStore("kit-store-")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Remove()
	res, err := runCommand(ctx, w, attestation, nil, unshare, "-n", "--", rebuildBin,
		"--kit", kitDir, "--storage", store.Root, "--runroot", store.RunRoot, "--policy", w.Policy)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// runCommand runs path with args and stdin in the world's environment.
func runCommand(ctx context.Context, w *world.World, stdin []byte, env []string, path string, args ...string) (rebuildResult, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(w.Env(), env...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := rebuildResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.exit = exit.ExitCode()
	case err != nil:
		return res, fmt.Errorf("running %s: %w", path, err)
	}
	return res, nil
}

func readKitManifest(t *testing.T, dir string) kit.Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, kit.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m kit.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("parsing the kit's manifest: %v", err)
	}
	if len(m.Images) == 0 {
		t.Fatal("the kit lists no image")
	}
	return m
}

// firstLayer is the path of the first layer blob of the kit's first image.
func firstLayer(t *testing.T, dir string, m kit.Manifest) string {
	t.Helper()
	d := m.Images[0].Digest
	data, err := os.ReadFile(filepath.Join(dir, kit.ImagesDir, "blobs", d.Algorithm().String(), d.Encoded()))
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Layers []struct{ Digest string } `json:"layers"`
	}
	if err := json.Unmarshal(data, &man); err != nil || len(man.Layers) == 0 {
		t.Fatalf("reading the layers of %s: %v", d, err)
	}
	alg, hex, _ := strings.Cut(man.Layers[0].Digest, ":")
	return filepath.Join(dir, kit.ImagesDir, "blobs", alg, hex)
}

// flipByte changes one byte near the middle of the file at path and returns what undoes it.
func flipByte(t *testing.T, path string) func() {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Clone(data)
	at := len(changed) / 2
	if strings.HasSuffix(path, kit.SourceFile) {
		at = len(changed) - 30 // in the packfile, past the ref lines
	}
	changed[at] ^= 0x01
	if err := os.WriteFile(path, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}
