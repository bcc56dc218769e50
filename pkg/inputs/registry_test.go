package inputs

import (
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	ggtypes "github.com/google/go-containerregistry/pkg/v1/types"
)

// testRegistry is an in-process registry on loopback, marked insecure in a registries.conf
// that CONTAINERS_REGISTRIES_CONF points at for the test.
type testRegistry struct {
	Host   string
	server *httptest.Server
}

func newTestRegistry(t *testing.T, referrersAPI bool) *testRegistry {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.WithReferrersSupport(referrersAPI), registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	host := strings.TrimPrefix(s.URL, "http://")
	conf := filepath.Join(t.TempDir(), "registries.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n", host)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONTAINERS_REGISTRIES_CONF", conf)
	return &testRegistry{Host: host, server: s}
}

func (r *testRegistry) push(t *testing.T, ref string, img v1.Image) v1.Hash {
	t.Helper()
	n, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(n, img); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pushImage pushes a small random image to repo:tag and returns its manifest digest.
func (r *testRegistry) pushImage(t *testing.T, repo, tag string) v1.Hash {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", runtime.GOARCH
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	return r.push(t, r.Host+"/"+repo+":"+tag, img)
}

// pushCosignSBOM attaches sbom to subject the way `cosign attach sbom --type spdx` does.
func (r *testRegistry) pushCosignSBOM(t *testing.T, repo string, subject v1.Hash, sbom []byte) {
	t.Helper()
	r.pushCosignSBOMType(t, repo, subject, sbom, "text/spdx+json")
}

// pushCosignSBOMType attaches sbom as a layer of type mediaType, the way `cosign attach sbom`
// does (application/vnd.cyclonedx+json for --type cyclonedx and a .json file).
func (r *testRegistry) pushCosignSBOMType(t *testing.T, repo string, subject v1.Hash, sbom []byte, mediaType string) {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer(sbom, ggtypes.MediaType(mediaType)))
	if err != nil {
		t.Fatal(err)
	}
	r.push(t, r.Host+"/"+repo+":"+subject.Algorithm+"-"+subject.Hex+".sbom", img)
}

// pushReferrerSBOM attaches sbom to subject as an OCI 1.1 referrer; with tagSchema, it also
// writes the referrers index under the tag "sha256-<hex>", as clients do for registries
// without the referrers API.
func (r *testRegistry) pushReferrerSBOM(t *testing.T, repo string, subject v1.Hash, sbom []byte, tagSchema bool) {
	t.Helper()
	r.pushReferrerSBOMType(t, repo, subject, sbom, "application/spdx+json", tagSchema)
}

// pushReferrerSBOMType is pushReferrerSBOM with mediaType as the layer and artifact type.
func (r *testRegistry) pushReferrerSBOMType(t *testing.T, repo string, subject v1.Hash, sbom []byte, mediaType string, tagSchema bool) {
	t.Helper()
	img := mutate.MediaType(empty.Image, ggtypes.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, ggtypes.MediaType(mediaType))
	img, err := mutate.AppendLayers(img, static.NewLayer(sbom, ggtypes.MediaType(mediaType)))
	if err != nil {
		t.Fatal(err)
	}
	subjectDesc := v1.Descriptor{MediaType: ggtypes.DockerManifestSchema2, Digest: subject}
	n, err := name.ParseReference(r.Host+"/"+repo+"@"+subject.String(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(n)
	if err != nil {
		t.Fatal(err)
	}
	subjectDesc.MediaType, subjectDesc.Size = desc.MediaType, desc.Size
	withSubject, ok := mutate.Subject(img, subjectDesc).(v1.Image)
	if !ok {
		t.Fatal("mutate.Subject did not return an image")
	}
	d, err := withSubject.Digest()
	if err != nil {
		t.Fatal(err)
	}
	r.push(t, r.Host+"/"+repo+"@"+d.String(), withSubject)
	if !tagSchema {
		return
	}
	index := mutate.IndexMediaType(empty.Index, ggtypes.OCIImageIndex)
	index = mutate.AppendManifests(index, mutate.IndexAddendum{
		Add:        withSubject,
		Descriptor: v1.Descriptor{MediaType: ggtypes.OCIManifestSchema1, ArtifactType: mediaType},
	})
	n, err = name.ParseReference(r.Host+"/"+repo+":"+subject.Algorithm+"-"+subject.Hex, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(n, index); err != nil {
		t.Fatal(err)
	}
}
