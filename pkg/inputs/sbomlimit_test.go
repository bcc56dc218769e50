package inputs

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// An SBOM over MaxSBOMSize is refused as bad input, not retried or reported unavailable.
func TestFetchSBOMTooLarge(t *testing.T) {
	reg := newTestRegistry(t, true)
	big := bytes.Repeat([]byte{' '}, MaxSBOMSize+1)
	tagged := reg.pushImage(t, "big", "v1")
	reg.pushCosignSBOM(t, "big", tagged, big)
	repo := reg.Host + "/big"
	for _, blobURL := range []string{"", repo + "@" + digest.FromBytes(big).String()} {
		_, err := FetchSBOM(context.Background(), nil, provenance.Subject{Name: repo, Digest: tagged.String()}, blobURL)
		if !errors.Is(err, ErrSBOMTooLarge) {
			t.Fatalf("blob URL %q: got error %v, want ErrSBOMTooLarge", blobURL, err)
		}
	}
}
