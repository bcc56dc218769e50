package compare

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	ggcrtypes "github.com/google/go-containerregistry/pkg/v1/types"
	ocilayout "go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/types"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// entry is one tar entry of a test layer.
type entry struct {
	name  string
	body  string
	typ   byte // 0: regular file
	mode  int64
	uid   int
	mtime time.Time
	link  string
	pax   map[string]string
}

// testImage describes a small OCI image built in a test.
type testImage struct {
	layers      [][]entry
	labels      map[string]string
	env         []string
	created     time.Time
	annotations map[string]string
	history     []v1.History // nil: one empty entry a layer
}

func baseImage() testImage {
	return testImage{
		layers: [][]entry{
			{{name: "etc/", typ: tar.TypeDir}, {name: "etc/os-release", body: "ID=test\n"}},
			{{name: "app/", typ: tar.TypeDir}, {name: "app/a.txt", body: "a\n"}, {name: "app/b.txt", body: "b\n"}, {name: "app/link", typ: tar.TypeSymlink, link: "a.txt"}},
		},
		labels:      map[string]string{"name": "test", "build-date": "2026-01-01T00:00:00Z"},
		env:         []string{"PATH=/bin"},
		created:     t0,
		annotations: map[string]string{"org.opencontainers.image.created": "2026-01-01T00:00:00Z"},
	}
}

func tarOf(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Uid: e.uid, ModTime: e.mtime, Linkname: e.link, PAXRecords: e.pax, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.ModTime.IsZero() {
			h.ModTime = t0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeLayout writes ti as an OCI layout in a new folder and returns a reference to it.
func writeLayout(t *testing.T, ti testImage) types.ImageReference {
	t.Helper()
	img := mutate.MediaType(empty.Image, ggcrtypes.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, ggcrtypes.OCIConfigJSON)
	for _, entries := range ti.layers {
		data := tarOf(t, entries)
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Created = v1.Time{Time: ti.created}
	cf.Config.Labels = ti.labels
	cf.Config.Env = ti.env
	if ti.history != nil {
		cf.History = ti.history
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	img = mutate.Annotations(img, ti.annotations).(v1.Image)
	return layoutRef(t, img)
}

func layoutRef(t *testing.T, img v1.Image) types.ImageReference {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	ref, err := ocilayout.NewReference(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func compareImages(t *testing.T, pub, reb testImage, opt Options) *Report {
	t.Helper()
	rep, err := Compare(context.Background(), writeLayout(t, pub), writeLayout(t, reb), opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
