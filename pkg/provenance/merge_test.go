package provenance

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

func TestMergeDisagreements(t *testing.T) {
	const clone, build = "clone-repository", "build-container"
	tests := []struct {
		name    string
		change  func(st map[string]any)
		wantErr string
	}{
		{
			name: "commit",
			change: func(st map[string]any) {
				setResult(st, clone, "commit", strings.Repeat("f", 40))
				for _, m := range st["predicate"].(map[string]any)["materials"].([]any) {
					if d := m.(map[string]any)["digest"].(map[string]any); d["sha1"] != nil {
						d["sha1"] = strings.Repeat("f", 40) // each line agrees with itself
					}
				}
			},
			wantErr: `envelopes on lines 1 and 2 disagree on commit: "` + exampleCommit + `" vs "` + strings.Repeat("f", 40) + `"`,
		},
		{
			name:    "clone parameter",
			change:  func(st map[string]any) { params(st, clone)["submodules"] = "false" },
			wantErr: `envelopes on lines 1 and 2 disagree on clone parameter submodules: "true" vs "false"`,
		},
		{
			name:    "result",
			change:  func(st map[string]any) { dropResult(st, build, "SBOM_BLOB_URL") },
			wantErr: `envelopes on lines 1 and 2 disagree on result SBOM_BLOB_URL: "registry.example/org/app@sha256:` + strings.Repeat("9", 64) + `" vs ""`,
		},
		{
			name:    "parameter only in the second",
			change:  func(st map[string]any) { params(st, build)["A B"] = map[string]any{"k": "<v>"} },
			wantErr: `envelopes on lines 1 and 2 disagree on parameter "A B": (absent) vs {"k":"<v>"}`,
		},
		{
			name:    "parameter kind",
			change:  func(st map[string]any) { params(st, build)["LABELS"] = "release=1" },
			wantErr: `envelopes on lines 1 and 2 disagree on parameter LABELS: ["release=1"] vs "release=1"`,
		},
	}
	first, err := os.ReadFile("testdata/envelope-v02.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(io.MultiReader(bytes.NewReader(first), strings.NewReader(mutated(t, tt.change))))
			checkErr(t, err, ErrDisagree, tt.wantErr)
		})
	}
}
