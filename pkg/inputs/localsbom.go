package inputs

import (
	"fmt"
	"io"
	"os"
)

// ReadSBOMFile reads the SBOM at path, an untrusted copy, and checks that its digest is the
// one blobURL ("<repo>@sha256:<hex>", the provenance's SBOM_BLOB_URL) names.
func ReadSBOMFile(path, blobURL string) ([]byte, error) {
	if blobURL == "" {
		return nil, fmt.Errorf("reading SBOM %s: %w: the provenance records no SBOM_BLOB_URL to check it against", path, ErrSBOMMismatch)
	}
	_, want, err := parseBlobURL(blobURL)
	if err != nil {
		return nil, fmt.Errorf("reading SBOM %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading SBOM: %w", ErrUnavailable, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSBOMSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading SBOM: %w", ErrUnavailable, err)
	}
	if len(data) > MaxSBOMSize {
		return nil, fmt.Errorf("%w: SBOM %s is over the %d byte limit", ErrTampered, path, MaxSBOMSize)
	}
	if got := want.Algorithm().FromBytes(data); got != want {
		return nil, fmt.Errorf("%w: %w: %s has digest %s, the provenance records %s", ErrTampered, ErrSBOMMismatch, path, got, want)
	}
	return data, nil
}
