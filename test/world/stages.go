package world

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type parsedDockerfile struct {
	Stages []struct {
		Name     string
		BaseName string
		From     struct {
			Scratch bool
			Stage   *struct{ Index int }
		}
	}
}

// StageImages finds, as the Konflux task does after its build, the images the stages of
// containerfile were built FROM and the digests the build in store pulled for them.
func (w *World) StageImages(ctx context.Context, containerfile string, buildArgs []string, target string, store Store) ([]StageImage, error) {
	args := []string{}
	for _, a := range buildArgs {
		args = append(args, "--build-arg", a)
	}
	out, err := w.Run(ctx, Cmd{Path: w.Tools.DockerfileJSON, Args: append(args, containerfile)})
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", containerfile, err)
	}
	var parsed parsedDockerfile
	if err := json.Unmarshal(out, &parsed); err != nil {
		return nil, fmt.Errorf("decoding parsed %s: %w", containerfile, err)
	}
	stages := parsed.Stages
	if len(stages) == 0 {
		return nil, fmt.Errorf("parsing %s: no stages", containerfile)
	}
	final := len(stages) - 1
	for i, s := range stages {
		if target != "" && strings.EqualFold(s.Name, target) {
			final = i
		}
	}
	root := final
	for stages[root].From.Stage != nil {
		root = stages[root].From.Stage.Index
	}
	var images []StageImage
	for i, s := range stages {
		name := strings.NewReplacer(`"`, "", "'", "").Replace(s.BaseName)
		if s.From.Scratch || s.From.Stage != nil || strings.HasPrefix(name, "oci-archive:") {
			continue
		}
		digest, err := w.buildah(ctx, store, "images", "--format", "{{.Digest}}", "--filter", "reference="+name)
		if err != nil {
			return nil, fmt.Errorf("finding the digest of %s: %w", name, err)
		}
		lines := strings.Fields(string(digest))
		if len(lines) == 0 {
			continue
		}
		images = append(images, StageImage{Stage: i, Ref: name, Digest: lines[0], Base: i == root})
	}
	return images, nil
}

// BuildArgs lists the build args the task gives buildah: the BUILD_ARGS_FILE entries,
// then BUILD_ARGS, so that an explicit entry wins.
func BuildArgs(p Params, sourceDir string) ([]string, error) {
	var args []string
	if f := p.String("BUILD_ARGS_FILE"); f != "" {
		data, err := os.ReadFile(sourceDir + "/" + f)
		if err != nil {
			return nil, fmt.Errorf("reading build args file: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !strings.HasPrefix(line, "#") {
				args = append(args, line)
			}
		}
	}
	return append(args, p.Array("BUILD_ARGS")...), nil
}
