package rebuild

import (
	"context"
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/compare"
	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// CompareOptions say where the published image is and what else the comparison writes.
type CompareOptions struct {
	// Published is where to read the published image; nil for Job.Published, by digest,
	// from its registry.
	Published types.ImageReference
	DiffDir   string // where the differing files go ("" for nowhere)
}

// Compare compares the rebuilt image id, in the store, with the published image, file by
// file, and says why they differ when they do.
func (in *Inputs) Compare(ctx context.Context, id string, o CompareOptions) (*compare.Report, error) {
	log := in.Job.cfg.Log
	pub := o.Published
	if pub == nil {
		var err error
		if pub, err = docker.ParseReference("//" + in.Job.Published.Name + "@" + in.Job.Published.Digest); err != nil {
			return nil, fmt.Errorf("naming the published image: %w", err)
		}
	}
	reb, err := is.Transport.NewStoreReference(in.store, nil, id)
	if err != nil {
		return nil, fmt.Errorf("naming the rebuilt image %s: %w", id, err)
	}
	opt := compare.Options{Sys: in.Job.SystemContext(), DiffDir: o.DiffDir, Inputs: compare.Inputs{BuildahVersion: in.Engine.Version}, Progress: log.Detail()}
	if opt.Inputs.Base, err = in.finalBase(ctx); err != nil {
		log.Warn("input drift of the base image will not be checked: %v", err)
	}
	if c := in.Job.Build.Committed(); c != nil {
		if c.Squashed {
			log.Warn("%s, squashed with the image (SQUASH=true): it cannot be set aside, and shows as files added", c)
		} else {
			opt.Inputs.TaskLayer = &compare.TaskLayer{What: c.String(), Paths: c.Paths}
		}
	}
	log.Phase("verify", "comparing with %s", transports.ImageName(pub))
	rep, err := compare.Compare(ctx, pub, reb, opt)
	if err != nil {
		return nil, fmt.Errorf("%w: comparing with the published image: %w", inputs.ErrUnavailable, err)
	}
	return rep, nil
}

// finalBase is the image the final stage is built on, as the rebuild pulled it; nil when
// that stage starts from scratch or from a layout the build wrote.
func (in *Inputs) finalBase(ctx context.Context) (*compare.BaseImage, error) {
	p := in.Prepared
	stages := p.File.Stages
	final := len(stages) - 1
	for i, st := range stages {
		if t := p.Task.TargetStage; t != "" && strings.EqualFold(st.Name, t) {
			final = i
		}
	}
	base := p.File.BaseStage(final)
	if base.Scratch || base.Local {
		return nil, nil
	}
	name := base.BaseName
	ref, err := is.Transport.ParseStoreReference(in.store, name)
	if err != nil {
		return nil, fmt.Errorf("finding %s in the store: %w", name, err)
	}
	img, err := ref.NewImage(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the config of %s: %w", name, err)
	}
	stored, err := in.store.Image(img.ConfigInfo().Digest.Encoded())
	if err != nil {
		return nil, fmt.Errorf("finding %s in the store: %w", name, err)
	}
	return &compare.BaseImage{Name: name, Digest: stored.Digest.String(), DiffIDs: cfg.RootFS.DiffIDs}, nil
}
