package konflux

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

func str(s string) provenance.Param { return provenance.Param{Kind: provenance.KindString, String: s} }
func arr(s ...string) provenance.Param {
	return provenance.Param{Kind: provenance.KindArray, Array: s}
}

func TestTaskFromParams(t *testing.T) {
	got := taskFromParams(provenance.Params{
		"CONTEXT":                   str("sub"),
		"DOCKERFILE":                str("Containerfile"),
		"BUILD_ARGS":                arr("A=1"),
		"LABELS":                    arr("x=y=z"),
		"SOURCE_DATE_EPOCH":         str("5"),
		"REWRITE_TIMESTAMP":         str("true"),
		"INHERIT_BASE_IMAGE_LABELS": str("false"),
	})
	want := DefaultTask()
	want.Context, want.Dockerfile = "sub", "Containerfile"
	want.BuildArgs, want.Labels = []string{"A=1"}, []string{"x=y=z"}
	want.SourceDateEpoch, want.RewriteTimestamp, want.InheritBaseImageLabels = "5", true, false
	want.recordedEpoch = true
	if !reflect.DeepEqual(got, want) {
		t.Errorf("taskFromParams:\n%+v\nwant\n%+v", got, want)
	}
}

// recorded is a build task that the 0.8 profile covers, with params.
func recorded(params provenance.Params) *provenance.Task {
	return &provenance.Task{
		Name: "build-container", Params: params,
		Bundle:       "registry.example/konflux-ci/task-buildah-oci-ta:0.8@sha256:" + strings.Repeat("6", 64),
		BuilderImage: "registry.example/konflux-ci/buildah-task@sha256:" + strings.Repeat("7", 64),
		Results:      map[string]string{"IMAGE_DIGEST": "sha256:" + strings.Repeat("a", 64)},
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(*provenance.Task)
		kind Kind   // 0: no problem
		msg  string // in the first problem's text
	}{
		{name: "0.8", edit: func(*provenance.Task) {}},
		{name: "0.7", edit: func(t *provenance.Task) { t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.7@", 1) }},
		{name: "remote", edit: func(t *provenance.Task) {
			t.Bundle = strings.Replace(t.Bundle, "task-buildah-oci-ta", "task-buildah-remote-oci-ta", 1)
		}},
		{name: "0.6", edit: func(t *provenance.Task) { t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.6@", 1) }},
		{name: "0.5, buildah", edit: func(t *provenance.Task) {
			t.Bundle = strings.Replace(t.Bundle, "task-buildah-oci-ta:0.8@", "task-buildah:0.5@", 1)
		}},
		{name: "0.4", edit: func(t *provenance.Task) { t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.4@", 1) }},
		{name: "0.3", edit: func(t *provenance.Task) { t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.3@", 1) }},
		{name: "0.1", edit: func(t *provenance.Task) { t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.1@", 1) }},
		{name: "0.1 before 2023-10-11", edit: func(t *provenance.Task) {
			t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.1@", 1)
			t.StartedOn = time.Date(2023, 9, 1, 0, 0, 0, 0, time.UTC)
		}, kind: KindNoProfile, msg: "a TaskRun started 2023-09-01T00:00:00Z, before 2023-10-11T07:46:40Z: the task's script then is not replayed"},
		{name: "0.0", edit: func(t *provenance.Task) { t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.0@", 1) }, kind: KindNoProfile, msg: "task task-buildah-oci-ta version 0.0: no replay profile covers it"},
		{name: "no bundle", edit: func(t *provenance.Task) { t.Bundle = "" }, kind: KindNoProfile, msg: "the task's bundle is not recorded"},
		{name: "other task", edit: func(t *provenance.Task) {
			t.Bundle = strings.Replace(t.Bundle, "task-buildah-oci-ta", "task-kaniko", 1)
		}, kind: KindNoProfile, msg: "task-kaniko"},
		{name: "builder unpinned", edit: func(t *provenance.Task) { t.BuilderImage = "registry.example/buildah:latest" }, kind: KindBuilderImage, msg: "not pinned by digest"},
		{name: "prefetch", edit: func(t *provenance.Task) { t.Params["PREFETCH_INPUT"] = str("gomod") }, kind: KindPrefetched, msg: "PREFETCH_INPUT"},
		{name: "docker format", edit: func(t *provenance.Task) { t.Params["BUILDAH_FORMAT"] = str("docker") }},
		{name: "unknown format", edit: func(t *provenance.Task) { t.Params["BUILDAH_FORMAT"] = str("v2s1") }, kind: KindBadParams, msg: `BUILDAH_FORMAT "v2s1": buildah/0.8 replays oci and docker`},
		{name: "docker format, konflux-build-cli", edit: func(t *provenance.Task) {
			t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.12@", 1)
			t.Params["BUILDAH_FORMAT"] = str("docker")
		}},
		{name: "dual compression", edit: func(t *provenance.Task) {
			t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.13@", 1)
			t.Params["COMPRESSION_FORMAT"] = str("dual")
		}},
		{name: "unknown compression", edit: func(t *provenance.Task) {
			t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.13@", 1)
			t.Params["COMPRESSION_FORMAT"] = str("zstd")
		}, kind: KindBadParams, msg: `COMPRESSION_FORMAT "zstd": konflux-build-cli/0.13 replays gzip, zstd:chunked, dual`},
		{name: "compression before 0.13", edit: func(t *provenance.Task) { t.Params["COMPRESSION_FORMAT"] = str("gzip") },
			kind: KindBadParams, msg: `COMPRESSION_FORMAT "gzip": buildah/0.8 replays none`},
		{name: "dual docker", edit: func(t *provenance.Task) {
			t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.13@", 1)
			t.Params["COMPRESSION_FORMAT"], t.Params["BUILDAH_FORMAT"] = str("dual"), str("docker")
		}, kind: KindBadParams, msg: "COMPRESSION_FORMAT dual with BUILDAH_FORMAT docker"},
		{name: "label as flag", edit: func(t *provenance.Task) { t.Params["LABELS"] = arr("--squash=true") }, kind: KindBadParams, msg: `LABELS entry "--squash=true" starts with --`},
		{name: "newline in arg", edit: func(t *provenance.Task) { t.Params["BUILD_ARGS"] = arr("A=1\nB=2") }, kind: KindBadParams, msg: "line break"},
		{name: "bare env var", edit: func(t *provenance.Task) { t.Params["ENV_VARS"] = arr("HOME") }, kind: KindBadParams, msg: `ENV_VARS entry "HOME" has no value`},
		{name: "NUL in string", edit: func(t *provenance.Task) { t.Params["SOURCE_URL"] = str("a\x00b") }, kind: KindBadParams, msg: "parameter SOURCE_URL"},
		{name: "image digest", edit: func(t *provenance.Task) { t.Results["IMAGE_DIGEST"] = "sha256:AB" }, kind: KindBadParams, msg: "result IMAGE_DIGEST"},
		{name: "two timestamps", edit: func(t *provenance.Task) {
			t.Params["SOURCE_DATE_EPOCH"], t.Params["BUILD_TIMESTAMP"] = str("1"), str("2")
		}, kind: KindBadParams, msg: "both BUILD_TIMESTAMP and SOURCE_DATE_EPOCH"},
		{name: "two timestamps, konflux-build-cli", edit: func(t *provenance.Task) {
			t.Bundle = strings.Replace(t.Bundle, ":0.8@", ":0.10@", 1)
			t.Params["SOURCE_DATE_EPOCH"], t.Params["BUILD_TIMESTAMP"] = str("1"), str("2") // SOURCE_DATE_EPOCH wins there
		}},
		{name: "timestamp not a number", edit: func(t *provenance.Task) { t.Params["BUILD_TIMESTAMP"] = str("noon") }, kind: KindBadParams, msg: `timestamp "noon" is not a whole number`},
		{name: "context escapes", edit: func(t *provenance.Task) { t.Params["CONTEXT"] = str("../..") }, kind: KindPath, msg: `cannot replay the build task: CONTEXT "../.." escapes the checkout`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := recorded(provenance.Params{})
			tt.edit(rec)
			b, problems := Check(rec)
			_, err := Resolve(rec)
			if tt.kind == 0 {
				if len(problems) > 0 || err != nil || b.Profile == nil {
					t.Fatalf("Check: %v; Resolve: %v; profile %v", problems, err, b.Profile)
				}
				return
			}
			var p *Problem
			if len(problems) == 0 || !errors.As(problems[0], &p) || p.Kind != tt.kind || !strings.Contains(p.Error(), tt.msg) {
				t.Fatalf("Check: %v, want kind %d with %q", problems, tt.kind, tt.msg)
			}
			if err == nil || err.Error() != problems[0].Error() || !errors.Is(err, ErrCannotReplay) {
				t.Errorf("Resolve: %v, want Check's first problem %v", err, problems[0])
			}
		})
	}
}

func TestDefaultBuildah(t *testing.T) {
	for version, want := range map[string]string{"0.9": "1.42.2", "0.8": "1.42.2", "0.7": "", "0.6": ""} {
		rec := recorded(provenance.Params{})
		rec.Bundle = strings.Replace(rec.Bundle, ":0.8@", ":"+version+"@", 1)
		b, _ := Check(rec)
		if got := b.DefaultBuildah(); got != want {
			t.Errorf("task version %s: DefaultBuildah() = %q, want %q", version, got, want)
		}
	}
}
