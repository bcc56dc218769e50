package rebuild

import (
	"errors"
	"strings"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

func TestExpectCheck(t *testing.T) {
	bundleDigest := "sha256:" + strings.Repeat("6", 64)
	recipe := func(edit func(r *provenance.Recipe)) *provenance.Recipe {
		r := &provenance.Recipe{
			Source: provenance.Source{URL: "https://git.example/org/app", CloneParams: provenance.Params{
				"revision": {Kind: provenance.KindString, String: strings.Repeat("0123456789", 4)},
			}},
			Subjects: []provenance.Subject{{Name: "registry.example/app", Digest: "sha256:" + strings.Repeat("a", 64)}},
			Task: provenance.Task{Name: "build-container", Bundle: "registry.example/konflux-ci/task-buildah-oci-ta:0.8@" + bundleDigest,
				Results: map[string]string{"IMAGE_DIGEST": "sha256:" + strings.Repeat("a", 64)}},
			BuilderID: "https://tekton.dev/chains/v2",
			Run: provenance.Run{
				Labels:      map[string]string{labelEventType: "push"},
				Annotations: map[string]string{annotationTargetBranch: "main"},
			},
		}
		if edit != nil {
			edit(r)
		}
		return r
	}
	tests := []struct {
		name   string
		expect Expect
		edit   func(*provenance.Recipe)
		msg    string // "" when the expectation is met
	}{
		{name: "nothing expected", expect: Expect{}},
		{name: "source exact", expect: Expect{SourceURI: "https://git.example/org/app"}},
		{name: "source without scheme, with .git", expect: Expect{SourceURI: "git.example/org/app.git"}},
		{name: "recorded URL with .git and /", expect: Expect{SourceURI: "git.example/org/app"}, edit: func(r *provenance.Recipe) { r.Source.URL += ".git/" }},
		{name: "source glob", expect: Expect{SourceURI: "git.example/org/*"}},
		{name: "glob stops at /", expect: Expect{SourceURI: "git.example/*"}, msg: "--source-uri git.example/*: the provenance's source is https://git.example/org/app"},
		{name: "another source", expect: Expect{SourceURI: "git.example/org/other"}, msg: "the provenance's source is https://git.example/org/app"},
		{name: "branch", expect: Expect{SourceRef: "main"}},
		{name: "branch as ref", expect: Expect{SourceRef: "refs/heads/main"}},
		{name: "branch glob", expect: Expect{SourceRef: "release-*"}, edit: func(r *provenance.Recipe) { r.Run.Annotations[annotationTargetBranch] = "release-1.2" }},
		{name: "another branch", expect: Expect{SourceRef: "main"}, edit: func(r *provenance.Recipe) { r.Run.Annotations[annotationTargetBranch] = "dev" },
			msg: "--source-ref main: the pipeline ran for branch dev"},
		{name: "pull request", expect: Expect{SourceRef: "main"}, edit: func(r *provenance.Recipe) { r.Run.Annotations[annotationPullRequest] = "42" },
			msg: "the pipeline ran for pull request 42 into main, not for a push"},
		{name: "pull request event", expect: Expect{SourceRef: "main"}, edit: func(r *provenance.Recipe) { r.Run.Labels[labelEventType] = "pull_request" },
			msg: "the pipeline ran for a pull_request event, not for a push"},
		{name: "branch from the clone's revision", expect: Expect{SourceRef: "main"}, edit: func(r *provenance.Recipe) {
			r.Run = provenance.Run{}
			r.Source.CloneParams["revision"] = provenance.Param{Kind: provenance.KindString, String: "refs/heads/main"}
		}},
		{name: "no branch recorded", expect: Expect{SourceRef: "main"}, edit: func(r *provenance.Recipe) { r.Run = provenance.Run{} },
			msg: "the provenance records no branch"},
		{name: "builder", expect: Expect{BuilderID: "https://tekton.dev/chains/v2"}},
		{name: "another builder", expect: Expect{BuilderID: "https://builder.example/other"}, msg: `--builder-id https://builder.example/other: the provenance's builder is "https://tekton.dev/chains/v2"`},
		{name: "trusted task by digest", expect: Expect{TrustedTasks: []string{"sha256:" + strings.Repeat("1", 64), bundleDigest}}},
		{name: "trusted task by reference", expect: Expect{TrustedTasks: []string{"registry.example/konflux-ci/task-buildah-oci-ta:0.8@" + bundleDigest}}},
		{name: "untrusted task", expect: Expect{TrustedTasks: []string{"sha256:" + strings.Repeat("1", 64)}},
			msg: "--trusted-task: the build task build-container ran bundle registry.example/konflux-ci/task-buildah-oci-ta:0.8@" + bundleDigest + ", not one of the 1 trusted"},
		{name: "the image pushed", expect: Expect{Image: provenance.Subject{Name: "registry.example/app", Digest: "sha256:" + strings.Repeat("a", 64)}}},
		{name: "another image", expect: Expect{Image: provenance.Subject{Name: "registry.example/app", Digest: "sha256:" + strings.Repeat("b", 64)}},
			msg: "the image is registry.example/app@sha256:bbbb"},
		{name: "no bundle recorded", expect: Expect{TrustedTasks: []string{bundleDigest}}, edit: func(r *provenance.Recipe) { r.Task.Bundle = "" },
			msg: "ran bundle (none recorded)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.expect.Check(recipe(tt.edit))
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Check: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrUnexpected) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Check: %v, want ErrUnexpected with %q", err, tt.msg)
			}
		})
	}
}
