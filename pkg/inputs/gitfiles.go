package inputs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// applySparse removes the paths that the sparse-checkout patterns leave out, marks them
// skip-worktree in the index as git does, and returns the submodule paths left out.
func applySparse(r *git.Repository, root string, patterns []string) (map[string]bool, error) {
	var ps []gitignore.Pattern
	var lines []string
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(p, nil))
		lines = append(lines, p)
	}
	m := gitignore.NewMatcher(ps)

	idx, err := r.Storer.Index()
	if err != nil {
		return nil, err
	}
	skipped := map[string]bool{}
	dirs := map[string]bool{}
	for _, e := range idx.Entries {
		if m.Match(strings.Split(e.Name, "/"), false) {
			continue
		}
		e.SkipWorktree = true
		if e.Mode == filemode.Submodule {
			skipped[e.Name] = true
		}
		if err := os.RemoveAll(filepath.Join(root, filepath.FromSlash(e.Name))); err != nil {
			return nil, fmt.Errorf("applying sparse checkout: %w", err)
		}
		for d := path.Dir(e.Name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	if err := removeEmptyDirs(root, dirs); err != nil {
		return nil, fmt.Errorf("applying sparse checkout: %w", err)
	}
	if err := r.Storer.SetIndex(idx); err != nil {
		return nil, err
	}
	return skipped, recordSparse(r, lines)
}

// removeEmptyDirs removes the directories of dirs (slash paths under root) left empty,
// deepest first.
func removeEmptyDirs(root string, dirs map[string]bool) error {
	for len(dirs) > 0 {
		deepest, depth := "", -1
		for d := range dirs {
			if n := strings.Count(d, "/"); n > depth {
				deepest, depth = d, n
			}
		}
		delete(dirs, deepest)
		p := filepath.Join(root, filepath.FromSlash(deepest))
		entries, err := os.ReadDir(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if len(entries) == 0 {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordSparse writes the patterns where git keeps them, so that git commands run later
// in the checkout see the same sparse checkout.
func recordSparse(r *git.Repository, lines []string) error {
	cfg, err := r.Config()
	if err != nil {
		return err
	}
	cfg.Raw.Section("core").SetOption("sparseCheckout", "true")
	if err := r.Storer.SetConfig(cfg); err != nil {
		return err
	}
	w, err := r.Worktree()
	if err != nil {
		return err
	}
	gitDir := filepath.Join(w.Filesystem.Root(), git.GitDirName)
	if err := os.MkdirAll(filepath.Join(gitDir, "info"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(gitDir, "info", "sparse-checkout"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// fixModes gives the checked-out files and directories the modes git gives them with
// umask 022, whatever the process umask: 0644 or 0755 for files, 0755 for directories.
func fixModes(r *git.Repository, root string) error {
	idx, err := r.Storer.Index()
	if err != nil {
		return err
	}
	dirs := map[string]bool{}
	for _, e := range idx.Entries {
		if e.SkipWorktree {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(e.Name))
		var perm os.FileMode
		switch e.Mode {
		case filemode.Regular, filemode.Deprecated:
			perm = 0o644
		case filemode.Executable:
			perm = 0o755
		case filemode.Submodule, filemode.Dir:
			perm = 0o755
		case filemode.Symlink:
			if err := fixSymlink(r, e.Hash, p); err != nil {
				return fmt.Errorf("checking out symlink %s: %w", e.Name, err)
			}
			continue
		default:
			continue
		}
		fi, err := os.Lstat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && e.Mode == filemode.Submodule {
				continue
			}
			return fmt.Errorf("setting modes: %w", err)
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			if err := os.Chmod(p, perm); err != nil {
				return fmt.Errorf("setting modes: %w", err)
			}
		}
		for d := path.Dir(e.Name); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		if err := os.Chmod(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
			return fmt.Errorf("setting modes: %w", err)
		}
	}
	return os.Chmod(root, 0o755)
}

// fixSymlink makes the link at p point exactly where git records: go-billy's checkout
// prefixes absolute targets with the worktree's root.
func fixSymlink(r *git.Repository, h plumbing.Hash, p string) error {
	blob, err := r.BlobObject(h)
	if err != nil {
		return err
	}
	rd, err := blob.Reader()
	if err != nil {
		return err
	}
	defer rd.Close()
	target, err := io.ReadAll(io.LimitReader(rd, 4096))
	if err != nil {
		return err
	}
	if got, err := os.Readlink(p); err == nil && got == string(target) {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.Symlink(string(target), p)
}
