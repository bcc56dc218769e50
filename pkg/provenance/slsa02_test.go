package provenance

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// mutated returns testdata/statement-v02.json on one line, changed by change.
func mutated(t *testing.T, change func(st map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile("testdata/statement-v02.json")
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	change(st)
	out, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func predicate(st map[string]any) map[string]any { return st["predicate"].(map[string]any) }

func tasks(st map[string]any) []any {
	return predicate(st)["buildConfig"].(map[string]any)["tasks"].([]any)
}

func taskNamed(st map[string]any, name string) map[string]any {
	for _, t := range tasks(st) {
		if t := t.(map[string]any); t["name"] == name {
			return t
		}
	}
	panic("no task " + name)
}

func params(st map[string]any, task string) map[string]any {
	return taskNamed(st, task)["invocation"].(map[string]any)["parameters"].(map[string]any)
}

func dropResult(st map[string]any, task, result string) {
	t := taskNamed(st, task)
	var kept []any
	for _, r := range t["results"].([]any) {
		if r.(map[string]any)["name"] != result {
			kept = append(kept, r)
		}
	}
	t["results"] = kept
}

func setResult(st map[string]any, task, result string, value any) {
	for _, r := range taskNamed(st, task)["results"].([]any) {
		if r := r.(map[string]any); r["name"] == result {
			r["value"] = value
		}
	}
}

func TestDecodeSLSAV02(t *testing.T) {
	const clone, build = "clone-repository", "build-container"
	tests := []struct {
		name    string
		change  func(st map[string]any)
		want    *Recipe
		wantIs  error
		wantErr string
	}{
		{
			name:   "url from the clone parameter",
			change: func(st map[string]any) { dropResult(st, clone, "url") },
			want:   exampleRecipe(),
		},
		{
			name: "url and commit from the git material",
			change: func(st map[string]any) {
				dropResult(st, clone, "url")
				dropResult(st, clone, "commit")
				delete(params(st, clone), "url")
			},
			want: exampleWith(func(r *Recipe) { delete(r.Source.CloneParams, "url") }),
		},
		{
			name: "no git URL",
			change: func(st map[string]any) {
				dropResult(st, clone, "url")
				delete(params(st, clone), "url")
				predicate(st)["materials"] = []any{}
			},
			wantIs:  ErrMissing,
			wantErr: `line 1: decoding predicate: clone task "clone-repository": no git URL recorded (result url, parameter url or git+ material)`,
		},
		{
			name: "no commit",
			change: func(st map[string]any) {
				dropResult(st, clone, "commit")
				predicate(st)["materials"] = []any{}
			},
			wantIs:  ErrMissing,
			wantErr: `line 1: decoding predicate: clone task "clone-repository": no commit recorded (result commit or git+ material with a sha1 digest)`,
		},
		{
			name:    "short commit",
			change:  func(st map[string]any) { setResult(st, clone, "commit", "0123456") },
			wantErr: `line 1: decoding predicate: clone task "clone-repository": commit "0123456" is not a full lowercase hex object name`,
		},
		{
			// A signed document that contradicts itself is refused, naming both sources.
			name:    "materials name another commit",
			change:  func(st map[string]any) { setResult(st, clone, "commit", strings.Repeat("e", 40)) },
			wantErr: `line 1: decoding predicate: clone task "clone-repository": the materials name the source https://git.example/org/app@` + exampleCommit + `, the clone task https://git.example/org/app@` + strings.Repeat("e", 40) + `: the provenance contradicts itself`,
		},
		{
			name: "materials name another repository",
			change: func(st map[string]any) {
				setResult(st, clone, "url", "https://git.example/other/app")
				params(st, clone)["url"] = "https://git.example/other/app"
			},
			wantErr: `line 1: decoding predicate: clone task "clone-repository": the materials name the source https://git.example/org/app@` + exampleCommit +
				`, the clone task https://git.example/other/app@` + exampleCommit + `: the provenance contradicts itself`,
		},
		{
			name:    "negative commit timestamp",
			change:  func(st map[string]any) { setResult(st, clone, "commit-timestamp", "-1") },
			wantErr: `line 1: decoding predicate: clone task "clone-repository": commit-timestamp "-1" is not a number of seconds`,
		},
		{
			name: "non-string result skipped",
			change: func(st map[string]any) {
				setResult(st, build, "IMAGE_URL", []any{"a"})
				setResult(st, clone, "commit-timestamp", nil)
			},
			want: exampleWith(func(r *Recipe) {
				delete(r.Task.Results, "IMAGE_URL")
				r.Source.CommitTimestamp = ""
			}),
		},
		{
			name: "tasks found by ref bundle, bundle in ref.bundle",
			change: func(st map[string]any) {
				c := taskNamed(st, clone)
				c["ref"] = map[string]any{"bundle": "quay.io/x/task-git-clone:0.1@sha256:" + strings.Repeat("3", 64)}
				c["name"] = "fetch"
				b := taskNamed(st, build)
				b["ref"] = map[string]any{"name": "buildah-oci-ta", "bundle": "quay.io/x/task-buildah:0.1"}
				b["name"] = "build"
			},
			want: exampleWith(func(r *Recipe) {
				r.Task.Name = "build"
				r.Task.Bundle = "quay.io/x/task-buildah:0.1"
			}),
		},
		{
			name:   "build task found by name",
			change: func(st map[string]any) { taskNamed(st, build)["ref"] = map[string]any{"name": "my-build"} },
			want:   exampleWith(func(r *Recipe) { r.Task.Bundle = "" }),
		},
		{
			name: "the clone task named clone-repository wins",
			change: func(st map[string]any) {
				other := map[string]any{"name": "clone-other", "ref": map[string]any{"name": "git-clone"}}
				predicate(st)["buildConfig"].(map[string]any)["tasks"] = append(tasks(st), other)
			},
			want: exampleRecipe(),
		},
		{
			name: "two unnamed clone tasks",
			change: func(st map[string]any) {
				taskNamed(st, clone)["name"] = "a"
				other := map[string]any{"name": "b", "ref": map[string]any{"name": "git-clone"}}
				predicate(st)["buildConfig"].(map[string]any)["tasks"] = append(tasks(st), other)
			},
			wantIs:  ErrAmbiguous,
			wantErr: "line 1: decoding predicate: 2 clone tasks recorded and not exactly one is named clone-repository",
		},
		{
			name:    "no build task",
			change:  func(st map[string]any) { taskNamed(st, build)["name"], taskNamed(st, build)["ref"] = "x", nil },
			wantIs:  ErrMissing,
			wantErr: "line 1: decoding predicate: no build task recorded (buildah, build-container or build-images)",
		},
		{
			name: "two build tasks for subjects",
			change: func(st map[string]any) {
				predicate(st)["buildConfig"].(map[string]any)["tasks"] = append(tasks(st), taskNamed(st, build))
			},
			wantIs:  ErrAmbiguous,
			wantErr: "line 1: decoding predicate: 2 build tasks have a subject's digest as IMAGE_DIGEST",
		},
		{
			name:    "no build step",
			change:  func(st map[string]any) { taskNamed(st, build)["steps"] = nil },
			wantIs:  ErrMissing,
			wantErr: `line 1: decoding predicate: build task "build-container": no image recorded for step "build"`,
		},
		{
			name: "builder image not pinned",
			change: func(st map[string]any) {
				step := taskNamed(st, build)["steps"].([]any)[1].(map[string]any)
				step["environment"].(map[string]any)["image"] = "oci://quay.io/buildah:latest"
			},
			wantErr: `line 1: decoding predicate: build task "build-container": step "build" image "quay.io/buildah:latest" is not pinned by sha256 digest`,
		},
		{
			name:    "null in an array parameter",
			change:  func(st map[string]any) { params(st, build)["LABELS"] = []any{"a=b", nil} },
			wantErr: `line 1: decoding predicate: build task "build-container": parameter "LABELS": element 1: unsupported value "null": want a string`,
		},
		{
			name:    "number in an object parameter",
			change:  func(st map[string]any) { params(st, clone)["x"] = map[string]any{"k": 1} },
			wantErr: `line 1: decoding predicate: clone task "clone-repository": parameter "x": key "k": unsupported value "1": want a string`,
		},
		{
			name: "subject without sha256",
			change: func(st map[string]any) {
				st["subject"] = []any{map[string]any{"name": "a", "digest": map[string]any{"sha512": "00"}}}
			},
			wantIs:  ErrMissing,
			wantErr: `line 1: subject "a" has no sha256 digest`,
		},
		{
			name: "subject digest not hex",
			change: func(st map[string]any) {
				st["subject"] = []any{map[string]any{"name": "a", "digest": map[string]any{"sha256": "XY"}}}
			},
			wantErr: `line 1: subject "a": sha256 digest "XY" is not 64 lowercase hex digits`,
		},
		{
			name:    "no predicate",
			change:  func(st map[string]any) { delete(st, "predicate") },
			wantIs:  ErrMissing,
			wantErr: "line 1: statement has no predicate",
		},
		{
			name:    "predicate of the wrong shape",
			change:  func(st map[string]any) { predicate(st)["materials"] = "x" },
			wantErr: "line 1: decoding predicate: materials is a JSON string, want an array",
		},
		{
			name:    "predicate not an object",
			change:  func(st map[string]any) { st["predicate"] = "x" },
			wantErr: "line 1: decoding predicate: the value is a JSON string, want an object",
		},
		{
			name: "step image of the wrong shape",
			change: func(st map[string]any) {
				step := taskNamed(st, build)["steps"].([]any)[1].(map[string]any)
				step["environment"].(map[string]any)["image"] = 7
			},
			wantErr: "line 1: decoding predicate: buildConfig.tasks.steps.environment.image is a JSON number, want a string",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(mutated(t, tt.change)))
			checkErr(t, err, tt.wantIs, tt.wantErr)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
