package test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rebuild-project/rebuild/test/world"
)

// checkPrefetchArtifact checks the prefetch task's CACHI2_ARTIFACT: the blob its digest names
// is in the registry, in the manifest tagged ociStorage, and unpacks to cachi2.env and the
// files of the lock file, each as the file server has it but tampered, which has more.
func checkPrefetchArtifact(ctx context.Context, t *testing.T, w *world.World, pub world.Published, tampered string) {
	t.Helper()
	pre := pub.Prefetch
	if pre == nil {
		t.Fatal("world: publishing with PREFETCH_INPUT recorded no prefetch")
	}
	repo, _, _ := strings.Cut(pub.Ref, "@")
	if !strings.HasPrefix(pre.Artifact, "oci:"+repo+"@sha256:") || pub.Params.String("CACHI2_ARTIFACT") != pre.Artifact {
		t.Errorf("world: CACHI2_ARTIFACT %q (build parameter %q), want oci:%s@sha256:<blob>", pre.Artifact, pub.Params.String("CACHI2_ARTIFACT"), repo)
	}
	blob, err := w.FetchTrustedArtifact(ctx, pre.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("world: the artifact's gzip header has name %q and time %s, want neither (gzip -n)", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var names []string
	contents := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		data, _ := io.ReadAll(tr)
		contents[h.Name] = string(data)
	}
	want := []string{"./", "./cachi2.env", "./output/", "./output/.build-config.json", "./output/bom.json",
		"./output/deps/", "./output/deps/generic/", "./output/deps/generic/docs/", "./output/deps/generic/docs/notes.txt",
		"./output/deps/generic/greeting.txt", "./output/deps/generic/tool.tar.gz"}
	if !slices.Equal(names, want) {
		t.Errorf("world: the artifact holds %q, want %q", names, want)
	}
	if contents["./cachi2.env"] != "\n" {
		t.Errorf("world: cachi2.env = %q, want generate-env's newline alone", contents["./cachi2.env"])
	}
	for file, served := range prefetchedFiles {
		got, wantContent := contents["./output/deps/generic/"+file], fixtureFile(t, served)
		switch {
		case file == tampered && (got == wantContent || !strings.HasPrefix(got, wantContent)):
			t.Errorf("world: tampered %s = %q, want the served file and more", file, got)
		case file != tampered && got != wantContent:
			t.Errorf("world: prefetched %s differs from the served file", file)
		}
	}
	m, err := remote.Get(mustTag(t, pre.Store), remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	img, err := m.Image()
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, l := range manifest.Layers {
		titles = append(titles, l.Annotations["org.opencontainers.image.title"])
		if l.Annotations["org.opencontainers.image.title"] == "CACHI2_ARTIFACT" &&
			("oci:"+repo+"@"+l.Digest.String() != pre.Artifact || l.MediaType != types.OCILayer) {
			t.Errorf("world: %s's CACHI2_ARTIFACT layer is %s of type %s, want %s of type %s", pre.Store, l.Digest, l.MediaType, pre.Artifact, types.OCILayer)
		}
	}
	if !slices.Equal(titles, []string{"SOURCE_ARTIFACT", "CACHI2_ARTIFACT"}) || manifest.Config.MediaType != "application/vnd.oci.empty.v1+json" {
		t.Errorf("world: %s has layers %q and config %s", pre.Store, titles, manifest.Config.MediaType)
	}
}

// checkPrefetchPredicate checks what the provenance records of the prefetch.
func checkPrefetchPredicate(t *testing.T, w *world.World, pub world.Published) {
	t.Helper()
	payload := []byte(attestationPayload(t, pub.Attestation))
	type task struct {
		Name       string
		After      []string
		Invocation struct{ Parameters map[string]any }
		Results    []struct{ Name, Value string }
		Steps      []struct {
			Arguments   []string
			Environment map[string]string
		}
	}
	var st struct {
		Predicate struct{ BuildConfig struct{ Tasks []task } }
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	tasks := map[string]task{}
	var order []string
	for _, tk := range st.Predicate.BuildConfig.Tasks {
		tasks[tk.Name] = tk
		order = append(order, tk.Name)
	}
	if want := []string{"init", "clone-repository", "prefetch-dependencies", "build-container"}; !slices.Equal(order, want) {
		t.Fatalf("world: the predicate's tasks are %q, want %q", order, want)
	}
	pre, build := tasks["prefetch-dependencies"], tasks["build-container"]
	results := map[string]string{}
	for _, r := range pre.Results {
		results[r.Name] = r.Value
	}
	image := pub.Params.String("IMAGE")
	if pre.Invocation.Parameters["input"] != pub.Prefetch.Input || pre.Invocation.Parameters["ociStorage"] != image+".prefetch" ||
		results["CACHI2_ARTIFACT"] != pub.Prefetch.Artifact || results["SOURCE_ARTIFACT"] != pub.Params.String("SOURCE_ARTIFACT") {
		t.Errorf("world: prefetch-dependencies records %v and results %v", pre.Invocation.Parameters, results)
	}
	for _, p := range []string{"PREFETCH_INPUT", "HERMETIC", "CACHI2_ARTIFACT"} {
		if build.Invocation.Parameters[p] != pub.Params.String(p) {
			t.Errorf("world: build-container records %s = %v, want %q", p, build.Invocation.Parameters[p], pub.Params.String(p))
		}
	}
	if !slices.Equal(build.After, []string{"prefetch-dependencies"}) || len(build.Steps) == 0 ||
		!slices.Contains(build.Steps[0].Arguments, pub.Prefetch.Artifact+"=/var/workdir/cachi2") {
		t.Errorf("world: build-container runs after %q, its first step's arguments are %q", build.After, build.Steps[0].Arguments)
	}
}

// imageFiles returns the regular files of the image ref (repo@digest) in the registry, by
// path without the leading slash.
func imageFiles(ctx context.Context, t *testing.T, ref string) map[string]string {
	t.Helper()
	rc := mutate.Extract(remoteImage(ctx, t, ref))
	defer rc.Close()
	files := map[string]string{}
	for name, data := range tarRegularFiles(t, rc) {
		files[strings.TrimPrefix(strings.TrimPrefix(name, "./"), "/")] = data
	}
	return files
}

// remoteImage is the image ref (repo@digest) in the world's registry.
func remoteImage(ctx context.Context, t *testing.T, ref string) v1.Image {
	t.Helper()
	d, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(d, remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// tarRegularFiles reads a tar stream: the content of its regular files, by entry name.
func tarRegularFiles(t *testing.T, r io.Reader) map[string]string {
	t.Helper()
	tr := tar.NewReader(r)
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = string(data)
		}
	}
}

func mustTag(t *testing.T, ref string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

// fixtureFile is a file the world's file server serves.
func fixtureFile(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "prefetch-files", file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// wantImageFiles checks that the image's files (imageFiles) hold want: path -> content.
func wantImageFiles(t *testing.T, files, want map[string]string) {
	t.Helper()
	for path, body := range want {
		if got, ok := files[path]; !ok || got != body {
			t.Errorf("world: the image's /%s = %q (present %v), want %q", path, got, ok, body)
		}
	}
}
