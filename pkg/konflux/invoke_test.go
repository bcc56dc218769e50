package konflux

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestInvoke(t *testing.T) {
	src := writeTree(t, map[string]string{
		"sub/Containerfile": "FROM scratch\nLABEL \"quoted\"=\"x\" plain=y",
		"sub/.dockerignore": "*.tmp\n",
		"annotations.txt":   "# comment\n\nfrom.file=1\n",
		"args.env":          "# c\nA=file\nB=file\n",
	})
	task := DefaultTask()
	task.Context = "sub"
	task.Dockerfile = "Containerfile"
	task.BuildArgs = []string{"A=param"}
	task.BuildArgsFile = "args.env"
	task.Labels = []string{"release=1=2"}
	task.Annotations = []string{"from.param=2"}
	task.AnnotationsFile = "annotations.txt"
	task.CommitSHA = "abc"
	task.SourceURL = "https://git.local/repo"
	task.SourceDateEpoch = "0"
	task.RewriteTimestamp = true
	task.SkipUnusedStages = false
	task.ICMKeepCompatLocation = false
	task.Image = "registry.local/app:abc"

	p, err := Prepare(src, task)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"A": "param", "B": "file"}; !reflect.DeepEqual(p.BuildArgs, want) {
		t.Errorf("build args %v, want %v", p.BuildArgs, want)
	}
	inv, err := p.Invoke(testBuild(task), map[string]string{"base": "1"}, ReplayInput{Arch: "x86_64", BuildahVersion: "1.42.1", Now: time.Unix(99, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	containerfile, ignoreFile := filepath.Join(inv.dir, "Containerfile"), filepath.Join(inv.dir, ".dockerignore")

	wantJSON := `{
  "base": "1",
  "architecture": "x86_64",
  "vcs-type": "git",
  "vcs-ref": "abc",
  "org.opencontainers.image.revision": "abc",
  "org.opencontainers.image.source": "https://git.local/repo",
  "build-date": "1970-01-01T00:00:00Z",
  "org.opencontainers.image.created": "1970-01-01T00:00:00Z",
  "release": "1",
  "io.buildah.version": "1.42.1",
  "quoted": "x",
  "plain": "y"
}
`
	got, _ := os.ReadFile(filepath.Join(src, "sub", "labels.json"))
	if string(got) != wantJSON {
		t.Errorf("labels.json:\n%s\nwant:\n%s", got, wantJSON)
	}
	cf, _ := os.ReadFile(containerfile)
	if want := "FROM scratch\nLABEL \"quoted\"=\"x\" plain=y\nCOPY labels.json /usr/share/buildinfo/labels.json\n"; string(cf) != want {
		t.Errorf("Containerfile copy:\n%q\nwant\n%q", cf, want)
	}
	ign, _ := os.ReadFile(ignoreFile)
	if want := "*.tmp\n\n!/labels.json\n!/content-sets.json\n"; string(ign) != want {
		t.Errorf("ignore file %q, want %q", ign, want)
	}

	argv := strings.Join(inv.Argv, " ")
	for _, want := range []string{
		"--build-arg=A=param --build-arg-file=" + filepath.Join(src, "args.env") + " --security-opt=unmask=/proc/interrupts --skip-unused-stages=false --source-date-epoch=0 --rewrite-timestamp --ignorefile " + ignoreFile,
		"--label architecture=x86_64 --label vcs-type=git --label vcs-ref=abc --label org.opencontainers.image.revision=abc --label org.opencontainers.image.source=https://git.local/repo --label build-date=1970-01-01T00:00:00Z --label org.opencontainers.image.created=1970-01-01T00:00:00Z --label release=1=2",
		"--annotation from.file=1 --annotation from.param=2 --annotation org.opencontainers.image.revision=abc --annotation org.opencontainers.image.source=https://git.local/repo --annotation org.opencontainers.image.created=1970-01-01T00:00:00Z --no-cache",
		"-f " + containerfile + " -t registry.local/app:abc " + filepath.Join(src, "sub"),
	} {
		if !strings.Contains(argv, want) {
			t.Errorf("argv\n%s\nlacks\n%s", argv, want)
		}
	}
	if strings.Contains(argv, "--inherit-labels") || strings.Contains(argv, "--omit-history") {
		t.Errorf("argv has flags the task would not pass: %s", argv)
	}
}

func TestPrepareErrors(t *testing.T) {
	src := writeTree(t, map[string]string{"Containerfile": "FROM scratch\n"})
	for name, mod := range map[string]func(*Task){
		"missing Containerfile": func(t *Task) { t.Dockerfile = "nope" },
		"bare build arg":        func(t *Task) { t.Dockerfile = "Containerfile"; t.BuildArgs = []string{"HOME"} },
		"bare env var":          func(t *Task) { t.Dockerfile = "Containerfile"; t.EnvVars = []string{"HOME"} },
	} {
		task := DefaultTask()
		mod(&task)
		if _, err := Prepare(src, task); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// testBuild is a build task that the 0.8 profile replays with task's parameters.
func testBuild(task Task) *Build {
	return &Build{Profile: profileNamed("buildah/0.8"), Task: task}
}

func profileNamed(name string) *Profile {
	for _, p := range profiles {
		if p.Name == name {
			return p
		}
	}
	panic("no profile " + name)
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
