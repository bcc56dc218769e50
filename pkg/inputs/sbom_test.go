package inputs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

func TestFetchSBOM(t *testing.T) {
	reg := newTestRegistry(t, true)
	sbom, err := os.ReadFile("testdata/konflux.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	tagged := reg.pushImage(t, "app", "v1")
	reg.pushCosignSBOM(t, "app", tagged, sbom)
	referred := reg.pushImage(t, "app", "v2")
	reg.pushReferrerSBOM(t, "app", referred, sbom, false)
	bare := reg.pushImage(t, "app", "v3")

	repo := reg.Host + "/app"
	good := repo + "@" + digest.FromBytes(sbom).String()
	bad := repo + "@" + digest.FromString("another SBOM").String()
	for _, tc := range []struct {
		name    string
		subject string
		blobURL string
		wantErr error
	}{
		{"cosign tag", tagged.String(), good, nil},
		{"cosign tag without blob URL", tagged.String(), "", nil},
		{"referrer", referred.String(), good, nil},
		{"referrer without blob URL", referred.String(), "", nil},
		{"mismatch", tagged.String(), bad, ErrSBOMMismatch},
		{"absent", bare.String(), "", ErrUnavailable},
		{"absent, blob URL given", bare.String(), good, nil},
		{"absent subject", digest.FromString("nothing").String(), "", ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FetchSBOM(context.Background(), nil, provenance.Subject{Name: repo, Digest: tc.subject}, tc.blobURL)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got error %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr == ErrSBOMMismatch && errors.Is(err, ErrUnavailable) {
					t.Errorf("a mismatch is not ErrUnavailable: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, sbom) {
				t.Errorf("got %d bytes, want the %d bytes pushed", len(got), len(sbom))
			}
		})
	}
}

func TestFetchSBOMReferrersTagSchema(t *testing.T) {
	reg := newTestRegistry(t, false)
	sbom, err := os.ReadFile("testdata/konflux.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	subject := reg.pushImage(t, "app", "v1")
	reg.pushReferrerSBOM(t, "app", subject, sbom, true)
	got, err := FetchSBOM(context.Background(), nil, provenance.Subject{Name: reg.Host + "/app", Digest: subject.String()}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sbom) {
		t.Errorf("got %d bytes, want the %d bytes pushed", len(got), len(sbom))
	}
}

func TestFetchSBOMUnreachable(t *testing.T) {
	reg := newTestRegistry(t, true)
	reg.server.Close()
	_, err := FetchSBOM(context.Background(), nil, provenance.Subject{Name: reg.Host + "/app", Digest: digest.FromString("x").String()}, "")
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
}

func TestParseChallenge(t *testing.T) {
	scheme, params := parseChallenge(`Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"`)
	if scheme != "bearer" || params["realm"] != "https://auth.example/token" || params["service"] != "registry.example" || params["scope"] != "repository:a/b:pull,push" {
		t.Errorf("got %q %v", scheme, params)
	}
}
