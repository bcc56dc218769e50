package rebuild

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	is "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
)

// ErrInterrupted marks a rebuild stopped by its context (SIGINT or SIGTERM in the command),
// after the cleanup.
var ErrInterrupted = errors.New("interrupted")

// Interrupted marks err as the result of an interruption when ctx was cancelled.
func Interrupted(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	return fmt.Errorf("%w (%v): %w", ErrInterrupted, context.Cause(ctx), err)
}

// tempInWorkDir sends the temporary files of this process (buildah's, containers/image's,
// the task files) into work, so that removing work removes them all. The returned function
// restores TMPDIR as it was, for whatever runs after the rebuild in this process.
func tempInWorkDir(work string) (restore func(), err error) {
	old, had := os.LookupEnv("TMPDIR")
	if err := os.Setenv("TMPDIR", work); err != nil {
		return nil, fmt.Errorf("setting TMPDIR: %w", err)
	}
	return func() {
		if had {
			_ = os.Setenv("TMPDIR", old)
		} else {
			_ = os.Unsetenv("TMPDIR")
		}
	}, nil
}

// newContainerSuffix returns a name part unique to this run. buildah names each build
// container "<image>-<suffix>" (with "-N" appended on a clash), so a run can find its own
// containers in a store that other runs use at the same time.
func newContainerSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "rebuild-" + hex.EncodeToString(b)
}

// removeBuildContainers deletes the containers of store named with suffix: what a failed or
// interrupted build left behind. Deleting a container unmounts its layer first. Containers of
// other runs, and any other container, are left alone.
func removeBuildContainers(store storage.Store, suffix string) error {
	ctrs, err := store.Containers()
	if err != nil {
		return fmt.Errorf("listing build containers: %w", err)
	}
	var errs []error
	for _, c := range ctrs {
		if !namedWithSuffix(c.Names, suffix) {
			continue
		}
		if err := store.DeleteContainer(c.ID); err != nil && !errors.Is(err, storage.ErrContainerUnknown) {
			errs = append(errs, fmt.Errorf("removing build container %s: %w", c.ID, err))
		}
	}
	return errors.Join(errs...)
}

// explainShortWrite adds what a cut-short layer most likely means to a build error: buildah
// writes each new layer to a temporary file and reports a full disk there only as a size
// mismatch when the layer is stored.
func explainShortWrite(err error, storage, work string) error {
	if !errors.Is(err, is.ErrBlobSizeMismatch) || errors.Is(err, syscall.ENOSPC) {
		return err
	}
	return fmt.Errorf("%w (a layer was cut short while written: no space left on device in the work folder %s or the storage %s?)", err, work, storage)
}

func namedWithSuffix(names []string, suffix string) bool {
	for _, n := range names {
		_, rest, ok := strings.Cut(n, "-"+suffix)
		if ok && strings.Trim(rest, "-0123456789") == "" {
			return true
		}
	}
	return false
}
