package konflux

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// Build is a recorded build task as the profile that replays it reads it.
type Build struct {
	Record  *provenance.Task
	Bundle  Bundle
	Profile *Profile // nil when no profile covers the task
	Task    Task
}

// Resolve reads the recorded build task for a rebuild: the first problem Check finds is the
// error.
func Resolve(rec *provenance.Task) (*Build, error) {
	b, problems := Check(rec)
	if len(problems) > 0 {
		return nil, problems[0]
	}
	return b, nil
}

// Check reads the recorded build task and returns every reason it cannot be replayed, each
// a *Problem, in the order a rebuild meets them. The Build is returned even with problems,
// for `rebuild plan` to show what it can.
func Check(rec *provenance.Task) (*Build, []error) {
	b := &Build{Record: rec, Bundle: ParseBundle(rec.Bundle), Task: taskFromParams(rec.Params)}
	b.Task.Started, b.Task.StepImage = rec.StartedOn, rec.BuilderImage
	b.Task.Remote = strings.Contains(b.Bundle.Task, "-remote")
	var problems []error
	add := func(k Kind, format string, args ...any) {
		problems = append(problems, &Problem{k, fmt.Sprintf(format, args...)})
	}
	p, err := ProfileFor(rec)
	if err != nil {
		problems = append(problems, err)
	}
	b.Profile = p
	switch {
	case rec.BuilderImage == "":
		add(KindBuilderImage, "build task %s records no image for its build step", rec.Name)
	case !pinnedBySHA256.MatchString(rec.BuilderImage):
		add(KindBuilderImage, "build task %s's build step image %s is not pinned by digest", rec.Name, rec.BuilderImage)
	}
	for _, msg := range checkPrefetch(b.Task, p) {
		add(KindPrefetched, "%s", msg)
	}
	if f := rec.Params.String("BUILDAH_FORMAT"); f != "" && p != nil && !slices.Contains(p.Formats, f) {
		add(KindBadParams, "BUILDAH_FORMAT %q: %s replays %s", f, p.Name, strings.Join(p.Formats, " and "))
	}
	if f := rec.Params.String("COMPRESSION_FORMAT"); f != "" && p != nil {
		switch {
		case !slices.Contains(p.Compressions, f):
			add(KindBadParams, "COMPRESSION_FORMAT %q: %s replays %s", f, p.Name, cmpOr(strings.Join(p.Compressions, ", "), "none"))
		case f == "dual" && rec.Params.String("BUILDAH_FORMAT") == "docker":
			add(KindBadParams, "COMPRESSION_FORMAT dual with BUILDAH_FORMAT docker: konflux-build-cli refuses the pair (an index of docker manifests)")
		}
	}
	for _, err := range checkParams(rec.Params) {
		problems = append(problems, &Problem{KindBadParams, err})
	}
	for _, err := range checkResults(rec.Results) {
		problems = append(problems, &Problem{KindBadParams, err})
	}
	if p != nil {
		// What the profile's replay refuses (timestamps it cannot read) needs no checkout.
		if _, err := p.rules.replay(b.Task, ReplayInput{}); err != nil {
			problems = append(problems, err)
		}
	}
	if err := b.Task.checkLexicalPaths(); err != "" {
		add(KindPath, "%s", err)
	}
	return b, problems
}

var (
	pinnedBySHA256 = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
	sha256Digest   = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	sbomBlobURL    = regexp.MustCompile(`^[^@\s]+@sha256:[0-9a-f]{64}$`)
)

// checkParams finds parameter values the task would have failed on, or that would smuggle a
// flag or a line into the replay.
func checkParams(p provenance.Params) []string {
	var out []string
	for _, name := range []string{"BUILD_ARGS", "ENV_VARS", "LABELS", "ANNOTATIONS"} {
		for _, v := range p.Array(name) {
			switch {
			case strings.ContainsAny(v, "\n\r\x00"):
				out = append(out, fmt.Sprintf("%s entry %q contains a line break or NUL", name, v))
			case strings.HasPrefix(v, "--"):
				// The task's argument parser ends an array at an element starting with "--"
				// and fails on it as an unexpected argument.
				out = append(out, fmt.Sprintf("%s entry %q starts with --: the task fails on it as an unexpected argument", name, v))
			case (name == "BUILD_ARGS" || name == "ENV_VARS") && !strings.Contains(v, "="):
				out = append(out, fmt.Sprintf("%s entry %q has no value: buildah took it from the build's environment", name, v))
			}
		}
	}
	if m := p.String("WORKINGDIR_MOUNT"); strings.Contains(m, ":") {
		// The task exits here, "in case this is an attempt to set unexpected mount options".
		out = append(out, fmt.Sprintf("WORKINGDIR_MOUNT %q contains ':': the task refuses it", m))
	}
	for _, name := range slices.Sorted(maps.Keys(p)) {
		if v := p[name]; v.Kind == provenance.KindString && strings.ContainsAny(v.String, "\n\r\x00") {
			out = append(out, fmt.Sprintf("parameter %s %q contains a line break or NUL", name, v.String))
		}
	}
	return out
}

// checkResults finds results of the wrong shape among those a rebuild reads.
func checkResults(res map[string]string) []string {
	var out []string
	if d, ok := res["IMAGE_DIGEST"]; ok && !sha256Digest.MatchString(d) {
		out = append(out, fmt.Sprintf("result IMAGE_DIGEST %q is not a sha256 digest (sha256:<64 lowercase hex>)", d))
	}
	if u, ok := res["SBOM_BLOB_URL"]; ok && u != "" && !sbomBlobURL.MatchString(u) {
		out = append(out, fmt.Sprintf("result SBOM_BLOB_URL %q is not <repository>@sha256:<64 lowercase hex>", u))
	}
	return out
}

// taskFromParams reads the recorded parameters into a Task; a parameter that was not
// recorded keeps the task's default.
func taskFromParams(p provenance.Params) Task {
	t := DefaultTask()
	str := func(name string, dst *string) {
		if p.Has(name) {
			*dst = p.String(name)
		}
	}
	flag := func(name string, dst *bool) {
		if p.Has(name) {
			*dst = p.String(name) == "true"
		}
	}
	str("CONTEXT", &t.Context)
	str("DOCKERFILE", &t.Dockerfile)
	str("BUILD_ARGS_FILE", &t.BuildArgsFile)
	str("TARGET_STAGE", &t.TargetStage)
	str("ANNOTATIONS_FILE", &t.AnnotationsFile)
	str("COMMIT_SHA", &t.CommitSHA)
	str("SOURCE_URL", &t.SourceURL)
	str("IMAGE_EXPIRES_AFTER", &t.ImageExpiresAfter)
	str("IMAGE", &t.Image)
	str("SOURCE_DATE_EPOCH", &t.SourceDateEpoch)
	str("BUILD_TIMESTAMP", &t.BuildTimestamp)
	str("PLATFORM", &t.Platform)
	str("STORAGE_DRIVER", &t.StorageDriver)
	str("WORKINGDIR_MOUNT", &t.WorkdirMount)
	str("YUM_REPOS_D_SRC", &t.YumReposDSrc)
	str("YUM_REPOS_D_TARGET", &t.YumReposDTarget)
	str("PREFETCH_INPUT", &t.PrefetchInput)
	str("CACHI2_ARTIFACT", &t.Cachi2Artifact)
	t.BuildArgs = p.Array("BUILD_ARGS")
	t.EnvVars = p.Array("ENV_VARS")
	t.Labels = p.Array("LABELS")
	t.Annotations = p.Array("ANNOTATIONS")
	flag("REWRITE_TIMESTAMP", &t.RewriteTimestamp)
	flag("OMIT_HISTORY", &t.OmitHistory)
	flag("SKIP_INJECTIONS", &t.SkipInjections)
	flag("SKIP_UNUSED_STAGES", &t.SkipUnusedStages)
	flag("INHERIT_BASE_IMAGE_LABELS", &t.InheritBaseImageLabels)
	flag("ICM_KEEP_COMPAT_LOCATION", &t.ICMKeepCompatLocation)
	flag("SQUASH", &t.Squash)
	flag("HERMETIC", &t.Hermetic)
	flag("CONTEXTUALIZE_SBOM", &t.ContextualizeSBOM)
	flag("SKIP_SBOM_GENERATION", &t.SkipSBOMGeneration)
	t.recordedEpoch = p.Has("SOURCE_DATE_EPOCH")
	return t
}
