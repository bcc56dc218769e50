package rebuild

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.podman.io/image/v5/docker/reference"
	"golang.org/x/sys/unix"
)

// Rebuilds sharing a store name the pulled images as the Containerfile does ("builder:latest"),
// and a build resolves those names: two rebuilds pinning the same name to different digests
// must not interleave. Each rebuild holds a lock per name, from before its pull to the end
// of its build; rebuilds whose names differ run side by side. The locks are flock(2)s on
// files under the store, released by the kernel if the process dies.

const (
	lockDir      = "rebuild-locks"
	lockInterval = 100 * time.Millisecond
)

// lockNames takes the lock of every name in pins (in a fixed order: no deadlock between
// rebuilds), waiting for other rebuilds of the store to release them, and returns the
// function that releases them all.
func lockNames(ctx context.Context, graphRoot string, pins map[string]string) (func(), error) {
	keys := map[string]bool{}
	for name := range pins {
		keys[lockKey(name)] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)

	dir := filepath.Join(graphRoot, lockDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making the image name locks: %w", err)
	}
	var held []*os.File
	unlock := func() {
		for _, f := range held {
			_ = f.Close() // closing releases the flock
		}
	}
	for _, k := range sorted {
		f, err := lockFile(ctx, filepath.Join(dir, k+".lock"))
		if err != nil {
			unlock()
			return nil, err
		}
		held = append(held, f)
	}
	return unlock, nil
}

// lockKey names the lock of an image name as buildah resolves it.
func lockKey(name string) string {
	if named, err := reference.ParseNormalizedNamed(name); err == nil {
		name = reference.TagNameOnly(named).String()
	}
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

func lockFile(ctx context.Context, path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another rebuild using the same image names: %w", ctx.Err())
		case <-time.After(lockInterval):
		}
	}
}
