package konflux

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Prepared is a build whose Containerfile has been found and read, before any image is pulled.
type Prepared struct {
	Task          Task
	SourceDir     string // the checkout root
	ContextDir    string // SourceDir/CONTEXT
	Containerfile string // the Containerfile the task found
	File          *Containerfile
	BuildArgs     map[string]string
	// Prefetched is the prefetch task's output as the build task restored it (cachi2.env,
	// output/), checked against the lock files; "" when the build had none.
	Prefetched string

	content []byte
	arch    string // `uname -m` of the build's host, as Invoke is told
	buildah string // the buildah version that builds, as Invoke is told
	// buildArgsFileLines are the lines of BUILD_ARGS_FILE the task's script passed as
	// --build-arg flags before it passed the file itself (sed -e '/^#/d' -e '/^\s*$/d').
	buildArgsFileLines []string
}

// From is an image a stage is built FROM: not scratch, not an earlier stage, not a local
// layout.
type From struct {
	Stage int
	Name  string
}

// Prepare finds and parses the Containerfile as the task does.
func Prepare(sourceDir string, t Task) (*Prepared, error) {
	if t.Context == "" {
		t.Context = "."
	}
	if err := t.checkPaths(sourceDir); err != nil {
		return nil, err
	}
	p := &Prepared{Task: t, SourceDir: sourceDir, ContextDir: filepath.Join(sourceDir, t.Context)}
	for _, candidate := range []string{filepath.Join(p.ContextDir, t.Dockerfile), filepath.Join(sourceDir, t.Dockerfile)} {
		if _, err := os.Stat(candidate); err == nil {
			p.Containerfile = candidate
			break
		}
	}
	if p.Containerfile == "" {
		return nil, fmt.Errorf("%w: Containerfile %q found neither in CONTEXT %q nor in the source root", ErrBadTask, t.Dockerfile, t.Context)
	}
	var err error
	if p.content, err = os.ReadFile(p.Containerfile); err != nil {
		return nil, fmt.Errorf("reading Containerfile: %w", err)
	}
	if p.BuildArgs, err = p.buildArgs(); err != nil {
		return nil, err
	}
	for _, e := range t.EnvVars {
		if !strings.Contains(e, "=") {
			return nil, fmt.Errorf("%w: ENV_VARS entry %q has no value: buildah took it from the build's environment", ErrBadTask, e)
		}
	}
	if p.File, err = ParseContainerfile(bytes.NewReader(p.content), p.BuildArgs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadTask, err)
	}
	if err := p.checkLocalBases(); err != nil {
		return nil, err
	}
	return p, nil
}

// buildArgs merges BUILD_ARGS_FILE and BUILD_ARGS as buildah does: the parameter wins.
func (p *Prepared) buildArgs() (map[string]string, error) {
	var file []byte
	if p.Task.BuildArgsFile != "" {
		var err error
		if file, err = os.ReadFile(filepath.Join(p.SourceDir, p.Task.BuildArgsFile)); err != nil {
			return nil, fmt.Errorf("%w: reading BUILD_ARGS_FILE: %w", ErrBadTask, err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(file), "\n"), "\n") {
			if !strings.HasPrefix(line, "#") && strings.TrimLeft(line, " \t\r\v\f") != "" {
				p.buildArgsFileLines = append(p.buildArgsFileLines, line)
			}
		}
	}
	return p.Task.BuildArgValues(string(file))
}

// setArg refuses a bare name: buildah would take its value from the task's environment,
// which the provenance does not record.
func setArg(args map[string]string, kv, from string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("%w: %s entry %q has no value: buildah took it from the build's environment", ErrBadTask, from, kv)
	}
	args[k] = v
	return nil
}

// Froms lists the images the stages are built FROM, in stage order.
func (p *Prepared) Froms() []From {
	var froms []From
	for i, st := range p.File.Stages {
		if st.FromStage < 0 && !st.Scratch && !st.Local {
			froms = append(froms, From{Stage: i, Name: st.BaseName})
		}
	}
	return froms
}

// BuildArgValues merges a BUILD_ARGS_FILE's content (argsFile, "" when none) and BUILD_ARGS
// as Prepare does, without reading any file: the parameter wins.
func (t Task) BuildArgValues(argsFile string) (map[string]string, error) {
	args := map[string]string{}
	for _, line := range strings.Split(argsFile, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		if err := setArg(args, line, "BUILD_ARGS_FILE"); err != nil {
			return nil, err
		}
	}
	for _, a := range t.BuildArgs {
		if err := setArg(args, a, "BUILD_ARGS"); err != nil {
			return nil, err
		}
	}
	return args, nil
}

// HasRun reports whether the Containerfile has a RUN instruction.
func (p *Prepared) HasRun() bool {
	instrs, err := Instructions(p.content)
	if err != nil {
		return true // Prepare parsed it; say yes rather than no
	}
	for _, in := range instrs {
		if in.Cmd == "run" {
			return true
		}
	}
	return false
}
