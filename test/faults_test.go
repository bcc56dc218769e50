package test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// The fault cases: a build with a long RUN step to interrupt, and a quick one to run twice
// at once and on full or read-only storage.
var (
	sleepCase = e2eCase{name: "faults-sleep", params: world.Params{"DOCKERFILE": "Containerfile"}, reproducible: true}
	// The same, HERMETIC: the build runs in a child process in a network namespace of its own.
	sleepHermeticCase = e2eCase{name: "faults-sleep-hermetic", testdata: "faults-sleep",
		params: world.Params{"DOCKERFILE": "Containerfile", "HERMETIC": "true"}, reproducible: true}
	quickCase = e2eCase{name: "faults-quick", params: world.Params{"DOCKERFILE": "Containerfile"}, reproducible: true}
)

// sleepStarted is what the sleep case's RUN step prints when it starts (its Containerfile
// writes it in two pieces, so that buildah's STEP line does not show it).
const sleepStarted = "sleep-started"

var (
	faultPubsMu sync.Mutex
	faultPubs   = map[string]world.Published{}
)

// publishOnce publishes c the first time a test needs it.
func faultPublish(ctx context.Context, t *testing.T, w *world.World, c e2eCase, month int) world.Published {
	t.Helper()
	faultPubsMu.Lock()
	defer faultPubsMu.Unlock()
	if pub, ok := faultPubs[c.name]; ok {
		return pub
	}
	pub := publish(ctx, t, w, c, epoch.AddDate(0, month, 0))
	faultPubs[c.name] = pub
	return pub
}

// rebuildCmd is a rebuild command on attestation, with store and workdir given.
func faultRebuildCmd(ctx context.Context, w *world.World, attestation []byte, s world.Store, workdir string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, rebuildBin, "--storage", s.Root, "--runroot", s.RunRoot,
		"--policy", w.Policy, "--workdir", workdir)
	cmd.Env = w.Env()
	cmd.Stdin = bytes.NewReader(attestation)
	return cmd
}

// runCmd runs cmd and returns its stdout, stderr and exit code.
func faultRunCmd(cmd *exec.Cmd) (string, string, int, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return stdout.String(), stderr.String(), exit.ExitCode(), nil
	}
	return stdout.String(), stderr.String(), 0, err
}

func faultWorld(t *testing.T) *world.World {
	t.Helper()
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	return w
}

// faultDirs makes a store and an empty workdir for a test, removed after it.
func faultDirs(t *testing.T, w *world.World) (world.Store, string) {
	t.Helper()
	s, err := w.NewStore("faults-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove() })
	work := filepath.Join(filepath.Dir(s.Root), "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	return s, work
}

// TestInterrupt stops a rebuild with SIGINT, then SIGTERM, in its RUN step (and a HERMETIC
// one, whose build is a child process, with SIGTERM), then checks that it exits 4 saying so,
// leaves no temporary files, build containers or mounts, and that the next rebuild into the
// same store works.
func TestInterrupt(t *testing.T) {
	w := faultWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sleepy := faultPublish(ctx, t, w, sleepCase, 1)
	quick := faultPublish(ctx, t, w, quickCase, 2)
	hermetic := faultPublish(ctx, t, w, sleepHermeticCase, 3)
	s, work := faultDirs(t, w)

	for _, run := range []struct {
		pub world.Published
		sig os.Signal
	}{{sleepy, os.Interrupt}, {sleepy, syscall.SIGTERM}, {hermetic, syscall.SIGTERM}} {
		sig := run.sig
		cmd := faultRebuildCmd(ctx, w, run.pub.Attestation, s, work)
		stderr, took, code := interruptAt(t, cmd, sleepStarted, sig)
		t.Logf("%v: exited %d, %s after the signal: %s", sig, code, took.Round(time.Millisecond), faultLastLine(stderr))
		if code != 4 {
			t.Errorf("%v: exit code %d, want 4; stderr:\n%s", sig, code, tail(stderr, 3000))
		}
		if last := faultLastLine(stderr); !strings.HasPrefix(last, "rebuild: error: interrupted") {
			t.Errorf("%v: last stderr line %q, want it to say the rebuild was interrupted", sig, last)
		}
		assertClean(ctx, t, w, s, work)
	}

	stdout, stderr, code, err := faultRunCmd(faultRebuildCmd(ctx, w, quick.Attestation, s, work))
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || strings.TrimSpace(stdout) != quick.ImageID {
		t.Fatalf("the rebuild after the interrupted ones exited %d, printed %q, want %s; stderr:\n%s", code, stdout, quick.ImageID, tail(stderr, 3000))
	}
	assertClean(ctx, t, w, s, work)
}

// interruptAt starts cmd, sends sig once its stderr shows marker, and returns its stderr,
// the time from the signal to its exit, and its exit code.
func interruptAt(t *testing.T, cmd *exec.Cmd, marker string, sig os.Signal) (string, time.Duration, int) {
	t.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	seen := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pipe)
		once := sync.Once{}
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), marker) {
				once.Do(func() { close(seen) })
			}
		}
	}()
	var sent time.Time
	select {
	case <-seen:
		sent = time.Now()
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
	}
	<-done
	err = cmd.Wait()
	took := time.Since(sent)
	var exit *exec.ExitError
	if !errors.As(err, &exit) && err != nil {
		t.Fatal(err)
	}
	if sent.IsZero() {
		t.Fatalf("the rebuild never printed %q; stderr:\n%s", marker, tail(stderr.String(), 3000))
	}
	return stderr.String(), took, cmd.ProcessState.ExitCode()
}

// assertClean checks that work is empty, and that s has no containers and nothing mounted.
func assertClean(ctx context.Context, t *testing.T, w *world.World, s world.Store, work string) {
	t.Helper()
	if entries, err := os.ReadDir(work); err != nil || len(entries) > 0 {
		t.Errorf("the workdir holds %v (%v), want nothing", dirNames(entries), err)
	}
	for _, dir := range []string{s.Root, s.RunRoot} {
		if m := mountsUnder(t, dir); len(m) > 0 {
			t.Errorf("mounted under the store: %v", m)
		}
	}
	if p := sleepers(); len(p) > 0 {
		t.Errorf("the interrupted RUN step is still running: pids %v", p)
	}
	out, err := w.Run(ctx, world.Cmd{Path: w.Tools.Buildah, Args: []string{
		"--root", s.Root, "--runroot", s.RunRoot, "--storage-driver", "overlay", "containers", "-a", "--noheading"}})
	if err != nil {
		t.Errorf("listing containers: %v", err)
	} else if strings.TrimSpace(string(out)) != "" {
		t.Errorf("containers left in the store:\n%s", out)
	}
}

func dirNames(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// mountsUnder lists the mount points under dir.
func mountsUnder(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			out = append(out, f[4])
		}
	}
	return out
}

// sleepers lists the processes running the sleep case's RUN step (marked in their
// environment), which must not outlive the rebuild.
func sleepers() []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		env, err := os.ReadFile(filepath.Join(p, "environ"))
		if err == nil && bytes.Contains(env, []byte("REBUILD_FAULT_SLEEPER=1")) {
			out = append(out, filepath.Base(p))
		}
	}
	return out
}

func faultLastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
