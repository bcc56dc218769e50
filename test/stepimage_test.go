package test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestStepImageUnavailable: an image built by a buildah no engine has, whose recorded build
// step image cannot be pulled, is refused with exit 3, naming the image, and nothing built.
func TestStepImageUnavailable(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	commit, err := w.CreateRepo(ctx, "step-image-gone", filepath.Join("testdata", "verify-same"), nil, epoch.AddDate(0, 2, 0))
	if err != nil {
		t.Fatal(err)
	}
	gone := w.Registry + "/buildah-task@sha256:" + strings.Repeat("0", 64)
	pub, err := w.Publish(ctx, world.Build{
		Name: "step-image-gone", Commit: commit, Params: world.Params{"DOCKERFILE": "Containerfile"},
		Buildah: "1.41.5", StepImage: gone,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := runRebuild(ctx, w, pub.Attestation, "--engines", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	t.Logf("rebuild exited %d: %s", res.exit, tail(res.stderr, 400))
	if res.exit != 3 || res.stdout != "" || !strings.Contains(res.stderr, gone) || strings.Contains(res.stderr, "rebuild: build building") {
		t.Errorf("exit %d, stdout %q; want 3, nothing on stdout, %s named and no build:\n%s", res.exit, res.stdout, gone, tail(res.stderr, 3000))
	}
}
