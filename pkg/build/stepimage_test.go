package build

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestBindsFor(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"ctx/sub", "task", "store"} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "task", "Containerfile")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got := bindsFor([]string{
		"--layers=false", "-f", file, "--build-arg-file=" + filepath.Join(dir, "ctx", "args"), // missing: skipped
		"--build-context", ".konflux-buildinfo=" + filepath.Join(dir, "task"),
		"--label", "url=https://example.test/a", // not a path
		filepath.Join(dir, "ctx", "sub"), filepath.Join(dir, "ctx"), filepath.Join(dir, "store"), "/", "relative/path",
	})
	want := []string{filepath.Join(dir, "ctx"), filepath.Join(dir, "store"), filepath.Join(dir, "task")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bindsFor = %q, want %q", got, want)
	}
}

func TestEngineString(t *testing.T) {
	e := Engine{Version: "1.41.0-dev", Image: "r/buildah-task@sha256:ab"}
	if s := e.String(); !strings.Contains(s, "1.41.0-dev") || !strings.Contains(s, "the build step's image r/buildah-task@sha256:ab") {
		t.Errorf("String() = %q", s)
	}
}
