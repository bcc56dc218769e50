package inputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// ErrNoPlatformImage marks a pushed index with no one image of the build's platform to compare
// with: bad input.
var ErrNoPlatformImage = errors.New("the pushed index holds no one image of the build's platform")

// ZstdAnnotation marks the zstd:chunked copy of an image in an index: konflux-build-cli sets
// it (to "true") on the second entry of the per-platform index it pushes for
// COMPRESSION_FORMAT=dual, whose first entry is the same image with gzip layers.
const ZstdAnnotation = "io.github.containers.compression.zstd"

// PublishedImage is the image a rebuild compares with: s itself when s names one image's
// manifest; when s names an index (konflux-build-cli's COMPRESSION_FORMAT=dual pushes one per
// platform, holding the gzip and the zstd:chunked copy of the one image it built), the entry
// for platform (os/arch[/variant]) that is not marked zstd.
func PublishedImage(ctx context.Context, sys *types.SystemContext, s provenance.Subject, platform string) (provenance.Subject, error) {
	ref, err := docker.ParseReference("//" + s.Name + "@" + s.Digest)
	if err != nil {
		return s, fmt.Errorf("naming the pushed image: %w", err)
	}
	src, err := ref.NewImageSource(ctx, WithRegistriesConf(sys))
	if err != nil {
		return s, fmt.Errorf("%w: reading %s@%s: %w", ErrUnavailable, s.Name, s.Digest, err)
	}
	defer src.Close()
	blob, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return s, fmt.Errorf("%w: reading the manifest of %s@%s: %w", ErrUnavailable, s.Name, s.Digest, err)
	}
	if !manifest.MIMETypeIsMultiImage(mt) {
		return s, nil
	}
	if len(blob) > maxManifestSize {
		return s, fmt.Errorf("%w: the index %s is over %d bytes", ErrNoPlatformImage, s.Digest, maxManifestSize)
	}
	d, err := childFor(blob, platform)
	if err != nil {
		return s, fmt.Errorf("%w: %s@%s: %w", ErrNoPlatformImage, s.Name, s.Digest, err)
	}
	return provenance.Subject{Name: s.Name, Digest: d}, nil
}

// childFor picks, among an index's (or a docker manifest list's: same fields) entries for
// platform, the one not marked zstd; there must be exactly one.
func childFor(blob []byte, platform string) (string, error) {
	var index imgspecv1.Index
	if err := json.Unmarshal(blob, &index); err != nil {
		return "", fmt.Errorf("reading the index: %w", err)
	}
	var found []string
	for _, m := range index.Manifests {
		if m.Annotations[ZstdAnnotation] == "true" || manifest.MIMETypeIsMultiImage(m.MediaType) {
			continue
		}
		if m.Platform != nil && !samePlatform(*m.Platform, platform) {
			continue
		}
		found = append(found, m.Digest.String())
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("no entry of its %d is a gzip image for %s", len(index.Manifests), platform)
	}
	return "", fmt.Errorf("%d of its entries are images for %s (%s): nothing says which was built", len(found), platform, strings.Join(found, ", "))
}

// samePlatform compares an index entry's platform with os/arch[/variant]; a variant only one
// side names does not count (arm64 is v8 whether it says so or not).
func samePlatform(p imgspecv1.Platform, want string) bool {
	parts := strings.SplitN(want, "/", 3)
	if len(parts) < 2 || p.OS != parts[0] || p.Architecture != parts[1] {
		return false
	}
	return len(parts) < 3 || p.Variant == "" || p.Variant == parts[2]
}
