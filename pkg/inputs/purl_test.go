package inputs

import (
	"reflect"
	"testing"
)

func TestParsePurl(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    purl
		wantErr bool
	}{
		{
			in: "pkg:oci/ubi@sha256%3Aabc?arch=amd64&repository_url=registry.access.redhat.com/ubi9/ubi",
			want: purl{Type: "oci", Name: "ubi", Version: "sha256:abc",
				Qualifiers: map[string]string{"arch": "amd64", "repository_url": "registry.access.redhat.com/ubi9/ubi"}},
		},
		{
			in: "pkg:oci/builder%40sha256%3Aabc?repository_url=localhost%3A5000%2Fbuilder&tag=latest",
			want: purl{Type: "oci", Name: "builder", Version: "sha256:abc",
				Qualifiers: map[string]string{"repository_url": "localhost:5000/builder", "tag": "latest"}},
		},
		{
			in:   "pkg:rpm/redhat/bash@5.2.26-4.el9?arch=x86_64#sub/path",
			want: purl{Type: "rpm", Namespace: "redhat", Name: "bash", Version: "5.2.26-4.el9", Qualifiers: map[string]string{"arch": "x86_64"}},
		},
		{in: "oci/ubi@sha256:abc", wantErr: true},
		{in: "pkg:oci", wantErr: true},
		{in: "pkg:oci/ubi@sha256%zz", wantErr: true},
	} {
		got, err := parsePurl(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("parsePurl(%q): want an error, got %+v", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("parsePurl(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parsePurl(%q)\n got  %+v\n want %+v", tc.in, got, tc.want)
		}
	}
}
