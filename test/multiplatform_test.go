package test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestMultiPlatform publishes a fixture as Konflux's multi-platform pipeline does (a build
// for linux/x86_64 and one for linux/arm64, the index build-image-index makes of them, one
// attestation naming all three), and checks that rebuild rebuilds this host's platform's
// image by default and the other with --platform, that rebuild verify of the index also
// checks the index and of the arm64 image rebuilds that one, and that --platform for a
// platform the pipeline did not build is bad input.
func TestMultiPlatform(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	pub := publishPlatforms(ctx, t, w, "multi-platform", []string{"linux/x86_64", "linux/arm64"}, epoch.AddDate(0, 8, 10))
	checkIndexManifest(ctx, t, w, pub, []string{"amd64", "arm64"})
	amd64, arm64 := pub.Children[0], pub.Children[1]
	checkChildConfig(ctx, t, w, arm64.Ref, "arm64", "aarch64")
	if runtime.GOARCH == "amd64" && pub.ImageID != amd64.ImageID {
		t.Errorf("world: podman pull of the index here printed %s, not the linux/amd64 image's %s", pub.ImageID, amd64.ImageID)
	}
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet: published and checked the world only")
	}
	host := map[string]world.Published{"amd64": amd64, "arm64": arm64}[runtime.GOARCH]
	for _, tt := range []struct {
		name, command string
		stdin         []byte
		args          []string
		exit          int
		id            string
		stderr        []string
	}{
		{name: "this host's platform", stdin: pub.Attestation, id: host.ImageID},
		{name: "--platform linux/arm64", stdin: pub.Attestation, args: []string{"--platform", "linux/arm64"}, id: arm64.ImageID,
			stderr: []string{"for linux/arm64"}},
		{name: "verify the index", command: "verify", args: []string{"--key", w.PubKey, pub.Ref}, id: host.ImageID,
			stderr: []string{"rebuild: verify: index ", ": identical: ", "rebuild: verify: identical"}},
		{name: "verify the arm64 image", command: "verify", args: []string{"--key", w.PubKey, arm64.Ref}, id: arm64.ImageID,
			stderr: []string{"for linux/arm64", "rebuild: verify: identical"}},
		{name: "verify every platform and the index", command: "verify", args: []string{"--key", w.PubKey, "--platform", "all", pub.Ref},
			id:     amd64.ImageID + " linux/amd64\n" + arm64.ImageID + " linux/arm64",
			stderr: []string{"rebuild: platform linux/arm64 (2 of 2)", "rebuild: linux/amd64  identical", "rebuild: linux/arm64  identical", "rebuild: index        identical"}},
		{name: "a platform not built", stdin: pub.Attestation, args: []string{"--platform", "linux/s390x"}, exit: 2,
			stderr: []string{"linux/s390x"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := runSubcommand(ctx, w, tt.stdin, tt.command, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer res.store.Remove()
			if res.exit != tt.exit {
				t.Fatalf("rebuild %s %v exited %d, want %d; stderr:\n%s", tt.command, tt.args, res.exit, tt.exit, tail(res.stderr, 4000))
			}
			if id := strings.TrimSpace(res.stdout); id != tt.id {
				t.Errorf("rebuild printed %q, want %q; stderr:\n%s", id, tt.id, tail(res.stderr, 4000))
			}
			for _, s := range tt.stderr {
				if !strings.Contains(res.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, tail(res.stderr, 4000))
				}
			}
		})
	}
}

// TestEmulatedRun publishes a linux/arm64 build whose RUN step runs an arm64 program of its
// base image. With qemu-aarch64 in binfmt_misc the rebuild runs it under emulation and is
// identical; without, the rebuild refuses (exit 3), which is also checked with the entry
// hidden from it. Without emulation the world cannot build an arm64 RUN step either: it
// builds a stand-in, the same image with a tool for this host.
func TestEmulatedRun(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	emulated := runtime.GOARCH == "arm64" || binfmtEnabled("aarch64")
	goarch := "arm64"
	if emulated {
		t.Logf("branch: qemu-aarch64 is registered and enabled (or this host is arm64): the rebuild must be identical")
	} else {
		goarch = runtime.GOARCH
		t.Logf("branch: no qemu-aarch64 in binfmt_misc: the base's tool is a %s program (a stand-in); the rebuild must refuse", goarch)
	}
	base, err := w.PushArmBase(ctx, goarch)
	if err != nil {
		t.Fatal(err)
	}
	pub := publishPlatforms(ctx, t, w, "emulated-run", []string{"linux/arm64"}, epoch.AddDate(0, 8, 11))
	checkIndexManifest(ctx, t, w, pub, []string{"arm64"})
	child := pub.Children[0]
	checkChildConfig(ctx, t, w, child.Ref, "arm64", "aarch64")
	if len(child.StageImages) != 1 || !strings.HasSuffix(base, "@"+child.StageImages[0].Digest) {
		t.Errorf("world: the SBOM names %+v, want the arm base %s", child.StageImages, base)
	}
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet: published and checked the world only")
	}
	res, err := runRebuild(ctx, w, pub.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	if emulated {
		if id := strings.TrimSpace(res.stdout); res.exit != 0 || id != child.ImageID {
			t.Fatalf("rebuild exited %d, printed %q, want 0 and %s; stderr:\n%s", res.exit, id, child.ImageID, tail(res.stderr, 4000))
		}
		if runtime.GOARCH != "arm64" && !strings.Contains(res.stderr, "building for linux/arm64 on this linux/"+runtime.GOARCH+" host") {
			t.Errorf("stderr does not say it built for linux/arm64:\n%s", tail(res.stderr, 4000))
		}
		t.Logf("rebuild under emulation printed the published ID %s", child.ImageID)
		if runtime.GOARCH == "arm64" {
			return
		}
		res, err = runWithoutBinfmt(ctx, t, w, pub.Attestation)
		if err != nil {
			t.Fatal(err)
		}
		defer res.store.Remove()
	}
	if want := "needs emulation for linux/arm64"; res.exit != 3 || !strings.Contains(res.stderr, want) || res.stdout != "" {
		t.Errorf("rebuild without emulation exited %d, stdout %q, want 3 and %q; stderr:\n%s", res.exit, res.stdout, want, tail(res.stderr, 4000))
	}
	t.Logf("rebuild without emulation exited %d: %s", res.exit, tail(strings.TrimSpace(res.stderr), 300))
}

// publishPlatforms publishes the fixture testdata/name, committed at date, for platforms,
// and checks what the world must have done.
func publishPlatforms(ctx context.Context, t *testing.T, w *world.World, name string, platforms []string, date time.Time) world.MultiPublished {
	t.Helper()
	commit, err := w.CreateRepo(ctx, name, filepath.Join("testdata", name), nil, date)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	pub, err := w.PublishPlatforms(ctx, world.MultiBuild{
		Build: world.Build{Name: name, Commit: commit, Params: world.Params{"DOCKERFILE": "Containerfile"}}, Platforms: platforms,
	})
	if err != nil {
		t.Fatalf("publishing %s: %v (log: %s, kept with REBUILD_E2E_KEEP=1)", name, err, w.LogPath)
	}
	t.Logf("published %s (%s) in %s", pub.Ref, strings.Join(platforms, ", "), time.Since(start).Round(time.Millisecond))
	for i, c := range pub.Children {
		t.Logf("  %s: %s, podman pull ID %s", platforms[i], c.Ref, c.ImageID)
		if c.BuildID != c.ImageID {
			t.Errorf("world: the %s build printed %s but podman pull of the pushed image printed %s", platforms[i], c.BuildID, c.ImageID)
		}
	}
	dir := filepath.Join(w.Dir, "cases", name)
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "attestation.json"), pub.Attestation, 0o644)
	}
	return pub
}

// checkIndexManifest checks that the index the world pushed is the digest buildah printed,
// an OCI index of the children in order, with the architectures archs.
func checkIndexManifest(ctx context.Context, t *testing.T, w *world.World, pub world.MultiPublished, archs []string) {
	t.Helper()
	data, mediaType, err := w.Manifest(ctx, pub.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if d := fmt.Sprintf("sha256:%x", sha256.Sum256(data)); d != pub.Digest || mediaType != "application/vnd.oci.image.index.v1+json" {
		t.Errorf("world: the index is %s, %s; buildah pushed %s", mediaType, d, pub.Digest)
	}
	var index struct {
		Manifests []struct {
			Digest   string
			Platform struct{ Architecture, OS string }
		}
	}
	if err := json.Unmarshal(data, &index); err != nil {
		t.Fatal(err)
	}
	ok := len(index.Manifests) == len(pub.Children) && len(archs) == len(pub.Children)
	for i := 0; ok && i < len(archs); i++ {
		m := index.Manifests[i]
		ok = m.Digest == pub.Children[i].Digest && m.Platform.OS == "linux" && m.Platform.Architecture == archs[i]
	}
	if !ok {
		t.Errorf("world: the index holds %+v, want the children (%s) in order:\n%s", index.Manifests, strings.Join(archs, ", "), data)
	}
}

// checkChildConfig checks the architecture of the image ref and its architecture label,
// which the task sets to the VM's `uname -m`.
func checkChildConfig(ctx context.Context, t *testing.T, w *world.World, ref, arch, label string) {
	t.Helper()
	data, _, err := w.Manifest(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Config struct{ Digest string } }
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	repo, _, _ := strings.Cut(strings.TrimPrefix(ref, w.Registry+"/"), "@")
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+w.Registry+"/v2/"+repo+"/blobs/"+m.Config.Digest, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var config struct {
		Architecture string
		Config       struct{ Labels map[string]string }
	}
	if body, err := io.ReadAll(resp.Body); err != nil || json.Unmarshal(body, &config) != nil {
		t.Fatalf("reading the config of %s: %v", ref, err)
	}
	if config.Architecture != arch || config.Config.Labels["architecture"] != label {
		t.Errorf("world: %s is for %q with the architecture label %q, want %q and %q", ref, config.Architecture, config.Config.Labels["architecture"], arch, label)
	}
}

// binfmtEnabled reports whether qemu-<arch> is registered and enabled in binfmt_misc.
func binfmtEnabled(arch string) bool {
	data, err := os.ReadFile("/proc/sys/fs/binfmt_misc/qemu-" + arch)
	return err == nil && strings.HasPrefix(string(data), "enabled")
}

// runWithoutBinfmt is runRebuild in a mount namespace whose /proc/sys/fs/binfmt_misc is an
// empty tmpfs: a host with no emulator registered, as far as the rebuild can see.
func runWithoutBinfmt(ctx context.Context, t *testing.T, w *world.World, attestation []byte) (rebuildResult, error) {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare to hide binfmt_misc from the rebuild")
	}
	wrapper := filepath.Join(t.TempDir(), "rebuild-without-binfmt")
	script := "#!/bin/sh\nexec " + unshare + " -m --propagation private sh -c " +
		`'mount -t tmpfs binfmt-hidden /proc/sys/fs/binfmt_misc && exec "$0" "$@"' ` + rebuildBin + ` "$@"` + "\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	bin := rebuildBin
	rebuildBin = wrapper
	defer func() { rebuildBin = bin }()
	return runRebuild(ctx, w, attestation)
}
