package kit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ggtypes "github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// pushOCIImage pushes a small random OCI image with layers layers to host/repo:tag and
// returns its pull reference by digest.
func pushOCIImage(t *testing.T, host, repo, tag string, layers int) string {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, ggtypes.OCIManifestSchema1), ggtypes.OCIConfigJSON)
	for range layers {
		l, err := random.Layer(512, ggtypes.OCILayer)
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
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
	ref, err := name.ParseReference(host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return host + "/" + repo + "@" + d.String()
}

func startRegistry(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	host := strings.TrimPrefix(s.URL, "http://")
	conf := filepath.Join(t.TempDir(), "registries.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n", host)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONTAINERS_REGISTRIES_CONF", conf)
	return host
}

// TestWrite makes a kit from real parts (a git checkout, an in-process registry), reads it
// back with what rebuild --kit uses, and checks that a changed layer is refused by name.
func TestWrite(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for containers-storage")
	}
	g := newGitRepos(t)
	host := startRegistry(t)
	builder := pushOCIImage(t, host, "builder", "latest", 2)
	base := pushOCIImage(t, host, "base", "9", 1)
	pins := map[string]string{host + "/builder:latest": builder, "builder": builder, host + "/base:9": base}
	tmp := t.TempDir()
	policy := filepath.Join(tmp, "policy.json")
	if err := os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	sbom := []byte(`{"spdxVersion":"SPDX-2.3"}`)
	dir := filepath.Join(tmp, "kit")
	ctx := context.Background()
	m, err := Write(ctx, dir, Contents{
		Attestation: []byte("{}\n"), SBOM: sbom, Checkout: g.checkout,
		URL: "https://example.test/main.git", Commit: g.commit, Pins: pins, PolicyPath: policy,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(ctx, dir, Contents{}); err == nil {
		t.Error("writing a kit into a folder that is not empty did not fail")
	}

	listed := map[string]File{}
	for _, f := range m.Files {
		listed[f.Path] = f
	}
	for _, p := range []string{AttestationFile, SBOMFile, SourceFile, ImagesDir + "/index.json"} {
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if f := listed[p]; f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(data)) {
			t.Errorf("manifest lists %s as %+v, want sha256 %x and size %d", p, f, sum, len(data))
		}
	}
	if len(m.Images) != 2 || m.Sizes.Kit == 0 || m.Sizes.Images == 0 {
		t.Errorf("manifest images %+v, sizes %+v: want 2 images and sizes", m.Images, m.Sizes)
	}
	var onDisk Manifest
	if data, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err != nil || json.Unmarshal(data, &onDisk) != nil {
		t.Errorf("reading %s: %v", ManifestFile, err)
	}

	blobURL := host + "/app@" + digest.FromBytes(sbom).String()
	if _, err := inputs.ReadSBOMFile(filepath.Join(dir, SBOMFile), blobURL); err != nil {
		t.Errorf("reading the kit's SBOM: %v", err)
	}

	pull := func(t *testing.T) error {
		store, err := storage.GetStore(storage.StoreOptions{
			RunRoot: filepath.Join(t.TempDir(), "run"), GraphRoot: filepath.Join(t.TempDir(), "root"), GraphDriverName: "vfs",
		})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _, _ = store.Shutdown(true) }()
		if err := inputs.PullFromLayout(ctx, store, filepath.Join(dir, ImagesDir), policy, pins, nil); err != nil {
			return err
		}
		for _, name := range []string{host + "/builder:latest", host + "/base:9"} {
			img, err := store.Image(name)
			if err != nil {
				t.Errorf("the store has no image named %s: %v", name, err)
				continue
			}
			if want := digest.Digest(pins[name][strings.Index(pins[name], "@")+1:]); !slices.Contains(img.Digests, want) {
				t.Errorf("%s names an image with digests %v, want %s", name, img.Digests, want)
			}
		}
		return nil
	}
	t.Run("read back", func(t *testing.T) {
		if err := pull(t); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("changed layer", func(t *testing.T) {
		layer := changeFirstLayer(t, filepath.Join(dir, ImagesDir), m.Images[0].Digest)
		err := pull(t)
		if !errors.Is(err, inputs.ErrTampered) || !strings.Contains(err.Error(), layer) {
			t.Errorf("got %v, want ErrTampered naming %s", err, layer)
		}
	})
}

// changeFirstLayer flips one byte of the first layer of the image d in the layout at dir
// and returns the layer's file name.
func changeFirstLayer(t *testing.T, dir string, d digest.Digest) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", d.Encoded()))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Layers []struct{ Digest digest.Digest } `json:"layers"`
	}
	if err := json.Unmarshal(data, &m); err != nil || len(m.Layers) == 0 {
		t.Fatalf("reading layers of %s: %v", d, err)
	}
	path := filepath.Join(dir, "blobs", "sha256", m.Layers[0].Digest.Encoded())
	layer, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	layer[len(layer)/2] ^= 1
	if err := os.WriteFile(path, layer, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
