package rebuild

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/konflux"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// ErrUnexpected marks a provenance that is not what the user expects of it: bad input.
var ErrUnexpected = errors.New("not the expected provenance")

// Expect is what the user requires of a provenance, checked before anything is fetched. A
// signing key vouches only for the cluster that signed (Chains signs every pipeline of a cluster
// with one key); these say which source, branch, builder and task the image must come from.
type Expect struct {
	// SourceURI is the git repository: exact, or a glob (path.Match: "*" stops at "/");
	// compared without the scheme, a final ".git" or "/" on either side.
	SourceURI string
	// SourceRef is the branch the pipeline ran for on a push ("main", "refs/heads/main", or
	// a glob): Konflux's build.appstudio.redhat.com/target_branch annotation of the
	// PipelineRun, else the clone task's revision parameter when it names a ref.
	SourceRef string
	// BuilderID is the build platform's id (builder.id), exact.
	BuilderID string
	// TrustedTasks are the build task bundles allowed to have built the image: digests
	// ("sha256:<hex>") or references ending in one.
	TrustedTasks []string
	// Image is the image being verified (name and manifest digest): the build task must have
	// pushed it. Zero for none.
	Image provenance.Subject
}

// Konflux's PipelineRun metadata (its .tekton templates, filled in by Pipelines as Code).
const (
	annotationTargetBranch = "build.appstudio.redhat.com/target_branch"
	annotationPullRequest  = "build.appstudio.redhat.com/pull_request_number"
	labelEventType         = "pipelinesascode.tekton.dev/event-type"
)

var hexRevision = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// Check returns an ErrUnexpected error naming the first expectation r does not meet.
func (e Expect) Check(r *provenance.Recipe) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrUnexpected, fmt.Sprintf(format, args...))
	}
	if e.Image.Digest != "" {
		// The index of a multi-platform pipeline is a subject of its attestation, beside the
		// image of each platform, of which the rebuild compares one.
		if pushed, _ := konflux.Pushed(r.Subjects, &r.Task); pushed.Digest != e.Image.Digest && !(len(r.Platforms) > 0 && isSubject(r, e.Image.Digest)) {
			return fail("the image is %s@%s, the attestation's build pushed %s@%s", e.Image.Name, e.Image.Digest, pushed.Name, pushed.Digest)
		}
	}
	if e.SourceURI != "" && !matchURI(e.SourceURI, r.Source.URL) {
		return fail("--source-uri %s: the provenance's source is %s", e.SourceURI, r.Source.URL)
	}
	if e.SourceRef != "" {
		if err := checkRef(e.SourceRef, r); err != nil {
			return fail("--source-ref %s: %v", e.SourceRef, err)
		}
	}
	if e.BuilderID != "" && e.BuilderID != r.BuilderID {
		return fail("--builder-id %s: the provenance's builder is %q", e.BuilderID, r.BuilderID)
	}
	if len(e.TrustedTasks) > 0 {
		digest := konflux.ParseBundle(r.Task.Bundle).Digest
		trusted := false
		for _, t := range e.TrustedTasks {
			if digest != "" && (t == digest || strings.HasSuffix(t, "@"+digest)) {
				trusted = true
			}
		}
		if !trusted {
			return fail("--trusted-task: the build task %s ran bundle %s, not one of the %d trusted", r.Task.Name, cmpOr(r.Task.Bundle, "(none recorded)"), len(e.TrustedTasks))
		}
	}
	return nil
}

// checkRef says why the provenance does not show a push to the branch want.
func checkRef(want string, r *provenance.Recipe) error {
	ann, labels := r.Run.Annotations, r.Run.Labels
	if pr := ann[annotationPullRequest]; pr != "" {
		return fmt.Errorf("the pipeline ran for pull request %s into %s, not for a push", pr, cmpOr(ann[annotationTargetBranch], "(no branch recorded)"))
	}
	if ev, ok := labels[labelEventType]; ok && ev != "push" {
		return fmt.Errorf("the pipeline ran for a %s event, not for a push", ev)
	}
	branch := ann[annotationTargetBranch]
	if branch == "" {
		if rev := r.Source.CloneParams.String("revision"); rev != "" && !hexRevision.MatchString(rev) {
			branch = rev
		}
	}
	if branch == "" {
		return fmt.Errorf("the provenance records no branch (annotation %s, or a ref as the clone task's revision)", annotationTargetBranch)
	}
	if !matchGlob(strings.TrimPrefix(want, "refs/heads/"), strings.TrimPrefix(branch, "refs/heads/")) {
		return fmt.Errorf("the pipeline ran for branch %s", branch)
	}
	return nil
}

// matchURI compares a git URL with what the user gave, without scheme, ".git" or a final "/".
func matchURI(want, got string) bool {
	return matchGlob(bareURI(want), bareURI(got))
}

func bareURI(u string) string {
	if _, rest, ok := strings.Cut(u, "://"); ok {
		u = rest
	}
	u = strings.TrimSuffix(u, "/")
	return strings.TrimSuffix(u, ".git")
}

// matchGlob is an exact comparison, or path.Match when pattern has a glob character.
func matchGlob(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?[") {
		return pattern == s
	}
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func isSubject(r *provenance.Recipe, digest string) bool {
	for _, s := range r.Subjects {
		if s.Digest == digest {
			return true
		}
	}
	return false
}
