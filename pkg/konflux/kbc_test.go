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

// kbcBuild is a build task the konflux-build-cli profile replays, with task's parameters.
func kbcBuild(t *testing.T, task Task) *Build {
	t.Helper()
	rec := recorded(provenance.Params{})
	rec.Bundle = strings.Replace(rec.Bundle, ":0.8@", ":0.10@", 1)
	p, err := ProfileFor(rec)
	if err != nil || p.Name != "konflux-build-cli/0.10" {
		t.Fatalf("ProfileFor 0.10 = %v, %v", p, err)
	}
	return &Build{Profile: p, Task: task}
}

func TestKonfluxBuildCLIReplay(t *testing.T) {
	src := writeTree(t, map[string]string{
		"Containerfile":   "FROM scratch AS a\nLABEL base=\"b\" url=\"x?a=1&b=<2>\"\nFROM a\nLABEL final=f\n",
		"annotations.txt": "# comment\n z.file=2 \na.file = 1\n",
	})
	task := DefaultTask()
	task.Dockerfile = "Containerfile"
	task.CommitSHA, task.SourceURL = "abc", "https://git.local/repo"
	task.SourceDateEpoch, task.RewriteTimestamp = "0", true
	task.Labels = []string{"release=1=2"}
	task.Annotations = []string{"from.param=3"}
	task.AnnotationsFile = "annotations.txt"
	p, err := Prepare(src, task)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := p.Invoke(kbcBuild(t, task), map[string]string{"inherited": "1"}, ReplayInput{Arch: "x86_64", BuildahVersion: "1.44.0", Now: time.Unix(99, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()

	created := "1970-01-01T00:00:00Z"
	var labels, annotations []string
	for i, a := range inv.Argv {
		if v, ok := strings.CutPrefix(a, "--label="); ok {
			labels = append(labels, v)
		}
		if v, ok := strings.CutPrefix(a, "--annotation="); ok {
			annotations = append(annotations, v)
		}
		if a == "--file" {
			cf, _ := os.ReadFile(inv.Argv[i+1])
			if want := "\nCOPY --from=.konflux-buildinfo . /usr/share/buildinfo/\nCOPY --from=.konflux-buildinfo . /root/buildinfo/\n"; !strings.HasSuffix(string(cf), want) {
				t.Errorf("Containerfile copy %q lacks %q", cf, want)
			}
		}
	}
	wantLabels := []string{"org.opencontainers.image.created=" + created, "org.opencontainers.image.source=https://git.local/repo",
		"org.opencontainers.image.revision=abc", "build-date=" + created, "architecture=x86_64", "vcs-url=https://git.local/repo",
		"vcs-ref=abc", "vcs-type=git", "release=1=2"}
	if !slices.Equal(labels, wantLabels) {
		t.Errorf("labels\n%q\nwant\n%q", labels, wantLabels)
	}
	wantAnnotations := []string{"org.opencontainers.image.created=" + created, "org.opencontainers.image.source=https://git.local/repo",
		"org.opencontainers.image.revision=abc", "a.file=1", "z.file=2", "from.param=3"}
	if !slices.Equal(annotations, wantAnnotations) {
		t.Errorf("annotations\n%q\nwant\n%q", annotations, wantAnnotations)
	}
	wantJSON := `{
  "architecture": "x86_64",
  "base": "b",
  "build-date": "1970-01-01T00:00:00Z",
  "final": "f",
  "inherited": "1",
  "org.opencontainers.image.created": "1970-01-01T00:00:00Z",
  "org.opencontainers.image.revision": "abc",
  "org.opencontainers.image.source": "https://git.local/repo",
  "release": "1=2",
  "url": "x?a=1\u0026b=\u003c2\u003e",
  "vcs-ref": "abc",
  "vcs-type": "git",
  "vcs-url": "https://git.local/repo"
}
`
	if string(inv.LabelsJSON) != wantJSON {
		t.Errorf("labels.json\n%s\nwant\n%s", inv.LabelsJSON, wantJSON)
	}
	if got, _ := os.ReadFile(filepath.Join(inv.dir, "buildinfo", "labels.json")); string(got) != wantJSON {
		t.Errorf("buildinfo/labels.json is %q", got)
	}
	if _, err := os.Stat(filepath.Join(src, "labels.json")); err == nil {
		t.Errorf("labels.json written into the source tree")
	}
	if !slices.Contains(inv.Argv, "--build-context=.konflux-buildinfo="+filepath.Join(inv.dir, "buildinfo")) {
		t.Errorf("no build context in %q", inv.Argv)
	}
}

func TestKonfluxBuildCLINoInjection(t *testing.T) {
	for name, change := range map[string]func(*Task){
		"target stage":    func(t *Task) { t.TargetStage = "a" },
		"skip injections": func(t *Task) { t.SkipInjections = true },
	} {
		task := DefaultTask()
		change(&task)
		r, err := kbcBuild(t, task).Replay(ReplayInput{Arch: "x86_64", BuildahVersion: "1.44.0", Now: time.Unix(1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Injected) != 0 {
			t.Errorf("%s: injected %q", name, r.Injected)
		}
		if !slices.Contains(r.LabelPairs, "io.buildah.version=1.44.0") {
			t.Errorf("%s: labels.json lacks io.buildah.version without SOURCE_DATE_EPOCH: %q", name, r.LabelPairs)
		}
	}
}

// TestKBCStageLabels: from 0.12, CONTEXTUALIZE_SBOM=true with SBOM generation on adds
// --save-stages --stage-labels, with a buildah of 1.44 or later only.
func TestKBCStageLabels(t *testing.T) {
	for _, tc := range []struct {
		profile, buildah    string
		contextualize, skip bool
		want                bool
	}{
		{"konflux-build-cli/0.12", "1.44.0", true, false, true},
		{"konflux-build-cli/0.12", "1.45.1", true, false, true},
		{"konflux-build-cli/0.12", "1.43.1", true, false, false},
		{"konflux-build-cli/0.12", "1.44.0", false, false, false},
		{"konflux-build-cli/0.12", "1.44.0", true, true, false},
		{"konflux-build-cli/0.10", "1.44.0", true, false, false},
	} {
		task := DefaultTask()
		task.ContextualizeSBOM, task.SkipSBOMGeneration = tc.contextualize, tc.skip
		r, err := (&Build{Profile: profileNamed(tc.profile), Task: task}).Replay(ReplayInput{Arch: "x86_64", BuildahVersion: tc.buildah})
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Equal(r.Flags, []string{"--save-stages", "--stage-labels"}); got != tc.want {
			t.Errorf("%+v: flags %q, want the stage flags %v", tc, r.Flags, tc.want)
		}
	}
}

// TestKBCContainerfileIgnore: from konflux-build-cli 7b87dd0 (task 0.10.7), the ignore file
// beside the Containerfile is passed; not by a TaskRun before it, nor by a step image known
// to be older.
func TestKBCContainerfileIgnore(t *testing.T) {
	src := writeTree(t, map[string]string{"Containerfile": "FROM scratch\n", "Containerfile.dockerignore": "*.md\n"})
	old := "quay.io/konflux-ci/konflux-build-cli@sha256:0415613f955ef8f7c6fc821a6738dcf062d9a3582441042b87a2391c375d7f54"
	newer := "quay.io/konflux-ci/konflux-build-cli@sha256:" + strings.Repeat("1", 64)
	for _, tc := range []struct {
		profile, step string
		started       time.Time
		want          bool
	}{
		{"konflux-build-cli/0.10", newer, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), true},
		{"konflux-build-cli/0.10", newer, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), false},
		{"konflux-build-cli/0.10", old, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), false},
		{"konflux-build-cli/0.12", newer, time.Time{}, true},
	} {
		task := DefaultTask()
		task.Dockerfile, task.Started, task.StepImage = "Containerfile", tc.started, tc.step
		p, err := Prepare(src, task)
		if err != nil {
			t.Fatal(err)
		}
		inv, err := p.Invoke(&Build{Profile: profileNamed(tc.profile), Task: task}, nil, ReplayInput{Arch: "x86_64", BuildahVersion: "1.44.0"})
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Contains(inv.Argv, "--ignorefile="+filepath.Join(src, "Containerfile.dockerignore"))
		if got != tc.want {
			t.Errorf("%+v: --ignorefile %v, want %v: %q", tc, got, tc.want, inv.Argv)
		}
		inv.Close()
	}
}
