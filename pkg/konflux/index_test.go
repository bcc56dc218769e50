package konflux

import (
	"strings"
	"testing"
)

// TestIndexManifest checks the shapes buildah serializes (image-spec v1.Index, containers/image
// Schema2List: field order, omitted fields, Go's escaping); the e2e world checks the bytes
// against buildah's own manifest create, add --all and push.
func TestIndexManifest(t *testing.T) {
	d1, d2 := "sha256:"+strings.Repeat("1", 64), "sha256:"+strings.Repeat("2", 64)
	children := []IndexChild{
		{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: d1, Size: 501, Architecture: "amd64", OS: "linux"},
		{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: d2, Size: 502, Architecture: "arm64", OS: "linux", Variant: "v8", Zstd: true},
		{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: d1, Size: 7},
	}
	got, err := IndexManifest(children, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + d1 + `","size":501,"platform":{"architecture":"amd64","os":"linux"}},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + d2 + `","size":502,"annotations":{"io.github.containers.compression.zstd":"true"},"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + d1 + `","size":7}]}`
	if string(got) != want {
		t.Errorf("OCI index:\n%s\nwant\n%s", got, want)
	}
	got, err = IndexManifest(children[:1], true)
	if err != nil {
		t.Fatal(err)
	}
	want = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":501,"digest":"` + d1 + `","platform":{"architecture":"amd64","os":"linux"}}]}`
	if string(got) != want {
		t.Errorf("docker list:\n%s\nwant\n%s", got, want)
	}
}
