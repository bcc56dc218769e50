package inputs

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name    string
		froms   []From
		images  []Image
		want    map[string]string
		wantErr string
		errIs   error
	}{
		{
			name: "konflux multi-stage",
			froms: []From{
				{Stage: 0, Name: "localhost:5000/builder:latest"},
				{Stage: 1, Name: "golang:1.22"},
				{Stage: 2, Name: "docker.io/golang:1.22"},
				{Stage: 3, Name: "registry.access.redhat.com/ubi9/ubi:latest"},
				{Stage: 4, Name: "registry.access.redhat.com/ubi9/ubi", Last: true},
			},
			images: konfluxImages,
			want: map[string]string{
				"localhost:5000/builder:latest":              "localhost:5000/builder@" + digestBuilder,
				"golang:1.22":                                "docker.io/library/golang@" + digestGolang,
				"docker.io/golang:1.22":                      "docker.io/library/golang@" + digestGolang,
				"registry.access.redhat.com/ubi9/ubi:latest": "registry.access.redhat.com/ubi9/ubi@" + digestUBIA,
				"registry.access.redhat.com/ubi9/ubi":        "registry.access.redhat.com/ubi9/ubi@" + digestUBIB,
			},
		},
		{
			name:   "pinned in the Containerfile, SBOM agrees",
			froms:  []From{{Stage: 0, Name: "localhost:5000/builder:latest@" + digestBuilder}},
			images: konfluxImages,
			want:   map[string]string{"localhost:5000/builder:latest@" + digestBuilder: "localhost:5000/builder@" + digestBuilder},
		},
		{
			name:   "pinned in the Containerfile, not in the SBOM",
			froms:  []From{{Stage: 0, Name: "quay.io/org/tool@" + digestUBIA}},
			images: konfluxImages,
			want:   map[string]string{"quay.io/org/tool@" + digestUBIA: "quay.io/org/tool@" + digestUBIA},
		},
		{
			name:    "pinned in the Containerfile, SBOM differs",
			froms:   []From{{Stage: 0, Name: "localhost:5000/builder@" + digestGolang}},
			images:  konfluxImages,
			wantErr: "the SBOM records " + digestBuilder,
		},
		{
			name:   "short name through search registries",
			froms:  []From{{Stage: 0, Name: "ubi9/ubi", Last: true}},
			images: konfluxImages,
			want:   map[string]string{"ubi9/ubi": "registry.access.redhat.com/ubi9/ubi@" + digestUBIB},
		},
		{
			name:    "ambiguous",
			froms:   []From{{Stage: 7, Name: "registry.access.redhat.com/ubi9/ubi"}},
			images:  konfluxImages,
			wantErr: "several digests",
		},
		{
			name:    "unpinned",
			froms:   []From{{Stage: 0, Name: "quay.io/org/unknown:1"}},
			images:  konfluxImages,
			wantErr: "quay.io/org/unknown:1",
			errIs:   ErrUnpinned,
		},
		{
			name:    "bad name",
			froms:   []From{{Stage: 0, Name: "UPPER/case"}},
			wantErr: "parsing image name",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Resolve(tc.froms, tc.images)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				if tc.errIs != nil && !errors.Is(err, tc.errIs) {
					t.Fatalf("got error %v, want %v", err, tc.errIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}
