package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"go.podman.io/image/v5/types"
	"go.podman.io/storage"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// buildInputs is everything the build needs, in place: the checkout, the parsed task and
// the store holding the pinned images. close removes the checkout and shuts the store down.
type buildInputs struct {
	work     string
	prepared *build.Prepared
	store    storage.Store
	unlock   func() // releases the image name locks (see lockNames)
	restore  func() // restores TMPDIR (see tempInWorkDir)
}

func (in *buildInputs) close() {
	if in.unlock != nil {
		in.unlock()
	}
	if in.store != nil {
		_, _ = in.store.Shutdown(true)
	}
	if in.work != "" {
		_ = os.RemoveAll(in.work)
	}
	if in.restore != nil {
		in.restore()
	}
}

// fetchInputs clones the source, fetches the SBOM, and pulls every FROM image by the
// digest the SBOM records.
func fetchInputs(ctx context.Context, cfg config, recipe *provenance.Recipe, r reporter) (_ *buildInputs, err error) {
	task, err := taskFromParams(recipe.Task.Params)
	if err != nil {
		return nil, err
	}
	in := &buildInputs{}
	defer func() {
		if err != nil {
			in.close()
		}
	}()
	if in.work, err = os.MkdirTemp(cfg.workDir, "rebuild-"); err != nil {
		return nil, fmt.Errorf("making a working folder: %w", err)
	}
	if in.restore, err = tempInWorkDir(in.work); err != nil {
		return nil, err
	}
	src := filepath.Join(in.work, "source")
	if err := checkoutSource(ctx, cfg, recipe, src, r); err != nil {
		return nil, err
	}
	checkSourceDateEpoch(src, task, recipe, r)

	sys := &types.SystemContext{SignaturePolicyPath: cfg.policy}
	sbom, err := readSBOM(ctx, cfg, sys, recipe, r)
	if err != nil {
		return nil, err
	}
	images, err := inputs.ParseSBOM(sbom)
	if err != nil {
		return nil, err
	}
	if in.prepared, err = build.Prepare(src, task); err != nil {
		return nil, err
	}
	pins, err := inputs.Resolve(froms(in.prepared), images)
	if err != nil {
		return nil, err
	}
	if in.store, err = openStore(cfg); err != nil {
		return nil, err
	}
	if in.unlock, err = lockNames(ctx, in.store.GraphRoot(), pins); err != nil {
		return nil, err
	}
	if err := pullImages(ctx, cfg, in.store, sys, pins, r.detail(), r); err != nil {
		return nil, err
	}
	return in, nil
}

func checkoutOptions(recipe *provenance.Recipe, r reporter) inputs.CheckoutOptions {
	p := recipe.Source.CloneParams
	opt := inputs.CheckoutOptions{Submodules: !p.Has("submodules") || p.String("submodules") == "true", Progress: r.detail()}
	if dirs := p.String("sparseCheckoutDirectories"); dirs != "" {
		opt.SparseDirs = splitList(dirs)
	}
	return opt
}

func froms(p *build.Prepared) []inputs.From {
	var out []inputs.From
	last := len(p.File.Stages) - 1
	for _, f := range p.Froms() {
		out = append(out, inputs.From{Stage: f.Stage, Name: f.Name, Last: f.Stage == last})
	}
	return out
}

// checkSourceDateEpoch warns when the epoch the build used is not the commit's time.
func checkSourceDateEpoch(src string, task build.Task, recipe *provenance.Recipe, r reporter) {
	if task.SourceDateEpoch == "" {
		r.warn("the build set no SOURCE_DATE_EPOCH: timestamps came from its clock and will differ")
		return
	}
	ct, err := inputs.CommitTime(src)
	if err != nil {
		r.warn("reading the commit time: %v", err)
		return
	}
	if strconv.FormatInt(ct, 10) != task.SourceDateEpoch {
		r.warn("SOURCE_DATE_EPOCH %s is not the commit's time %d: using the recorded %s", task.SourceDateEpoch, ct, task.SourceDateEpoch)
	}
	if ts := recipe.Source.CommitTimestamp; ts != "" && ts != strconv.FormatInt(ct, 10) {
		r.warn("the clone task reported commit-timestamp %s, the commit says %d", ts, ct)
	}
}
