// Package kit writes a rebuild kit: everything a rebuild needs, in one folder, for a host
// with no network. The kit is untrusted media: the rebuild checks each item against the
// digests the signed provenance and the SBOM give, not against the kit's own manifest.
package kit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// The items of a kit, by their names in its folder.
const (
	AttestationFile = "attestation.jsonl" // the attestation lines, as given
	SBOMFile        = "sbom.spdx.json"    // the image's SBOM
	SourceFile      = "source.bundle"     // a git bundle of the pinned commit and its submodules
	ImagesDir       = "images"            // an OCI layout of every builder and base image
	ManifestFile    = "manifest.json"     // a listing of the above with digests and sizes
)

// Contents is what goes into a kit.
type Contents struct {
	Attestation []byte            // the attestation lines
	SBOM        []byte            // the SBOM, checked against the provenance
	Checkout    string            // a checkout of the pinned commit, as inputs.Checkout makes it
	URL, Commit string            // the source's URL and pinned commit, for the listing
	Pins        map[string]string // FROM name -> "<repo>@sha256:<hex>"
	Buildah     string            // the buildah version the published image names, "" when unknown
	Prefetched  string            // the build's CACHI2_ARTIFACT, whose blob goes into the images' layout; "" for none
	Sys         *types.SystemContext
	PolicyPath  string    // signature policy for the copies ("" for the system's)
	Progress    io.Writer // copy progress; nil discards it
}

// Write makes the kit in dir (absent or empty) and returns its listing, also written as
// manifest.json.
func Write(ctx context.Context, dir string, c Contents) (*Manifest, error) {
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if err := emptyDir(dir); err != nil {
		return nil, fmt.Errorf("making the kit in %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, AttestationFile), c.Attestation, 0o644); err != nil {
		return nil, fmt.Errorf("writing the attestation: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SBOMFile), c.SBOM, 0o644); err != nil {
		return nil, fmt.Errorf("writing the SBOM: %w", err)
	}
	if err := WriteBundle(ctx, filepath.Join(dir, SourceFile), c.Checkout); err != nil {
		return nil, err
	}
	images, err := saveImages(ctx, inputs.WithRegistriesConf(c.Sys), c.PolicyPath, filepath.Join(dir, ImagesDir), c.Pins, c.Progress)
	if err != nil {
		return nil, err
	}
	if c.Prefetched != "" {
		if err := inputs.SavePrefetched(ctx, c.Sys, c.Prefetched, filepath.Join(dir, ImagesDir)); err != nil {
			return nil, err
		}
	}
	m, err := listKit(dir, c, images)
	if err != nil {
		return nil, err
	}
	if err := m.write(filepath.Join(dir, ManifestFile)); err != nil {
		return nil, err
	}
	return m, nil
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}
