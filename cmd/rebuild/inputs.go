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
}

func (in *buildInputs) close() {
	if in.store != nil {
		_, _ = in.store.Shutdown(true)
	}
	if in.work != "" {
		_ = os.RemoveAll(in.work)
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
	src := filepath.Join(in.work, "source")
	r.phase("clone", "cloning %s at %s", recipe.Source.URL, recipe.Source.Commit)
	if err := inputs.Checkout(ctx, recipe.Source.URL, recipe.Source.Commit, src, checkoutOptions(recipe, r)); err != nil {
		return nil, fmt.Errorf("cloning %s at %s: %w", recipe.Source.URL, recipe.Source.Commit, err)
	}
	checkSourceDateEpoch(src, task, recipe, r)

	sys := &types.SystemContext{SignaturePolicyPath: cfg.policy}
	subject := sbomSubject(recipe)
	r.phase("sbom", "fetching the SBOM of %s@%s", subject.Name, subject.Digest)
	sbom, err := inputs.FetchSBOM(ctx, sys, subject, recipe.Task.Results["SBOM_BLOB_URL"])
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
	r.phase("pull", "pulling %d image(s) by digest", len(pins))
	if err := inputs.Pull(ctx, in.store, sys, cfg.policy, pins, r.detail()); err != nil {
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
