package build

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestReplayMatchesInject checks that Replay, which writes nothing, computes what inject
// writes and passes to buildah, for tasks that vary what the replay depends on.
func TestReplayMatchesInject(t *testing.T) {
	files := map[string]string{
		"Containerfile":   "ARG V=1\nFROM scratch AS a\nLABEL one=\"1\" two=$V\nFROM a\nLABEL three=3=3\n",
		"annotations.txt": "# comment\n\nfrom.file=1\n",
		"args.env":        "# c\nV=file\n",
	}
	tasks := map[string]func(*Task){
		"defaults": func(*Task) {},
		"everything": func(t *Task) {
			t.Labels = []string{"release=1=2"}
			t.Annotations = []string{"from.param=2"}
			t.AnnotationsFile = "annotations.txt"
			t.CommitSHA = "abc"
			t.SourceURL = "https://git.local/repo"
			t.ImageExpiresAfter = "5d"
			t.SourceDateEpoch = "1767225600"
			t.ICMKeepCompatLocation = false
			t.BuildArgsFile = "args.env"
			t.BuildArgs = []string{"V=param"}
		},
		"clock":      func(t *Task) { t.SkipInjections = true },
		"build-time": func(t *Task) { t.BuildTimestamp = "1700000000" },
	}
	for name, change := range tasks {
		t.Run(name, func(t *testing.T) {
			src := writeTree(t, files)
			task := DefaultTask()
			task.Dockerfile = "Containerfile"
			change(&task)
			p, err := Prepare(src, task)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Unix(1234567890, 0)
			inj, err := p.inject(nil, "x86_64", "1.42.1", now)
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(inj.workDir)
			cf, err := os.ReadFile(inj.containerfile)
			if err != nil {
				t.Fatal(err)
			}

			file := ""
			if task.AnnotationsFile != "" {
				file = files[task.AnnotationsFile]
			}
			args, err := task.BuildArgValues(files[task.BuildArgsFile])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(args, p.BuildArgs) {
				t.Errorf("BuildArgValues = %v, Prepare's %v", args, p.BuildArgs)
			}
			r, err := task.Replay("x86_64", "1.42.1", now, file, p.File.Stages)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Labels, inj.labels) {
				t.Errorf("labels\n%q, inject's\n%q", r.Labels, inj.labels)
			}
			if !reflect.DeepEqual(r.Annotations, inj.annotations) {
				t.Errorf("annotations\n%q, inject's\n%q", r.Annotations, inj.annotations)
			}
			if got := LabelsJSON(nil, r.LabelPairs); string(got) != string(inj.labelsJSON) {
				t.Errorf("labels.json\n%s, inject's\n%s", got, inj.labelsJSON)
			}
			added := strings.TrimPrefix(string(cf), files["Containerfile"])
			if want := strings.Join(r.Injected, "\n"); strings.TrimSpace(added) != want {
				t.Errorf("injected %q, inject appended %q", want, added)
			}
			if _, err := os.Stat(filepath.Join(src, "labels.json")); err != nil {
				t.Errorf("inject wrote no labels.json: %v", err)
			}
		})
	}
}

func TestInstructions(t *testing.T) {
	got, err := Instructions([]byte("FROM a AS b\nCOPY --from=b --chown=1 . /x\nRUN date \\\n  +%s\nADD [\"./\", \"/y\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Instruction{
		{Line: 1, Cmd: "from", Args: []string{"a", "AS", "b"}},
		{Line: 2, Cmd: "copy", Flags: []string{"--from=b", "--chown=1"}, Args: []string{".", "/x"}},
		{Line: 3, Cmd: "run", Args: []string{"date   +%s"}},
		{Line: 5, Cmd: "add", Args: []string{"./", "/y"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Instructions =\n%#v\nwant\n%#v", got, want)
	}
	if _, err := Instructions([]byte("FROM a\nRUN <<EOF\n")); err == nil {
		t.Error("Instructions accepted an unterminated heredoc")
	}
}
