package konflux

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

func TestLocalBaseRewritten(t *testing.T) {
	src := writeTree(t, map[string]string{
		"app/Containerfile": "ARG OUT=out\n" +
			"FROM registry.local/builder@sha256:" + strings.Repeat("1", 64) + " AS chunk\n" +
			"RUN true\n" +
			"FROM --platform=linux/amd64 \\\n  oci:${OUT}:latest AS final\n" +
			"FROM oci-archive:../base.tar\n" +
			"COPY a /a\n",
	})
	task := DefaultTask()
	task.Context, task.Dockerfile = "app", "Containerfile"
	task.SourceDateEpoch = "0"
	task.InheritBaseImageLabels = false
	task.WorkdirMount = "/run/src"
	p, err := Prepare(src, task)
	if err != nil {
		t.Fatal(err)
	}
	if froms := p.Froms(); len(froms) != 1 || froms[0].Stage != 0 {
		t.Errorf("Froms %+v, want the builder alone: local layouts are not pulled", froms)
	}
	if got := p.File.FinalBase(); got != "" {
		t.Errorf("FinalBase %q, want none for a local layout", got)
	}
	inv, err := p.Invoke(testBuild(task), nil, ReplayInput{Arch: "x86_64", BuildahVersion: "1.42.2", Now: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	cf, _ := os.ReadFile(filepath.Join(inv.dir, "Containerfile"))
	ctx := filepath.Join(src, "app")
	want := "ARG OUT=out\n" +
		"FROM registry.local/builder@sha256:" + strings.Repeat("1", 64) + " AS chunk\n" +
		"RUN true\n" +
		"FROM --platform=linux/amd64 oci:" + ctx + "/out:latest AS final\n\n" +
		"FROM oci-archive:" + filepath.Join(src, "base.tar") + "\n" +
		"COPY a /a\n"
	if !strings.HasPrefix(string(cf), want) {
		t.Errorf("Containerfile copy:\n%s\nwant it to start with:\n%s", cf, want)
	}
	if argv := strings.Join(inv.Argv, " "); !strings.HasPrefix(argv, "--volume "+ctx+":/run/src ") {
		t.Errorf("argv %q does not start with the WORKINGDIR_MOUNT volume", argv)
	}
}

func TestLocalBaseRefused(t *testing.T) {
	for name, from := range map[string]string{
		"absolute":          "FROM oci:/var/workdir/out\n",
		"out of checkout":   "FROM oci:../../elsewhere\n",
		"archive, absolute": "FROM oci-archive:/tmp/base.tar:ref\n",
		"empty path":        "FROM oci:\n",
	} {
		t.Run(name, func(t *testing.T) {
			src := writeTree(t, map[string]string{"app/Containerfile": from})
			task := DefaultTask()
			task.Context, task.Dockerfile = "app", "Containerfile"
			_, err := Prepare(src, task)
			if !errors.Is(err, ErrBadTask) || !strings.Contains(err.Error(), "FROM oci") {
				t.Errorf("Prepare: %v, want ErrBadTask naming the FROM", err)
			}
		})
	}
}

// The task's script pulled an oci: final base before the build, to read its labels: that is
// refused; konflux-build-cli ignores the labels of a base it cannot pull, and the script leaves
// oci-archive: bases out.
func TestLocalBaseInheritedLabels(t *testing.T) {
	stages := []Stage{{Name: "chunk", BaseName: "registry.local/b", FromStage: -1}, {BaseName: "oci:out", FromStage: -1, Local: true}}
	task := DefaultTask()
	task.SourceDateEpoch = "0"
	in := ReplayInput{Arch: "x86_64", BuildahVersion: "1.42.2", Stages: stages}
	_, err := testBuild(task).Replay(in)
	var problem *Problem
	if !errors.As(err, &problem) || problem.Kind != KindBadParams || !strings.Contains(err.Error(), "FROM oci:out") {
		t.Errorf("script with INHERIT_BASE_IMAGE_LABELS and FROM oci:out: %v, want a refusal naming it", err)
	}
	task.InheritBaseImageLabels = false
	if _, err := testBuild(task).Replay(in); err != nil {
		t.Errorf("without INHERIT_BASE_IMAGE_LABELS: %v", err)
	}
	task.InheritBaseImageLabels = true
	in.Stages[1].BaseName = "oci-archive:base.tar"
	if _, err := testBuild(task).Replay(in); err != nil {
		t.Errorf("FROM oci-archive: %v", err)
	}
}

func TestWorkdirMountColon(t *testing.T) {
	_, problems := Check(recorded(provenance.Params{"WORKINGDIR_MOUNT": str("/run/src:rw")}))
	for _, p := range problems {
		if strings.Contains(p.Error(), "WORKINGDIR_MOUNT") {
			return
		}
	}
	t.Errorf("WORKINGDIR_MOUNT with ':' not refused: %v", problems)
}
