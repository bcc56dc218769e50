package inputs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
)

// checkoutSubmodule checks sub out at the commit the superproject r records, fetching only
// that commit, with its git directory under the superproject's .git/modules as git does.
func checkoutSubmodule(ctx context.Context, r *git.Repository, root string, sub *git.Submodule, opt CheckoutOptions) error {
	cfg := sub.Config()
	if !safeRelPath(cfg.Name) || !safeRelPath(cfg.Path) {
		return fmt.Errorf("unsafe submodule name %q or path %q", cfg.Name, cfg.Path)
	}
	idx, err := r.Storer.Index()
	if err != nil {
		return err
	}
	entry, err := idx.Entry(cfg.Path)
	if err != nil {
		return fmt.Errorf("finding the recorded commit: %w", err)
	}
	remote, err := r.Remote(remoteName)
	if err != nil {
		return err
	}
	cfg.URL = resolveSubmoduleURL(remote.Config().URLs[0], cfg.URL)
	if err := sub.Init(); err != nil && err != git.ErrSubmoduleAlreadyInitialized {
		return err
	}
	subRoot := filepath.Join(root, filepath.FromSlash(cfg.Path))
	if err := os.MkdirAll(subRoot, 0o755); err != nil {
		return err
	}
	sr, err := sub.Repository()
	if err != nil {
		return fmt.Errorf("initialising: %w", err)
	}
	inner := opt
	inner.SparseDirs = nil
	return checkoutRepo(ctx, sr, subRoot, entry.Hash, inner)
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
