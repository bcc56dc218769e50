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
// must not interleave, and rebuilds pinning it to the same digest may run side by side. Each
// rebuild holds, per name, a shared lock on the name from before its pull to the end of its
// build; the digest the holders share is written beside it. A rebuild that pins the name
// elsewhere waits until no one holds it, takes it exclusively, writes its digest, then shares
// it. The decision is made under a short gate lock per name, so that the change from
// exclusive to shared (which flock does not make atomically) cannot be overtaken. The locks
// are flock(2)s on files under the store, released by the kernel if the process dies.

const (
	lockDir      = "rebuild-locks"
	lockInterval = 100 * time.Millisecond
)

// lockNames takes the lock of every name in pins (in a fixed order: no deadlock between
// rebuilds), waiting for rebuilds of the store that pin one of the names elsewhere, and
// returns the function that releases them all.
func lockNames(ctx context.Context, graphRoot string, pins map[string]string) (func(), error) {
	byKey := map[string]string{}
	for name, pin := range pins {
		byKey[lockKey(name)] = pin
	}
	sorted := make([]string, 0, len(byKey))
	for k := range byKey {
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
		f, err := shareName(ctx, filepath.Join(dir, k), byKey[k])
		if err != nil {
			unlock()
			return nil, err
		}
		held = append(held, f)
	}
	return unlock, nil
}

// shareName takes base.lock shared for pin, as the package comment says, and returns it open.
func shareName(ctx context.Context, base, pin string) (*os.File, error) {
	f, err := os.OpenFile(base+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s.lock: %w", base, err)
	}
	for {
		ok, err := tryShare(f, base, pin)
		if err != nil {
			f.Close()
			return nil, err
		}
		if ok {
			return f, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another rebuild using the same image names: %w", ctx.Err())
		case <-time.After(lockInterval):
		}
	}
}

// tryShare makes one attempt, under the gate: join the holders of the name when they share
// pin, or take the name when no one holds it.
func tryShare(f *os.File, base, pin string) (bool, error) {
	gate, err := lockFile(base + ".gate")
	if err != nil {
		return false, err
	}
	defer gate.Close()
	marker := base + ".digest"
	if held, _ := os.ReadFile(marker); string(held) == pin {
		if err := flockNB(f, unix.LOCK_SH); err == nil {
			return true, nil
		} else if !busy(err) {
			return false, err
		}
	}
	switch err := flockNB(f, unix.LOCK_EX); {
	case busy(err):
		return false, nil // others hold the name for another digest
	case err != nil:
		return false, err
	}
	if err := os.WriteFile(marker, []byte(pin), 0o600); err != nil {
		return false, fmt.Errorf("writing %s: %w", marker, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH); err != nil {
		return false, fmt.Errorf("locking %s.lock: %w", base, err)
	}
	return true, nil
}

func flockNB(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

func busy(err error) bool { return errors.Is(err, unix.EWOULDBLOCK) }

// lockKey names the lock of an image name as buildah resolves it.
func lockKey(name string) string {
	if named, err := reference.ParseNormalizedNamed(name); err == nil {
		name = reference.TagNameOnly(named).String()
	}
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// lockFile takes path exclusively, waiting for it: the gate, held for moments.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
	}
}
