package konflux

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LabelsPaths are where the task injects labels.json into the image: the first always (unless
// SKIP_INJECTIONS), the second when ICM_KEEP_COMPAT_LOCATION.
var LabelsPaths = []string{"/usr/share/buildinfo/labels.json", "/root/buildinfo/labels.json"}

// Replay is what the task adds to a build besides the Containerfile, in the task's order:
// what a plan shows before anything is built, and what a rebuild passes to buildah.
type Replay struct {
	Created     string   // the timestamp labels and annotations carry
	Labels      []string // --label values
	Annotations []string // --annotation values
	// LabelPairs are the key=value pairs labels.json is made of, before the base image's
	// labels are merged in (LabelsJSON(base, LabelPairs) is the file).
	LabelPairs []string
	// Injected are the lines the task appends to its copy of the Containerfile.
	Injected []string
	// Flags are the other buildah flags the task version adds that change the image.
	Flags []string
}

// ReplayInput is what the replay depends on besides the task's parameters.
type ReplayInput struct {
	Arch           string    // `uname -m` of the build host
	BuildahVersion string    // the buildah that builds
	Now            time.Time // stands for the task's clock when the task sets no timestamp
	// AnnotationsFile is the ANNOTATIONS_FILE content, "" when none.
	AnnotationsFile string
	// Stages are the Containerfile's (nil when unknown: LabelPairs then lack the LABEL
	// instructions').
	Stages []Stage
}

// Replay returns what the build's profile adds for in, with no side effect.
func (b *Build) Replay(in ReplayInput) (Replay, error) {
	if b.Profile == nil {
		return Replay{}, fmt.Errorf("%w: no replay profile covers %s %s", ErrCannotReplay, b.Bundle.Task, b.Bundle.Version)
	}
	return b.Profile.rules.replay(b.Task, in)
}

// Invocation is the buildah command line the task ran, with the files it wrote for it.
type Invocation struct {
	Argv       []string
	LabelsJSON []byte
	Network    Network
	dir        string // the task's own files (the Containerfile copy, the ignore file)
}

// Close removes the files the invocation wrote outside the checkout.
func (inv *Invocation) Close() error {
	if inv == nil || inv.dir == "" {
		return nil
	}
	return os.RemoveAll(inv.dir)
}

// taskFiles are the files the task wrote before it called buildah.
type taskFiles struct {
	containerfile string // the Containerfile copy with the injected lines
	ignoreFile    string // the ignore file copy, "" when the task passes none
	buildContext  string // the folder of the injected files when they are a build context
	cachi2        string // the copy of the prefetched content, "" when none
	yumRepos      string // the yum repository files mounted over the image's, "" when none
	icmLines      string // what inject-icm-to-containerfile appended to the Containerfile copy
	kbc           kbcPrefetch
}

// Invoke writes what the task writes (labels.json, a copy of the Containerfile with the
// injected lines, an ignore file, as the profile's rules say) and returns the buildah command
// line. baseLabels are the labels of the image
// InheritedLabelsFrom names (nil when it names none); in.Stages and in.AnnotationsFile are
// taken from the checkout.
func (p *Prepared) Invoke(b *Build, baseLabels map[string]string, in ReplayInput) (_ *Invocation, err error) {
	in.Stages, p.arch, p.buildah = p.File.Stages, in.Arch, in.BuildahVersion
	in.AnnotationsFile = ""
	if p.Task.AnnotationsFile != "" {
		if data, err := os.ReadFile(filepath.Join(p.SourceDir, p.Task.AnnotationsFile)); err == nil {
			in.AnnotationsFile = string(data) // the task skips a missing file
		}
	}
	r, err := b.Replay(in)
	if err != nil {
		return nil, err
	}
	rules := b.Profile.rules
	inv := &Invocation{LabelsJSON: rules.labelsJSON(baseLabels, r)}
	defer func() {
		if err != nil {
			_ = inv.Close()
		}
	}()
	if inv.dir, err = os.MkdirTemp("", "rebuild-task-"); err != nil {
		return nil, err
	}
	f, err := rules.writeFiles(p, inv.LabelsJSON, inv.dir)
	if err != nil {
		return nil, err
	}
	cf, err := p.withLocalBasesAbsolute(p.content)
	if err != nil {
		return nil, err
	}
	if f.kbc.envFile {
		if cf, err = injectRuns(cf, ". "+kbcPrefetchEnvMount+" && \\\n    "); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadTask, err)
		}
	}
	cf = append(append([]byte{}, cf...), f.icmLines...)
	if len(r.Injected) > 0 {
		cf = append(cf, "\n"+strings.Join(r.Injected, "\n")+"\n"...)
	}
	if f.cachi2 != "" {
		cf = prefixRuns(cf)
	}
	f.containerfile = filepath.Join(inv.dir, filepath.Base(p.Containerfile))
	if err := writeNewFile(f.containerfile, cf); err != nil {
		return nil, err
	}
	inv.Argv = rules.argv(p, r, f)
	inv.Network = b.Network()
	return inv, nil
}

// InheritedLabelsFrom names the image whose labels labels.json starts from: the final
// stage's base, followed through FROM <stage>, when INHERIT_BASE_IMAGE_LABELS and it is not
// scratch; "" otherwise.
func (p *Prepared) InheritedLabelsFrom() string {
	if !p.Task.InheritBaseImageLabels || len(p.Froms()) == 0 {
		return ""
	}
	return p.File.FinalBase()
}

// writeNewFile replaces path with a regular 0644 file, never following a symlink there.
func writeNewFile(path string, data []byte) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("replacing %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// outputName is the name the task tags the image with.
func (p *Prepared) outputName() string {
	if p.Task.Image != "" {
		return p.Task.Image
	}
	return "localhost/rebuild:latest"
}
