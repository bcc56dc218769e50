package inputs

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

const (
	digestBuilder = "sha256:df6b07176a9b17cc4c9afc257bd404732e7d09b76436c7890f7b7be14e579794"
	digestGolang  = "sha256:d754ed9f64ac293b10268157f283ee23256fb32a4f8dedb25c8446ca5bcb0bb3"
	digestUBIA    = "sha256:90c1e1a57f2aeb90058818c9a7c18306225b85e23385ccc9836cb864e930ce73"
	digestUBIB    = "sha256:c0f2ee1ae190fc2694ae3232f9e20fd06b11719c1c6d86958f8c238e0aba2c21"
)

var konfluxImages = []Image{
	{Repository: "localhost:5000/builder", Digest: digestBuilder, Tag: "latest", Stages: []int{0}},
	{Repository: "docker.io/library/golang", Digest: digestGolang, Tag: "1.22", Stages: []int{1, 2}},
	{Repository: "registry.access.redhat.com/ubi9/ubi", Digest: digestUBIA, Tag: "latest", Stages: []int{3}},
	{Repository: "registry.access.redhat.com/ubi9/ubi", Digest: digestUBIB, Tag: "latest", Base: true},
}

func TestParseSBOM(t *testing.T) {
	konflux, err := os.ReadFile("testdata/konflux.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		data    string
		want    []Image
		wantErr string
	}{
		{name: "konflux", data: string(konflux), want: konfluxImages},
		{name: "no images", data: sbomWith(``), want: nil},
		{
			name: "purl name without repository_url, tag qualifier",
			data: sbomWith(`{"SPDXID": "SPDXRef-a", "name": "a", "downloadLocation": "NOASSERTION",
				"externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl",
					"referenceLocator": "pkg:oci/quay.io%2Forg%2Fbase@sha256%3A` + digestUBIA[7:] + `?tag=9.5"}],
				"annotations": [` + konfluxAnnotation(`{\"name\":\"konflux:container:is_base_image\",\"value\":\"true\"}`) + `]}`),
			want: []Image{{Repository: "quay.io/org/base", Digest: digestUBIA, Tag: "9.5", Base: true}},
		},
		{
			name: "annotated image without purl",
			data: sbomWith(`{"SPDXID": "SPDXRef-a", "name": "a", "downloadLocation": "NOASSERTION",
				"annotations": [` + konfluxAnnotation(`{\"name\":\"konflux:container:is_builder_image:for_stage\",\"value\":\"0\"}`) + `]}`),
			wantErr: "without an oci purl",
		},
		{
			name: "bad stage",
			data: sbomWith(`{"SPDXID": "SPDXRef-a", "name": "a", "downloadLocation": "NOASSERTION",
				"annotations": [` + konfluxAnnotation(`{\"name\":\"konflux:container:is_builder_image:for_stage\",\"value\":\"x\"}`) + `]}`),
			wantErr: "bad stage",
		},
		{name: "not SPDX", data: `{"spdxVersion": "SPDX-2.3", "packages": {}}`, wantErr: "parsing SPDX SBOM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParseSBOM(t, tc.data, tc.want, tc.wantErr)
		})
	}
}

// checkParseSBOM checks ParseSBOM(data): the images want, or an ErrSBOMFormat error
// containing wantErr.
func checkParseSBOM(t *testing.T, data string, want []Image, wantErr string) {
	t.Helper()
	got, err := ParseSBOM([]byte(data))
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("got error %v, want one containing %q", err, wantErr)
		}
		if !errors.Is(err, ErrSBOMFormat) {
			t.Errorf("error %v is not ErrSBOMFormat", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func sbomWith(packages string) string {
	return `{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
		"name": "x", "documentNamespace": "https://example.com/x",
		"creationInfo": {"created": "2025-01-01T00:00:00Z", "creators": ["Tool: test"]},
		"packages": [` + packages + `]}`
}

func konfluxAnnotation(comment string) string {
	return `{"annotator": "Tool: konflux:jsonencoded", "annotationDate": "2025-01-01T00:00:00Z",
		"annotationType": "OTHER", "comment": "` + comment + `"}`
}
