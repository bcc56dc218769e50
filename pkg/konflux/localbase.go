package konflux

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// localBasePath is where buildah reads a FROM oci:DIR or oci-archive:FILE from: the task ran
// buildah in the context folder, so a relative path is the context's. An absolute path was
// one in the build's pod, and a path out of the checkout one of the task's own: neither is
// here to read.
func (p *Prepared) localBasePath(operand string) (transport, path, ref string, err error) {
	transport, rest, _ := LocalBase(operand)
	rel, ref, hasRef := strings.Cut(rest, ":")
	if hasRef {
		ref = ":" + ref
	}
	if rel == "" || filepath.IsAbs(rel) {
		return "", "", "", fmt.Errorf("%w: FROM %s: a path in the build's pod, not in the checkout", ErrBadTask, operand)
	}
	path = filepath.Join(p.ContextDir, rel)
	if inside, err := filepath.Rel(p.SourceDir, path); err != nil || inside == ".." || strings.HasPrefix(inside, "../") {
		return "", "", "", fmt.Errorf("%w: FROM %s: the path leaves the checkout", ErrBadTask, operand)
	}
	return transport, path, ref, nil
}

// withLocalBasesAbsolute returns content with each FROM that names a local layout rewritten
// to name it by absolute path: the task's buildah ran in the context folder, this process
// builds from wherever it runs, and several builds share its working directory. What the
// path reaches in the image is the manifest's org.opencontainers.image.base.name
// annotation, which the image ID does not cover. The instruction keeps its line, flags and
// stage name; continuation lines become empty, so that later lines keep their numbers.
func (p *Prepared) withLocalBasesAbsolute(content []byte) ([]byte, error) {
	if !p.hasLocalBase() {
		return content, nil
	}
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		return nil, fmt.Errorf("parsing Containerfile: %w", err)
	}
	lines := strings.SplitAfter(string(content), "\n")
	stage := -1
	for _, node := range res.AST.Children {
		if !strings.EqualFold(node.Value, "from") {
			continue
		}
		stage++
		if stage >= len(p.File.Stages) || !p.File.Stages[stage].Local {
			continue
		}
		transport, path, ref, err := p.localBasePath(p.File.Stages[stage].BaseName)
		if err != nil {
			return nil, err
		}
		from := append([]string{"FROM"}, node.Flags...)
		from = append(from, transport+path+ref)
		if as := node.Next.Next; as != nil && as.Next != nil {
			from = append(from, as.Value, as.Next.Value)
		}
		first, last := node.StartLine-1, node.EndLine-1
		lines[first] = strings.Join(from, " ") + "\n"
		for i := first + 1; i <= last && i < len(lines); i++ {
			lines[i] = "\n"
		}
	}
	return []byte(strings.Join(lines, "")), nil
}

func (p *Prepared) hasLocalBase() bool {
	for _, st := range p.File.Stages {
		if st.Local {
			return true
		}
	}
	return false
}

// checkLocalBases refuses, before anything is pulled, a local layout the rebuild cannot
// read where the task read it.
func (p *Prepared) checkLocalBases() error {
	for _, st := range p.File.Stages {
		if st.Local {
			if _, _, _, err := p.localBasePath(st.BaseName); err != nil {
				return err
			}
		}
	}
	return nil
}
