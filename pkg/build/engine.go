package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/mod/semver"
)

// Engine is a buildah that runs builds: this binary's library, in-process, or an engine
// binary (engines/ in the repository) that links another buildah version and runs the same
// command line the same way.
type Engine struct {
	Version string // the buildah version, e.g. "1.44.0"
	Path    string // the engine binary; "" for this binary's library
	// Image is the build step's own image, whose buildah CLI builds (stepimage.go): the
	// reference the provenance records, <repo>@sha256:<hex>, and its name in the store.
	Image string
}

// EnginePrefix starts the name of every engine binary: "buildah-1.44.0".
const EnginePrefix = "buildah-"

// InProcess is this binary's buildah library.
func InProcess() Engine { return Engine{Version: Version} }

func (e Engine) String() string {
	if e.Image != "" {
		return "buildah " + e.Version + " (the build step's image " + e.Image + ")"
	}
	if e.Path == "" {
		return "buildah " + e.Version + " (in-process)"
	}
	return "buildah " + e.Version + " (" + e.Path + ")"
}

// Engines lists the engines: this binary's library and the engine binaries in dir ("" for
// none), by version; the library wins over a binary of its own version.
func Engines(dir string) ([]Engine, error) {
	out := []Engine{InProcess()}
	if dir == "" {
		return out, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing build engines: %w", err)
	}
	for _, e := range entries {
		v, ok := strings.CutPrefix(e.Name(), EnginePrefix)
		if !ok || !semver.IsValid("v"+v) || v == Version || e.IsDir() {
			continue
		}
		out = append(out, Engine{Version: v, Path: filepath.Join(dir, e.Name())})
	}
	slices.SortFunc(out, func(a, b Engine) int { return semver.Compare("v"+a.Version, "v"+b.Version) })
	return out, nil
}

// Pick returns the engine of version, or false.
func Pick(engines []Engine, version string) (Engine, bool) {
	i := slices.IndexFunc(engines, func(e Engine) bool { return e.Version == version })
	if i < 0 {
		return Engine{}, false
	}
	return engines[i], true
}

// Run runs the build command line argv with the engine, as Run does in-process. A build
// without network (o.Network) runs in a process of its own, in-process builds too.
func (e Engine) Run(ctx context.Context, argv []string, o Options) (string, error) {
	if e.Image != "" {
		return e.runInImage(ctx, argv, o)
	}
	if e.Path == "" && !o.Network.Isolated {
		return runInProcess(ctx, argv, o)
	}
	var cmd *exec.Cmd
	if e.Path == "" {
		if o.LogLevel == "" {
			o.LogLevel = logrus.GetLevel().String()
		}
		cmd = reexec.CommandContext(ctx, append([]string{childBuildCommand}, engineArgs(argv, o)...)...)
	} else {
		if err := e.check(ctx); err != nil {
			return "", err
		}
		cmd = exec.CommandContext(ctx, e.Path, engineArgs(argv, o)...)
	}
	isolate(cmd, o.Network)
	// An interrupted engine stops its build and removes what it made, as Run does.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if o.Progress != nil {
		cmd.Stderr = io.MultiWriter(o.Progress, &stderr)
	}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		return "", fmt.Errorf("%w: %s: %s", ErrBadArgs, e, lastLine(stderr.String()))
	case errors.As(err, &ee) && (ee.ExitCode() == 4 || ee.ExitCode() == 125): // it said why
		return "", fmt.Errorf("%w: %s: %s", ErrBuild, e, lastLine(stderr.String()))
	case err != nil:
		return "", fmt.Errorf("%w: %s: %v: %s", ErrBuild, e, err, lastLine(stderr.String()))
	}
	return lastLine(stdout.String()), nil // the ID is the last line, whatever the build printed before
}

// check makes sure the binary is the buildah version its name says.
func (e Engine) check(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, e.Path, "version").Output()
	if err != nil {
		return fmt.Errorf("%w: running %s version: %v", ErrBuild, e.Path, err)
	}
	if got := strings.TrimSpace(string(out)); got != e.Version {
		return fmt.Errorf("%w: %s is named for buildah %s but links %s", ErrBuild, e.Path, e.Version, got)
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
