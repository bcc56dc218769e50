package inputs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	ggtypes "github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// TestFetchAttestations: the envelopes of cosign's ".att" image, as cosign verify-attestation
// prints them, and the sigstore bundles among the referrers, whole (their certificates verify
// them keyless), come back one a line.
func TestFetchAttestations(t *testing.T) {
	r := newTestRegistry(t, true)
	ctx := context.Background()
	d := r.pushImage(t, "app", "v1")
	env := func(n string) string {
		return `{"payloadType": "application/vnd.in-toto+json", "payload": "` + n + `", "signatures": [{"keyid": "", "sig": "c2ln"}]}`
	}
	att, err := mutate.AppendLayers(empty.Image,
		static.NewLayer([]byte(env("b25l")), dsseLayerType),
		static.NewLayer([]byte(env("dHdv")), dsseLayerType),
		static.NewLayer([]byte("not an envelope"), ggtypes.MediaType("text/plain")))
	if err != nil {
		t.Fatal(err)
	}
	r.push(t, r.Host+"/app:"+d.Algorithm+"-"+d.Hex+".att", att)
	bundle := `{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verificationMaterial": {}, "dsseEnvelope": ` + env("dGhyZWU=") + `}`
	r.pushReferrerSBOMType(t, "app", d, []byte(bundle), "application/vnd.dev.sigstore.bundle.v0.3+json", false)

	s, err := ResolveImage(ctx, nil, r.Host+"/app:v1")
	if err != nil || s.Digest != d.String() || s.Name != r.Host+"/app" {
		t.Fatalf("ResolveImage = %+v, %v; want %s@%s", s, err, r.Host+"/app", d)
	}
	got, err := FetchAttestations(ctx, nil, s)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"payload":"b25l"`) || !strings.Contains(lines[1], `"payload":"dHdv"`) || !strings.Contains(lines[2], `"payload":"dGhyZWU="`) ||
		!strings.HasPrefix(lines[2], `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{}`) {
		t.Fatalf("FetchAttestations:\n%s", got)
	}
	envs, err := provenance.ReadEnvelopes(strings.NewReader(string(got)))
	if err != nil || len(envs) != 3 || envs[0].Bundle || envs[1].Bundle || !envs[2].Bundle || string(envs[2].Payload) != "three" {
		t.Fatalf("ReadEnvelopes: %d, %v: want two envelopes and a bundle", len(envs), err)
	}

	other := r.pushImage(t, "bare", "v1")
	_, err = FetchAttestations(ctx, nil, provenance.Subject{Name: r.Host + "/bare", Digest: other.String()})
	if !errors.Is(err, ErrNoAttestations) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no attestation: %v, want ErrNoAttestations", err)
	}
	if _, err := ResolveImage(ctx, nil, r.Host+"/app:missing"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("missing tag: %v, want ErrUnavailable", err)
	}
	if _, err := ResolveImage(ctx, nil, "Not A Reference"); !errors.Is(err, provenance.ErrInvalidInput) {
		t.Fatalf("bad reference: %v, want ErrInvalidInput", err)
	}
}
