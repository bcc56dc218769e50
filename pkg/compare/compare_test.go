package compare

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	ggcrtypes "github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/types"
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name       string
		change     func(*testImage)
		inputs     Inputs
		causes     []string
		summary    string
		path, kind string // a file the report must name, and how it differs
		field      string // a config field or annotation the report must name
	}{
		{
			name:    "identical",
			change:  func(*testImage) {},
			summary: "identical",
		},
		{
			name:    "timestamps only",
			change:  func(ti *testImage) { ti.layers[1][1].mtime = t0.Add(time.Hour) },
			causes:  []string{CauseTimestamps},
			summary: "timestamps only",
			path:    "/app/a.txt", kind: "mtime",
		},
		{
			name:    "content",
			change:  func(ti *testImage) { ti.layers[1][2].body = "B\n" },
			causes:  []string{CauseContent},
			summary: "file content",
			path:    "/app/b.txt", kind: "content",
		},
		{
			name:   "mode",
			change: func(ti *testImage) { ti.layers[1][1].mode = 0o600 },
			causes: []string{CauseMetadata},
			path:   "/app/a.txt", kind: "mode",
		},
		{
			name:   "owner",
			change: func(ti *testImage) { ti.layers[0][1].uid = 1000 },
			causes: []string{CauseMetadata},
			path:   "/etc/os-release", kind: "owner",
		},
		{
			name:   "link target",
			change: func(ti *testImage) { ti.layers[1][3].link = "b.txt" },
			causes: []string{CauseMetadata},
			path:   "/app/link", kind: "link",
		},
		{
			name:   "xattrs",
			change: func(ti *testImage) { ti.layers[1][1].pax = map[string]string{"SCHILY.xattr.user.note": "x"} },
			causes: []string{CauseMetadata},
			path:   "/app/a.txt", kind: "xattrs",
		},
		{
			name: "ordering",
			change: func(ti *testImage) {
				l := ti.layers[1]
				l[1], l[2] = l[2], l[1]
			},
			causes: []string{CauseOrdering},
			path:   "/app/a.txt", kind: "order",
		},
		{
			name: "added",
			change: func(ti *testImage) {
				ti.layers[1] = append(ti.layers[1], entry{name: "app/.git/HEAD", body: "ref: main\n"})
			},
			causes: []string{CauseAddMissing},
			path:   "/app/.git/HEAD", kind: "only-rebuilt",
		},
		{
			name:   "missing layer",
			change: func(ti *testImage) { ti.layers = ti.layers[:1] },
			causes: []string{CauseAddMissing, CauseConfig}, // and its history entry
			path:   "/app/a.txt", kind: "only-published",
		},
		{
			name: "config",
			change: func(ti *testImage) {
				ti.labels = map[string]string{"name": "other", "build-date": "2026-02-01T00:00:00Z"}
				ti.env = append(ti.env, "X=1")
			},
			causes: []string{CauseConfig, CauseTimestamps},
			field:  "config.Labels.name",
		},
		{
			name: "created and annotation",
			change: func(ti *testImage) {
				ti.created = t0.Add(time.Minute)
				ti.annotations = map[string]string{"org.opencontainers.image.created": "2026-01-01T00:01:00Z"}
			},
			causes:  []string{CauseTimestamps},
			summary: "timestamps only",
			field:   "org.opencontainers.image.created",
		},
		{
			name: "buildah version drift",
			change: func(ti *testImage) {
				ti.layers[1] = append(ti.layers[1], entry{name: "usr/share/buildinfo/labels.json", body: "{\n  \"io.buildah.version\": \"1.42.1\"\n}\n"})
			},
			inputs: Inputs{BuildahVersion: "1.42.1"},
			causes: []string{CauseInputDrift, CauseContent},
		},
		{
			name:   "base image drift",
			change: func(ti *testImage) { ti.layers[0][1].body = "ID=other\n" },
			inputs: Inputs{Base: &BaseImage{Name: "base", Digest: "sha256:" + strings.Repeat("b", 64)}},
			causes: []string{CauseInputDrift, CauseContent},
		},
		{
			name: "base annotation",
			change: func(ti *testImage) {
				// annotations are not part of the image ID: only a config change makes it differ
				ti.labels = map[string]string{"name": "test", "build-date": "2026-01-02T00:00:00Z"}
				ti.annotations = map[string]string{"org.opencontainers.image.created": "2026-01-01T00:00:00Z", "org.opencontainers.image.base.digest": "sha256:0"}
			},
			causes: []string{CauseInputDrift, CauseTimestamps},
			field:  "org.opencontainers.image.base.digest",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub, reb := baseImage(), baseImage()
			if tc.name == "buildah version drift" {
				// the published side names another buildah than the rebuild ran
				pub.layers[1] = append(pub.layers[1], entry{name: "usr/share/buildinfo/labels.json", body: "{\n  \"io.buildah.version\": \"1.39.0\"\n}\n"})
			}
			tc.change(&reb)
			inputs := tc.inputs
			if inputs.Base != nil {
				inputs.Base.DiffIDs = diffIDs(t, reb)[:1]
			}
			rep := compareImages(t, pub, reb, Options{Inputs: inputs})
			if got, want := rep.Identical, tc.causes == nil; got != want {
				t.Fatalf("Identical = %v, want %v: %+v", got, want, rep)
			}
			if tc.causes != nil && !slices.Equal(rep.Causes, tc.causes) {
				t.Errorf("causes = %v, want %v", rep.Causes, tc.causes)
			}
			if tc.summary != "" && rep.Summary != tc.summary {
				t.Errorf("summary = %q, want %q", rep.Summary, tc.summary)
			}
			var text bytes.Buffer
			rep.Explain(&text, "", 0)
			if tc.path != "" {
				f, ok := findFile(rep, tc.path)
				if !ok || !slices.Contains(f.Kinds, tc.kind) {
					t.Errorf("no %s difference for %s in the report; explanation:\n%s", tc.kind, tc.path, text.String())
				}
				if !strings.Contains(text.String(), tc.path+": ") {
					t.Errorf("explanation does not name %s:\n%s", tc.path, text.String())
				}
			}
			if tc.field != "" && !strings.Contains(text.String(), tc.field) {
				t.Errorf("explanation does not name %s:\n%s", tc.field, text.String())
			}
			if slices.Contains(tc.causes, CauseInputDrift) && !strings.Contains(text.String(), "input drift") {
				t.Errorf("explanation does not say input drift:\n%s", text.String())
			}
		})
	}
}

func TestDiffDir(t *testing.T) {
	pub, reb := baseImage(), baseImage()
	reb.layers[1][2].body = "rebuilt b\n"
	dir := t.TempDir()
	rep := compareImages(t, pub, reb, Options{DiffDir: dir})
	if rep.Identical {
		t.Fatal("identical")
	}
	for side, want := range map[string]string{"published": "b\n", "rebuilt": "rebuilt b\n"} {
		got, err := os.ReadFile(filepath.Join(dir, side, "app", "b.txt"))
		if err != nil || string(got) != want {
			t.Errorf("%s/app/b.txt = %q, %v; want %q", side, got, err, want)
		}
		if _, err := os.Stat(filepath.Join(dir, side, "app", "a.txt")); err == nil {
			t.Errorf("%s/app/a.txt extracted, but it does not differ", side)
		}
	}
}

func TestFilesPerLayer(t *testing.T) {
	pub, reb := baseImage(), baseImage()
	for i := range reb.layers[1] {
		reb.layers[1][i].mtime = t0.Add(time.Second)
	}
	rep := compareImages(t, pub, reb, Options{FilesPerLayer: 2})
	if l := rep.Layers[0]; len(l.Files) != 2 || l.Omitted != 2 {
		t.Errorf("files %d omitted %d, want 2 and 2", len(l.Files), l.Omitted)
	}
}

func findFile(rep *Report, path string) (FileDiff, bool) {
	for _, l := range rep.Layers {
		for _, f := range l.Files {
			if f.Path == path {
				return f, true
			}
		}
	}
	return FileDiff{}, false
}

// diffIDs are the uncompressed digests of ti's layers.
func diffIDs(t *testing.T, ti testImage) []digest.Digest {
	var out []digest.Digest
	for _, l := range ti.layers {
		out = append(out, digest.FromBytes(tarOf(t, l)))
	}
	return out
}

func TestEncodingOnly(t *testing.T) {
	pub := baseImage()
	a := tarOf(t, pub.layers[1])
	b := append(append([]byte{}, a...), make([]byte, 1024)...) // more zero padding after the end
	ref := func(layers ...[]byte) types.ImageReference {
		img := mutate.MediaType(empty.Image, ggcrtypes.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, ggcrtypes.OCIConfigJSON)
		for _, data := range layers {
			l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
			if err != nil {
				t.Fatal(err)
			}
			if img, err = mutate.AppendLayers(img, l); err != nil {
				t.Fatal(err)
			}
		}
		return layoutRef(t, img)
	}
	rep, err := Compare(context.Background(), ref(a), ref(b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Layers) != 1 || rep.Layers[0].Note != encodingOnly || !slices.Equal(rep.Causes, []string{CauseMetadata}) {
		t.Errorf("report %+v, want one layer differing in encoding only", rep)
	}
}
