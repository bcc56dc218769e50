package inputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// CheckoutOptions says how the clone task checked the source out.
type CheckoutOptions struct {
	// Submodules checks submodules out at the commits the superproject records, recursively
	// (the clone task's "submodules" parameter, true by default in Konflux).
	Submodules bool
	// SparseDirs, when set, are the clone task's sparseCheckoutDirectories: sparse-checkout
	// patterns (gitignore syntax, non-cone mode); only matching paths exist in the checkout.
	SparseDirs []string
	// Progress receives the server's progress messages; nil discards them.
	Progress io.Writer
}

const (
	remoteName = "origin"
	pinnedRef  = "refs/rebuild/pinned"
)

// Checkout clones only commit of the repository at url into dir (absent or empty), leaves
// HEAD detached at it with a .git directory, as Konflux's clone task does, and gives files
// the modes git gives them with umask 022.
func Checkout(ctx context.Context, url, commit, dir string, opt CheckoutOptions) error {
	if !plumbing.IsHash(commit) {
		return fmt.Errorf("checking out %s: %q is not a full commit hash", url, commit)
	}
	r, err := initCheckout(dir, url)
	if err != nil {
		return fmt.Errorf("checking out %s at %s: %w", url, commit, err)
	}
	if err := checkoutRepo(ctx, r, dir, plumbing.NewHash(commit), opt); err != nil {
		return fmt.Errorf("checking out %s at %s: %w", url, commit, err)
	}
	return nil
}

// initCheckout makes dir (absent or empty) an empty repository whose origin is url.
func initCheckout(dir, url string) (*git.Repository, error) {
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	r, err := git.PlainInit(dir, false)
	if err != nil {
		return nil, err
	}
	if _, err := r.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{url}}); err != nil {
		return nil, err
	}
	return r, nil
}

func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		return os.Chmod(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	return os.Chmod(dir, 0o755)
}

// checkoutRepo fetches commit into r (whose worktree is root), checks it out detached, and
// does the same for its submodules.
func checkoutRepo(ctx context.Context, r *git.Repository, root string, commit plumbing.Hash, opt CheckoutOptions) error {
	if err := fetchPinned(ctx, r, commit, opt.Progress); err != nil {
		return err
	}
	w, err := r.Worktree()
	if err != nil {
		return err
	}
	if err := w.Checkout(&git.CheckoutOptions{Hash: commit, Force: true}); err != nil {
		return fmt.Errorf("checking out the worktree: %w", err)
	}
	head, err := r.Head()
	if err != nil {
		return fmt.Errorf("reading HEAD: %w", err)
	}
	if head.Hash() != commit {
		return fmt.Errorf("HEAD is %s after checkout, not %s", head.Hash(), commit)
	}

	return finishCheckout(r, root, opt, func(sub *git.Submodule) error {
		return checkoutSubmodule(ctx, r, root, sub, opt)
	})
}

// fetchPinned fetches commit alone at depth 1 into pinnedRef when the server lets clients
// want any object, else every branch and tag, keeping no ref but pinnedRef.
func fetchPinned(ctx context.Context, r *git.Repository, commit plumbing.Hash, progress io.Writer) error {
	pinned := config.RefSpec(commit.String() + ":" + pinnedRef)
	err := fetchWithRetry(ctx, r, &git.FetchOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{pinned},
		Depth:      1,
		Tags:       git.NoTags,
		Progress:   progress,
	})
	if errors.Is(err, git.ErrExactSHA1NotSupported) {
		return fetchAllForCommit(ctx, r, commit, progress)
	}
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("%w: fetching %s: %w", ErrUnavailable, commit, err)
	}
	if _, err := r.CommitObject(commit); err != nil {
		return fmt.Errorf("%w: fetching %s: %w", ErrUnavailable, commit, err)
	}
	return nil
}

func fetchAllForCommit(ctx context.Context, r *git.Repository, commit plumbing.Hash, progress io.Writer) error {
	err := fetchWithRetry(ctx, r, &git.FetchOptions{
		RemoteName: remoteName,
		RefSpecs: []config.RefSpec{
			"+refs/heads/*:refs/remotes/" + remoteName + "/*",
			"+refs/tags/*:refs/tags/*",
		},
		Tags:     git.NoTags,
		Progress: progress,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("%w: fetching branches and tags: %w", ErrUnavailable, err)
	}
	if err := dropFetchedRefs(r); err != nil {
		return err
	}
	if _, err := r.CommitObject(commit); err != nil {
		return fmt.Errorf("%w: commit %s is on no branch or tag: %w", ErrUnavailable, commit, err)
	}
	return r.Storer.SetReference(plumbing.NewHashReference(pinnedRef, commit))
}

// fetchWithRetry fetches as opt says, retrying what a retry can fix (see retry).
func fetchWithRetry(ctx context.Context, r *git.Repository, opt *git.FetchOptions) error {
	return retry(ctx, retries.transferTimeout, func(ctx context.Context) error {
		err := r.FetchContext(ctx, opt)
		if errors.Is(err, git.NoErrAlreadyUpToDate) {
			return nil
		}
		return err
	})
}

func dropFetchedRefs(r *git.Repository) error {
	refs, err := r.References()
	if err != nil {
		return err
	}
	var names []plumbing.ReferenceName
	err = refs.ForEach(func(ref *plumbing.Reference) error {
		if n := ref.Name().String(); strings.HasPrefix(n, "refs/remotes/") || strings.HasPrefix(n, "refs/tags/") {
			names = append(names, ref.Name())
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := r.Storer.RemoveReference(n); err != nil {
			return fmt.Errorf("removing %s: %w", n, err)
		}
	}
	return nil
}

// CommitTime returns the committer time of HEAD in the repository at dir, in seconds since
// the epoch (what `git log -1 --pretty=%ct` prints).
func CommitTime(dir string) (int64, error) {
	r, err := git.PlainOpen(dir)
	if err != nil {
		return 0, fmt.Errorf("reading commit time in %s: %w", dir, err)
	}
	head, err := r.Head()
	if err != nil {
		return 0, fmt.Errorf("reading commit time in %s: %w", dir, err)
	}
	c, err := r.CommitObject(head.Hash())
	if err != nil {
		return 0, fmt.Errorf("reading commit time in %s: %w", dir, err)
	}
	return c.Committer.When.Unix(), nil
}
