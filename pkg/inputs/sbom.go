package inputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/rebuild-project/rebuild/pkg/provenance"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/types"
)

// MaxSBOMSize is the largest SBOM FetchSBOM reads.
const MaxSBOMSize = 64 << 20

// FetchSBOM reads the SPDX or CycloneDX JSON SBOM attached to subject: cosign's
// "sha256-<hex>.sbom" tag, else an OCI referrer of the subject, else (when blobURL is set) the
// blob blobURL names. When blobURL ("<repo>@sha256:<hex>", the provenance's SBOM_BLOB_URL) is
// set, the SBOM's sha256 must be its digest.
func FetchSBOM(ctx context.Context, sys *types.SystemContext, subject provenance.Subject, blobURL string) ([]byte, error) {
	sys = WithRegistriesConf(sys)
	named, err := reference.ParseNormalizedNamed(subject.Name)
	if err != nil {
		return nil, fmt.Errorf("fetching SBOM for %s: %w", subject.Name, err)
	}
	named = reference.TrimNamed(named)
	subjectDigest, err := digest.Parse(subject.Digest)
	if err != nil {
		return nil, fmt.Errorf("fetching SBOM for %s: subject digest: %w", subject.Name, err)
	}
	var want digest.Digest
	var blobRepo reference.Named
	if blobURL != "" {
		if blobRepo, want, err = parseBlobURL(blobURL); err != nil {
			return nil, fmt.Errorf("fetching SBOM for %s: %w", subject.Name, err)
		}
	}

	var data []byte
	err = retry(ctx, retries.requestTimeout, func(ctx context.Context) error {
		var err error
		data, err = trySBOMSources(ctx, sys, named, subjectDigest, blobRepo, want)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetching SBOM for %s@%s: %w", named, subjectDigest, err)
	}
	return data, nil
}

// trySBOMSources tries each place an SBOM may be, in order, once; blobRepo is nil when the
// provenance records no SBOM blob, want "" when it records no digest.
func trySBOMSources(ctx context.Context, sys *types.SystemContext, named reference.Named, subject digest.Digest, blobRepo reference.Named, want digest.Digest) ([]byte, error) {
	sources := []func() ([]byte, error){
		func() ([]byte, error) { return sbomByTag(ctx, sys, named, subject) },
		func() ([]byte, error) { return sbomByReferrers(ctx, sys, named, subject) },
	}
	if blobRepo != nil {
		sources = append(sources, func() ([]byte, error) { return sbomByBlob(ctx, sys, blobRepo, subject, want) })
	}
	var errs []error
	mismatch := false
	for _, source := range sources {
		data, err := source()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if got := digest.FromBytes(data); want != "" && got != want {
			mismatch = true
			errs = append(errs, fmt.Errorf("found an SBOM with digest %s", got))
			continue
		}
		return data, nil
	}
	if mismatch {
		return nil, finalError{fmt.Errorf("%w: the provenance records %s: %v", ErrSBOMMismatch, want, errors.Join(errs...))}
	}
	return nil, errors.Join(errs...)
}

func parseBlobURL(blobURL string) (reference.Named, digest.Digest, error) {
	repo, d, ok := strings.Cut(blobURL, "@")
	if !ok {
		return nil, "", fmt.Errorf("SBOM blob URL %q has no digest", blobURL)
	}
	want, err := digest.Parse(d)
	if err != nil {
		return nil, "", fmt.Errorf("SBOM blob URL %q: %w", blobURL, err)
	}
	named, err := reference.ParseNormalizedNamed(repo)
	if err != nil {
		return nil, "", fmt.Errorf("SBOM blob URL %q: %w", blobURL, err)
	}
	return reference.TrimNamed(named), want, nil
}

func sbomByTag(ctx context.Context, sys *types.SystemContext, named reference.Named, subject digest.Digest) ([]byte, error) {
	tagged, err := reference.WithTag(named, subject.Algorithm().String()+"-"+subject.Encoded()+".sbom")
	if err != nil {
		return nil, err
	}
	return readAttachment(ctx, sys, tagged)
}

func sbomByReferrers(ctx context.Context, sys *types.SystemContext, named reference.Named, subject digest.Digest) ([]byte, error) {
	descs, err := findReferrers(ctx, sys, named, subject)
	if err != nil {
		return nil, err
	}
	// SPDX and untyped referrers keep their order; CycloneDX ones come after them.
	var candidates, cyclonedx []imgspecv1.Descriptor
	for _, desc := range descs {
		switch {
		case desc.ArtifactType == "" || isSPDX(desc.ArtifactType):
			candidates = append(candidates, desc)
		case isCycloneDX(desc.ArtifactType):
			cyclonedx = append(cyclonedx, desc)
		}
	}
	var errs []error
	for _, desc := range append(candidates, cyclonedx...) {
		ref, err := reference.WithDigest(named, desc.Digest)
		if err != nil {
			return nil, err
		}
		data, err := readAttachment(ctx, sys, ref)
		if err == nil {
			return data, nil
		}
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return nil, fmt.Errorf("%w: no SPDX or CycloneDX referrer of %s@%s", ErrUnavailable, named, subject)
}

// sbomByBlob reads the blob want from repo, through a source opened on the subject manifest
// that the repository must hold.
func sbomByBlob(ctx context.Context, sys *types.SystemContext, repo reference.Named, subject, want digest.Digest) ([]byte, error) {
	ref, err := reference.WithDigest(repo, subject)
	if err != nil {
		return nil, err
	}
	src, err := openSource(ctx, sys, ref)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	return readBlob(ctx, src, want, -1)
}

func openSource(ctx context.Context, sys *types.SystemContext, ref reference.Named) (types.ImageSource, error) {
	dockerRef, err := docker.NewReference(ref)
	if err != nil {
		return nil, err
	}
	src, err := dockerRef.NewImageSource(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrUnavailable, ref, err)
	}
	return src, nil
}

// readAttachment reads the single SPDX or CycloneDX JSON layer of the artifact manifest at ref.
func readAttachment(ctx context.Context, sys *types.SystemContext, ref reference.Named) ([]byte, error) {
	src, err := openSource(ctx, sys, ref)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	layers, err := manifestLayers(ctx, src, ref)
	if err != nil {
		return nil, err
	}
	if len(layers) != 1 || !isSPDX(layers[0].MediaType) && !isCycloneDX(layers[0].MediaType) {
		return nil, fmt.Errorf("%s is not an SBOM attachment (want one layer of type %s or %s)", ref, spdxMediaTypes[0], cyclonedxMediaTypes[0])
	}
	data, err := readBlob(ctx, src, layers[0].Digest, layers[0].Size)
	if err != nil {
		return nil, fmt.Errorf("reading SBOM layer of %s: %w", ref, err)
	}
	return data, nil
}

func readBlob(ctx context.Context, src types.ImageSource, d digest.Digest, size int64) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("blob digest %q: %w", d, err)
	}
	if size > MaxSBOMSize {
		return nil, finalError{fmt.Errorf("%w: %d bytes, over the %d byte limit", ErrSBOMTooLarge, size, MaxSBOMSize)}
	}
	rc, _, err := src.GetBlob(ctx, types.BlobInfo{Digest: d, Size: size}, none.NoCache)
	if err != nil {
		return nil, fmt.Errorf("%w: reading blob %s: %w", ErrUnavailable, d, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxSBOMSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading blob %s: %w", ErrUnavailable, d, err)
	}
	if len(data) > MaxSBOMSize {
		return nil, finalError{fmt.Errorf("%w: blob %s is over the %d byte limit", ErrSBOMTooLarge, d, MaxSBOMSize)}
	}
	if got := d.Algorithm().FromBytes(data); got != d {
		return nil, fmt.Errorf("blob %s has digest %s", d, got)
	}
	return data, nil
}
