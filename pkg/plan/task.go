package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// ErrCannotReplay marks recorded parameters that name a build the replay cannot do.
var ErrCannotReplay = errors.New("cannot rebuild from this provenance")

// TaskFromParams reads the buildah task's recorded parameters into a build.Task; a parameter
// that was not recorded keeps the task's default. Parameters that name a build the replay
// cannot do give an error matching ErrCannotReplay (the first of them), its text naming
// the parameter alone so that callers may prefix their own.
func TaskFromParams(p provenance.Params) (build.Task, error) {
	t, problems := taskFromParams(p)
	if len(problems) > 0 {
		return t, replayError(problems[0].msg)
	}
	return t, nil
}

type replayError string

func (e replayError) Error() string        { return string(e) }
func (e replayError) Is(target error) bool { return target == ErrCannotReplay }

// problem is a finding about the recorded parameters, found while reading them.
type problem struct {
	code Code
	msg  string
}

func taskFromParams(p provenance.Params) (build.Task, []problem) {
	t := build.DefaultTask()
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

	var problems []problem
	if p.String("PREFETCH_INPUT") != "" {
		problems = append(problems, problem{CodePrefetched, "PREFETCH_INPUT is set: the build used prefetched content the provenance does not carry"})
	}
	if f := p.String("BUILDAH_FORMAT"); f != "" && f != "oci" {
		problems = append(problems, problem{CodeBadParams, fmt.Sprintf("BUILDAH_FORMAT %q: only oci is replayed", f)})
	}
	for _, name := range []string{"BUILD_ARGS", "ENV_VARS", "LABELS", "ANNOTATIONS"} {
		for _, v := range p.Array(name) {
			if strings.ContainsAny(v, "\n\r") {
				problems = append(problems, problem{CodeBadParams, fmt.Sprintf("%s entry %q contains a line break", name, v)})
			}
		}
	}
	return t, problems
}
