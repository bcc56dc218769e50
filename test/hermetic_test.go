package test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rebuild-project/rebuild/test/world"
)

// icmNoContentSets is the content-sets.json inject-icm-to-containerfile writes for a prefetch
// SBOM that names no RPM repository.
const icmNoContentSets = "{\n    \"metadata\": {\n\t\"icm_version\": 1,\n" +
	"\t\"icm_spec\": \"https://raw.githubusercontent.com/containerbuildsystem/atomic-reactor/master/atomic_reactor/schemas/content_manifest.json\",\n" +
	"\t\"image_layer_index\": 0\n    },\n    \"from_dnf_hint\": true,\n    \"content_sets\": []\n}\n\n"

// prefetchedFiles are the files of hermetic-generic's lock file, under deps/generic, and the
// file the world's file server has each from.
var prefetchedFiles = map[string]string{"tool.tar.gz": "tool.tar.gz", "greeting.txt": "greeting.txt", "docs/notes.txt": "notes.txt"}

// TestHermeticWorld checks the world's side of the hermetic-generic case, with no rebuild:
// the prefetch task's artifact, what the build made of it, and what the provenance records.
func TestHermeticWorld(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	i := slices.IndexFunc(cases, func(c e2eCase) bool { return c.name == "hermetic-generic" })
	pub := publish(ctx, t, w, cases[i], epoch.AddDate(0, 0, i)) // as TestRebuild publishes it
	checkPrefetchArtifact(ctx, t, w, pub, "")
	checkPrefetchPredicate(t, w, pub)

	files := imageFiles(ctx, t, pub.Ref)
	notes := strings.ReplaceAll("note: "+strings.TrimSuffix(fixtureFile(t, "notes.txt"), "\n"), "\n", "\nnote: ") + "\n"
	wantImageFiles(t, files, map[string]string{
		"opt/tool/VERSION":                      "tool 1.0\n",
		"opt/greeting.txt":                      fixtureFile(t, "greeting.txt"),
		"opt/hello.out":                         "hello from the prefetched tool\n",
		"opt/notes.txt":                         notes,
		"opt/prefetched.list":                   "./docs/notes.txt\n./greeting.txt\n./tool.tar.gz\n",
		"etc/app.conf":                          "greeting=/opt/greeting.txt\n",
		"usr/share/buildinfo/content-sets.json": icmNoContentSets,
		"root/buildinfo/content_manifests/content-sets.json": icmNoContentSets,
	})
	for path := range files {
		if strings.HasPrefix(path, "cachi2/") {
			t.Errorf("world: the image holds /%s: the prefetched content is a volume, not image content", path)
		}
	}
}

// TestHermeticPipWorld checks what the hermetic-pip case's build made of the prefetched pip
// distribution and of cachi2.env, which the task's sed makes every RUN source.
func TestHermeticPipWorld(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	i := slices.IndexFunc(cases, func(c e2eCase) bool { return c.name == "hermetic-pip" })
	pub := publish(ctx, t, w, cases[i], epoch.AddDate(0, 0, i)) // as TestRebuild publishes it
	files := imageFiles(ctx, t, pub.Ref)
	wantImageFiles(t, files, map[string]string{
		"opt/pip.env":      "PIP_FIND_LINKS=/cachi2/output/deps/pip\nPIP_NO_INDEX=true\n",
		"opt/pip.list":     "tool.tar.gz\n",
		"opt/tool/VERSION": "tool 1.0\n",
	})
}

// TestHermeticRPMWorld checks what the hermetic-rpm case's build saw: the prefetched
// repository file over /etc/yum.repos.d, the RPMs of this architecture alone, and the
// content-sets.json jq wrote for the SBOM's repository_id.
func TestHermeticRPMWorld(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	i := slices.IndexFunc(cases, func(c e2eCase) bool { return c.name == "hermetic-rpm" })
	pub := publish(ctx, t, w, cases[i], epoch.AddDate(0, 0, i)) // as TestRebuild publishes it
	files := imageFiles(ctx, t, pub.Ref)
	sets := "{\n  \"metadata\": {\n    \"icm_version\": 1,\n    \"icm_spec\": \"https://raw.githubusercontent.com/containerbuildsystem/atomic-reactor/master/atomic_reactor/schemas/content_manifest.json\",\n" +
		"    \"image_layer_index\": 0\n  },\n  \"from_dnf_hint\": true,\n  \"content_sets\": [\n    \"rebuild-e2e-baseos\"\n  ]\n}\n"
	wantImageFiles(t, files, map[string]string{
		"opt/yum.repos":                         "[rebuild-e2e-baseos]\nbaseurl = file:///cachi2/output/deps/rpm/x86_64/rebuild-e2e-baseos\ngpgcheck = 1\n\n",
		"opt/rpms.list":                         "./x86_64/rebuild-e2e-baseos/hello-1.0-1.x86_64.rpm\n./x86_64/rebuild-e2e-baseos/repodata/repomd.xml\n./x86_64/repos.d/cachi2.repo\n",
		"usr/share/buildinfo/content-sets.json": sets,
	})
}

// TestHermeticTampered publishes hermetic-generic from a prefetch artifact whose greeting.txt
// is not what the commit's lock file says, and expects the rebuild to refuse it, naming the file.
func TestHermeticTampered(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := e2eCase{
		name: "hermetic-tampered", testdata: "hermetic-generic", tamperPrefetch: "greeting.txt",
		params: world.Params{"DOCKERFILE": "Containerfile", "PREFETCH_INPUT": `{"type":"generic","path":"."}`, "HERMETIC": "true"},
	}
	pub := publish(ctx, t, w, c, epoch.AddDate(0, 5, 0))
	checkPrefetchArtifact(ctx, t, w, pub, "greeting.txt")
	if got := imageFiles(ctx, t, pub.Ref)["opt/greeting.txt"]; got == fixtureFile(t, "greeting.txt") {
		t.Errorf("world: the image's /opt/greeting.txt is the locked file's: the build did not use the tampered artifact")
	}
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet: published and checked the world only")
	}
	res, err := runRebuild(ctx, w, pub.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	if want := "deps/generic/greeting.txt"; res.exit != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("rebuild of a build from a tampered prefetch exited %d, want 2 with %q:\n%s", res.exit, want, tail(res.stderr, 4000))
	}
}

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
	line, _, _ := bytes.Cut(pub.Attestation, []byte("\n"))
	var env struct{ Payload string }
	if err := json.Unmarshal(line, &env); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
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
	d, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(d, remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
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
			files[strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")] = string(data)
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

// TestHermeticArtifactGone publishes hermetic-generic, then deletes its CACHI2_ARTIFACT blob
// from the registry (prefetch artifacts expire): the rebuild fetches each file of the lock
// file from its URL, checks it, and still gets the published image.
func TestHermeticArtifactGone(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := caseNamed(t, "hermetic-generic")
	c.name, c.testdata = "hermetic-gone", "hermetic-generic"
	pub := publish(ctx, t, w, c, epoch.AddDate(0, 6, 0))
	repo, blob, _ := strings.Cut(strings.TrimPrefix(pub.Prefetch.Artifact, "oci:"), "@")
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "http://"+w.Registry+"/v2/"+strings.TrimPrefix(repo, w.Registry+"/")+"/blobs/"+blob, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("world: deleting the prefetch blob: %s", resp.Status)
	}
	res, err := runRebuild(ctx, w, pub.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	if want := "fetching each file its lock file names from its URL instead"; res.exit != 0 || !strings.Contains(res.stderr, want) {
		t.Fatalf("rebuild exited %d, want 0 having said %q:\n%s", res.exit, want, tail(res.stderr, 4000))
	}
	if id := strings.TrimSpace(res.stdout); id != pub.ImageID {
		t.Errorf("rebuild printed %s, podman pull printed %s", id, pub.ImageID)
	}
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
