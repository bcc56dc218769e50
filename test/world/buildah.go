package world

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Store is a containers/storage graph root and run root of the buildah CLI.
type Store struct {
	Root    string
	RunRoot string
	Driver  string // "" for overlay
}

// NewStore makes an empty store under the world's root.
func (w *World) NewStore(pattern string) (Store, error) {
	dir, err := w.TempDir(pattern)
	if err != nil {
		return Store{}, err
	}
	return Store{Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "runroot")}, nil
}

// Remove unmounts and deletes the store.
func (s Store) Remove() error {
	return RemoveAll(filepath.Dir(s.Root))
}

func (w *World) buildah(ctx context.Context, s Store, args ...string) ([]byte, error) {
	global := []string{"--root", s.Root, "--runroot", s.RunRoot, "--storage-driver", cmpOr(s.Driver, "overlay")}
	return w.Run(ctx, Cmd{Path: w.Tools.Buildah, Args: append(global, args...)})
}

// Push pushes image from s to docker://dest in OCI format and returns the manifest digest.
func (w *World) Push(ctx context.Context, s Store, image, dest string) (string, error) {
	return w.PushAs(ctx, s, image, dest, "oci")
}

// PushAs pushes as Push does, in format ("oci" or "docker"), as the task's push step does
// with BUILDAH_FORMAT.
func (w *World) PushAs(ctx context.Context, s Store, image, dest, format string) (string, error) {
	digestFile := filepath.Join(filepath.Dir(s.Root), "digest")
	_, err := w.buildah(ctx, s, "push", "--signature-policy", w.Policy, "--format", format,
		"--digestfile", digestFile, image, "docker://"+dest)
	if err != nil {
		return "", fmt.Errorf("pushing %s to %s: %w", image, dest, err)
	}
	digest, err := os.ReadFile(digestFile)
	if err != nil {
		return "", fmt.Errorf("reading digest of %s: %w", dest, err)
	}
	return strings.TrimSpace(string(digest)), nil
}
