package konflux

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestReplayMatchesInvoke checks that Replay, which writes nothing and is what a plan shows,
// computes what Invoke writes and passes to buildah, for tasks that vary what the replay
// depends on.
func TestReplayMatchesInvoke(t *testing.T) {
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
			in := ReplayInput{Arch: "x86_64", BuildahVersion: "1.42.1", Now: now}
			inv, err := p.Invoke(testBuild(task), nil, in)
			if err != nil {
				t.Fatal(err)
			}
			defer inv.Close()
			cf, err := os.ReadFile(filepath.Join(inv.dir, "Containerfile"))
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
			in.AnnotationsFile, in.Stages = file, p.File.Stages
			r, err := testBuild(task).Replay(in)
			if err != nil {
				t.Fatal(err)
			}
			argv := strings.Join(inv.Argv, "\x00")
			for _, l := range r.Labels {
				if !strings.Contains(argv, "--label\x00"+l+"\x00") {
					t.Errorf("label %q not passed: %q", l, inv.Argv)
				}
			}
			for _, a := range r.Annotations {
				if !strings.Contains(argv, "--annotation\x00"+a+"\x00") {
					t.Errorf("annotation %q not passed: %q", a, inv.Argv)
				}
			}
			if got := LabelsJSON(nil, r.LabelPairs); string(got) != string(inv.LabelsJSON) {
				t.Errorf("labels.json\n%s, Invoke's\n%s", got, inv.LabelsJSON)
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
