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

// TestInterrupt stops a rebuild with SIGINT in its RUN step, then checks that it exits 4
// saying so, leaves no temporary files, build containers or mounts, and that the next
// rebuild into the same store works.
func TestInterrupt(t *testing.T) {
	w := faultWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sleepy := faultPublish(ctx, t, w, sleepCase, 1)
	quick := faultPublish(ctx, t, w, quickCase, 2)
	s, work := faultDirs(t, w)

	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		cmd := faultRebuildCmd(ctx, w, sleepy.Attestation, s, work)
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

// TestConcurrentRebuilds runs two rebuilds at once on one store and checks that both print
// the published ID: of one image (both pull the same base and name it), and of two images
// whose Containerfiles name the same base tag pinned to different digests (the tag moved
// between the two builds).
func TestConcurrentRebuilds(t *testing.T) {
	w := faultWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	quick := faultPublish(ctx, t, w, quickCase, 2)
	first, second := publishMovedBase(ctx, t, w)
	for _, tc := range []struct {
		name string
		pubs [2]world.Published
	}{
		{"one image", [2]world.Published{quick, quick}},
		{"one name, two digests", [2]world.Published{first, second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := faultDirs(t, w)
			type result struct {
				stdout, stderr string
				code           int
				err            error
			}
			var results [2]result
			var wg sync.WaitGroup
			for i, pub := range tc.pubs {
				work, err := w.TempDir("faults-work-")
				if err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := &results[i]
					r.stdout, r.stderr, r.code, r.err = faultRunCmd(faultRebuildCmd(ctx, w, pub.Attestation, s, work))
				}()
			}
			wg.Wait()
			for i, r := range results {
				if r.err != nil {
					t.Fatal(r.err)
				}
				if want := tc.pubs[i].ImageID; r.code != 0 || strings.TrimSpace(r.stdout) != want {
					t.Errorf("rebuild %d exited %d, printed %q, want %s; stderr:\n%s", i, r.code, r.stdout, want, tail(r.stderr, 3000))
				}
			}
		})
	}
}

// publishMovedBase publishes two images of one fixture whose FROM names faults-base:latest,
// the tag moving between the two: the same name, pinned to two digests.
func publishMovedBase(ctx context.Context, t *testing.T, w *world.World) (world.Published, world.Published) {
	t.Helper()
	base := "FROM " + w.Registry + "/busybox:latest\nCOPY faults-base /etc/faults-base\n"
	if err := w.BuildAndPush(ctx, "faults-base:latest", base, map[string]string{"faults-base": "the first base\n"}); err != nil {
		t.Fatal(err)
	}
	var pubs [2]world.Published
	for i, name := range []string{"faults-samename-1", "faults-samename-2"} {
		if i == 1 {
			if err := w.MoveTag(ctx, "faults-base:latest"); err != nil {
				t.Fatal(err)
			}
		}
		commit, err := w.CreateRepo(ctx, name, filepath.Join("testdata", "faults-samename"), nil, epoch.AddDate(0, 3+i, 0))
		if err != nil {
			t.Fatal(err)
		}
		if pubs[i], err = w.Publish(ctx, world.Build{Name: name, Commit: commit, Params: world.Params{"DOCKERFILE": "Containerfile"}}); err != nil {
			t.Fatalf("publishing %s: %v", name, err)
		}
	}
	if pubs[0].ImageID == pubs[1].ImageID {
		t.Fatalf("the two images of faults-samename have one ID, %s: the base did not move", pubs[0].ImageID)
	}
	return pubs[0], pubs[1]
}

// TestUnwritableStorage gives rebuild a storage path it cannot write: one clear error line,
// exit 4, nothing left in the workdir.
func TestUnwritableStorage(t *testing.T) {
	w := faultWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	quick := faultPublish(ctx, t, w, quickCase, 2)
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) world.Store
		want  string
	}{
		{"a file where the storage folder goes", func(t *testing.T, dir string) world.Store {
			file := filepath.Join(dir, "storage")
			if err := os.WriteFile(file, []byte("not a folder\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return world.Store{Root: file, RunRoot: filepath.Join(dir, "runroot")}
		}, "not a directory"},
		{"a read-only file system", func(t *testing.T, dir string) world.Store {
			ro := filepath.Join(dir, "ro")
			mountTmpfs(t, ro, "ro,size=1m")
			return world.Store{Root: filepath.Join(ro, "root"), RunRoot: filepath.Join(dir, "runroot")}
		}, "read-only file system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := tc.setup(t, dir)
			work := filepath.Join(dir, "work")
			if err := os.Mkdir(work, 0o755); err != nil {
				t.Fatal(err)
			}
			_, stderr, code, err := faultRunCmd(faultRebuildCmd(ctx, w, quick.Attestation, s, work))
			if err != nil {
				t.Fatal(err)
			}
			assertOneError(t, stderr, code, 4, tc.want, s.Root)
			if entries, _ := os.ReadDir(work); len(entries) > 0 {
				t.Errorf("the workdir holds %v, want nothing", dirNames(entries))
			}
		})
	}
}

// TestFullDisk runs rebuilds whose storage or workdir is a small tmpfs: the rebuild must
// fail with one clear "no space left" error and leave no temporary files or containers.
func TestFullDisk(t *testing.T) {
	w := faultWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	quick := faultPublish(ctx, t, w, quickCase, 2)
	for _, tc := range []struct {
		name string
		full string // "storage" or "work": which folder is the small tmpfs
		size string
	}{
		{"storage", "storage", "2m"},
		{"workdir", "work", "64k"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := world.Store{Root: filepath.Join(dir, "storage", "root"), RunRoot: filepath.Join(dir, "runroot")}
			work := filepath.Join(dir, "work")
			for _, d := range []string{work, filepath.Join(dir, "storage")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			mountTmpfs(t, filepath.Join(dir, tc.full), "size="+tc.size)
			t.Cleanup(func() { _ = world.RemoveAll(s.Root) })
			_, stderr, code, err := faultRunCmd(faultRebuildCmd(ctx, w, quick.Attestation, s, work))
			if err != nil {
				t.Fatal(err)
			}
			assertOneError(t, stderr, code, 4, "no space left on device", "")
			assertClean(ctx, t, w, s, work)
		})
	}
}

// mountTmpfs mounts a tmpfs with opts at dir until the test ends, or skips the test.
func mountTmpfs(t *testing.T, dir, opts string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		t.Skipf("mounting a tmpfs at %s: %v", dir, err)
	}
	if strings.Contains(opts, "ro") {
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, opts); err != nil {
			t.Logf("remounting read-only: %v", err)
		}
	}
	t.Cleanup(func() {
		if err := world.RemoveAll(dir); err != nil { // unmounts dir too
			t.Error(err)
		}
	})
}

// assertOneError checks that a failed rebuild exited with code and printed exactly one error
// line, containing want and (when set) path.
func assertOneError(t *testing.T, stderr string, code, wantCode int, want, path string) {
	t.Helper()
	var errLines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "rebuild: error:") {
			errLines = append(errLines, l)
		}
	}
	if code != wantCode || len(errLines) != 1 {
		t.Fatalf("exit code %d with %d error lines, want %d with one; stderr:\n%s", code, len(errLines), wantCode, tail(stderr, 3000))
	}
	t.Logf("exit %d: %s", code, errLines[0])
	if !strings.Contains(errLines[0], want) || !strings.Contains(errLines[0], path) {
		t.Errorf("error line %q does not say %q about %q", errLines[0], want, path)
	}
	if strings.Contains(stderr, "panic:") || strings.Contains(stderr, "goroutine ") {
		t.Errorf("rebuild panicked:\n%s", tail(stderr, 3000))
	}
}
