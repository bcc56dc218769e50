package world

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// RegistryPlaceholder is replaced by the registry's host:port in every fixture file.
const RegistryPlaceholder = "@REGISTRY@"

// FilesPlaceholder is replaced by FilesURL in every fixture file.
const FilesPlaceholder = "@FILES@"

// placeholders replaces both placeholders.
func (w *World) placeholders() *strings.Replacer {
	return strings.NewReplacer(RegistryPlaceholder, w.Registry, FilesPlaceholder, w.FilesURL())
}

// CreateRepo makes the bare repository name on the git server from the fixture tree src:
// a copy of src with the placeholders substituted, changed by prepare (for what git cannot
// hold in this project's own tree), committed once on main at date. It returns the commit.
func (w *World) CreateRepo(ctx context.Context, name, src string, prepare func(dir string) error, date time.Time) (string, error) {
	work := filepath.Join(w.Dir, "work", name)
	bare := filepath.Join(w.gitRoot, name+".git")
	if err := os.RemoveAll(work); err != nil {
		return "", fmt.Errorf("removing an earlier %s: %w", work, err)
	}
	// A repository made again keeps its earlier commits under refs/keep/, so that images
	// published from them can still be rebuilt.
	if err := w.keepHead(ctx, bare); err != nil {
		return "", err
	}
	if err := w.copyFixture(src, work); err != nil {
		return "", err
	}
	if prepare != nil {
		if err := prepare(work); err != nil {
			return "", fmt.Errorf("preparing fixture %s: %w", name, err)
		}
	}
	steps := [][]string{
		{"init", "-q", "-b", "main", work},
		{"-C", work, "add", "-A"},
		{"-C", work, "commit", "-q", "-m", "Fixture " + name},
		{"init", "-q", "--bare", bare},
		{"-C", work, "push", "-q", "--force", bare, "main"},
	}
	for _, args := range steps {
		if _, err := w.Run(ctx, Cmd{Path: w.Tools.Git, Args: args, Env: commitEnv(date)}); err != nil {
			return "", fmt.Errorf("creating repository %s: %w", name, err)
		}
	}
	return w.head(ctx, work)
}

// PushCommit adds a commit made by change at date on main of repository name and pushes it.
func (w *World) PushCommit(ctx context.Context, name string, date time.Time, change func(dir string) error) (string, error) {
	work := filepath.Join(w.Dir, "work", name)
	if err := change(work); err != nil {
		return "", fmt.Errorf("changing %s: %w", name, err)
	}
	bare := filepath.Join(w.gitRoot, name+".git")
	for _, args := range [][]string{
		{"-C", work, "add", "-A"},
		{"-C", work, "commit", "-q", "-m", "Newer commit"},
		{"-C", work, "push", "-q", bare, "main"},
	} {
		if _, err := w.Run(ctx, Cmd{Path: w.Tools.Git, Args: args, Env: commitEnv(date)}); err != nil {
			return "", fmt.Errorf("pushing to %s: %w", name, err)
		}
	}
	return w.head(ctx, work)
}

func (w *World) head(ctx context.Context, work string) (string, error) {
	out, err := w.Run(ctx, Cmd{Path: w.Tools.Git, Args: []string{"-C", work, "rev-parse", "HEAD"}})
	if err != nil {
		return "", fmt.Errorf("reading HEAD: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func commitEnv(date time.Time) []string {
	d := strconv.FormatInt(date.Unix(), 10) + " +0000"
	return []string{
		"GIT_AUTHOR_NAME=Fixture", "GIT_AUTHOR_EMAIL=fixture@example.test", "GIT_AUTHOR_DATE=" + d,
		"GIT_COMMITTER_NAME=Fixture", "GIT_COMMITTER_EMAIL=fixture@example.test", "GIT_COMMITTER_DATE=" + d,
	}
}

// copyFixture copies src to dst with the modes git would give (0644, 0755) and the
// placeholders replaced.
func (w *World) copyFixture(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			data = []byte(w.placeholders().Replace(string(data)))
			mode := fs.FileMode(0o644)
			if info.Mode()&0o111 != 0 {
				mode = 0o755
			}
			return WriteFile(target, data, mode)
		default:
			return fmt.Errorf("copying fixture %s: unsupported file type %s", path, info.Mode().Type())
		}
	})
}

// WriteFile writes data to path with exactly mode, whatever the umask.
func WriteFile(path string, data []byte, mode fs.FileMode) error {
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("setting mode of %s: %w", path, err)
	}
	return nil
}

// keepHead points refs/keep/<sha> of the bare repository at its main branch, if it has one.
func (w *World) keepHead(ctx context.Context, bare string) error {
	if _, err := os.Stat(bare); err != nil {
		return nil
	}
	out, err := w.Run(ctx, Cmd{Path: w.Tools.Git, Args: []string{"-C", bare, "rev-parse", "--verify", "-q", "refs/heads/main"}})
	if err != nil {
		return nil
	}
	sha := strings.TrimSpace(string(out))
	if _, err := w.Run(ctx, Cmd{Path: w.Tools.Git, Args: []string{"-C", bare, "update-ref", "refs/keep/" + sha, sha}}); err != nil {
		return fmt.Errorf("keeping %s of %s: %w", sha, bare, err)
	}
	return nil
}
