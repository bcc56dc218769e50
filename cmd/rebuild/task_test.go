package main

import (
	"reflect"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

func str(s string) provenance.Param { return provenance.Param{Kind: provenance.KindString, String: s} }
func arr(s ...string) provenance.Param {
	return provenance.Param{Kind: provenance.KindArray, Array: s}
}

func TestTaskFromParams(t *testing.T) {
	got, err := taskFromParams(provenance.Params{
		"CONTEXT":                   str("sub"),
		"DOCKERFILE":                str("Containerfile"),
		"BUILD_ARGS":                arr("A=1"),
		"LABELS":                    arr("x=y=z"),
		"SOURCE_DATE_EPOCH":         str("5"),
		"REWRITE_TIMESTAMP":         str("true"),
		"INHERIT_BASE_IMAGE_LABELS": str("false"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := build.DefaultTask()
	want.Context, want.Dockerfile = "sub", "Containerfile"
	want.BuildArgs, want.Labels = []string{"A=1"}, []string{"x=y=z"}
	want.SourceDateEpoch, want.RewriteTimestamp, want.InheritBaseImageLabels = "5", true, false
	if !reflect.DeepEqual(got, want) {
		t.Errorf("taskFromParams:\n%+v\nwant\n%+v", got, want)
	}
}

func TestTaskFromParamsRefuses(t *testing.T) {
	for name, p := range map[string]provenance.Params{
		"prefetch":       {"PREFETCH_INPUT": str("gomod")},
		"docker format":  {"BUILDAH_FORMAT": str("docker")},
		"newline in arg": {"BUILD_ARGS": arr("A=1\nB=2")},
	} {
		if _, err := taskFromParams(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
