package inputs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/opencontainers/go-digest"
	"go.podman.io/storage"
)

func TestPull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for containers-storage")
	}
	reg := newTestRegistry(t, true)
	repo := reg.Host + "/builder"
	a := digest.Digest(reg.pushImage(t, "builder", "latest").String())
	b := digest.Digest(reg.pushImage(t, "builder", "other").String())

	tmp := t.TempDir()
	policy := filepath.Join(tmp, "policy.json")
	if err := os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := storage.GetStore(storage.StoreOptions{
		RunRoot:         filepath.Join(tmp, "run"),
		GraphRoot:       filepath.Join(tmp, "root"),
		GraphDriverName: "vfs",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })

	ctx := context.Background()
	name := repo + ":latest"
	pull := func(pins map[string]string) (string, error) {
		var progress bytes.Buffer
		err := Pull(ctx, store, nil, policy, pins, &progress)
		return progress.String(), err
	}

	if _, err := pull(map[string]string{name: repo + "@" + a.String(), "builder": repo + "@" + a.String()}); err != nil {
		t.Fatal(err)
	}
	assertNames(t, store, a, name, "localhost/builder:latest")

	if _, err := pull(map[string]string{name: repo + "@" + b.String()}); err != nil {
		t.Fatal(err)
	}
	assertNames(t, store, b, name)
	assertNames(t, store, a, "localhost/builder:latest")
	if img, _ := store.Image(name); img != nil && slices.Contains(img.Digests, a) {
		t.Errorf("%s still names the image with digest %s", name, a)
	}

	reg.server.Close()
	progress, err := pull(map[string]string{name: repo + "@" + a.String()})
	if err != nil {
		t.Fatalf("pulling an image the store holds, offline: %v", err)
	}
	if progress != "" {
		t.Errorf("pulling an image the store holds copied: %q", progress)
	}
	assertNames(t, store, a, name)

	_, err = pull(map[string]string{"other:1": repo + "@" + digest.FromString("absent").String()})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("unreachable registry: got %v, want ErrUnavailable", err)
	}
}

// assertNames checks that each name resolves in store to the image with digest d.
func assertNames(t *testing.T, store storage.Store, d digest.Digest, names ...string) {
	t.Helper()
	imgs, err := store.ImagesByDigest(d)
	if err != nil || len(imgs) != 1 {
		t.Fatalf("images with digest %s: %v, %v", d, imgs, err)
	}
	for _, n := range names {
		img, err := store.Image(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if img.ID != imgs[0].ID {
			t.Errorf("%s names image %s, want %s (digest %s)", n, img.ID, imgs[0].ID, d)
		}
	}
}

func TestLocalName(t *testing.T) {
	const d = "sha256:df6b07176a9b17cc4c9afc257bd404732e7d09b76436c7890f7b7be14e579794"
	for in, want := range map[string]string{
		"builder":                          "localhost/builder:latest",
		"builder:1":                        "localhost/builder:1",
		"library/alpine":                   "localhost/library/alpine:latest",
		"localhost/x":                      "localhost/x:latest",
		"localhost:5000/builder:latest":    "localhost:5000/builder:latest",
		"docker.io/golang:1.22":            "docker.io/library/golang:1.22",
		"quay.io/org/app":                  "quay.io/org/app:latest",
		"quay.io/org/app:1@" + d:           "quay.io/org/app@" + d,
		"registry.example:8443/a/b/c@" + d: "registry.example:8443/a/b/c@" + d,
	} {
		got, err := localName(in)
		if err != nil || got != want {
			t.Errorf("localName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestPullProgress: a pull says, every progressInterval, how far each blob has come, with no
// terminal to draw bars on.
func TestPullProgress(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for containers-storage")
	}
	defer func(d time.Duration) { progressInterval = d }(progressInterval)
	progressInterval = time.Microsecond
	reg := newTestRegistry(t, true)
	img, err := random.Image(8<<20, 1)
	if err != nil {
		t.Fatal(err)
	}
	d := reg.push(t, reg.Host+"/big:1", img)
	tmp := t.TempDir()
	policy := filepath.Join(tmp, "policy.json")
	if err := os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := storage.GetStore(storage.StoreOptions{RunRoot: filepath.Join(tmp, "run"), GraphRoot: filepath.Join(tmp, "root"), GraphDriverName: "vfs"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })
	var progress bytes.Buffer
	if err := Pull(context.Background(), store, nil, policy, map[string]string{"big:1": reg.Host + "/big@" + d.String()}, &progress); err != nil {
		t.Fatal(err)
	}
	if want := "pulling " + reg.Host + "/big@" + d.String() + ": blob "; !strings.Contains(progress.String(), want) || !strings.Contains(progress.String(), " MiB of ") {
		t.Errorf("progress lacks %q lines:\n%s", want, progress.String())
	}
}
