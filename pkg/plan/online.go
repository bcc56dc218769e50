package plan

import (
	"context"
	"errors"
	"os"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// Gather learns from the network what the provenance alone does not say: the source at the
// commit (fetched into memory, not checked out), the SBOM and its images, and the buildah
// version the published image names. What cannot be had becomes a finding.
func Gather(ctx context.Context, a *Attestation, env Env, sys *types.SystemContext) Evidence {
	sys = withRegistriesConf(sys)
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
	c := a.chooseBuild(env.Platform)
	if c.task == nil {
		return ev
	}
	subject, ok := builtSubject(a.Lenient.Recipe.Subjects, c.task)
	if !ok {
		ev.Findings = append(ev.Findings, newFinding(CodeSBOM, "no subject or IMAGE_DIGEST names the image the build task pushed: its SBOM cannot be fetched"))
		return ev
	}
	sbom, err := inputs.FetchSBOM(ctx, sys, subject, c.task.Results["SBOM_BLOB_URL"])
	if err == nil {
		ev.SBOM, err = inputs.ParseSBOM(sbom)
	}
	if err != nil {
		ev.Findings = append(ev.Findings, newFinding(CodeSBOM, "%v", err))
		ev.BuildahErr = errors.New("the published image's labels.json was not read: its SBOM could not be had")
		return ev
	}
	ev.SBOMRead = true
	ev.RecordedBuildah, ev.BuildahErr = recordedBuildah(ctx, sys, subject)
	return ev
}

// builtSubject is the image the build task pushed: its IMAGE_DIGEST in the subjects' repository.
func builtSubject(subjects []provenance.Subject, t *provenance.Task) (provenance.Subject, bool) {
	d := t.Results["IMAGE_DIGEST"]
	for _, s := range subjects {
		if s.Digest == d {
			return s, true
		}
	}
	if len(subjects) == 0 {
		return provenance.Subject{}, false
	}
	if d != "" {
		return provenance.Subject{Name: subjects[0].Name, Digest: d}, true
	}
	return subjects[0], true
}

// CheckImages asks the registries for a manifest of every resolved image, records which
// answered, and judges the plan again.
func (p *Plan) CheckImages(ctx context.Context, sys *types.SystemContext) {
	sys = withRegistriesConf(sys)
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

// withRegistriesConf names the registries.conf podman and buildah would read from the
// environment, which containers/image alone does not.
func withRegistriesConf(sys *types.SystemContext) *types.SystemContext {
	out := &types.SystemContext{}
	if sys != nil {
		*out = *sys
	}
	for _, env := range []string{"CONTAINERS_REGISTRIES_CONF", "REGISTRIES_CONFIG_PATH"} {
		if path, ok := os.LookupEnv(env); ok && out.SystemRegistriesConfPath == "" {
			out.SystemRegistriesConfPath = path
		}
	}
	return out
}

var errNoLabels = errors.New("the published image has no labels.json naming io.buildah.version in its last layers")
