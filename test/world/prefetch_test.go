package world

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestParsePrefetchInput(t *testing.T) {
	for _, in := range []string{
		"generic",
		`{"type":"generic"}`,
		`{"type":"generic","path":"."}`,
		`{"packages":[{"type":"generic","path":"."}],"flags":[]}`,
		`[{"type":"generic"}]`,
	} {
		pkgs, err := parsePrefetchInput(in)
		if err != nil || len(pkgs) != 1 || pkgs[0] != (prefetchPackage{Type: "generic", Path: "."}) {
			t.Errorf("parsePrefetchInput(%s) = %+v, %v", in, pkgs, err)
		}
	}
	for _, in := range []string{"gomod", `[{"type":"generic"},{"type":"gomod"}]`, `{"packages":[]}`, `{"type":`} {
		if pkgs, err := parsePrefetchInput(in); err == nil {
			t.Errorf("parsePrefetchInput(%s) = %+v, want an error", in, pkgs)
		}
	}
}

// A packed folder unpacks to the same files, and packs to the same bytes again.
func TestTrustedArtifactRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for file, mode := range map[string]os.FileMode{"cachi2.env": 0o644, "output/deps/generic/docs/a.txt": 0o600, "output/tool": 0o755} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(src, file)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(filepath.Join(src, file), []byte(file+"\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	blob, err := packTrustedArtifact(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "dst")
	if err := UnpackTarGz(blob, dst); err != nil {
		t.Fatal(err)
	}
	again, err := packTrustedArtifact(dst)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(blob, again) {
		t.Errorf("the unpacked folder packs to other bytes")
	}
}
