package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKitBadInput(t *testing.T) {
	statement, err := os.ReadFile("../../pkg/provenance/testdata/statement-v02.json")
	if err != nil {
		t.Fatal(err)
	}
	// A rebuild points TMPDIR at its working folder, removed at exit: start from the
	// system's, and leave TMPDIR as it was for the tests after.
	t.Setenv("TMPDIR", "")
	work := t.TempDir()
	local := strings.ReplaceAll(string(statement), "https://git.example/org/app", "http://127.0.0.1:1/org/app")
	empty := t.TempDir()
	garbled := t.TempDir()
	if err := os.WriteFile(filepath.Join(garbled, "source.bundle"), []byte("# v2 git bundle\n\nPACK garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []failCase{
		{name: "kit and source", args: []string{"--kit", empty, "--source", empty}, code: exitBadInput, stderr: "drop --source"},
		{name: "kit without folder", args: []string{"kit"}, code: exitBadInput, stderr: "one argument"},
		{name: "kit help", args: []string{"kit", "--help"}, code: exitDone, stderr: "Usage:\n  rebuild kit [flags] DIR"},
		{name: "kit of unreachable git", stdin: local, args: []string{"kit", "-q", "--workdir", work, filepath.Join(t.TempDir(), "kit")}, code: exitUnavailable, stderr: "cloning http://127.0.0.1:1/org/app"},
		{name: "kit without bundle", stdin: string(statement), args: []string{"-q", "--workdir", work, "--kit", empty}, code: exitUnavailable, stderr: filepath.Join(empty, "source.bundle")},
		{name: "kit with garbled bundle", stdin: string(statement), args: []string{"-q", "--workdir", work, "--kit", garbled}, code: exitBadInput, stderr: filepath.Join(garbled, "source.bundle")},
	}
	runFailCases(t, tests)
}
