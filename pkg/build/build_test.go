package build_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/containers/buildah"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
	"go.podman.io/storage/types"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/konflux"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

func TestMain(m *testing.M) {
	if buildah.InitReexec() {
		return
	}
	os.Exit(m.Run())
}

func newStore(t testing.TB) storage.Store {
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

func writePolicy(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(p, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeTree(t testing.TB, files map[string]string) string {
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
	params := map[string]string{"DOCKERFILE": "Containerfile", "SOURCE_DATE_EPOCH": "1700000000",
		"REWRITE_TIMESTAMP": "true", "COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567"}
	var ids []string
	for i := 0; i < 2; i++ {
		ids = append(ids, replay(t, src, params, newStore(t), policy, time.Unix(int64(i), 0)))
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
	store := newStore(t)
	id := replay(t, src, map[string]string{"DOCKERFILE": "Containerfile"}, store, writePolicy(t), time.Now())
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

// replay runs the Konflux 0.8 task's build of the checkout src with the recorded string
// parameters params.
func replay(t *testing.T, src string, params map[string]string, store storage.Store, policy string, now time.Time) string {
	t.Helper()
	return replayTask(t, "0.8", src, params, nil, store, policy, now)
}

// replayTask runs the build of the Konflux task at version with the recorded parameters.
func replayTask(t *testing.T, version, src string, params map[string]string, arrays map[string][]string, store storage.Store, policy string, now time.Time) string {
	t.Helper()
	inv := invokeTask(t, version, src, params, arrays, now)
	id, err := build.Run(context.Background(), inv.Argv, build.Options{Store: store, PolicyPath: policy})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// invokeTask writes what the Konflux task at version writes for its build, with the recorded
// parameters, and returns the command line; it is removed when the test ends.
func invokeTask(t testing.TB, version, src string, params map[string]string, arrays map[string][]string, now time.Time) *konflux.Invocation {
	t.Helper()
	rec := &provenance.Task{
		Name: "build-container", Params: provenance.Params{},
		Bundle:       "registry.example/task-buildah-oci-ta:" + version + "@sha256:" + strings.Repeat("6", 64),
		BuilderImage: "registry.example/buildah-task@sha256:" + strings.Repeat("7", 64),
	}
	for k, v := range params {
		rec.Params[k] = provenance.Param{Kind: provenance.KindString, String: v}
	}
	for k, v := range arrays {
		rec.Params[k] = provenance.Param{Kind: provenance.KindArray, Array: v}
	}
	b, err := konflux.Resolve(rec)
	if err != nil {
		t.Fatal(err)
	}
	p, err := konflux.Prepare(src, b.Task)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := p.Invoke(b, nil, konflux.ReplayInput{Arch: konflux.HostArch(), BuildahVersion: build.Version, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inv.Close() })
	return inv
}

// TestKonfluxBuildCLIGroundTruth builds what konflux-build-cli's own integration test
// "Reproducibility" builds (integration_tests/build_test.go at 1097e91: FROM scratch, COPY
// hello.txt, --source-date-epoch 1767225600 --rewrite-timestamp --add-legacy-labels --labels
// label1=foo label2=bar, for linux/amd64) with the task 0.10 replay, and expects the manifest
// digest that test expects of the image konflux-build-cli built.
func TestKonfluxBuildCLIGroundTruth(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the expected digest is of a linux/amd64 build")
	}
	src := writeTree(t, map[string]string{
		"Containerfile": "\nFROM scratch\n\nCOPY hello.txt /hello.txt\n",
		"hello.txt":     "hello there\n",
	})
	store := newStore(t)
	params := map[string]string{"DOCKERFILE": "Containerfile", "SOURCE_DATE_EPOCH": "1767225600",
		"REWRITE_TIMESTAMP": "true", "ICM_KEEP_COMPAT_LOCATION": "false"}
	id := replayTask(t, "0.10", src, params, map[string][]string{"LABELS": {"label1=foo", "label2=bar"}}, store, writePolicy(t), time.Now())
	img, err := store.Image(id)
	if err != nil {
		t.Fatal(err)
	}
	if want := "sha256:678998fc429d59022f0966551854f99bd1c553c01b74a093a420a927576f5d8a"; img.Digest.String() != want {
		t.Errorf("manifest digest %s, konflux-build-cli's test expects %s", img.Digest, want)
	}
}
