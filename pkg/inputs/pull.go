package inputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/signature"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// Pull copies each pinned image (pins: name as the Containerfile writes it -> pull reference
// "<repo>@sha256:<hex>") into store, unless store already holds it, and gives it that name
// as buildah normalizes it, taking the name from any other image: a build that does not
// pull then resolves each name to exactly the pinned digest. policyPath is the signature
// policy for the copies ("" for the system default, /etc/containers/policy.json).
func Pull(ctx context.Context, store storage.Store, sys *types.SystemContext, policyPath string, pins map[string]string, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	sys = WithRegistriesConf(sys)
	pc, err := PolicyContext(policyPath, sys)
	if err != nil {
		return err
	}
	defer func() { _ = pc.Destroy() }()

	for _, name := range sortedNames(pins) {
		if err := pullOne(ctx, store, sys, pc, name, pins[name], progress); err != nil {
			if name == pins[name] {
				return fmt.Errorf("pulling %s: %w", name, err)
			}
			return fmt.Errorf("pulling %s as %s: %w", pins[name], name, err)
		}
	}
	return nil
}

func pullOne(ctx context.Context, store storage.Store, sys *types.SystemContext, pc *signature.PolicyContext, name, pin string, progress io.Writer) error {
	return pullPinned(store, name, pin, func(pinned reference.Canonical) error {
		return retry(ctx, retries.transferTimeout, func(ctx context.Context) error {
			return copyImage(ctx, store, sys, pc, pinned, progress)
		})
	})
}

// sortedNames are the FROM names of pins, in order, so pulls happen in a stable order.
func sortedNames(pins map[string]string) []string {
	names := make([]string, 0, len(pins))
	for name := range pins {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// pullPinned makes name in store resolve to exactly the image pin (<repo>@sha256:<hex>),
// calling copyIn to bring the image in when the store has no image with that digest.
func pullPinned(store storage.Store, name, pin string, copyIn func(pinned reference.Canonical) error) error {
	parsed, err := reference.ParseNormalizedNamed(pin)
	if err != nil {
		return err
	}
	pinned, ok := parsed.(reference.Canonical)
	if !ok {
		return errors.New("the pull reference has no digest")
	}
	local, err := localName(name)
	if err != nil {
		return err
	}
	id, err := imageWithDigest(store, pinned.Digest())
	if err != nil {
		return err
	}
	if id == "" {
		if err := copyIn(pinned); err != nil {
			return err
		}
		if id, err = imageWithDigest(store, pinned.Digest()); err != nil {
			return err
		}
		if id == "" {
			return fmt.Errorf("the store has no image with digest %s after the copy", pinned.Digest())
		}
	}
	if err := store.AddNames(id, []string{local}); err != nil {
		return fmt.Errorf("naming image %s %s: %w", id, local, err)
	}
	img, err := store.Image(local)
	if err != nil {
		return fmt.Errorf("looking up %s: %w", local, err)
	}
	if img.ID != id {
		return fmt.Errorf("%s names image %s, not %s", local, img.ID, id)
	}
	return nil
}

// PolicyContext reads the signature policy at policyPath, or the system's when it is "".
func PolicyContext(policyPath string, sys *types.SystemContext) (*signature.PolicyContext, error) {
	var policy *signature.Policy
	var err error
	if policyPath != "" {
		policy, err = signature.NewPolicyFromFile(policyPath)
	} else {
		policy, err = signature.DefaultPolicy(sys)
	}
	if err != nil {
		return nil, fmt.Errorf("reading signature policy: %w", err)
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return nil, fmt.Errorf("reading signature policy: %w", err)
	}
	return pc, nil
}

func imageWithDigest(store storage.Store, d digest.Digest) (string, error) {
	imgs, err := store.ImagesByDigest(d)
	if err != nil && !errors.Is(err, storage.ErrImageUnknown) {
		return "", fmt.Errorf("looking up images with digest %s: %w", d, err)
	}
	if len(imgs) == 0 {
		return "", nil
	}
	return imgs[0].ID, nil
}

func copyImage(ctx context.Context, store storage.Store, sys *types.SystemContext, pc *signature.PolicyContext, pinned reference.Canonical, progress io.Writer) error {
	srcRef, err := docker.NewReference(pinned)
	if err != nil {
		return err
	}
	// Opening the source first tells an unreachable registry or a missing image from a
	// failure to store it.
	src, err := srcRef.NewImageSource(ctx, sys)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := src.Close(); err != nil {
		return err
	}
	destRef, err := is.Transport.NewStoreReference(store, pinned, "")
	if err != nil {
		return err
	}
	events, stop := blobProgress(progress, reference.FamiliarString(pinned))
	_, err = copy.Image(ctx, pc, destRef, srcRef, &copy.Options{
		ReportWriter:     progress,
		SourceCtx:        sys,
		DestinationCtx:   sys,
		Progress:         events,
		ProgressInterval: progressInterval,
	})
	stop()
	if err != nil {
		if isNetworkError(err) || transient(err) {
			return fmt.Errorf("%w: copying: %w", ErrUnavailable, err)
		}
		return fmt.Errorf("copying: %w", err)
	}
	return nil
}

func isNetworkError(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr)
}

// progressInterval is how often a pull says how far each blob has come.
var progressInterval = 5 * time.Second

// blobProgress prints, every progressInterval, the bytes each blob of image has copied and the
// time since the pull began: containers/image draws progress bars on a terminal alone, and
// under `podman run -i` or in CI a long pull would otherwise print nothing for minutes. stop
// ends it.
func blobProgress(w io.Writer, image string) (events chan types.ProgressProperties, stop func()) {
	events = make(chan types.ProgressProperties)
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		for p := range events {
			if p.Event != types.ProgressEventRead {
				continue
			}
			total := "?"
			if p.Artifact.Size > 0 {
				total = fmt.Sprintf("%.1f MiB", float64(p.Artifact.Size)/(1<<20))
			}
			fmt.Fprintf(w, "pulling %s: blob %.12s: %.1f MiB of %s (%s)\n", image, p.Artifact.Digest.Encoded(),
				float64(p.Offset)/(1<<20), total, time.Since(start).Round(time.Second))
		}
	}()
	return events, func() { close(events); <-done }
}

// Pinned reports whether name already resolves in store to the image pin names by digest,
// so that a build can use it as it is, with nothing pulled or renamed.
func Pinned(store storage.Store, name, pin string) (bool, error) {
	parsed, err := reference.ParseNormalizedNamed(pin)
	if err != nil {
		return false, err
	}
	pinned, ok := parsed.(reference.Canonical)
	if !ok {
		return false, errors.New("the pull reference has no digest")
	}
	local, err := localName(name)
	if err != nil {
		return false, err
	}
	img, err := store.Image(local)
	if errors.Is(err, storage.ErrImageUnknown) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("looking up %s: %w", local, err)
	}
	return img.Digest == pinned.Digest() || slices.Contains(img.Digests, pinned.Digest()), nil
}
