package plan

import (
	"context"
	"errors"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/konflux"
)

// Gather learns from the network what the provenance alone does not say: the source at the
// commit (fetched into memory, not checked out), the SBOM and its images, and the buildah
// version the published image names. What cannot be had becomes a finding.
func Gather(ctx context.Context, a *Attestation, env Env, sys *types.SystemContext) Evidence {
	sys = inputs.WithRegistriesConf(sys)
	ev := Evidence{Online: true}
	src := a.Lenient.Recipe.Source
	if src.URL != "" && src.Commit != "" {
		tree, ct, err := fetchCommit(ctx, src.URL, src.Commit)
		if err != nil {
			ev.Findings = append(ev.Findings, newFinding(CodeCommitMissing, "%v", err))
		} else {
			ev.Tree, ev.CommitTime = tree, ct
		}
	}
	c, _ := a.chooseBuild(env.Platform)
	if c.Task == nil {
		return ev
	}
	subject, ok := konflux.Pushed(a.Lenient.Recipe.Subjects, c.Task)
	if !ok {
		ev.Findings = append(ev.Findings, newFinding(CodeSBOM, "no subject or IMAGE_DIGEST names the image the build task pushed: its SBOM cannot be fetched"))
		return ev
	}
	sbom, err := inputs.FetchSBOM(ctx, sys, subject, c.Task.Results["SBOM_BLOB_URL"])
	if err == nil {
		ev.SBOM, err = inputs.ParseSBOM(sbom)
	}
	if err != nil {
		ev.Findings = append(ev.Findings, newFinding(CodeSBOM, "%v", err))
		ev.BuildahErr = errors.New("the published image's labels.json was not read: its SBOM could not be had")
		return ev
	}
	ev.SBOMRead = true
	ev.RecordedBuildah, ev.BuildahErr = inputs.RecordedBuildah(ctx, sys, subject, konflux.LabelsPaths)
	return ev
}

// CheckImages asks the registries for a manifest of every resolved image, records which
// answered, and judges the plan again.
func (p *Plan) CheckImages(ctx context.Context, sys *types.SystemContext) {
	sys = inputs.WithRegistriesConf(sys)
	for i := range p.Images {
		img := &p.Images[i]
		if img.Reference == "" {
			continue
		}
		if err := manifestExists(ctx, sys, img.Reference); err != nil {
			p.add(CodeImageMissing, "FROM %s (stage %d): %s: %v", img.Name, img.Stage, img.Reference, err)
			continue
		}
		img.Checked = true
	}
	p.sortFindings()
	p.judge()
}

func manifestExists(ctx context.Context, sys *types.SystemContext, ref string) error {
	r, err := docker.ParseReference("//" + ref)
	if err != nil {
		return err
	}
	_, err = docker.GetDigest(ctx, sys, r)
	return err
}
