package build

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Replay is what the task adds to a build besides the Containerfile, in the task's order:
// what a plan shows before anything is built.
type Replay struct {
	Created     string   // the timestamp labels and annotations carry
	Labels      []string // --label values
	Annotations []string // --annotation values
	// LabelPairs are the key=value pairs labels.json is made of, before the base image's
	// labels are merged in (LabelsJSON(base, LabelPairs) is the file).
	LabelPairs []string
	// Injected are the lines the task appends to its copy of the Containerfile.
	Injected []string
}

// Replay returns the labels, annotations and injected lines the task would add for t, with
// no side effect: arch is `uname -m` of the build host, annotationsFile the ANNOTATIONS_FILE
// content ("" when none), stages the Containerfile's (nil when unknown: LabelPairs then lack
// the LABEL instructions'). now stands for the task's clock when t sets no timestamp.
func (t Task) Replay(arch, buildahVersion string, now time.Time, annotationsFile string, stages []Stage) (Replay, error) {
	created, err := t.buildTimestamp(now)
	if err != nil {
		return Replay{}, fmt.Errorf("%w: %w", ErrBadTask, err)
	}
	var fileLines []string
	if annotationsFile != "" {
		fileLines = annotationFileLines(annotationsFile)
	}
	r := Replay{
		Created:     created,
		Labels:      append(t.defaultLabels(arch, created), t.Labels...),
		Annotations: t.annotations(fileLines, created),
	}
	r.LabelPairs = append([]string{}, r.Labels...)
	r.LabelPairs = append(r.LabelPairs, "org.opencontainers.image.created="+created, "io.buildah.version="+buildahVersion)
	for _, st := range stages {
		for _, kv := range st.Labels {
			r.LabelPairs = append(r.LabelPairs, strings.ReplaceAll(kv.Key+"="+kv.Value, `"`, ""))
		}
	}
	if !t.SkipInjections {
		r.Injected = append(r.Injected, "COPY labels.json /usr/share/buildinfo/labels.json")
		if t.ICMKeepCompatLocation {
			r.Injected = append(r.Injected, "COPY labels.json /root/buildinfo/labels.json")
		}
	}
	return r, nil
}

// Instruction is one instruction of a Containerfile as written, before any expansion.
type Instruction struct {
	Line  int      // 1-based line where it starts
	Cmd   string   // lower case: "from", "run", "copy", ...
	Flags []string // e.g. "--from=builder"
	Args  []string // the operands; for a shell-form RUN, the command line as one element
}

// Instructions lists the instructions of a Containerfile, for checks that read it without
// building (which files a COPY takes, what a RUN calls).
func Instructions(content []byte) ([]Instruction, error) {
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		return nil, fmt.Errorf("parsing Containerfile: %w", err)
	}
	var out []Instruction
	for _, node := range res.AST.Children {
		in := Instruction{Line: node.StartLine, Cmd: strings.ToLower(node.Value)}
		if len(node.Flags) > 0 {
			in.Flags = node.Flags
		}
		for n := node.Next; n != nil; n = n.Next {
			in.Args = append(in.Args, n.Value)
		}
		out = append(out, in)
	}
	return out, nil
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
