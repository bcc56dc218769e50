package inputs

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// ErrTampered marks a local input (a git bundle or clone, an OCI layout, an SBOM file) whose
// content does not match the digests the signed provenance and the SBOM give.
var ErrTampered = errors.New("local input does not match its pinned digest")

// CheckoutFrom checks commit out into dir as Checkout does, taking the objects from the
// local source at sourcePath instead of the network: a git bundle file, a clone, or a bare
// repository. Every object is hashed again as it is read, so a source whose content was
// changed fails with ErrTampered. url, the repository's URL in the provenance, is recorded
// as the origin remote, as Checkout records it. Submodules come from the same bundle (a
// rebuild kit's bundle holds their commits too) or, for a repository, from its
// .git/modules/<name> or the submodule's worktree.
func CheckoutFrom(ctx context.Context, sourcePath, url, commit, dir string, opt CheckoutOptions) error {
	if !plumbing.IsHash(commit) {
		return fmt.Errorf("checking out %s: %q is not a full commit hash", sourcePath, commit)
	}
	src, err := openLocalSource(sourcePath)
	if err != nil {
		return fmt.Errorf("checking out %s at %s: %w", sourcePath, commit, err)
	}
	r, err := initCheckout(dir, url)
	if err != nil {
		return fmt.Errorf("checking out %s at %s: %w", sourcePath, commit, err)
	}
	if err := checkoutLocal(ctx, src, r, dir, plumbing.NewHash(commit), opt); err != nil {
		return fmt.Errorf("checking out %s at %s: %w", sourcePath, commit, err)
	}
	return nil
}

// openLocalSource opens path as a bundle when it is a file, else as a repository.
func openLocalSource(path string) (localSource, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if fi.Mode().IsRegular() {
		return bundleSource{path: path}, nil
	}
	return openRepoSource(path)
}

// checkoutLocal loads commit from src into r (whose worktree is root), checks it out
// detached, and does the same for its submodules.
func checkoutLocal(ctx context.Context, src localSource, r *git.Repository, root string, commit plumbing.Hash, opt CheckoutOptions) error {
	if err := src.load(ctx, r, commit); err != nil {
		return err
	}
	if err := r.Storer.SetReference(plumbing.NewHashReference(pinnedRef, commit)); err != nil {
		return err
	}
	c, err := r.CommitObject(commit)
	if err != nil {
		return err
	}
	if c.NumParents() > 0 {
		// As a fetch at depth 1 leaves it: the parents are not here.
		if err := r.Storer.SetShallow([]plumbing.Hash{commit}); err != nil {
			return err
		}
	}
	w, err := r.Worktree()
	if err != nil {
		return err
	}
	if err := w.Checkout(&git.CheckoutOptions{Hash: commit, Force: true}); err != nil {
		return fmt.Errorf("checking out the worktree: %w", err)
	}
	return finishCheckout(r, root, opt, func(sub *git.Submodule) error {
		return checkoutLocalSubmodule(ctx, src, r, root, sub, opt)
	})
}

// checkoutLocalSubmodule checks sub out at the commit the superproject r records, from the
// source's copy of the submodule, with its git directory under .git/modules as git does.
func checkoutLocalSubmodule(ctx context.Context, src localSource, r *git.Repository, root string, sub *git.Submodule, opt CheckoutOptions) error {
	s, err := openSubmodule(r, root, sub)
	if err != nil {
		return err
	}
	subSrc, err := src.submodule(s.name, s.path)
	if err != nil {
		return err
	}
	return checkoutLocal(ctx, subSrc, s.repo, s.root, s.commit, opt.forSubmodule())
}
