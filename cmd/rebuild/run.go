package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitDone
	}
	if err == nil {
		var id string
		id, err = rebuild(ctx, cfg, stdin, reporter{w: stderr, quiet: cfg.quiet})
		if err == nil {
			fmt.Fprintln(stdout, id)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "rebuild: error: %v\n", err)
	}
	return exitCode(err)
}

func rebuild(ctx context.Context, cfg config, stdin io.Reader, r reporter) (string, error) {
	r.phase("read", "reading the provenance from stdin")
	recipe, err := provenance.Read(stdin)
	if err != nil {
		return "", err
	}
	task, err := taskFromParams(recipe.Task.Params)
	if err != nil {
		return "", err
	}
	subject := sbomSubject(recipe)
	r.phase("read", "%s@%s, built by %s from %s at %s", subject.Name, subject.Digest, recipe.Task.Name, recipe.Source.URL, recipe.Source.Commit)

	work, err := os.MkdirTemp(cfg.workDir, "rebuild-")
	if err != nil {
		return "", fmt.Errorf("making a working folder: %w", err)
	}
	defer os.RemoveAll(work)
	src := filepath.Join(work, "source")
	r.phase("clone", "cloning %s at %s", recipe.Source.URL, recipe.Source.Commit)
	if err := inputs.Checkout(ctx, recipe.Source.URL, recipe.Source.Commit, src, checkoutOptions(recipe, r)); err != nil {
		return "", fmt.Errorf("cloning %s at %s: %w", recipe.Source.URL, recipe.Source.Commit, err)
	}
	checkSourceDateEpoch(src, task, recipe, r)

	sys := &types.SystemContext{SignaturePolicyPath: cfg.policy}
	r.phase("sbom", "fetching the SBOM of %s@%s", subject.Name, subject.Digest)
	sbom, err := inputs.FetchSBOM(ctx, sys, subject, recipe.Task.Results["SBOM_BLOB_URL"])
	if err != nil {
		return "", err
	}
	images, err := inputs.ParseSBOM(sbom)
	if err != nil {
		return "", err
	}

	prepared, err := build.Prepare(src, task)
	if err != nil {
		return "", err
	}
	pins, err := inputs.Resolve(froms(prepared), images)
	if err != nil {
		return "", err
	}
	store, err := openStore(cfg)
	if err != nil {
		return "", err
	}
	defer store.Shutdown(true)
	r.phase("pull", "pulling %d image(s) by digest", len(pins))
	if err := inputs.Pull(ctx, store, sys, cfg.policy, pins, r.detail()); err != nil {
		return "", err
	}
	r.phase("build", "building %s in %s", filepath.Base(prepared.Containerfile), task.Context)
	return prepared.Build(ctx, build.Options{Store: store, PolicyPath: cfg.policy, Progress: r.detail()})
}

// sbomSubject is the image the build task pushed: the subject whose digest is its
// IMAGE_DIGEST result, else the first subject.
func sbomSubject(recipe *provenance.Recipe) provenance.Subject {
	for _, s := range recipe.Subjects {
		if s.Digest == recipe.Task.Results["IMAGE_DIGEST"] {
			return s
		}
	}
	return recipe.Subjects[0]
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
