package world

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Tools holds the absolute paths of the programs the world runs.
type Tools struct {
	Buildah    string // buildah 1.42.2, what tasks 0.8 and 0.9 ran and rebuild links
	Buildah144 string // buildah 1.44.0, what konflux-build-cli runs since task 0.10.1
	Buildah141 string // buildah 1.41.5, what tasks 0.6 and 0.7 ran last
	Buildah421 string // buildah 1.42.1, which no build engine has (Konflux never ran it)
	Engines    string // the folder of rebuild's build engines (REBUILD_ENGINES)
	// KBC is a konflux-build-cli binary (REBUILD_KBC), "" when none: the Go module proxy
	// does not serve its source, so CI cannot build it and its cases are skipped there.
	KBC            string
	Cosign         string
	TestSigner     string // keyless-testsigner: a virtual Fulcio, Rekor and TSA (keyless/testsigner)
	Registry       string
	DockerfileJSON string
	Git            string
	Podman         string
}

// ModuleRoot walks up from the working directory to the directory holding go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("getting working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding go.mod: not under a Go module")
		}
		dir = parent
	}
}

type toolSpec struct {
	name    string
	dst     *string
	version []string // arguments that print the version; nil: any version
	want    string   // what that output must contain
}

// FindTools looks each program up in PATH first, then in <root>/.ci/bin. Where the version
// matters (buildah, cosign, registry), a program of another version is passed over: Debian's
// own buildah 1.28 may be in PATH.
func FindTools(root string) (Tools, error) {
	var t Tools
	specs := []toolSpec{
		{"buildah", &t.Buildah, []string{"--version"}, "buildah version 1.42.2 "},
		{"buildah-1.44.0", &t.Buildah144, []string{"--version"}, "buildah version 1.44.0 "},
		{"buildah-1.41.5", &t.Buildah141, []string{"--version"}, "buildah version 1.41.5 "},
		{"buildah-1.42.1", &t.Buildah421, []string{"--version"}, "buildah version 1.42.1 "},
		{"cosign", &t.Cosign, []string{"version"}, "v2.6.5"},
		{"registry", &t.Registry, []string{"--version"}, " v3.1.2"},
		{"dockerfile-json", &t.DockerfileJSON, nil, ""},
		{"keyless-testsigner", &t.TestSigner, nil, ""},
		{"git", &t.Git, nil, ""},
		{"podman", &t.Podman, nil, ""},
	}
	var missing []error
	for _, s := range specs {
		path, err := findTool(root, s)
		if err != nil {
			missing = append(missing, err)
			continue
		}
		*s.dst = path
	}
	t.Engines = filepath.Join(root, ".ci", "bin", "engines")
	t.KBC = os.Getenv("REBUILD_KBC")
	for _, engine := range []string{"buildah-1.44.0", "rebuild-keyless"} {
		if _, err := os.Stat(filepath.Join(t.Engines, engine)); err != nil {
			missing = append(missing, fmt.Errorf("build engines: %w", err))
		}
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("finding tools (run .ci/install.sh): %w", errors.Join(missing...))
	}
	return t, nil
}

func findTool(root string, s toolSpec) (string, error) {
	var candidates []string
	if path, err := exec.LookPath(s.name); err == nil {
		if abs, err := filepath.Abs(path); err == nil {
			candidates = append(candidates, abs)
		}
	}
	candidates = append(candidates, filepath.Join(root, ".ci", "bin", s.name))
	var tried []string
	for _, path := range candidates {
		info, err := os.Stat(path)
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			continue
		}
		if s.version == nil || hasVersion(path, s) {
			return path, nil
		}
		tried = append(tried, path)
	}
	if len(tried) > 0 {
		return "", fmt.Errorf("%s: %s is not version %q", s.name, strings.Join(tried, ", "), s.want)
	}
	return "", fmt.Errorf("%s: not in PATH nor in %s", s.name, filepath.Join(root, ".ci", "bin"))
}

func hasVersion(path string, s toolSpec) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, s.version...).CombinedOutput()
	return err == nil && strings.Contains(string(out), s.want)
}

// BuildahFor is the buildah CLI of version ("" for the default, 1.42.2).
func (t Tools) BuildahFor(version string) (string, error) {
	switch version {
	case "", "1.42.2":
		return t.Buildah, nil
	case "1.44.0":
		return t.Buildah144, nil
	case "1.41.5":
		return t.Buildah141, nil
	case "1.42.1":
		return t.Buildah421, nil
	}
	return "", fmt.Errorf("the world has no buildah %s", version)
}
