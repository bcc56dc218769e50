package build

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"
)

// stepImageBuildah is where a build step image keeps buildah, in the order looked at.
var stepImageBuildah = []string{"/usr/bin/buildah", "/usr/local/bin/buildah", "/bin/buildah"}

// runInImage runs `buildah build` with the buildah CLI of the step image e.Image (pulled into
// o.Store under that name), as the task's build step ran it: the image's root file system
// mounted from a container of it, the store, the policy and every folder argv names bound in
// at their own paths, the CLI run chrooted there in a mount namespace of its own, after
// `buildah version` says it is e.Version.
func (e Engine) runInImage(ctx context.Context, argv []string, o Options) (_ string, err error) {
	work, err := workDir(o.Store)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	root, bin, cleanup, err := e.mountImage(o)
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := cleanup(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	iidfile := filepath.Join(work, "iid")
	// --force-rm: the CLI names its containers itself, so it removes them even after a failure.
	var args []string
	if o.LogLevel != "" {
		args = append(args, "--log-level", o.LogLevel)
	}
	args = append(append(args, "build", "--iidfile", iidfile, "--force-rm"), policyFlag(o.PolicyPath)...)
	for _, a := range argv {
		// An empty --source-date-epoch only keeps this process's environment out of the
		// in-process build; the CLI gets a clean environment, and old CLIs lack the flag.
		if a != "--source-date-epoch=" {
			args = append(args, a)
		}
	}
	run := func(args []string, stdout io.Writer) error {
		return e.runChrooted(ctx, root, bin, work, args, o, stdout)
	}
	var version bytes.Buffer
	if err := run([]string{"version", "--json"}, &version); err != nil {
		return "", err
	}
	var v struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(version.Bytes(), &v); err != nil || v.Version == "" {
		return "", fmt.Errorf("%w: %s: `buildah version --json` printed %q", ErrBuild, e, version.String())
	}
	if v.Version != e.Version {
		return "", fmt.Errorf("%w: %s holds buildah %s, not %s", ErrStepImage, e.Image, v.Version, e.Version)
	}
	// The CLI prints its steps on stdout: they are progress here, the ID is in iidfile.
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	if err := run(args, progress); err != nil {
		return "", err
	}
	id, err := os.ReadFile(iidfile)
	if err != nil {
		return "", fmt.Errorf("%w: %s wrote no image ID: %v", ErrBuild, e, err)
	}
	return strings.TrimPrefix(strings.TrimSpace(string(id)), "sha256:"), nil
}

// workDir makes a folder for one run of the step image's buildah under the store's graph
// root, whose file system takes overlay upper folders (the store's driver's own), unlike
// the step image's root: its /var/tmp, where buildah mounts overlays over build contexts,
// is bound there.
func workDir(s storage.Store) (string, error) {
	parent := filepath.Join(s.GraphRoot(), "rebuild-step-image")
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(parent, "run-")
	if err != nil {
		return "", err
	}
	return work, os.Mkdir(filepath.Join(work, "var-tmp"), 0o1777)
}

func policyFlag(path string) []string {
	if path == "" {
		return nil
	}
	return []string{"--signature-policy", path}
}

// mountImage mounts a container of the step image and finds its buildah: the root folder,
// buildah's path inside it, and what unmounts and removes the container.
func (e Engine) mountImage(o Options) (root, bin string, cleanup func() error, err error) {
	var names []string
	if o.ContainerSuffix != "" {
		names = []string{"rebuild-step-image-" + o.ContainerSuffix} // what a cut-short run leaves is found by it
	}
	c, err := o.Store.CreateContainer("", names, e.Image, "", "", nil)
	if err != nil {
		return "", "", nil, fmt.Errorf("%w: a container of step image %s: %v", ErrBuild, e.Image, err)
	}
	cleanup = func() error {
		_, _ = o.Store.Unmount(c.ID, true)
		if err := o.Store.DeleteContainer(c.ID); err != nil {
			return fmt.Errorf("removing the step image's container: %w", err)
		}
		return nil
	}
	if root, err = o.Store.Mount(c.ID, ""); err != nil {
		_ = cleanup()
		return "", "", nil, fmt.Errorf("%w: mounting step image %s: %v", ErrBuild, e.Image, err)
	}
	for _, p := range stepImageBuildah {
		if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
			return root, p, cleanup, nil
		}
	}
	_ = cleanup()
	return "", "", nil, fmt.Errorf("%w: %s has no buildah (looked for %s)", ErrStepImage, e.Image, strings.Join(stepImageBuildah, ", "))
}

// runChrooted runs the buildah at bin in the mounted step image root with args (after the
// global storage flags) and writes its standard output to stdout. work is a folder of this
// run, bound in.
func (e Engine) runChrooted(ctx context.Context, root, bin, work string, args []string, o Options, stdout io.Writer) error {
	conf := filepath.Join(work, "storage.conf")
	if err := os.WriteFile(conf, storageConf(o.Store), 0o644); err != nil {
		return err
	}
	global := []string{"--root", o.Store.GraphRoot(), "--runroot", o.Store.RunRoot(), "--storage-driver", o.Store.GraphDriverName()}
	var binds []string // source, target pairs
	for _, dir := range bindsFor(append([]string{work, o.Store.GraphRoot(), o.Store.RunRoot(), o.PolicyPath}, args...)) {
		binds = append(binds, dir, dir)
	}
	binds = append(binds, filepath.Join(work, "var-tmp"), "/var/tmp")
	child := append([]string{stepImageCommand, root, fmt.Sprint(len(binds) / 2)}, binds...)
	child = append(append(child, bin), append(global, args...)...)
	cmd := reexec.CommandContext(ctx, child...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	isolate(cmd, o.Network)
	cmd.Env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
		"BUILDAH_ISOLATION=chroot", "TMPDIR=/var/tmp", "CONTAINERS_STORAGE_CONF=" + conf,
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var stderr bytes.Buffer
	cmd.Stdout = stdout
	cmd.Stderr = &stderr
	if o.Progress != nil {
		cmd.Stderr = io.MultiWriter(o.Progress, &stderr)
	}
	err := cmd.Run()
	var ee interface{ ExitCode() int }
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == 125:
		return fmt.Errorf("%w: entering step image %s: %s", ErrBuild, e.Image, lastLine(stderr.String()))
	case err != nil:
		return fmt.Errorf("%w: %s: %v: %s", ErrBuild, e, err, lastLine(stderr.String()))
	}
	return nil
}

// ErrStepImage marks a build step image that cannot stand for the buildah that built the
// image: it holds none, or another version.
var ErrStepImage = errors.New("the build step's image cannot build")

// storageConf points the CLI at this store, whatever the step image's storage.conf says.
func storageConf(s storage.Store) []byte {
	return fmt.Appendf(nil, "[storage]\ndriver = %q\ngraphroot = %q\nrunroot = %q\n", s.GraphDriverName(), s.GraphRoot(), s.RunRoot())
}

// bindsFor lists the folders to bind into the step image for paths and arguments naming
// them: each absolute path (after the last "=" of a "key=value" argument) that exists, as
// its folder, without one already bound under another.
func bindsFor(args []string) []string {
	var dirs []string
	for _, a := range args {
		if i := strings.LastIndexByte(a, '='); i >= 0 {
			a = a[i+1:]
		}
		if !filepath.IsAbs(a) {
			continue
		}
		info, err := os.Stat(a)
		if err != nil {
			continue
		}
		if !info.IsDir() {
			a = filepath.Dir(a)
		}
		dirs = append(dirs, filepath.Clean(a))
	}
	slices.Sort(dirs)
	var out []string
	for _, d := range dirs {
		if d == "/" {
			continue
		}
		if n := len(out); n > 0 && (d == out[n-1] || strings.HasPrefix(d, out[n-1]+"/")) {
			continue
		}
		out = append(out, d)
	}
	return out
}
