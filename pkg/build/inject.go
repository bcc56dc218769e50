package build

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// injection is what the task writes before it calls buildah: the Containerfile copy with its
// COPY lines, labels.json in the context, the ignore file copy, and the flags they lead to.
type injection struct {
	workDir       string
	containerfile string
	ignoreFile    string
	labels        []string
	annotations   []string
	labelsJSON    []byte
}

// inject writes the task's files into the context and a fresh temporary folder; the caller
// removes workDir.
func (p *Prepared) inject(baseLabels map[string]string, arch, buildahVersion string, now time.Time) (*injection, error) {
	t := p.Task
	created, err := t.buildTimestamp(now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadTask, err)
	}
	var fileAnnotations []string
	if t.AnnotationsFile != "" {
		data, err := os.ReadFile(filepath.Join(p.SourceDir, t.AnnotationsFile))
		if err == nil {
			fileAnnotations = annotationFileLines(string(data))
		}
	}
	inj := &injection{
		labels:      append(t.defaultLabels(arch, created), t.Labels...),
		annotations: t.annotations(fileAnnotations, created),
	}
	pairs := append([]string{}, inj.labels...)
	pairs = append(pairs, "org.opencontainers.image.created="+created, "io.buildah.version="+buildahVersion)
	for _, st := range p.File.Stages {
		for _, kv := range st.Labels {
			pairs = append(pairs, strings.ReplaceAll(kv.Key+"="+kv.Value, `"`, ""))
		}
	}
	inj.labelsJSON = LabelsJSON(baseLabels, pairs)
	if err := writeNewFile(filepath.Join(p.ContextDir, "labels.json"), inj.labelsJSON); err != nil {
		return nil, err
	}

	if inj.workDir, err = os.MkdirTemp("", "rebuild-task-"); err != nil {
		return nil, err
	}
	cf := append([]byte{}, p.content...)
	if !t.SkipInjections {
		cf = append(cf, "\nCOPY labels.json /usr/share/buildinfo/labels.json\n"...)
		if t.ICMKeepCompatLocation {
			cf = append(cf, "COPY labels.json /root/buildinfo/labels.json\n"...)
		}
	}
	inj.containerfile = filepath.Join(inj.workDir, filepath.Base(p.Containerfile))
	if err := writeNewFile(inj.containerfile, cf); err != nil {
		return inj, err
	}
	for _, name := range []string{".containerignore", ".dockerignore"} {
		data, err := os.ReadFile(filepath.Join(p.ContextDir, name))
		if err != nil {
			continue
		}
		inj.ignoreFile = filepath.Join(inj.workDir, name)
		data = append(data, "\n!/labels.json\n!/content-sets.json\n"...)
		if err := writeNewFile(inj.ignoreFile, data); err != nil {
			return inj, err
		}
		break
	}
	return inj, nil
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
