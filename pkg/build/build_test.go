package build

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/containers/buildah"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
	"go.podman.io/storage/types"
)

func TestMain(m *testing.M) {
	if buildah.InitReexec() {
		return
	}
	os.Exit(m.Run())
}

func newStore(t *testing.T) storage.Store {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("building needs root")
	}
	dir := t.TempDir()
	store, err := storage.GetStore(types.StoreOptions{GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), GraphDriverName: "vfs"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })
	return store
}

func writePolicy(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(p, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuildScratchIsReproducible(t *testing.T) {
	// None of these may reach the build: the task's environment had none of them.
	t.Setenv("SOURCE_DATE_EPOCH", "1")
	t.Setenv("BUILDAH_LAYERS", "true")
	t.Setenv("BUILDAH_FORMAT", "docker")
	policy := writePolicy(t)
	src := writeTree(t, map[string]string{
		"Containerfile": "FROM scratch\nLABEL a=b\nCOPY hello /hello\n",
		"hello":         "hi\n",
	})
	task := DefaultTask()
	task.Dockerfile = "Containerfile"
	task.SourceDateEpoch = "1700000000"
	task.RewriteTimestamp = true
	task.CommitSHA = "0123456789abcdef0123456789abcdef01234567"
	var ids []string
	for i := 0; i < 2; i++ {
		p, err := Prepare(src, task)
		if err != nil {
			t.Fatal(err)
		}
		id, err := p.Build(context.Background(), Options{Store: newStore(t), PolicyPath: policy, Now: func() time.Time { return time.Unix(int64(i), 0) }})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(ids[0]) {
		t.Fatalf("image ID %q is not 64 hex characters", ids[0])
	}
	if ids[0] != ids[1] {
		t.Fatalf("two builds of the same inputs gave %s and %s", ids[0], ids[1])
	}
}

func TestBuildIgnoresSourceDateEpochInEnvironment(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1")
	src := writeTree(t, map[string]string{"Containerfile": "FROM scratch\nCOPY Containerfile /\n"})
	task := DefaultTask()
	task.Dockerfile = "Containerfile"
	p, err := Prepare(src, task)
	if err != nil {
		t.Fatal(err)
	}
	store := newStore(t)
	id, err := p.Build(context.Background(), Options{Store: store, PolicyPath: writePolicy(t)})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := istorage.Transport.ParseStoreReference(store, id)
	if err != nil {
		t.Fatal(err)
	}
	img, err := ref.NewImage(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	cfg, err := img.OCIConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Created == nil || cfg.Created.Unix() == 1 {
		t.Errorf("created %v: SOURCE_DATE_EPOCH from the environment reached the build", cfg.Created)
	}
}
