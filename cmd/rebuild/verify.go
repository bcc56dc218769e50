package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.podman.io/image/v5/docker"
	dockerarchive "go.podman.io/image/v5/docker/archive"
	ociarchive "go.podman.io/image/v5/oci/archive"
	ocilayout "go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/compare"
	"github.com/rebuild-project/rebuild/pkg/rebuild"
	"github.com/rebuild-project/rebuild/pkg/vsa"
)

// errNotIdentical is the outcome of --verify when the rebuild differs; the verdict line has
// already been printed, so it maps to exit code 1 without an error line. errEquivalent is
// the outcome when it differs by time values alone (exit 5).
var (
	errNotIdentical = errors.New("the rebuild is not identical to the published image")
	errEquivalent   = errors.New("the rebuild is the published image but for time values")
)

// verifier is what --verify and the flags it implies ask for, read before anything is built.
type verifier struct {
	cfg       config
	published types.ImageReference // nil: the pushed image in its registry
	key       *ecdsa.PrivateKey    // --attest's, nil without
	skipIndex bool                 // --platform all: the index is judged once, after every platform
}

func (c config) verifier() (verifier, error) {
	v := verifier{cfg: c}
	var err error
	if c.published != "" {
		if v.published, err = publishedRef(c.published); err != nil {
			return v, err
		}
	}
	if c.attest != "" {
		if v.key, err = vsa.ReadKey(c.attest); err != nil {
			return v, fmt.Errorf("%w: --attest: %w", errUsage, err)
		}
	}
	return v, nil
}

// verify compares the rebuilt image id with the published image, prints the verdict and the
// explanation on stderr, and writes the report, the differing files and the signed summary
// the flags ask for.
func (v verifier) verify(ctx context.Context, in *rebuild.Inputs, id string, log *rebuild.Log) error {
	rep, err := in.Compare(ctx, id, rebuild.CompareOptions{Published: v.published, DiffDir: v.cfg.diffDir})
	if err != nil {
		return err
	}
	fmt.Fprintf(log.W, "rebuild: verify: %s\n", rep.Verdict())
	rep.Explain(log.W, "rebuild: verify:   ", 0)
	indexErr := v.verifyIndex(ctx, in.Job, log)
	if indexErr != nil && !errors.Is(indexErr, rebuild.ErrIndexDiffers) {
		return indexErr
	}
	if v.cfg.report != "" {
		if err := writeReport(v.cfg.report, rep, in.Job); err != nil {
			return err
		}
	}
	if v.key != nil {
		s := vsa.Summary{Subject: in.Job.Pushed, Report: rep, Inputs: in.Job.Envelopes,
			Versions:         map[string]string{"rebuild": rebuildVersion(), "buildah": in.Engine.Version},
			AcceptTimestamps: v.cfg.accept == "timestamps", Signed: v.cfg.signed()}
		env, err := vsa.Write(v.cfg.attestOut, v.key, s)
		if err != nil {
			return err
		}
		log.Phase("attest", "wrote the signed verification summary to %s", v.cfg.attestOut)
		if v.cfg.attach {
			if err := vsa.Attach(ctx, in.Job.SystemContext(), in.Job.Pushed, env); err != nil {
				return err
			}
			log.Phase("attest", "attached it to %s@%s, as cosign attests", in.Job.Pushed.Name, in.Job.Pushed.Digest)
		}
	}
	switch {
	case indexErr != nil:
		return errNotIdentical
	case rep.Identical:
		return nil
	case rep.Equivalent() && v.cfg.accept == "timestamps":
		log.Phase("verify", "accepted (--accept timestamps): only time values differ")
		return nil
	case rep.Equivalent():
		return errEquivalent
	}
	return errNotIdentical
}

// publishedRef parses --published.
func publishedRef(s string) (types.ImageReference, error) {
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

// reportProvenance is one pipeline run's provenance in the report.
type reportProvenance struct {
	Lines   []int  `json:"lines"`
	Run     string `json:"run,omitempty"`
	Commit  string `json:"commit"`
	Rebuilt bool   `json:"rebuilt"`
}

// writeReport writes rep, with the provenances the envelopes held, as JSON to path.
func writeReport(path string, rep *compare.Report, job *rebuild.Job) error {
	out := struct {
		*compare.Report
		Provenances []reportProvenance `json:"provenances"`
	}{Report: rep, Provenances: []reportProvenance{}}
	for i, p := range job.Provenances {
		out.Provenances = append(out.Provenances, reportProvenance{Lines: p.Lines, Run: p.Recipe.Run.ID, Commit: p.Recipe.Source.Commit, Rebuilt: i == job.Chosen})
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the report: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// verifyIndex gives the verdict on the index of a multi-platform pipeline when the image
// verified is that index: the one platform's image rebuilt, and the index made of every
// platform's image as build-image-index makes it. Nil when the image is no such index.
func (v verifier) verifyIndex(ctx context.Context, job *rebuild.Job, log *rebuild.Log) error {
	index := v.cfg.expect.Image
	if v.skipIndex || index.Digest == "" || !job.IsIndexOf(index) {
		return nil
	}
	what, err := job.CheckIndex(ctx, index)
	switch {
	case errors.Is(err, rebuild.ErrIndexDiffers):
		fmt.Fprintf(log.W, "rebuild: verify: index %s@%s: different: %v\n", index.Name, index.Digest, err)
	case err == nil:
		fmt.Fprintf(log.W, "rebuild: verify: index %s@%s: identical: %s; rebuilt here: %s (--platform for the others)\n",
			index.Name, index.Digest, what, job.Platform())
	}
	return err
}
