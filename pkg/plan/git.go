package plan

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// gitTree is the tree of one commit, fetched into memory: nothing is checked out.
type gitTree struct {
	tree *object.Tree
}

func (t gitTree) ReadFile(name string) ([]byte, error) {
	f, err := t.tree.File(name)
	if err != nil {
		return nil, err
	}
	s, err := f.Contents()
	return []byte(s), err
}

// fetchCommit fetches commit alone (depth 1) from url into memory, or, when the server does
// not serve a commit by its hash, the branches and tags that hold it. It returns the commit's
// tree and committer time.
func fetchCommit(ctx context.Context, url, commit string) (Tree, string, error) {
	if !plumbing.IsHash(commit) {
		return nil, "", fmt.Errorf("%q is not a full commit hash", commit)
	}
	r, err := git.Init(memory.NewStorage(), nil)
	if err != nil {
		return nil, "", err
	}
	remote, err := r.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}})
	if err != nil {
		return nil, "", err
	}
	err = remote.FetchContext(ctx, &git.FetchOptions{
		RefSpecs: []config.RefSpec{config.RefSpec(commit + ":refs/rebuild/pinned")},
		Depth:    1,
		Tags:     git.NoTags,
	})
	if errors.Is(err, git.ErrExactSHA1NotSupported) {
		err = remote.FetchContext(ctx, &git.FetchOptions{
			RefSpecs: []config.RefSpec{"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"},
			Tags:     git.NoTags,
		})
	}
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil, "", fmt.Errorf("fetching %s from %s: %w", commit, url, err)
	}
	c, err := r.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return nil, "", fmt.Errorf("commit %s is not at %s: %w", commit, url, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, "", fmt.Errorf("reading the tree of %s: %w", commit, err)
	}
	return gitTree{tree: tree}, strconv.FormatInt(c.Committer.When.Unix(), 10), nil
}
