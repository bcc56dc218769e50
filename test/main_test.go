package test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// The world is shared by every case: started once here, torn down after the run.
var (
	theWorld   *world.World
	worldErr   error
	rebuildBin string // empty while cmd/rebuild does not exist
	skipReason string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	switch {
	case testing.Short():
		skipReason = "end-to-end tests skipped in -short mode"
		return m.Run()
	case os.Geteuid() != 0:
		skipReason = "end-to-end tests need root (overlay storage, namespaces)"
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	theWorld, worldErr = world.Start(ctx)
	if worldErr == nil {
		defer theWorld.Close()
		worldErr = theWorld.SetupImages(ctx)
	}
	if worldErr == nil {
		rebuildBin, worldErr = buildRebuild(ctx, theWorld)
	}
	if worldErr != nil {
		worldErr = fmt.Errorf("setting up the world: %w", worldErr)
	} else {
		fmt.Fprintf(os.Stderr, "world up in %s: registry %s, log %s\n", time.Since(start).Round(time.Millisecond), theWorld.Registry, theWorld.LogPath)
	}
	return m.Run()
}

// buildRebuild compiles ./cmd/rebuild into the world's directory, or returns "" while the
// command has no Go files yet.
func buildRebuild(ctx context.Context, w *world.World) (string, error) {
	pkg := filepath.Join(w.Root, "cmd", "rebuild")
	files, err := filepath.Glob(filepath.Join(pkg, "*.go"))
	if err != nil || len(files) == 0 {
		return "", nil
	}
	bin := filepath.Join(w.Dir, "rebuild")
	tags, err := os.ReadFile(filepath.Join(w.Root, "buildtags"))
	if err != nil {
		return "", err
	}
	// as the builder image's Containerfile builds it: the benchmarks time what ships (buildah's
	// chroot helper copies the whole binary for each RUN step)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w",
		"-tags", strings.TrimSpace(string(tags)), "-o", bin, "./cmd/rebuild")
	cmd.Dir = w.Root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building ./cmd/rebuild: %w: %s", err, out)
	}
	return bin, nil
}

func requireWorld(t *testing.T) *world.World {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	if theWorld == nil {
		t.Fatal(errors.New("world not started"))
	}
	return theWorld
}
