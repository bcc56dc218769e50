package inputs

import (
	"context"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// Manifest is an image's manifest as its registry serves it, and what its config says of
// its platform.
type Manifest struct {
	Bytes     []byte
	MediaType string
	// From the config; empty for an index.
	OS, Architecture, Variant, OSVersion string
	OSFeatures                           []string
	// Zstd: every layer is zstd-compressed.
	Zstd bool
}

// ReadManifest reads the manifest of s (by its digest, which the bytes must have) and, for
// one image, its config's platform.
func ReadManifest(ctx context.Context, sys *types.SystemContext, s provenance.Subject) (*Manifest, error) {
	ref, err := docker.ParseReference("//" + s.Name + "@" + s.Digest)
	if err != nil {
		return nil, fmt.Errorf("naming %s@%s: %w", s.Name, s.Digest, err)
	}
	src, err := ref.NewImageSource(ctx, WithRegistriesConf(sys))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s@%s: %w", ErrUnavailable, s.Name, s.Digest, err)
	}
	defer src.Close()
	m := &Manifest{}
	if m.Bytes, m.MediaType, err = src.GetManifest(ctx, nil); err != nil {
		return nil, fmt.Errorf("%w: reading the manifest of %s@%s: %w", ErrUnavailable, s.Name, s.Digest, err)
	}
	if d := digest.FromBytes(m.Bytes).String(); d != s.Digest {
		return nil, fmt.Errorf("%w: the manifest of %s@%s has digest %s", ErrUnavailable, s.Name, s.Digest, d)
	}
	if strings.Contains(m.MediaType, "index") || strings.Contains(m.MediaType, "list") {
		return m, nil
	}
	img, err := image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(src, nil))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s@%s: %w", ErrUnavailable, s.Name, s.Digest, err)
	}
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: reading the config of %s@%s: %w", ErrUnavailable, s.Name, s.Digest, err)
	}
	m.OS, m.Architecture, m.Variant, m.OSVersion, m.OSFeatures = cfg.OS, cfg.Architecture, cfg.Variant, cfg.OSVersion, cfg.OSFeatures
	layers := img.LayerInfos()
	m.Zstd = len(layers) > 0
	for _, l := range layers {
		m.Zstd = m.Zstd && strings.Contains(l.MediaType, "zstd")
	}
	return m, nil
}
