package inputs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// localSource is where CheckoutFrom takes git objects from.
type localSource interface {
	// load puts commit and every object it reaches into r, each hashed again, or fails
	// with ErrTampered.
	load(ctx context.Context, r *git.Repository, commit plumbing.Hash) error
	// submodule is the source of the submodule named name at path.
	submodule(name, path string) (localSource, error)
}

// maxBundleHeader bounds the ref lines read before a bundle's packfile.
const maxBundleHeader = 1 << 20

// bundleSource is a git bundle file: "# v2 git bundle" (or v3 with object-format=sha1),
// prerequisite and ref lines, an empty line, then a packfile.
type bundleSource struct{ path string }

func (b bundleSource) submodule(string, string) (localSource, error) { return b, nil }

func (b bundleSource) load(ctx context.Context, r *git.Repository, commit plumbing.Hash) error {
	f, err := os.Open(b.path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if err := skipBundleHeader(br); err != nil {
		return fmt.Errorf("%w: %w", ErrTampered, err)
	}
	// The packfile parser hashes every object and checks the pack's trailing checksum.
	if err := packfile.UpdateObjectStorage(r.Storer, br); err != nil {
		return fmt.Errorf("%w: reading the packfile: %w", ErrTampered, err)
	}
	return walkObjects(ctx, r.Storer, commit, func(plumbing.EncodedObject) error { return nil })
}

func skipBundleHeader(br *bufio.Reader) error {
	read := 0
	line := func() (string, error) {
		s, err := br.ReadString('\n')
		read += len(s)
		if read > maxBundleHeader {
			return "", errors.New("bundle header over 1 MiB")
		}
		if err != nil {
			return "", fmt.Errorf("reading the bundle header: %w", err)
		}
		return strings.TrimSuffix(s, "\n"), nil
	}
	sig, err := line()
	if err != nil {
		return err
	}
	if sig != "# v2 git bundle" && sig != "# v3 git bundle" {
		return fmt.Errorf("not a git bundle: first line %q", sig)
	}
	for {
		s, err := line()
		if err != nil {
			return err
		}
		switch {
		case s == "":
			return nil
		case strings.HasPrefix(s, "@"):
			if sig != "# v3 git bundle" || s != "@object-format=sha1" {
				return fmt.Errorf("unsupported bundle capability %q", s)
			}
		}
	}
}

// repoSource is a repository on disk: a clone with a .git, or a bare repository.
type repoSource struct {
	path string
	repo *git.Repository
}

func openRepoSource(path string) (repoSource, error) {
	r, err := git.PlainOpenWithOptions(path, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return repoSource{}, fmt.Errorf("%w: opening repository %s: %w", ErrUnavailable, path, err)
	}
	return repoSource{path: path, repo: r}, nil
}

func (s repoSource) submodule(name, path string) (localSource, error) {
	candidates := []string{
		filepath.Join(s.path, ".git", "modules", filepath.FromSlash(name)),
		filepath.Join(s.path, "modules", filepath.FromSlash(name)),
		filepath.Join(s.path, filepath.FromSlash(path)),
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err != nil {
			continue
		}
		if sub, err := openRepoSource(c); err == nil {
			return sub, nil
		}
	}
	return nil, fmt.Errorf("%w: %s holds no repository for submodule %s", ErrUnavailable, s.path, name)
}

// load copies the objects commit reaches, checking that each hashes to its name.
func (s repoSource) load(ctx context.Context, r *git.Repository, commit plumbing.Hash) error {
	err := walkObjects(ctx, s.repo.Storer, commit, func(o plumbing.EncodedObject) error {
		rd, err := o.Reader()
		if err != nil {
			return fmt.Errorf("%w: reading object %s: %w", ErrTampered, o.Hash(), err)
		}
		data, err := io.ReadAll(rd)
		_ = rd.Close()
		if err != nil {
			return fmt.Errorf("%w: reading object %s: %w", ErrTampered, o.Hash(), err)
		}
		if got := plumbing.ComputeHash(o.Type(), data); got != o.Hash() {
			return fmt.Errorf("%w: object %s hashes to %s", ErrTampered, o.Hash(), got)
		}
		out := r.Storer.NewEncodedObject()
		out.SetType(o.Type())
		out.SetSize(int64(len(data)))
		w, err := out.Writer()
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		_, err = r.Storer.SetEncodedObject(out)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	return nil
}

// ReachableObjects lists commit and every tree and blob its tree reaches in s (what a
// checkout of commit at depth 1 needs), submodule commits left out.
func ReachableObjects(ctx context.Context, s storer.EncodedObjectStorer, commit plumbing.Hash) ([]plumbing.Hash, error) {
	var out []plumbing.Hash
	err := walkObjects(ctx, s, commit, func(o plumbing.EncodedObject) error {
		out = append(out, o.Hash())
		return nil
	})
	return out, err
}

// walkObjects calls visit on commit and on every tree and blob its tree reaches, once
// each; submodule commits belong to other repositories and are left out. A missing object,
// or one that hashes to another name, is ErrTampered.
func walkObjects(ctx context.Context, s storer.EncodedObjectStorer, commit plumbing.Hash, visit func(plumbing.EncodedObject) error) error {
	seen := map[plumbing.Hash]bool{}
	var walk func(h plumbing.Hash, t plumbing.ObjectType) error
	walk = func(h plumbing.Hash, t plumbing.ObjectType) error {
		if seen[h] {
			return nil
		}
		seen[h] = true
		if err := ctx.Err(); err != nil {
			return err
		}
		o, err := s.EncodedObject(t, h)
		if err != nil {
			return fmt.Errorf("%w: holds no %s %s: %w", ErrTampered, t, h, err)
		}
		if o.Hash() != h {
			return fmt.Errorf("%w: object %s hashes to %s", ErrTampered, h, o.Hash())
		}
		if err := visit(o); err != nil {
			return err
		}
		switch t {
		case plumbing.CommitObject:
			var c object.Commit
			if err := c.Decode(o); err != nil {
				return fmt.Errorf("%w: commit %s: %w", ErrTampered, h, err)
			}
			return walk(c.TreeHash, plumbing.TreeObject)
		case plumbing.TreeObject:
			var tr object.Tree
			if err := tr.Decode(o); err != nil {
				return fmt.Errorf("%w: tree %s: %w", ErrTampered, h, err)
			}
			for _, e := range tr.Entries {
				switch e.Mode {
				case filemode.Submodule:
				case filemode.Dir:
					if err := walk(e.Hash, plumbing.TreeObject); err != nil {
						return err
					}
				default:
					if err := walk(e.Hash, plumbing.BlobObject); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return walk(commit, plumbing.CommitObject)
}
