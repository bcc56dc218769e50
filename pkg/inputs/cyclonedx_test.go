package inputs

import (
	"os"
	"testing"
)

// cdxImages are the images in testdata/konflux.cdx.json: base_images_sbom_script.py records
// no tag.
var cdxImages = []Image{
	{Repository: "localhost:5000/builder", Digest: digestBuilder, Stages: []int{0}},
	{Repository: "docker.io/library/golang", Digest: digestGolang, Stages: []int{1, 2}},
	{Repository: "registry.access.redhat.com/ubi9/ubi", Digest: digestUBIA, Stages: []int{3}},
	{Repository: "registry.access.redhat.com/ubi9/ubi", Digest: digestUBIB, Base: true},
}

const (
	propStage0 = `{"name": "konflux:container:is_builder_image:for_stage", "value": "0"}`
	propBase   = `{"name": "konflux:container:is_base_image", "value": "true"}`
)

// purlUBIA is a purl as base_images_sbom_script.py writes it, JSON-quoted.
var purlUBIA = `"pkg:oci/ubi@` + digestUBIA + `?repository_url=registry.access.redhat.com/ubi9/ubi"`

func TestParseCycloneDX(t *testing.T) {
	konflux, err := os.ReadFile("testdata/konflux.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		data    string
		want    []Image
		wantErr string
	}{
		{name: "konflux", data: string(konflux), want: cdxImages},
		{name: "no formulation", data: `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}`, want: nil},
		{
			name: "builder for stage 0",
			data: cdxWith(`{"type": "container", "name": "registry.access.redhat.com/ubi9/ubi", "purl": ` + purlUBIA + `,
				"properties": [` + propStage0 + `]}`),
			want: []Image{{Repository: "registry.access.redhat.com/ubi9/ubi", Digest: digestUBIA, Stages: []int{0}}},
		},
		{
			name: "base image, tag as version, encoded purl",
			data: cdxWith(`{"type": "container", "name": "ubi", "version": "9.5",
				"purl": "pkg:oci/ubi@sha256%3A` + digestUBIA[7:] + `?arch=amd64&repository_url=registry.access.redhat.com%2Fubi9%2Fubi",
				"properties": [` + propBase + `]}`),
			want: []Image{{Repository: "registry.access.redhat.com/ubi9/ubi", Digest: digestUBIA, Tag: "9.5", Base: true}},
		},
		{
			name: "tag qualifier, no version",
			data: cdxWith(`{"type": "container", "name": "b", "purl": "pkg:oci/builder@sha256:` + digestBuilder[7:] + `?repository_url=localhost:5000/builder&tag=latest",
				"properties": [` + propStage0 + `]}`),
			want: []Image{{Repository: "localhost:5000/builder", Digest: digestBuilder, Tag: "latest", Stages: []int{0}}},
		},
		{
			name: "builder and base, stage repeated",
			data: cdxWith(`{"type": "container", "name": "ubi", "purl": ` + purlUBIA + `,
				"properties": [` + propStage0 + `, ` + propStage0 + `, ` + propBase + `]}`),
			want: []Image{{Repository: "registry.access.redhat.com/ubi9/ubi", Digest: digestUBIA, Stages: []int{0}, Base: true}},
		},
		{
			name: "components without Konflux properties ignored",
			data: cdxWith(`{"type": "library", "name": "fresh", "version": "0.5.2", "purl": "pkg:npm/fresh@0.5.2"},
				{"type": "container", "name": "other", "purl": "not a purl", "properties": [{"name": "syft:package:type", "value": "x"}]},
				{"type": "container", "name": "runner", "purl": ` + purlUBIA + `,
					"properties": [{"name": "konflux:container:is_builder_image:additional_builder_image", "value": "script-runner-image"}]},
				{"type": "container", "name": "ubi", "purl": ` + purlUBIA + `, "properties": [{"name": "konflux:container:is_base_image", "value": "false"}]}`),
			want: nil,
		},
		{
			name:    "no purl",
			data:    cdxWith(`{"type": "container", "name": "ubi", "properties": [` + propBase + `]}`),
			wantErr: `formulation[0].components[0] "ubi": builder or base image without an oci purl`,
		},
		{
			name:    "bad purl",
			data:    cdxWith(`{"type": "container", "name": "ubi", "purl": "oci/ubi@sha256:abc", "properties": [` + propBase + `]}`),
			wantErr: "no pkg: scheme",
		},
		{
			name:    "purl of another type",
			data:    cdxWith(`{"type": "container", "name": "ubi", "purl": "pkg:docker/ubi@sha256:` + digestUBIA[7:] + `", "properties": [` + propBase + `]}`),
			wantErr: "without an oci purl",
		},
		{
			name:    "purl version not a digest",
			data:    cdxWith(`{"type": "container", "name": "ubi", "purl": "pkg:oci/ubi@latest", "properties": [` + propBase + `]}`),
			wantErr: "version is not a sha256 digest",
		},
		{
			name: "bad stage",
			data: cdxWith(`{"type": "container", "name": "ubi", "purl": ` + purlUBIA + `,
				"properties": [{"name": "konflux:container:is_builder_image:for_stage", "value": "-1"}]}`),
			wantErr: "bad stage",
		},
		{
			name:    "stage not a string",
			data:    cdxWith(`{"type": "container", "name": "ubi", "purl": ` + purlUBIA + `, "properties": [{"name": "konflux:container:is_builder_image:for_stage", "value": 0}]}`),
			wantErr: "parsing CycloneDX SBOM",
		},
		{name: "formulation not a list", data: `{"bomFormat": "CycloneDX", "formulation": {}}`, wantErr: "parsing CycloneDX SBOM"},
		{name: "truncated", data: string(konflux[:len(konflux)/2]), wantErr: "parsing SBOM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParseSBOM(t, tc.data, tc.want, tc.wantErr)
		})
	}
}

func TestParseSBOMFormat(t *testing.T) {
	spdx, err := os.ReadFile("testdata/konflux.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		data    string
		want    []Image
		wantErr string
	}{
		{name: "SPDX", data: string(spdx), want: konfluxImages},
		{name: "CycloneDX", data: cdxWith(""), want: nil},
		{name: "empty", data: "", wantErr: "parsing SBOM"},
		{name: "not JSON", data: "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"/>", wantErr: "parsing SBOM"},
		{name: "JSON array", data: `[]`, wantErr: "parsing SBOM"},
		{name: "no format", data: `{"packages": [], "components": []}`, wantErr: "neither SPDX"},
		{name: "other bomFormat", data: `{"bomFormat": "SPDX"}`, wantErr: "neither SPDX"},
		{name: "both", data: `{"spdxVersion": "SPDX-2.3", "bomFormat": "CycloneDX"}`, wantErr: "both"},
		{name: "format not a string", data: `{"bomFormat": 1}`, wantErr: "parsing SBOM"},
		{name: "truncated SPDX", data: string(spdx[:len(spdx)-10]), wantErr: "parsing SBOM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParseSBOM(t, tc.data, tc.want, tc.wantErr)
		})
	}
}

func cdxWith(components string) string {
	return `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [],
		"formulation": [{"components": [` + components + `]}]}`
}
