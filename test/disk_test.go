package test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestUnwritableStorage gives rebuild a storage path it cannot write: one clear error line,
// exit 4, nothing left in the workdir.
func TestUnwritableStorage(t *testing.T) {
	w := faultWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	quick := faultPublish(ctx, t, w, quickCase, 2)
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) world.Store
		want  string
	}{
		{"a file where the storage folder goes", func(t *testing.T, dir string) world.Store {
			file := filepath.Join(dir, "storage")
			if err := os.WriteFile(file, []byte("not a folder\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return world.Store{Root: file, RunRoot: filepath.Join(dir, "runroot")}
		}, "not a directory"},
		{"a read-only file system", func(t *testing.T, dir string) world.Store {
			ro := filepath.Join(dir, "ro")
			mountTmpfs(t, ro, "ro,size=1m")
			return world.Store{Root: filepath.Join(ro, "root"), RunRoot: filepath.Join(dir, "runroot")}
		}, "read-only file system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := tc.setup(t, dir)
			work := filepath.Join(dir, "work")
			if err := os.Mkdir(work, 0o755); err != nil {
				t.Fatal(err)
			}
			_, stderr, code, err := faultRunCmd(faultRebuildCmd(ctx, w, quick.Attestation, s, work))
			if err != nil {
				t.Fatal(err)
			}
			assertOneError(t, stderr, code, 4, tc.want, s.Root)
			if entries, _ := os.ReadDir(work); len(entries) > 0 {
				t.Errorf("the workdir holds %v, want nothing", dirNames(entries))
			}
		})
	}
}

// TestFullDisk runs rebuilds whose storage or workdir is a small tmpfs: the rebuild must
// fail with one clear "no space left" error and leave no temporary files or containers.
func TestFullDisk(t *testing.T) {
	w := faultWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	quick := faultPublish(ctx, t, w, quickCase, 2)
	for _, tc := range []struct {
		name string
		full string // "storage" or "work": which folder is the small tmpfs
		size string
	}{
		{"storage", "storage", "2m"},
		{"workdir", "work", "64k"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := world.Store{Root: filepath.Join(dir, "storage", "root"), RunRoot: filepath.Join(dir, "runroot")}
			work := filepath.Join(dir, "work")
			for _, d := range []string{work, filepath.Join(dir, "storage")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			mountTmpfs(t, filepath.Join(dir, tc.full), "size="+tc.size)
			t.Cleanup(func() { _ = world.RemoveAll(s.Root) })
			_, stderr, code, err := faultRunCmd(faultRebuildCmd(ctx, w, quick.Attestation, s, work))
			if err != nil {
				t.Fatal(err)
			}
			assertOneError(t, stderr, code, 4, "no space left on device", "")
			assertClean(ctx, t, w, s, work)
		})
	}
}

// mountTmpfs mounts a tmpfs with opts at dir until the test ends, or skips the test.
func mountTmpfs(t *testing.T, dir, opts string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		t.Skipf("mounting a tmpfs at %s: %v", dir, err)
	}
	if strings.Contains(opts, "ro") {
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, opts); err != nil {
			t.Logf("remounting read-only: %v", err)
		}
	}
	t.Cleanup(func() {
		if err := world.RemoveAll(dir); err != nil { // unmounts dir too
			t.Error(err)
		}
	})
}

// assertOneError checks that a failed rebuild exited with code and printed exactly one error
// line, containing want and (when set) path.
func assertOneError(t *testing.T, stderr string, code, wantCode int, want, path string) {
	t.Helper()
	var errLines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "rebuild: error:") {
			errLines = append(errLines, l)
		}
	}
	if code != wantCode || len(errLines) != 1 {
		t.Fatalf("exit code %d with %d error lines, want %d with one; stderr:\n%s", code, len(errLines), wantCode, tail(stderr, 3000))
	}
	t.Logf("exit %d: %s", code, errLines[0])
	if !strings.Contains(errLines[0], want) || !strings.Contains(errLines[0], path) {
		t.Errorf("error line %q does not say %q about %q", errLines[0], want, path)
	}
	if strings.Contains(stderr, "panic:") || strings.Contains(stderr, "goroutine ") {
		t.Errorf("rebuild panicked:\n%s", tail(stderr, 3000))
	}
}
