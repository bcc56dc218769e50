package konflux

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// TestScriptChanges replays each change the script went through within a patch line, on
// either side of the commit that made it, and with the TaskRun's start unknown (the
// version's last state).
func TestScriptChanges(t *testing.T) {
	src := writeTree(t, map[string]string{
		"Containerfile": "FROM scratch\n",
		"args.env":      "# comment\n\nA=file\nB=x y\n",
	})
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	const created = "--label org.opencontainers.image.created="
	const rootOnly = "COPY labels.json /root/buildinfo/labels.json"
	const usrShare = "COPY labels.json /usr/share/buildinfo/labels.json"
	expanded := "--build-arg=A=file --build-arg=B=x y --build-arg=A=param --security-opt"
	fileFlag := "--build-arg=A=param --build-arg-file=" + src + "/args.env --security-opt"
	tests := []struct {
		profile  string
		started  time.Time
		created  bool   // the created label and annotation without a timestamp parameter
		injected string // the first injected line
		args     string
	}{
		{"buildah/0.5", time.Time{}, false, rootOnly, expanded},
		{"buildah/0.6", at("2025-10-20T00:00:00Z"), false, rootOnly, expanded},
		{"buildah/0.6", at("2025-10-30T00:00:00Z"), false, usrShare, expanded},
		{"buildah/0.6", time.Time{}, false, usrShare, expanded},
		{"buildah/0.7", at("2025-11-25T00:00:00Z"), false, usrShare, expanded},
		{"buildah/0.7", at("2025-11-27T00:00:00Z"), true, usrShare, expanded},
		{"buildah/0.8", at("2026-02-01T00:00:00Z"), true, usrShare, expanded},
		{"buildah/0.8", at("2026-02-17T00:00:00Z"), true, usrShare, fileFlag},
		{"buildah/0.8", time.Time{}, true, usrShare, fileFlag},
	}
	for _, tc := range tests {
		t.Run(tc.profile+" "+tc.started.Format(time.DateOnly), func(t *testing.T) {
			task := DefaultTask()
			task.Dockerfile = "Containerfile"
			task.BuildArgs = []string{"A=param"}
			task.BuildArgsFile = "args.env"
			task.Started = tc.started
			p, err := Prepare(src, task)
			if err != nil {
				t.Fatal(err)
			}
			b := &Build{Profile: profileNamed(tc.profile), Task: task}
			inv, err := p.Invoke(b, nil, ReplayInput{Arch: "x86_64", BuildahVersion: "1.41.5", Now: time.Unix(99, 0)})
			if err != nil {
				t.Fatal(err)
			}
			defer inv.Close()
			argv := strings.Join(inv.Argv, " ")
			if got := strings.Contains(argv, created); got != tc.created {
				t.Errorf("created label %v, want %v: %s", got, tc.created, argv)
			}
			if got := strings.Contains(argv, "--annotation org.opencontainers.image.created="); got != tc.created {
				t.Errorf("created annotation %v, want %v", got, tc.created)
			}
			if got := strings.Contains(string(inv.LabelsJSON), `"org.opencontainers.image.created"`); got != tc.created {
				t.Errorf("created in labels.json %v, want %v", got, tc.created)
			}
			if !strings.Contains(argv, tc.args) {
				t.Errorf("argv %s\nlacks %s", argv, tc.args)
			}
			r, err := b.Replay(ReplayInput{Arch: "x86_64", Now: time.Unix(99, 0)})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Injected) == 0 || r.Injected[0] != tc.injected || slices.Contains(r.Injected[1:], tc.injected) {
				t.Errorf("injected %q, want %q first", r.Injected, tc.injected)
			}
		})
	}
}

// TestScriptTimestampGivesCreated: before 0.7.1 the created label came with a timestamp.
func TestScriptTimestampGivesCreated(t *testing.T) {
	for _, tc := range []struct{ param, value string }{{"BUILD_TIMESTAMP", "100"}, {"SOURCE_DATE_EPOCH", "100"}} {
		task := DefaultTask()
		if tc.param == "BUILD_TIMESTAMP" {
			task.BuildTimestamp = tc.value
		} else {
			task.SourceDateEpoch = tc.value
		}
		r, err := (&Build{Profile: profileNamed("buildah/0.6"), Task: task}).Replay(ReplayInput{Arch: "x86_64"})
		if err != nil {
			t.Fatal(err)
		}
		want := "org.opencontainers.image.created=1970-01-01T00:01:40Z"
		if !slices.Contains(r.Labels, want) || !slices.Contains(r.Annotations, want) || !slices.Contains(r.LabelPairs, want) {
			t.Errorf("%s: labels %q annotations %q, want %s in both", tc.param, r.Labels, r.Annotations, want)
		}
	}
}

// TestBuildahOfStepImage: a known konflux-build-cli step image says which buildah built, when
// labels.json does not; labels.json wins.
func TestBuildahOfStepImage(t *testing.T) {
	old := "quay.io/konflux-ci/konflux-build-cli@sha256:949367ed2d1d2b9d8c23a5b26a9314eb28a01036a7e48496d38ec56cc720e06d"
	b := &Build{Record: &provenance.Task{BuilderImage: old}, Bundle: Bundle{Task: "task-buildah-oci-ta", Version: "0.10"}, Profile: profileNamed("konflux-build-cli/0.10")}
	if v, why := b.Buildah(""); v != "1.43.1" || !strings.Contains(why, "step") {
		t.Errorf("Buildah() = %s (%s), want 1.43.1 from the step image", v, why)
	}
	if v, _ := b.Buildah("1.44.0"); v != "1.44.0" {
		t.Errorf("Buildah(1.44.0) = %s", v)
	}
	b.Record.BuilderImage = "quay.io/konflux-ci/konflux-build-cli@sha256:" + strings.Repeat("1", 64)
	if v, why := b.Buildah(""); v != "1.44.0" || !strings.Contains(why, "shipped") {
		t.Errorf("Buildah() = %s (%s), want 1.44.0 the task shipped", v, why)
	}
}

// TestScript04: 0.4 before 2025-09-01 had build-date first (the wall clock, no "Z"), no
// created label, no labels.json; the revision label came 2025-09-15; 0.4 passed no ignore
// file copy, 0.5 from 2025-09-16T16:26:12Z.
func TestScript04(t *testing.T) {
	src := writeTree(t, map[string]string{"Containerfile": "FROM scratch\n", ".dockerignore": "*.md\n"})
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, tc := range []struct {
		profile     string
		started     time.Time
		firstLabel  string
		revision    bool
		labelsJSON  bool
		ignoreCopy  bool
		annotations []string
	}{
		{"buildah/0.4", at("2025-08-01T00:00:00Z"), "build-date=1970-01-01T00:01:39", false, false, false, nil},
		{"buildah/0.4", at("2025-09-10T00:00:00Z"), "architecture=x86_64", false, true, false, nil},
		{"buildah/0.4", at("2025-09-15T06:00:00Z"), "architecture=x86_64", true, true, false, []string{"org.opencontainers.image.revision=abc"}},
		{"buildah/0.5", at("2025-09-16T12:00:00Z"), "architecture=x86_64", true, true, false, []string{"org.opencontainers.image.revision=abc"}},
		{"buildah/0.5", at("2025-09-17T00:00:00Z"), "architecture=x86_64", true, true, true, []string{"org.opencontainers.image.revision=abc"}},
	} {
		t.Run(tc.profile+" "+tc.started.Format(time.DateOnly), func(t *testing.T) {
			task := DefaultTask()
			task.Dockerfile, task.CommitSHA, task.Started = "Containerfile", "abc", tc.started
			p, err := Prepare(src, task)
			if err != nil {
				t.Fatal(err)
			}
			b := &Build{Profile: profileNamed(tc.profile), Task: task}
			inv, err := p.Invoke(b, nil, ReplayInput{Arch: "x86_64", BuildahVersion: "1.41.5", Now: time.Unix(99, 0)})
			if err != nil {
				t.Fatal(err)
			}
			defer inv.Close()
			r, _ := b.Replay(ReplayInput{Arch: "x86_64", Now: time.Unix(99, 0)})
			if r.Labels[0] != tc.firstLabel || slices.Contains(r.Labels, "org.opencontainers.image.revision=abc") != tc.revision {
				t.Errorf("labels %q: want %s first, revision label %v", r.Labels, tc.firstLabel, tc.revision)
			}
			if !slices.Equal(r.Annotations, tc.annotations) {
				t.Errorf("annotations %q, want %q", r.Annotations, tc.annotations)
			}
			_, statErr := os.Stat(filepath.Join(src, "labels.json"))
			if (inv.LabelsJSON != nil) != tc.labelsJSON || (statErr == nil) != tc.labelsJSON || (len(r.Injected) > 0) != tc.labelsJSON {
				t.Errorf("labels.json %q written %v, injected %q: want %v", inv.LabelsJSON, statErr == nil, r.Injected, tc.labelsJSON)
			}
			if got := slices.Contains(inv.Argv, "--ignorefile"); got != tc.ignoreCopy {
				t.Errorf("--ignorefile %v, want %v", got, tc.ignoreCopy)
			}
			_ = os.Remove(filepath.Join(src, "labels.json"))
		})
	}
}

// TestScript02: 0.2 read the checkout's Containerfile (so buildah took the ignore file beside
// it, .dockerignore first) until 2024-09-27, had no LABELS parameter until 2024-10-11, its
// remote variants dropped BUILD_ARGS until 2024-09-10 and passed values unquoted over ssh
// until 2025-04-11 (also 0.4's).
func TestScript02(t *testing.T) {
	src := writeTree(t, map[string]string{
		"Containerfile": "FROM scratch\n", "Containerfile.dockerignore": "*.md\n", "Containerfile.containerignore": "*.txt\n",
	})
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, tc := range []struct {
		name       string
		profile    string
		started    time.Time
		remote     bool
		platform   string
		args       []string
		ignoreFile string // "" for none passed
		label      bool   // LABELS replayed
		buildArg   bool   // BUILD_ARGS replayed
		problem    string // the replay's refusal
	}{
		{name: "checkout's Containerfile", profile: "buildah/0.2", started: at("2024-08-01T00:00:00Z"), ignoreFile: "Containerfile.dockerignore", buildArg: true},
		{name: "copy, no labels yet", profile: "buildah/0.2", started: at("2024-10-01T00:00:00Z"), buildArg: true},
		{name: "labels", profile: "buildah/0.2", started: at("2024-10-12T00:00:00Z"), label: true, buildArg: true},
		{name: "last state", profile: "buildah/0.2", label: true, buildArg: true},
		{name: "remote drops build args", profile: "buildah/0.2", started: at("2024-09-01T00:00:00Z"), remote: true, platform: "localhost", ignoreFile: "Containerfile.dockerignore"},
		{name: "remote over ssh, plain values", profile: "buildah/0.2", started: at("2024-12-01T00:00:00Z"), remote: true, platform: "linux/arm64", label: true, buildArg: true},
		{name: "remote over ssh, a space", profile: "buildah/0.4", started: at("2025-03-01T00:00:00Z"), remote: true, platform: "linux/arm64",
			args: []string{"NAME=my app"}, problem: `BUILD_ARGS value "NAME=my app": the remote task passed it unquoted over ssh (before 2025-04-11T10:29:24Z)`},
		{name: "remote in the cluster, a space", profile: "buildah/0.4", started: at("2025-03-01T00:00:00Z"), remote: true, platform: "localhost",
			args: []string{"NAME=my app"}, label: true, buildArg: true},
		{name: "remote quoted, a space", profile: "buildah/0.4", started: at("2025-04-12T00:00:00Z"), remote: true, platform: "linux/arm64",
			args: []string{"NAME=my app"}, label: true, buildArg: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := DefaultTask()
			task.Dockerfile, task.Started, task.Remote, task.Platform = "Containerfile", tc.started, tc.remote, tc.platform
			task.Labels, task.BuildArgs = []string{"team=x"}, cmpOrSlice(tc.args, []string{"A=1"})
			b := &Build{Profile: profileNamed(tc.profile), Task: task}
			r, err := b.Replay(ReplayInput{Arch: "x86_64", Now: time.Unix(99, 0)})
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("Replay: %v, want %q", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(r.Labels, "team=x"); got != tc.label {
				t.Errorf("labels %q: LABELS replayed %v, want %v", r.Labels, got, tc.label)
			}
			p, err := Prepare(src, task)
			if err != nil {
				t.Fatal(err)
			}
			inv, err := p.Invoke(b, nil, ReplayInput{Arch: "x86_64", BuildahVersion: "1.41.5", Now: time.Unix(99, 0)})
			if err != nil {
				t.Fatal(err)
			}
			defer inv.Close()
			argv := strings.Join(inv.Argv, " ")
			if got := strings.Contains(argv, "--build-arg="+task.BuildArgs[0]); got != tc.buildArg {
				t.Errorf("argv %s: BUILD_ARGS replayed %v, want %v", argv, got, tc.buildArg)
			}
			want := ""
			if tc.ignoreFile != "" {
				want = "--ignorefile " + filepath.Join(src, tc.ignoreFile)
			}
			if got := strings.Contains(argv, "--ignorefile"); got != (want != "") || !strings.Contains(argv, want) {
				t.Errorf("argv %s: want ignore file %q", argv, want)
			}
		})
	}
}

func cmpOrSlice(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

// TestCommitted: 0.1, and 0.2 until 2024-11-29, committed the SBOM as a layer of its own
// after the build.
func TestCommitted(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, tc := range []struct {
		profile string
		started time.Time
		squash  bool
		want    bool
	}{
		{"buildah/0.1", at("2024-06-01T00:00:00Z"), false, true},
		{"buildah/0.1", time.Time{}, true, true},
		{"buildah/0.2", at("2024-11-29T13:00:00Z"), false, true},
		{"buildah/0.2", at("2024-11-29T14:00:00Z"), false, false},
		{"buildah/0.2", time.Time{}, false, false},
		{"buildah/0.8", at("2026-03-01T00:00:00Z"), false, false},
		{"konflux-build-cli/0.10", time.Time{}, false, false},
	} {
		task := DefaultTask()
		task.Started, task.Squash = tc.started, tc.squash
		c := (&Build{Profile: profileNamed(tc.profile), Task: task}).Committed()
		if (c != nil) != tc.want {
			t.Errorf("%s %s: Committed() = %+v, want a layer %v", tc.profile, tc.started, c, tc.want)
			continue
		}
		if c != nil && (c.Squashed != tc.squash || !slices.Contains(c.Paths, "root/buildinfo/content_manifests/sbom-cyclonedx.json")) {
			t.Errorf("%s: Committed() = %+v", tc.profile, c)
		}
	}
}
