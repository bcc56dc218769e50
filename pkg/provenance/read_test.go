package provenance

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func str(s string) Param            { return Param{Kind: KindString, String: s} }
func arr(s ...string) Param         { return Param{Kind: KindArray, Array: append([]string{}, s...)} }
func obj(m map[string]string) Param { return Param{Kind: KindObject, Object: m} }

const (
	exampleCommit = "0123456789abcdef0123456789abcdef01234567"
	exampleImage  = "registry.example/org/app:" + exampleCommit
	exampleDigest = "sha256:4b8e1a2f3c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
	sourceOCI     = "oci:registry.example/org/app@sha256:5555555555555555555555555555555555555555555555555555555555555555"
)

// exampleRecipe is what testdata/statement-v02.json records.
func exampleRecipe() *Recipe {
	return &Recipe{
		Subjects: []Subject{{Name: "registry.example/org/app", Digest: exampleDigest}},
		Source: Source{
			URL:             "https://git.example/org/app",
			Commit:          exampleCommit,
			CommitTimestamp: "1767225600",
			CloneParams: Params{
				"depth": str("1"), "enableSymlinkCheck": str("true"), "fetchTags": str("false"),
				"ociStorage": str(exampleImage + ".git"), "refspec": str(""), "revision": str(exampleCommit),
				"sparseCheckoutDirectories": str(""), "sslVerify": str("true"), "submodules": str("true"),
				"url": str("https://git.example/org/app"), "verbose": str("false"),
			},
		},
		Task: Task{
			Name:         "build-container",
			Bundle:       "registry.example/konflux-ci/tekton-catalog/task-buildah-oci-ta:0.8@sha256:6666666666666666666666666666666666666666666666666666666666666666",
			BuilderImage: "registry.example/konflux-ci/buildah-task@sha256:8888888888888888888888888888888888888888888888888888888888888888",
			Params: Params{
				"ACTIVATION_KEY": str("activation-key"), "ADDITIONAL_BASE_IMAGES": arr(),
				"ADDITIONAL_SECRET": str("does-not-exist"), "ADD_CAPABILITIES": str(""), "ANNOTATIONS": arr(),
				"ANNOTATIONS_FILE": str(""), "BUILDAH_FORMAT": str("oci"), "BUILD_ARGS": arr("VERSION=1.2"),
				"BUILD_ARGS_FILE": str(""), "BUILD_TIMESTAMP": str(""), "CACHI2_ARTIFACT": str(""),
				"COMMIT_SHA": str(exampleCommit), "CONTEXT": str("."), "CONTEXTUALIZE_SBOM": str("true"),
				"DOCKERFILE": str("Containerfile"), "ENTITLEMENT_SECRET": str("etc-pki-entitlement"),
				"ENV_VARS": arr(), "HERMETIC": str("false"), "HTTP_PROXY": str(""),
				"ICM_KEEP_COMPAT_LOCATION": str("true"), "IMAGE": str(exampleImage),
				"IMAGE_EXPIRES_AFTER": str(""), "INHERIT_BASE_IMAGE_LABELS": str("true"), "LABELS": arr("release=1"),
				"NO_PROXY": str(""), "OMIT_HISTORY": str("false"), "PREFETCH_INPUT": str(""),
				"PRIVILEGED_NESTED": str("false"), "REWRITE_TIMESTAMP": str("true"), "SBOM_SKIP_VALIDATION": str("true"),
				"SBOM_SOURCE_SCAN_ENABLED": str("true"), "SBOM_SYFT_SELECT_CATALOGERS": str(""), "SBOM_TYPE": str("spdx"),
				"SKIP_INJECTIONS": str("false"), "SKIP_SBOM_GENERATION": str("false"), "SKIP_UNUSED_STAGES": str("true"),
				"SOURCE_ARTIFACT": str(sourceOCI), "SOURCE_DATE_EPOCH": str("1767225600"),
				"SOURCE_URL": str("https://git.example/org/app"), "SQUASH": str("false"), "STORAGE_DRIVER": str("overlay"),
				"TARGET_STAGE": str(""), "TLSVERIFY": str("true"), "WORKINGDIR_MOUNT": str(""),
				"YUM_REPOS_D_FETCHED": str("fetched.repos.d"), "YUM_REPOS_D_SRC": str("repos.d"),
				"YUM_REPOS_D_TARGET": str("/etc/yum.repos.d"),
			},
			Results: map[string]string{
				"IMAGE_DIGEST":  exampleDigest,
				"IMAGE_REF":     exampleImage + "@" + exampleDigest,
				"IMAGE_URL":     exampleImage,
				"SBOM_BLOB_URL": "registry.example/org/app@sha256:9999999999999999999999999999999999999999999999999999999999999999",
			},
			StartedOn: time.Date(2026, 1, 5, 10, 0, 21, 0, time.UTC),
		},
		BuilderID: "https://tekton.dev/chains/v2",
		Run: Run{Labels: map[string]string{"tekton.dev/pipeline": "docker-build-oci-ta"},
			ID: "2026-01-05T10:00:00Z to 2026-01-05T10:05:00Z", Started: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)},
	}
}

func exampleWith(change func(*Recipe)) *Recipe {
	r := exampleRecipe()
	change(r)
	return r
}

func TestRead(t *testing.T) {
	const arm64Digest = "sha256:b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
	tests := []struct {
		name    string
		file    string // under testdata
		want    *Recipe
		wantIs  error
		wantErr string
	}{
		{name: "example envelope", file: "envelope-v02.jsonl", want: exampleRecipe()},
		{name: "bare statement over several lines", file: "statement-v02.json", want: exampleRecipe()},
		{name: "statement v1", file: "envelope-v1.jsonl", want: exampleRecipe()},
		{
			name: "two envelopes that agree",
			file: "agree.jsonl",
			want: exampleWith(func(r *Recipe) {
				r.Subjects = append(r.Subjects, Subject{Name: "registry.example/org/app", Digest: "sha256:" + strings.Repeat("a", 64)})
			}),
		},
		{
			name:    "two envelopes that disagree",
			file:    "disagree.jsonl",
			wantIs:  ErrDisagree,
			wantErr: `envelopes on lines 1 and 3 disagree on parameter BUILD_ARGS: ["VERSION=1.2"] vs ["VERSION=1.3"]`,
		},
		{
			name:    "bad base64",
			file:    "bad-base64.jsonl",
			wantErr: "line 2: decoding payload: illegal base64 data at input byte 4",
		},
		{
			name:    "wrong payload type",
			file:    "wrong-payload-type.jsonl",
			wantIs:  ErrUnsupported,
			wantErr: `line 1: unsupported payload type "text/plain" (want "application/vnd.in-toto+json")`,
		},
		{
			name:    "wrong predicate type",
			file:    "wrong-predicate-type.jsonl",
			wantIs:  ErrUnsupported,
			wantErr: `line 1: unsupported predicate type "https://slsa.dev/provenance/v0.1" (want "https://slsa.dev/provenance/v0.2" or "https://slsa.dev/provenance/v1")`,
		},
		{
			name: "matrix picks the build whose IMAGE_DIGEST is a subject",
			file: "statement-matrix.json",
			want: exampleWith(func(r *Recipe) {
				r.Subjects = append(r.Subjects, Subject{Name: "registry.example/org/app", Digest: arm64Digest})
				r.Task.Name = "build-images"
				r.Task.Params["PLATFORM"] = str("linux/arm64")
				r.Task.Results["IMAGE_DIGEST"] = arm64Digest
			}),
		},
		{
			name:   "matrix with no build for a subject",
			file:   "statement-matrix-nomatch.json",
			wantIs: ErrAmbiguous,
			wantErr: `line 1: decoding predicate: 2 build tasks recorded and no IMAGE_DIGEST of theirs ` +
				`["sha256:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1" "` + arm64Digest + `"] is a subject's digest`,
		},
		{
			name:    "missing clone task",
			file:    "statement-no-clone.json",
			wantIs:  ErrMissing,
			wantErr: "line 1: decoding predicate: no clone task recorded (git-clone or clone-repository)",
		},
		{
			name: "array and object parameters",
			file: "statement-params.json",
			want: exampleWith(func(r *Recipe) {
				r.Task.Params["BUILD_ARGS"] = arr("VERSION=1.2", "EMPTY=")
				r.Task.Params["EXTRA"] = obj(map[string]string{"k": "v", "x": "y=z"})
			}),
		},
		{
			name: "parameter of another kind",
			file: "statement-bad-param.json",
			wantErr: `line 1: decoding predicate: build task "build-container": parameter "SQUASH": ` +
				`unsupported value "false": want a string, an array of strings or an object of strings`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Read(f)
			checkErr(t, err, tt.wantIs, tt.wantErr)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestReadInline(t *testing.T) {
	valid, err := os.ReadFile("testdata/envelope-v02.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		input   string
		wantIs  error
		wantErr string
	}{
		{name: "empty", input: "\n \n", wantIs: ErrMissing, wantErr: "no envelope in input"},
		{name: "not JSON", input: string(valid) + "\nhello\n", wantErr: "line 3: decoding JSON: invalid character 'h' looking for beginning of value"},
		{name: "not an object", input: `"x"`, wantErr: "line 1: not a JSON object"},
		{name: "neither envelope nor statement", input: `{"a":1}`, wantErr: "line 1: neither a DSSE envelope (no payloadType) nor an in-toto statement (no _type)"},
		{
			name:    "statement type",
			input:   `{"_type":"https://in-toto.io/Statement/v0.2"}`,
			wantIs:  ErrUnsupported,
			wantErr: `line 1: unsupported statement type "https://in-toto.io/Statement/v0.2" (want "https://in-toto.io/Statement/v0.1" or "https://in-toto.io/Statement/v1")`,
		},
		{
			name:    "no subject",
			input:   `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v0.2"}`,
			wantIs:  ErrMissing,
			wantErr: "line 1: statement has no subject",
		},
		{
			name:    "no tasks",
			input:   `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v0.2","subject":[{"name":"a","digest":{"sha256":"` + strings.Repeat("0", 64) + `"}}],"predicate":{"buildType":"x"}}`,
			wantIs:  ErrMissing,
			wantErr: `line 1: decoding predicate: no buildConfig.tasks recorded (buildType "x")`,
		},
		{
			name:    "bad signature",
			input:   `{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"%%"}]}`,
			wantErr: "line 1: decoding signature 1: illegal base64 data at input byte 0",
		},
		{
			name:    "too many envelopes",
			input:   strings.Repeat(`{"_type":"x"}`+"\n", MaxEnvelopes+1),
			wantIs:  ErrTooLarge,
			wantErr: "line 1001: more than 1000 envelopes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tt.input))
			checkErr(t, err, tt.wantIs, tt.wantErr)
			if got != nil {
				t.Errorf("Read() = %+v, want nil", got)
			}
		})
	}
}

func checkErr(t *testing.T, err, wantIs error, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("Read() error = %v", err)
		}
		return
	}
	if err == nil || err.Error() != wantErr {
		t.Fatalf("Read() error = %v\nwant %s", err, wantErr)
	}
	if !errors.Is(err, ErrInvalidInput) {
		t.Errorf("error %v does not match ErrInvalidInput", err)
	}
	if wantIs != nil && !errors.Is(err, wantIs) {
		t.Errorf("error %v does not match %v", err, wantIs)
	}
}

// TestReadPlatforms reads an attestation that names the image of each build task of a
// multi-platform matrix: every build is kept, for the caller to pick by platform.
func TestReadPlatforms(t *testing.T) {
	data, err := os.ReadFile("testdata/statement-matrix.json")
	if err != nil {
		t.Fatal(err)
	}
	amd64, arm64Digest := "sha256:"+strings.Repeat("a1", 32), "sha256:"+strings.Repeat("b2", 32)
	data = []byte(strings.Replace(string(data), `"subject": [`, `"subject": [{"name": "registry.example/org/app", "digest": {"sha256": "`+amd64[7:]+`"}},`, 1))
	r, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Platforms) != 2 || r.Task.Results["IMAGE_DIGEST"] != amd64 {
		t.Fatalf("Platforms %d, Task %s; want 2, the first (linux/amd64)", len(r.Platforms), r.Task.Results["IMAGE_DIGEST"])
	}
	platformOf := func(t *Task) string { return t.Params.String("PLATFORM") }
	if !r.PickPlatform("linux/arm64", platformOf) || r.Task.Results["IMAGE_DIGEST"] != arm64Digest {
		t.Errorf("PickPlatform(linux/arm64) chose %s", r.Task.Results["IMAGE_DIGEST"])
	}
	if r.PickPlatform("linux/s390x", platformOf) || r.Task.Results["IMAGE_DIGEST"] != arm64Digest {
		t.Errorf("PickPlatform(linux/s390x) picked one, or changed the choice")
	}
}
