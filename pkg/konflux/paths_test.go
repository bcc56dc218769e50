package konflux

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileCheckout makes a checkout whose symlinks point inside and outside it.
func hostileCheckout(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "source")
	files := map[string]string{
		"Containerfile":                "FROM scratch\n",
		"app/Containerfile":            "FROM scratch\n",
		"app/args.conf":                "A=1\n",
		"ignored/Containerfile":        "FROM scratch\n",
		"nested/deep/Containerfile":    "FROM scratch\n",
		"nested/deep/annotations.conf": "a=b\n",
	}
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"out":                      "/etc",
		"up":                       "..",
		"inner":                    "app",
		"app/uplink":               "../..",
		"app/sibling":              "../nested/deep",
		"loop":                     "loop",
		"ignored/.containerignore": "/etc/hostname",
		"nested/deep/Dockerfile":   "../../../outside",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestPreparePaths(t *testing.T) {
	root := hostileCheckout(t)
	tests := []struct {
		name                                       string
		context, dockerfile, argsFile, annotations string
		wantErr                                    string
		wantContainerfile                          string
	}{
		{name: "root", context: ".", dockerfile: "Containerfile", wantContainerfile: "Containerfile"},
		{name: "subdir", context: "app", dockerfile: "Containerfile", argsFile: "app/args.conf", wantContainerfile: "app/Containerfile"},
		{name: "symlink inside", context: "inner", dockerfile: "Containerfile", wantContainerfile: "inner/Containerfile"},
		{name: "symlink to a sibling", context: "app/sibling", dockerfile: "Containerfile", annotations: "app/sibling/annotations.conf", wantContainerfile: "app/sibling/Containerfile"},
		{name: "dotdot that stays inside", context: "app", dockerfile: "../Containerfile", wantContainerfile: "app/../Containerfile"},
		{name: "context dotdot", context: "../x", dockerfile: "Containerfile", wantErr: `CONTEXT "../x" escapes the checkout`},
		{name: "context absolute", context: "/etc", dockerfile: "Containerfile", wantErr: `CONTEXT "/etc" is an absolute path: it must be inside the checkout`},
		{name: "context symlink out", context: "out", dockerfile: "passwd", wantErr: `CONTEXT "out" leaves the checkout through the symlink out -> /etc`},
		{name: "context symlink up", context: "up/source", dockerfile: "Containerfile", wantErr: `CONTEXT "up/source" leaves the checkout through the symlink up -> ..`},
		{name: "context nested symlink up", context: "app/uplink", dockerfile: "Containerfile", wantErr: `CONTEXT "app/uplink" leaves the checkout through the symlink app/uplink -> ../..`},
		{name: "symlink loop", context: "loop", dockerfile: "Containerfile", wantErr: `CONTEXT "loop" goes through more than 40 symlinks`},
		{name: "dockerfile URL", context: ".", dockerfile: "https://example.test/Containerfile", wantErr: `DOCKERFILE "https://example.test/Containerfile" is a URL: the task would download it and nothing pins its content`},
		{name: "dockerfile absolute", context: ".", dockerfile: "/etc/passwd", wantErr: `DOCKERFILE "/etc/passwd" is an absolute path: it must be inside the checkout`},
		{name: "dockerfile dotdot", context: "app", dockerfile: "../../etc/passwd", wantErr: `DOCKERFILE "../../etc/passwd" escapes the checkout`},
		{name: "dockerfile through symlink", context: ".", dockerfile: "out/passwd", wantErr: `DOCKERFILE "out/passwd" leaves the checkout through the symlink out -> /etc`},
		{name: "dockerfile is a symlink out", context: "nested/deep", dockerfile: "Dockerfile", wantErr: `DOCKERFILE "Dockerfile" leaves the checkout through the symlink nested/deep/Dockerfile -> ../../../outside`},
		{name: "fallback dockerfile escapes", context: "app", dockerfile: "../Nope", wantErr: `DOCKERFILE "../Nope" escapes the checkout`},
		{name: "build args file", context: ".", dockerfile: "Containerfile", argsFile: "../args", wantErr: `BUILD_ARGS_FILE "../args" escapes the checkout`},
		{name: "build args file through symlink", context: ".", dockerfile: "Containerfile", argsFile: "out/hostname", wantErr: `BUILD_ARGS_FILE "out/hostname" leaves the checkout through the symlink out -> /etc`},
		{name: "annotations file", context: ".", dockerfile: "Containerfile", annotations: "/etc/hostname", wantErr: `ANNOTATIONS_FILE "/etc/hostname" is an absolute path: it must be inside the checkout`},
		{name: "ignore file symlink", context: "ignored", dockerfile: "Containerfile", wantErr: `ignored/.containerignore leaves the checkout through the symlink ignored/.containerignore -> /etc/hostname`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := DefaultTask()
			task.Context, task.Dockerfile, task.BuildArgsFile, task.AnnotationsFile = tt.context, tt.dockerfile, tt.argsFile, tt.annotations
			p, err := Prepare(root, task)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if want := filepath.Join(root, tt.wantContainerfile); p.Containerfile != want {
					t.Errorf("Containerfile %s, want %s", p.Containerfile, want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Prepare() succeeded, want %q", tt.wantErr)
			}
			if !errors.Is(err, ErrBadTask) || err.Error() != ErrBadTask.Error()+": "+tt.wantErr {
				t.Errorf("Prepare() error = %v\nwant %s: %s", err, ErrBadTask, tt.wantErr)
			}
		})
	}
}

// checkLexicalPaths needs no checkout: it refuses what escapes as written.
func TestCheckLexicalPaths(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Task)
		wantErr string
	}{
		{name: "defaults", edit: func(*Task) {}},
		{name: "symlinks are not its job", edit: func(t *Task) { t.Context = "out" }},
		{name: "context", edit: func(t *Task) { t.Context = "a/../../b" }, wantErr: `CONTEXT "a/../../b" escapes the checkout`},
		{name: "dockerfile under context", edit: func(t *Task) { t.Context = "a"; t.Dockerfile = "../../Containerfile" }, wantErr: `DOCKERFILE "../../Containerfile" escapes the checkout`},
		{name: "dockerfile URL", edit: func(t *Task) { t.Dockerfile = "http://x/y" }, wantErr: `DOCKERFILE "http://x/y" is a URL`},
		{name: "annotations file", edit: func(t *Task) { t.AnnotationsFile = ".." }, wantErr: `ANNOTATIONS_FILE ".." escapes the checkout`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := DefaultTask()
			tt.edit(&task)
			msg := task.checkLexicalPaths()
			if tt.wantErr == "" {
				if msg != "" {
					t.Fatal(msg)
				}
				return
			}
			if !strings.Contains(msg, tt.wantErr) {
				t.Errorf("checkLexicalPaths() = %q, want %q", msg, tt.wantErr)
			}
		})
	}
}
