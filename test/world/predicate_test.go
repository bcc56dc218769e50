package world

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The predicate must have exactly the shape of the project's Chains example.
func TestPredicateShape(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("..", "..", "pkg", "provenance", "testdata", "statement-v02.json"))
	if err != nil {
		t.Fatal(err)
	}
	var statement struct{ Predicate any }
	if err := json.Unmarshal(example, &statement); err != nil {
		t.Fatal(err)
	}
	run := Run{
		GitURL: "http://127.0.0.1:1/app.git", Commit: strings.Repeat("a", 40), CommitTimestamp: "1767225600",
		BuildParams:  buildahOCITaDefaults.Overlay(Params{"IMAGE": "127.0.0.1:2/app:x", "BUILD_ARGS": []string{"A=1"}}),
		BuildahImage: "127.0.0.1:2/buildah-task@sha256:" + strings.Repeat("b", 64),
		Digest:       "sha256:" + strings.Repeat("c", 64), SBOMBlobURL: "127.0.0.1:2/app@sha256:" + strings.Repeat("d", 64),
		Started: time.Unix(1767225600, 0),
	}
	ours, err := Predicate(run)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal(ours, &got); err != nil {
		t.Fatal(err)
	}
	want := shape(statement.Predicate, "")
	have := shape(got, "")
	if !slices.Equal(want, have) {
		t.Errorf("predicate shape differs:\nwant %v\n got %v", want, have)
	}
}

// shape lists the key paths of v, arrays merged, parameter maps and results as leaves, and the
// PipelineRun's environment (its labels and annotations, whichever a run has) as one leaf.
func shape(v any, path string) []string {
	set := map[string]bool{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		set[path] = true
		switch x := v.(type) {
		case map[string]any:
			if strings.HasSuffix(path, ".parameters") || strings.HasSuffix(path, ".digest") || path == ".invocation.environment" {
				return
			}
			for k, e := range x {
				walk(e, path+"."+k)
			}
		case []any:
			for _, e := range x {
				walk(e, path+"[]")
			}
		}
	}
	walk(v, path)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
