package world

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var imageID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// IsImageID reports whether s is 64 lowercase hex characters, as podman prints image IDs.
func IsImageID(s string) bool {
	return imageID.MatchString(s)
}

// PullID pulls ref with podman into a fresh store and returns the ID podman prints.
func (w *World) PullID(ctx context.Context, ref string) (string, error) {
	return w.PullIDFor(ctx, ref, "")
}

// PullIDFor is PullID with podman pull --platform platform ("" for this host's).
func (w *World) PullIDFor(ctx context.Context, ref, platform string) (string, error) {
	dir, err := w.TempDir("podman-")
	if err != nil {
		return "", err
	}
	defer RemoveAll(dir)
	// podman 4.3 refuses a run root longer than 50 characters.
	short, err := os.MkdirTemp("", "pm-")
	if err != nil {
		return "", fmt.Errorf("creating podman run root: %w", err)
	}
	defer RemoveAll(short)
	args := []string{
		"--root", filepath.Join(dir, "root"),
		"--runroot", filepath.Join(short, "run"),
		"--tmpdir", filepath.Join(short, "tmp"),
		"--storage-driver", "overlay",
		"--cgroup-manager", "cgroupfs",
		"--events-backend", "none",
		"pull", "-q", "--signature-policy", w.Policy,
	}
	if platform != "" {
		args = append(args, "--platform", platform)
	}
	args = append(args, ref)
	out, err := w.Run(ctx, Cmd{Path: w.Tools.Podman, Args: args})
	if err != nil {
		return "", fmt.Errorf("pulling %s with podman: %w", ref, err)
	}
	id := strings.TrimSpace(string(out))
	if !IsImageID(id) {
		return "", fmt.Errorf("pulling %s with podman: unexpected output %q", ref, out)
	}
	return id, nil
}
