package inputs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
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

// A CycloneDX JSON SBOM, which older Konflux buildah tasks attach, is read from the cosign tag
// and from referrers; an SPDX referrer of the same subject is read first.
func TestFetchSBOMCycloneDX(t *testing.T) {
	const cdxType = "application/vnd.cyclonedx+json"
	reg := newTestRegistry(t, true)
	cdx, err := os.ReadFile("testdata/konflux.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	spdx, err := os.ReadFile("testdata/konflux.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	tagged := reg.pushImage(t, "app", "v1")
	reg.pushCosignSBOMType(t, "app", tagged, cdx, cdxType)
	referred := reg.pushImage(t, "app", "v2")
	reg.pushReferrerSBOMType(t, "app", referred, cdx, cdxType, false)
	cdxFirst := reg.pushImage(t, "app", "v3")
	reg.pushReferrerSBOMType(t, "app", cdxFirst, cdx, cdxType, false)
	reg.pushReferrerSBOM(t, "app", cdxFirst, spdx, false)
	spdxFirst := reg.pushImage(t, "app", "v4")
	reg.pushReferrerSBOM(t, "app", spdxFirst, spdx, false)
	reg.pushReferrerSBOMType(t, "app", spdxFirst, cdx, cdxType, false)
	xml := reg.pushImage(t, "app", "v5")
	reg.pushCosignSBOMType(t, "app", xml, []byte(`<bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>`), "application/vnd.cyclonedx+xml")

	repo := reg.Host + "/app"
	good := repo + "@" + digest.FromBytes(cdx).String()
	for _, tc := range []struct {
		name    string
		subject string
		blobURL string
		want    []byte
		wantErr string
	}{
		{name: "cosign tag", subject: tagged.String(), blobURL: good, want: cdx},
		{name: "cosign tag without blob URL", subject: tagged.String(), want: cdx},
		{name: "referrer", subject: referred.String(), blobURL: good, want: cdx},
		{name: "SPDX referrer pushed last", subject: cdxFirst.String(), want: spdx},
		{name: "SPDX referrer pushed first", subject: spdxFirst.String(), want: spdx},
		{name: "CycloneDX XML", subject: xml.String(), wantErr: "is not an SBOM attachment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FetchSBOM(context.Background(), nil, provenance.Subject{Name: repo, Digest: tc.subject}, tc.blobURL)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %d bytes, want the %d bytes pushed", len(got), len(tc.want))
			}
			if _, err := ParseSBOM(got); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestFetchSBOMCycloneDXReferrersTagSchema(t *testing.T) {
	reg := newTestRegistry(t, false)
	cdx, err := os.ReadFile("testdata/konflux.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	subject := reg.pushImage(t, "app", "v1")
	reg.pushReferrerSBOMType(t, "app", subject, cdx, "application/vnd.cyclonedx+json", true)
	got, err := FetchSBOM(context.Background(), nil, provenance.Subject{Name: reg.Host + "/app", Digest: subject.String()}, "")
	if err != nil {
		t.Fatal(err)
	}
	images, err := ParseSBOM(got)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(images, cdxImages) {
		t.Errorf("got  %+v\nwant %+v", images, cdxImages)
	}
}
