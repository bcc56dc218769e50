// Package inputs fetches what a rebuild consumes: the pinned git checkout, the image's SBOM,
// and the builder and base images pinned by digest.
package inputs

import "errors"

var (
	// ErrUnavailable marks an input that could not be had: network, server, missing commit,
	// missing SBOM or image. Callers may retry later or report the input as unavailable.
	ErrUnavailable = errors.New("input unavailable")
	// ErrSBOMMismatch marks an SBOM whose digest differs from the one the provenance records.
	ErrSBOMMismatch = errors.New("SBOM does not match the provenance")
	// ErrSBOMTooLarge marks an SBOM over MaxSBOMSize: bad input, as a mismatch is.
	ErrSBOMTooLarge = errors.New("SBOM too large")
	// ErrSBOMFormat marks an SBOM that ParseSBOM cannot read: neither SPDX nor CycloneDX JSON,
	// malformed, or recording a builder or base image it cannot pull. Bad input.
	ErrSBOMFormat = errors.New("unreadable SBOM")
	// ErrUnpinned marks a FROM image that neither the SBOM nor the Containerfile pins by digest.
	ErrUnpinned = errors.New("image not pinned by digest")
	// ErrPrefetched marks a prefetch artifact that is not what the provenance records: another
	// digest, or an archive of something else than folders and files. Bad input.
	ErrPrefetched = errors.New("prefetched content does not match the provenance")
)

// ErrGitURL marks a git URL a rebuild does not fetch from: bad input.
var ErrGitURL = errors.New("git URL not fetched")
