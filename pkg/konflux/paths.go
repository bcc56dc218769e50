package konflux

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// maxSymlinks bounds the symlinks followed resolving one path, as the kernel's ELOOP does.
const maxSymlinks = 40

var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// checkLexicalPaths refuses, before anything is checked out, the task's paths that leave
// the checkout as written: CONTEXT, DOCKERFILE (looked up in CONTEXT first), BUILD_ARGS_FILE
// and ANNOTATIONS_FILE absolute or climbing out with "..", and a DOCKERFILE given as a URL
// (the task would download it, and nothing pins what it got). It returns "" when all is well;
// Prepare checks symlinks as well.
func (t Task) checkLexicalPaths() string {
	if urlScheme.MatchString(t.Dockerfile) {
		return fmt.Sprintf("DOCKERFILE %q is a URL: the task would download it and nothing pins its content", t.Dockerfile)
	}
	for _, p := range t.paths() {
		if p.value == "" {
			continue
		}
		if err := lexicallyInside(p.rel); err != nil {
			return fmt.Sprintf("%s %q %v", p.field, p.value, err)
		}
	}
	return ""
}

// taskPath is one path of the task, rel being where it points relative to the checkout.
type taskPath struct {
	field, value, rel string
}

func (t Task) paths() []taskPath {
	ctx := t.Context
	if ctx == "" {
		ctx = "."
	}
	return []taskPath{
		{"CONTEXT", t.Context, ctx},
		{"DOCKERFILE", t.Dockerfile, joinRel(ctx, t.Dockerfile)},
		{"BUILD_ARGS_FILE", t.BuildArgsFile, t.BuildArgsFile},
		{"ANNOTATIONS_FILE", t.AnnotationsFile, t.AnnotationsFile},
	}
}

// joinRel joins a relative path to a base as a shell would ("$CONTEXT/$DOCKERFILE"), keeping
// an absolute path absolute so that it is refused.
func joinRel(base, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

func lexicallyInside(rel string) error {
	if filepath.IsAbs(rel) {
		return errors.New("is an absolute path: it must be inside the checkout")
	}
	if c := filepath.Clean(rel); c == ".." || strings.HasPrefix(c, "../") {
		return errors.New("escapes the checkout")
	}
	return nil
}

// checkPaths refuses task paths that leave the checkout at sourceDir, following symlinks
// as the task's shell and buildah would: CONTEXT, CONTEXT/DOCKERFILE, DOCKERFILE itself when
// CONTEXT/DOCKERFILE does not exist (the task's fallback), BUILD_ARGS_FILE, ANNOTATIONS_FILE,
// and the ignore files in CONTEXT.
func (t Task) checkPaths(sourceDir string) error {
	if msg := t.checkLexicalPaths(); msg != "" {
		return pathProblem("%s", msg)
	}
	ps := t.paths()
	inContext := false
	for _, p := range ps {
		if p.value == "" {
			continue
		}
		resolved, err := resolveInside(sourceDir, p.rel)
		if err != nil {
			return pathProblem("%s %q %v", p.field, p.value, err)
		}
		if p.field == "DOCKERFILE" {
			_, err := os.Stat(resolved)
			inContext = err == nil
		}
	}
	if !inContext && t.Dockerfile != "" {
		if err := lexicallyInside(t.Dockerfile); err != nil {
			return pathProblem("DOCKERFILE %q %v", t.Dockerfile, err)
		}
		if _, err := resolveInside(sourceDir, t.Dockerfile); err != nil {
			return pathProblem("DOCKERFILE %q %v", t.Dockerfile, err)
		}
	}
	for _, name := range []string{".containerignore", ".dockerignore"} {
		rel := filepath.Join(ps[0].rel, name)
		if _, err := resolveInside(sourceDir, rel); err != nil {
			return pathProblem("%s %v", rel, err)
		}
	}
	return nil
}

// resolveInside resolves rel (relative) under root one component at a time, following
// symlinks, and fails when a step leaves root: a ".." above it, or a symlink whose target is
// absolute or climbs out. A component that does not exist ends the checks: the rest cannot
// be a symlink.
func resolveInside(root, rel string) (string, error) {
	if filepath.IsAbs(rel) {
		return "", errors.New("is an absolute path: it must be inside the checkout")
	}
	var done []string // resolved components below root
	pending := strings.Split(filepath.ToSlash(rel), "/")
	links := 0
	via := "escapes the checkout" // what a ".." above root means: the last symlink's doing, if any
	for len(pending) > 0 {
		c := pending[0]
		pending = pending[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return "", errors.New(via)
			}
			done = done[:len(done)-1]
			continue
		}
		cur := filepath.Join(root, filepath.Join(done...), c)
		fi, err := os.Lstat(cur)
		if errors.Is(err, os.ErrNotExist) {
			return filepath.Join(append([]string{root}, append(append(done, c), pending...)...)...), nil
		}
		if err != nil {
			return "", fmt.Errorf("cannot be checked: %w", err)
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		target, err := os.Readlink(cur)
		if err != nil {
			return "", fmt.Errorf("cannot be checked: %w", err)
		}
		link := filepath.Join(filepath.Join(done...), c)
		if filepath.IsAbs(target) {
			return "", fmt.Errorf("leaves the checkout through the symlink %s -> %s", link, target)
		}
		if links++; links > maxSymlinks {
			return "", fmt.Errorf("goes through more than %d symlinks", maxSymlinks)
		}
		via = fmt.Sprintf("leaves the checkout through the symlink %s -> %s", link, target)
		pending = append(strings.Split(target, "/"), pending...)
	}
	return filepath.Join(root, filepath.Join(done...)), nil
}

func pathProblem(format string, args ...any) error {
	return &Problem{KindPath, fmt.Sprintf(format, args...)}
}
