package inputs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// checkoutSubmodule checks sub out at the commit the superproject r records, fetching only
// that commit, with its git directory under the superproject's .git/modules as git does.
func checkoutSubmodule(ctx context.Context, r *git.Repository, root string, sub *git.Submodule, opt CheckoutOptions) error {
	s, err := openSubmodule(r, root, sub)
	if err != nil {
		return err
	}
	return checkoutRepo(ctx, s.repo, s.root, s.commit, opt.forSubmodule())
}

// openedSubmodule is a submodule initialised under the superproject: its repository, its
// worktree folder, and the commit the superproject records for it.
type openedSubmodule struct {
	repo   *git.Repository
	root   string
	commit plumbing.Hash
	name   string
	path   string
}

// openSubmodule checks sub's name and path are safe, resolves its URL as git does, and
// initialises its repository under root.
func openSubmodule(r *git.Repository, root string, sub *git.Submodule) (openedSubmodule, error) {
	cfg := sub.Config()
	if !safeRelPath(cfg.Name) || !safeRelPath(cfg.Path) {
		return openedSubmodule{}, fmt.Errorf("unsafe submodule name %q or path %q", cfg.Name, cfg.Path)
	}
	idx, err := r.Storer.Index()
	if err != nil {
		return openedSubmodule{}, err
	}
	entry, err := idx.Entry(cfg.Path)
	if err != nil {
		return openedSubmodule{}, fmt.Errorf("finding the recorded commit: %w", err)
	}
	remote, err := r.Remote(remoteName)
	if err != nil {
		return openedSubmodule{}, err
	}
	cfg.URL = resolveSubmoduleURL(remote.Config().URLs[0], cfg.URL)
	if err := sub.Init(); err != nil && err != git.ErrSubmoduleAlreadyInitialized {
		return openedSubmodule{}, err
	}
	subRoot := filepath.Join(root, filepath.FromSlash(cfg.Path))
	if err := os.MkdirAll(subRoot, 0o755); err != nil {
		return openedSubmodule{}, err
	}
	sr, err := sub.Repository()
	if err != nil {
		return openedSubmodule{}, fmt.Errorf("initialising: %w", err)
	}
	return openedSubmodule{repo: sr, root: subRoot, commit: entry.Hash, name: cfg.Name, path: cfg.Path}, nil
}

// forSubmodule is opt for a submodule's checkout: sparse patterns apply to the superproject.
func (opt CheckoutOptions) forSubmodule() CheckoutOptions {
	opt.SparseDirs = nil
	return opt
}

// finishCheckout applies the sparse patterns, checks out the submodules with checkoutSub,
// and gives files git's modes: what every checkout does once the worktree is at its commit.
func finishCheckout(r *git.Repository, root string, opt CheckoutOptions, checkoutSub func(*git.Submodule) error) error {
	w, err := r.Worktree()
	if err != nil {
		return err
	}
	var subs git.Submodules
	if opt.Submodules {
		if subs, err = w.Submodules(); err != nil {
			return fmt.Errorf("reading submodules: %w", err)
		}
	}
	skipped := map[string]bool{}
	if len(opt.SparseDirs) > 0 {
		if skipped, err = applySparse(r, root, opt.SparseDirs); err != nil {
			return err
		}
	}
	for _, sub := range subs {
		if skipped[sub.Config().Path] {
			continue
		}
		if err := checkoutSub(sub); err != nil {
			return fmt.Errorf("submodule %s: %w", sub.Config().Path, err)
		}
	}
	return fixModes(r, root)
}

func safeRelPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." || part == ".git" {
			return false
		}
	}
	return true
}

// resolveSubmoduleURL resolves a .gitmodules URL relative to the superproject's remote URL
// ("../lib.git" next to "https://host/org/app.git" is "https://host/org/lib.git"), as git
// does; go-git would take it relative to the working directory.
func resolveSubmoduleURL(base, rel string) string {
	if !strings.HasPrefix(rel, "./") && !strings.HasPrefix(rel, "../") {
		return rel
	}
	base = strings.TrimSuffix(base, "/")
	for {
		if r, ok := strings.CutPrefix(rel, "./"); ok {
			rel = r
			continue
		}
		r, ok := strings.CutPrefix(rel, "../")
		if !ok {
			break
		}
		rel = r
		if i := strings.LastIndexAny(strings.TrimSuffix(base, ":"), "/:"); i >= 0 {
			if base[i] == ':' {
				i++
			}
			base = base[:i]
		}
	}
	if strings.HasSuffix(base, ":") {
		return base + rel
	}
	return base + "/" + rel
}
