package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/containers/buildah"
	"go.podman.io/image/v5/docker"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	ociarchive "go.podman.io/image/v5/oci/archive"
	ocilayout "go.podman.io/image/v5/oci/layout"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/compare"
	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// errNotIdentical is the outcome of --verify when the rebuild differs; the verdict line has
// already been printed, so it maps to exit code 1 without an error line.
var errNotIdentical = errors.New("the rebuild is not identical to the published image")

// verify compares the rebuilt image id in store with the published image, prints the
// verdict and the explanation on stderr, and writes the report, the differing files and the
// signed summary the flags ask for.
func verify(ctx context.Context, cfg config, recipe *provenance.Recipe, in *buildInputs, id string, input *inputRecord, r reporter) error {
	subject := sbomSubject(recipe)
	var key *ecdsa.PrivateKey
	if cfg.attest != "" {
		k, err := readSigningKey(cfg.attest)
		if err != nil {
			return err
		}
		key = k
	}
	pubRef, err := publishedRef(cfg.published, subject)
	if err != nil {
		return err
	}
	rebRef, err := is.Transport.NewStoreReference(in.store, nil, id)
	if err != nil {
		return fmt.Errorf("naming the rebuilt image %s: %w", id, err)
	}
	sys := &types.SystemContext{SignaturePolicyPath: cfg.policy, SystemRegistriesConfPath: registriesConf()}
	opt := compare.Options{Sys: sys, DiffDir: cfg.diffDir, Inputs: compare.Inputs{BuildahVersion: buildah.Version}}
	if opt.Inputs.Base, err = finalBase(ctx, in.store, in.prepared); err != nil {
		r.warn("input drift of the base image will not be checked: %v", err)
	}
	r.phase("verify", "comparing with %s", cfg.publishedName(subject))
	rep, err := compare.Compare(ctx, pubRef, rebRef, opt)
	if err != nil {
		return fmt.Errorf("%w: comparing with the published image: %w", inputs.ErrUnavailable, err)
	}
	fmt.Fprintf(r.w, "rebuild: verify: %s\n", rep.Verdict())
	rep.Explain(r.w, "rebuild: verify:   ", 0)
	if cfg.report != "" {
		if err := writeReport(cfg.report, rep); err != nil {
			return err
		}
	}
	if cfg.attest != "" {
		if err := attest(cfg, key, subject, rep, input); err != nil {
			return err
		}
		r.phase("attest", "wrote the signed verification summary to %s", cfg.attestOut)
	}
	if !rep.Identical {
		return errNotIdentical
	}
	return nil
}

// publishedRef parses --published, or names the subject in its registry by digest.
func publishedRef(s string, subject provenance.Subject) (types.ImageReference, error) {
	if s == "" {
		s = "docker://" + subject.Name + "@" + subject.Digest
	}
	transport, rest, ok := strings.Cut(s, ":")
	var ref types.ImageReference
	var err error
	switch {
	case !ok:
		err = errors.New("no transport: want oci:, oci-archive:, docker-archive: or docker://")
	case transport == "docker":
		ref, err = docker.ParseReference(rest)
	case transport == "oci":
		ref, err = ocilayout.ParseReference(rest)
	case transport == "oci-archive":
		ref, err = ociarchive.ParseReference(rest)
	case transport == "docker-archive":
		ref, err = dockerarchive.ParseReference(rest)
	default:
		err = fmt.Errorf("unknown transport %q: want oci:, oci-archive:, docker-archive: or docker://", transport)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: --published %s: %w", errUsage, s, err)
	}
	return ref, nil
}

func (c config) publishedName(subject provenance.Subject) string {
	if c.published != "" {
		return c.published
	}
	return subject.Name + "@" + subject.Digest
}

// registriesConf is the registries.conf podman and buildah would read from the environment.
func registriesConf() string {
	for _, env := range []string{"CONTAINERS_REGISTRIES_CONF", "REGISTRIES_CONFIG_PATH"} {
		if path, ok := os.LookupEnv(env); ok {
			return path
		}
	}
	return ""
}

// finalBase is the image the final stage is built on, as the rebuild pulled it; nil when
// that stage starts from scratch.
func finalBase(ctx context.Context, store storage.Store, p *build.Prepared) (*compare.BaseImage, error) {
	stages := p.File.Stages
	final := len(stages) - 1
	for i, st := range stages {
		if t := p.Task.TargetStage; t != "" && strings.EqualFold(st.Name, t) {
			final = i
		}
	}
	for final >= 0 && stages[final].FromStage >= 0 {
		final = stages[final].FromStage
	}
	if final < 0 || stages[final].Scratch {
		return nil, nil
	}
	name := stages[final].BaseName
	ref, err := is.Transport.ParseStoreReference(store, name)
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
	stored, err := store.Image(img.ConfigInfo().Digest.Encoded())
	if err != nil {
		return nil, fmt.Errorf("finding %s in the store: %w", name, err)
	}
	return &compare.BaseImage{Name: name, Digest: stored.Digest.String(), DiffIDs: cfg.RootFS.DiffIDs}, nil
}

func writeReport(path string, rep *compare.Report) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the report: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}
