package test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestBuilderImage builds the builder image with scripts/build-image.sh (bases made from
// Debian's packages and this machine's Go) and runs the user's command,
//
//	podman run -i --rm --privileged -v /mnt BUILDER rebuild < attestation.json
//
// plus the podman flags this machine needs, against a published case: the printed ID must
// be the published one.
func TestBuilderImage(t *testing.T) {
	w := requireWorld(t)
	for _, tool := range []string{"apt-get", "apt-cache", "dpkg", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the image's bases need %s: %v", tool, err)
		}
	}
	if out, err := exec.Command("apt-cache", "show", "gcc", "libc6-dev", "busybox-static").CombinedOutput(); err != nil {
		t.Skipf("the image's bases need Debian's package lists (apt-get update): %v: %s", err, tail(string(out), 400))
	}
	c := builderImageCase(t, "multistage")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	dir, err := w.TempDir("image-")
	if err != nil {
		t.Fatal(err)
	}
	// podman 4.3 refuses a run root longer than 50 characters.
	short, err := os.MkdirTemp("", "pm-")
	if err != nil {
		t.Fatal(err)
	}
	defer world.RemoveAll(short)
	root, runRoot := filepath.Join(dir, "root"), filepath.Join(short, "run")
	podman := func(args ...string) []string {
		return append([]string{"--root", root, "--runroot", runRoot, "--tmpdir", filepath.Join(short, "tmp"),
			"--storage-driver", "overlay", "--cgroup-manager", "cgroupfs", "--events-backend", "none"}, args...)
	}

	const tag = "localhost/rebuild-builder:test"
	start := time.Now()
	build := exec.CommandContext(ctx, "bash", filepath.Join(w.Root, "scripts", "build-image.sh"), tag)
	build.Env = append(os.Environ(), "BUILDAH="+w.Tools.Buildah, "BUILDAH_ROOT="+root,
		"BUILDAH_RUNROOT="+runRoot, "STORAGE_DRIVER=overlay", "SIGNATURE_POLICY="+w.Policy)
	var stderr bytes.Buffer
	build.Stderr = &stderr
	out, err := build.Output()
	if err != nil {
		t.Fatalf("scripts/build-image.sh: %v\n%s", err, tail(stderr.String(), 4000))
	}
	builder := strings.TrimSpace(string(out))
	if !world.IsImageID(builder) {
		t.Fatalf("scripts/build-image.sh printed %q, want an image ID", out)
	}
	t.Logf("bases and image built in %s: %s", time.Since(start).Round(time.Second), builder)
	if size, err := exec.Command(w.Tools.Podman, podman("image", "inspect", "--format", "{{.Size}}", builder)...).Output(); err == nil {
		t.Logf("image size: %s bytes", strings.TrimSpace(string(size)))
	}

	conf := filepath.Join(dir, "registries.conf")
	if err := world.WriteFile(conf, []byte(fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n", w.Registry)), 0o644); err != nil {
		t.Fatal(err)
	}
	// The user's command; the flags before -i are what this VM needs (see ENVIRONMENT.md).
	args := podman("run", "--runtime", "runc", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
		"--network", "host", "-v", conf+":/etc/containers/registries.conf:ro",
		"-i", "--rm", "--privileged", "-v", "/mnt", builder, "rebuild")
	// The engines and the keyless helper ship in the image, where rebuild looks for them.
	var versionErr bytes.Buffer
	version := exec.CommandContext(ctx, w.Tools.Podman, append(args, "version")...)
	version.Stderr = &versionErr
	versionOut, err := version.Output()
	if err != nil {
		t.Fatalf("rebuild version in the builder image: %v\n%s", err, tail(versionErr.String(), 2000))
	}
	for _, want := range []string{"engine  buildah 1.44.0 (/usr/local/libexec/rebuild/buildah-1.44.0)", "keyless sigstore-go v1.3.0 (/usr/local/libexec/rebuild/rebuild-keyless)"} {
		if !strings.Contains(string(versionOut), want) {
			t.Errorf("rebuild version in the builder image lacks %q:\n%s", want, versionOut)
		}
	}
	// The second image was built by a buildah no engine in the image has: the buildah of its
	// build step image builds it, inside the builder's container.
	for i, c := range []e2eCase{c, builderImageCase(t, "step-image")} {
		pub := publish(ctx, t, w, c, epoch.AddDate(0, 1, i))
		run := exec.CommandContext(ctx, w.Tools.Podman, args...)
		run.Stdin = bytes.NewReader(pub.Attestation)
		stderr.Reset()
		run.Stderr = &stderr
		start = time.Now()
		out, err = run.Output()
		if err != nil {
			t.Fatalf("podman run %s rebuild (%s): %v; stderr:\n%s", builder, c.name, err, tail(stderr.String(), 4000))
		}
		t.Logf("%s: podman run to the printed ID: %s", c.name, time.Since(start).Round(time.Millisecond))
		if id := string(out); id != pub.ImageID+"\n" {
			t.Errorf("%s: the builder image printed %q, podman pull printed %s; stderr:\n%s", c.name, id, pub.ImageID, tail(stderr.String(), 4000))
		}
		if c.buildah != "" && !strings.Contains(stderr.String(), "(the build step's image ") {
			t.Errorf("%s: the builder image did not build with the build step's image:\n%s", c.name, tail(stderr.String(), 4000))
		}
	}
}

func builderImageCase(t *testing.T, name string) e2eCase {
	t.Helper()
	for _, c := range cases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no end-to-end case %q", name)
	return e2eCase{}
}
