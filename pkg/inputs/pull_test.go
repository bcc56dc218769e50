package inputs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

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
