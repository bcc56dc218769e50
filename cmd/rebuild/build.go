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
	return p.Build(ctx, build.Options{Store: in.store, PolicyPath: cfg.policy, Progress: r.detail()})
}

// afterBuild runs what the flags ask for once the image ID is printed.
func afterBuild(ctx context.Context, cfg config, recipe *provenance.Recipe, id string, r reporter) error {
	return nil
}
