package provenance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// v1Recipe is the example recipe as statement-slsa1.json records it: its PipelineRun has an
// annotation more (internalParameters), changed by change.
func v1Recipe(change func(*Recipe)) *Recipe {
	return exampleWith(func(r *Recipe) {
		r.Run.Annotations = map[string]string{"pipelinesascode.tekton.dev/on-event": "push"}
		change(r)
	})
}

// statement-slsa1.json is SLSA v1 provenance in the shape Tekton Chains' slsa/v2alpha4 writes
// with the slsa-tekton buildType, for the same pipeline run as statement-v02.json
// (see gen-slsa1.sh): it must read into the same recipe.
func TestReadSLSAV1(t *testing.T) {
	v1 := string(readFile(t, "testdata/statement-slsa1.json"))
	generic := string(readFile(t, "testdata/statement-slsa1-generic.json"))
	editDeps := func(edit func(deps []any)) string {
		var st map[string]any
		if err := json.Unmarshal([]byte(v1), &st); err != nil {
			t.Fatal(err)
		}
		edit(st["predicate"].(map[string]any)["buildDefinition"].(map[string]any)["resolvedDependencies"].([]any))
		out, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	// withTaskRun edits the build task's TaskRun.
	withTaskRun := func(edit func(tr map[string]any)) string {
		return editDeps(func(deps []any) {
			for _, d := range deps {
				d := d.(map[string]any)
				if d["name"] != "pipelineTask" {
					continue
				}
				content, _ := base64.StdEncoding.DecodeString(d["content"].(string))
				var tr map[string]any
				if err := json.Unmarshal(content, &tr); err != nil {
					t.Fatal(err)
				}
				if tr["metadata"].(map[string]any)["labels"].(map[string]any)["tekton.dev/pipelineTask"] != "build-container" {
					continue
				}
				edit(tr)
				content, _ = json.Marshal(tr)
				d["content"] = base64.StdEncoding.EncodeToString(content)
			}
		})
	}
	tests := []struct {
		name, input string
		want        *Recipe
		wantIs      error
		wantErr     string
	}{
		{name: "slsa-tekton", input: v1, want: v1Recipe(func(*Recipe) {})},
		{
			name: "explicit value wins over the default",
			input: withTaskRun(func(tr map[string]any) {
				spec := tr["spec"].(map[string]any)
				spec["params"] = append(spec["params"].([]any), map[string]any{"name": "SKIP_INJECTIONS", "value": "true"})
			}),
			want: v1Recipe(func(r *Recipe) { r.Task.Params["SKIP_INJECTIONS"] = str("true") }),
		},
		{
			name:    "default buildType",
			input:   generic,
			wantIs:  ErrMissing,
			wantErr: `line 1: decoding predicate: buildType "https://tekton.dev/chains/v2/slsa" records no task parameters: a rebuild needs "https://tekton.dev/chains/v2/slsa-tekton", whose pipelineTask dependencies carry each TaskRun`,
		},
		{
			name:    "other buildType",
			input:   strings.Replace(v1, BuildTypeTekton, "https://example.test/build", 1),
			wantIs:  ErrUnsupported,
			wantErr: `line 1: decoding predicate: unsupported buildType "https://example.test/build" (want "https://tekton.dev/chains/v2/slsa-tekton")`,
		},
		{
			name: "TaskRun not JSON",
			input: editDeps(func(deps []any) {
				deps[1].(map[string]any)["content"] = base64.StdEncoding.EncodeToString([]byte("[1,2"))
			}),
			wantErr: "line 1: decoding predicate: buildDefinition.resolvedDependencies[1] (pipelineTask): decoding TaskRun: unexpected end of JSON input",
		},
		{
			name:    "TaskRun of the wrong shape",
			input:   withTaskRun(func(tr map[string]any) { tr["status"].(map[string]any)["steps"] = "build" }),
			wantErr: "line 1: decoding predicate: buildDefinition.resolvedDependencies[3] (pipelineTask): decoding TaskRun: status.steps is a JSON string, want an array",
		},
		{
			name: "step image not pinned",
			input: withTaskRun(func(tr map[string]any) {
				tr["status"].(map[string]any)["steps"] = []any{map[string]any{"name": "build", "imageID": "quay.io/buildah:latest"}}
			}),
			wantErr: `line 1: decoding predicate: build task "build-container": step "build" image "quay.io/buildah:latest" is not pinned by sha256 digest`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tt.input))
			checkErr(t, err, tt.wantIs, tt.wantErr)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// A v0.2 and a v1 envelope of the same build agree; signed, both verify.
func TestSLSAV1AgreesWithV02(t *testing.T) {
	s := testSigners(t)[0]
	var in bytes.Buffer
	for _, name := range []string{"statement-v02.json", "statement-slsa1.json"} {
		env := Envelope{PayloadType: InTotoPayloadType, Payload: readFile(t, "testdata/"+name)}
		line, err := json.Marshal(map[string]any{
			"payloadType": env.PayloadType,
			"payload":     env.Payload,
			"signatures":  []map[string]any{{"keyid": "", "sig": s.sign(env.PAE())}},
		})
		if err != nil {
			t.Fatal(err)
		}
		in.Write(append(line, '\n'))
	}
	envs, err := ReadEnvelopes(&in)
	if err != nil {
		t.Fatal(err)
	}
	kept, dropped := Verify(envs, s.pub)
	if len(kept) != 2 || len(dropped) != 0 {
		t.Fatalf("kept %d, dropped %v", len(kept), dropped)
	}
	rec, err := FromEnvelopes(kept)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec, exampleRecipe()) {
		t.Errorf("FromEnvelopes() = %+v, want the example recipe", rec)
	}
}

func FuzzSLSA1(f *testing.F) {
	data, err := os.ReadFile("testdata/statement-slsa1.json")
	if err != nil {
		f.Fatal(err)
	}
	var st jsonStatement
	if err := json.Unmarshal(data, &st); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(st.Predicate), []byte(nil))
	// A small predicate whose one TaskRun is the second argument, so the fuzzer can work on it.
	small := `{"buildDefinition":{"buildType":"` + BuildTypeTekton + `","resolvedDependencies":[` +
		`{"uri":"git+https://g/x.git","digest":{"sha1":"` + strings.Repeat("1", 40) + `"}},{"name":"pipelineTask","content":"%s"}]}}`
	tr := `{"metadata":{"labels":{"tekton.dev/pipelineTask":"build-container"}},"spec":{"params":[{"name":"A","value":["x"]}],` +
		`"taskRef":{"params":[{"name":"bundle","value":"q/task-buildah:1"}]}},"status":{"taskSpec":{"params":[{"name":"B","default":"d"}]},` +
		`"steps":[{"name":"build","imageID":"b@sha256:` + strings.Repeat("2", 64) + `"}],"results":[{"name":"url","value":"u"}]}}`
	f.Add([]byte(small), []byte(tr))
	subjects := []Subject{{Name: "a", Digest: "sha256:" + strings.Repeat("0", 64)}}
	f.Fuzz(func(t *testing.T, predicate, taskRun []byte) {
		if len(taskRun) > 0 {
			predicate = bytes.Replace(predicate, []byte("%s"), []byte(base64.StdEncoding.EncodeToString(taskRun)), 1)
		}
		rec, err := decodeSLSAV1(subjects, predicate)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if rec.Source.URL == "" || !commitHex.MatchString(rec.Source.Commit) || !pinnedBySHA256.MatchString(rec.Task.BuilderImage) {
			t.Fatalf("incomplete recipe without an error: %+v", rec)
		}
	})
}
