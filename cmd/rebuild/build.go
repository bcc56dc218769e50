package main

import (
	"context"
	"path/filepath"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// buildImage replays the task's build and returns the image ID.
func buildImage(ctx context.Context, cfg config, in *buildInputs, r reporter) (string, error) {
	p := in.prepared
	r.phase("build", "building %s in %s", filepath.Base(p.Containerfile), p.Task.Context)
	suffix := newContainerSuffix()
	id, err := p.Build(ctx, build.Options{Store: in.store, PolicyPath: cfg.policy, Progress: r.detail(), ContainerSuffix: suffix})
	if n := killStrays(); n > 0 {
		r.warn("ended %d process(es) the build left running", n)
	}
	if cerr := removeBuildContainers(in.store, suffix); cerr != nil {
		r.warn("%v", cerr)
	}
	return id, explainShortWrite(err, cfg, in.work)
}

// afterBuild runs what the flags ask for once the image ID is printed.
func afterBuild(ctx context.Context, cfg config, recipe *provenance.Recipe, in *buildInputs, id string, input *inputRecord, r reporter) error {
	if cfg.verify {
		return verify(ctx, cfg, recipe, in, id, input, r)
	}
	return nil
}
