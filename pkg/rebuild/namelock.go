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
	"strings"
	"time"

	"go.podman.io/image/v5/docker/reference"
	"golang.org/x/sys/unix"
)

// Rebuilds sharing a store name the pulled images as the Containerfile does ("builder:latest"),
// and a build resolves those names: two rebuilds pinning the same name to different digests
// must not interleave, while rebuilds pinning it to the same digest may build side by side.
// Each rebuild holds, per name, a shared lock from when the name resolves to its pin until its
// build ends. A name that does not resolve so yet is pulled (or renamed) under the exclusive
// lock, which waits until no rebuild holds the name, and then taken shared again and checked
// anew (flock(2) does not turn exclusive into shared atomically). Copies of one image under
// two names are kept apart by an exclusive lock per digest. The locks are flock(2)s on files
// under the store, released by the kernel if the process dies.

const (
	lockDir      = "rebuild-locks"
	lockInterval = 100 * time.Millisecond
)

// nameHolder makes names resolve to their pins and holds them so.
type nameHolder struct {
	dir string
	// pinned reports whether name resolves to pin in the store; pull makes it so.
	pinned func(name, pin string) (bool, error)
	pull   func(name, pin string) error
	held   []*os.File
}

func newNameHolder(graphRoot string, pinned func(name, pin string) (bool, error), pull func(name, pin string) error) (*nameHolder, error) {
	dir := filepath.Join(graphRoot, lockDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making the image name locks: %w", err)
	}
	return &nameHolder{dir: dir, pinned: pinned, pull: pull}, nil
}

// hold makes every name of pins resolve to its pin and holds it so, taking the names in a
// fixed order (no deadlock between rebuilds). On error, what it took stays held until release.
func (h *nameHolder) hold(ctx context.Context, pins map[string]string) error {
	byKey := map[string][]string{}
	for name := range pins {
		byKey[lockKey(name)] = append(byKey[lockKey(name)], name)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		names := byKey[k]
		slices.Sort(names)
		if err := h.holdKey(ctx, k, names, pins); err != nil {
			return err
		}
	}
	return nil
}

// holdKey holds the names of one lock: shared when they resolve to their pins, else pulled
// under the exclusive lock and tried again.
func (h *nameHolder) holdKey(ctx context.Context, key string, names []string, pins map[string]string) error {
	path := filepath.Join(h.dir, key+".lock")
	for {
		f, err := lockFile(ctx, path, unix.LOCK_SH)
		if err != nil {
			return err
		}
		missing, err := h.notPinned(names, pins)
		if err != nil || len(missing) == 0 {
			h.held = append(h.held, f)
			return err
		}
		f.Close()
		if err := h.pullExclusive(ctx, path, missing, pins); err != nil {
			return err
		}
	}
}

func (h *nameHolder) notPinned(names []string, pins map[string]string) ([]string, error) {
	var missing []string
	for _, name := range names {
		ok, err := h.pinned(name, pins[name])
		if err != nil {
			return nil, err
		}
		if !ok {
			missing = append(missing, name)
		}
	}
	return missing, nil
}

// pullExclusive pulls names under the name's exclusive lock, each under its digest's lock.
func (h *nameHolder) pullExclusive(ctx context.Context, path string, names []string, pins map[string]string) error {
	f, err := lockFile(ctx, path, unix.LOCK_EX)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, name := range names {
		_, d, _ := strings.Cut(pins[name], "@")
		sum := sha256.Sum256([]byte(d))
		g, err := lockFile(ctx, filepath.Join(h.dir, "pull-"+hex.EncodeToString(sum[:])+".lock"), unix.LOCK_EX)
		if err != nil {
			return err
		}
		err = h.pull(name, pins[name])
		g.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// release lets the names go.
func (h *nameHolder) release() {
	for _, f := range h.held {
		_ = f.Close() // closing releases the flock
	}
	h.held = nil
}

// lockKey names the lock of an image name as buildah resolves it.
func lockKey(name string) string {
	if named, err := reference.ParseNormalizedNamed(name); err == nil {
		name = reference.TagNameOnly(named).String()
	}
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// lockFile takes path's flock (how: LOCK_SH or LOCK_EX), waiting for it until ctx ends.
func lockFile(ctx context.Context, path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
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
