package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestEngines(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"buildah-1.44.0":     "#!/bin/sh\necho 1.44.0\n",
		"buildah-1.41.5":     "#!/bin/sh\necho 1.41.4\n", // named for another version than it links
		"buildah-" + Version: "#!/bin/sh\necho " + Version + "\n",
		"buildah-latest":     "",
		"README":             "",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	engines, err := Engines(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Engine{
		{Version: "1.41.5", Path: filepath.Join(dir, "buildah-1.41.5")},
		InProcess(),
		{Version: "1.44.0", Path: filepath.Join(dir, "buildah-1.44.0")},
	}
	if !reflect.DeepEqual(engines, want) {
		t.Fatalf("Engines = %v, want %v", engines, want)
	}
	if e, ok := Pick(engines, "1.44.0"); !ok || e != want[2] {
		t.Errorf("Pick 1.44.0 = %v, %v", e, ok)
	}
	if _, ok := Pick(engines, "1.40.1"); ok {
		t.Errorf("Pick 1.40.1 found an engine")
	}
	if err := want[0].check(context.Background()); !errors.Is(err, ErrBuild) {
		t.Errorf("an engine linking another version than its name: %v", err)
	}
	if err := want[2].check(context.Background()); err != nil {
		t.Errorf("check: %v", err)
	}
	if none, err := Engines(filepath.Join(dir, "missing")); err != nil || !reflect.DeepEqual(none, []Engine{InProcess()}) {
		t.Errorf("Engines of a missing folder = %v, %v", none, err)
	}
}
