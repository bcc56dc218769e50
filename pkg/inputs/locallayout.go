package inputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
)

// maxManifestSize bounds the index and manifests read from a layout.
const maxManifestSize = 4 << 20

// PullFromLayout copies each pinned image (pins as Pull takes them) from the OCI layout at
// layoutDir into store, unless store holds it, and names it as Pull does. The layout is
// untrusted: each image is found by its pinned manifest digest, and that manifest and every
// blob it references are hashed before the copy; a file that differs is ErrTampered, named.
func PullFromLayout(ctx context.Context, store storage.Store, layoutDir, policyPath string, pins map[string]string, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	index, err := readLayoutIndex(layoutDir)
	if err != nil {
		return err
	}
	pc, err := PolicyContext(policyPath, nil)
	if err != nil {
		return err
	}
	defer func() { _ = pc.Destroy() }()
	for _, name := range sortedNames(pins) {
		if err := pullFromLayoutOne(ctx, store, pc, layoutDir, index, name, pins[name], progress); err != nil {
			return fmt.Errorf("reading %s as %s from %s: %w", pins[name], name, layoutDir, err)
		}
	}
	return nil
}

func pullFromLayoutOne(ctx context.Context, store storage.Store, pc *signature.PolicyContext, dir string, index *imgspecv1.Index, name, pin string, progress io.Writer) error {
	return pullPinned(store, name, pin, func(pinned reference.Canonical) error {
		at := slices.IndexFunc(index.Manifests, func(d imgspecv1.Descriptor) bool { return d.Digest == pinned.Digest() })
		if at < 0 {
			return fmt.Errorf("%w: the layout holds no image with digest %s", ErrUnavailable, pinned.Digest())
		}
		if err := verifyLayoutManifest(dir, pinned.Digest(), 0); err != nil {
			return err
		}
		srcRef, err := layout.NewIndexReference(dir, at)
		if err != nil {
			return err
		}
		destRef, err := is.Transport.NewStoreReference(store, pinned, "")
		if err != nil {
			return err
		}
		if _, err := copy.Image(ctx, pc, destRef, srcRef, &copy.Options{ReportWriter: progress}); err != nil {
			return fmt.Errorf("copying: %w", err)
		}
		return nil
	})
}

func readLayoutIndex(dir string) (*imgspecv1.Index, error) {
	data, err := readLimited(filepath.Join(dir, imgspecv1.ImageIndexFile), maxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("%w: reading the OCI layout %s: %w", ErrUnavailable, dir, err)
	}
	var index imgspecv1.Index
	if err := json.Unmarshal(data, &index); err != nil {
		return nil, fmt.Errorf("%w: parsing %s: %w", ErrTampered, filepath.Join(dir, imgspecv1.ImageIndexFile), err)
	}
	return &index, nil
}

// verifyLayoutManifest checks that the manifest d in the layout at dir, and every blob it
// references, hash to their digests. An index's instances absent from the layout are
// skipped (a kit holds only the platform it rebuilds for).
func verifyLayoutManifest(dir string, d digest.Digest, depth int) error {
	if depth > 2 {
		return fmt.Errorf("%w: manifest %s: indexes nested too deep", ErrTampered, d)
	}
	path, err := blobPath(dir, d)
	if err != nil {
		return err
	}
	data, err := readLimited(path, maxManifestSize)
	if err != nil {
		return fmt.Errorf("%w: reading manifest: %w", ErrUnavailable, err)
	}
	if got := d.Algorithm().FromBytes(data); got != d {
		return fmt.Errorf("%w: %s has digest %s", ErrTampered, path, got)
	}
	var m struct {
		Config    *imgspecv1.Descriptor  `json:"config"`
		Layers    []imgspecv1.Descriptor `json:"layers"`
		Manifests []imgspecv1.Descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%w: parsing %s: %w", ErrTampered, path, err)
	}
	for _, child := range m.Manifests {
		p, err := blobPath(dir, child.Digest)
		if err != nil {
			return err
		}
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := verifyLayoutManifest(dir, child.Digest, depth+1); err != nil {
			return err
		}
	}
	blobs := m.Layers
	if m.Config != nil {
		blobs = append([]imgspecv1.Descriptor{*m.Config}, blobs...)
	}
	for _, b := range blobs {
		if err := verifyBlob(dir, b); err != nil {
			return err
		}
	}
	return nil
}

func verifyBlob(dir string, desc imgspecv1.Descriptor) error {
	path, err := blobPath(dir, desc.Digest)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: reading blob: %w", ErrUnavailable, err)
	}
	defer f.Close()
	v := desc.Digest.Verifier()
	n, err := io.CopyN(v, f, desc.Size+1) // a file longer than the manifest says is not read to its end
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: reading blob: %w", ErrUnavailable, err)
	}
	if n != desc.Size {
		return fmt.Errorf("%w: %s is not the %d bytes the manifest says", ErrTampered, path, desc.Size)
	}
	if !v.Verified() {
		return fmt.Errorf("%w: %s does not hash to its name", ErrTampered, path)
	}
	return nil
}

// blobPath is where an OCI layout keeps the blob d.
func blobPath(dir string, d digest.Digest) (string, error) {
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("%w: digest %q: %w", ErrTampered, d, err)
	}
	return filepath.Join(dir, imgspecv1.ImageBlobsDir, d.Algorithm().String(), d.Encoded()), nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is over %d bytes", path, limit)
	}
	return data, nil
}
