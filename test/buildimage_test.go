package test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildImageBuildah: scripts/build-image.sh on a machine whose buildah on PATH is Debian
// 12's 1.28 (too old for --source-date-epoch) builds its own, as .ci/install.sh does, and says
// so; given that old one as BUILDAH, it refuses in one line.
func TestBuildImageBuildah(t *testing.T) {
	if testing.Short() {
		t.Skip("builds buildah")
	}
	old, err := exec.LookPath("/usr/bin/buildah")
	if err != nil {
		t.Skip("no Debian buildah at /usr/bin/buildah (.ci/install.sh installs it)")
	}
	script, err := filepath.Abs("../scripts/build-image.sh")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.Command("bash", script, "--print-buildah")
	cmd.Env = append(os.Environ(), "REBUILD_CI_BIN="+out, "PATH=/usr/bin:"+os.Getenv("PATH"))
	cmd.Env = withoutEnv(cmd.Env, "BUILDAH")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("build-image.sh --print-buildah: %v\n%s", err, stderr.String())
	}
	if want := "the buildah on PATH is 1.28"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
	built := strings.TrimSpace(string(stdout))
	if built != filepath.Join(out, "buildah") {
		t.Fatalf("it would build with %q, want the buildah it built in %s", built, out)
	}
	v, err := exec.Command(built, "--version").Output()
	if err != nil || !strings.HasPrefix(string(v), "buildah version 1.4") {
		t.Errorf("%s --version: %q, %v", built, v, err)
	}

	cmd = exec.Command("bash", script, "--print-buildah")
	cmd.Env = append(withoutEnv(os.Environ(), "BUILDAH"), "BUILDAH="+old)
	res, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(res), "error: BUILDAH="+old+" is buildah 1.28") {
		t.Errorf("an old BUILDAH: exit %d, %v:\n%s", code, err, res)
	}
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
