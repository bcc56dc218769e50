package kit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// packWindow is the delta window of the bundle's packfile, git's default.
const packWindow = 10

// bundleRef is one ref line of a bundle: a commit and the name it goes by.
type bundleRef struct {
	name   string
	commit plumbing.Hash
	store  storer.EncodedObjectStorer
}

// WriteBundle writes to path a git bundle (v2) of the checkout at dir: its HEAD commit, as
// HEAD and refs/rebuild/pinned, and the commits its checked-out submodules are at,
// recursively, as refs/rebuild/submodules/<path>, with every tree and blob these commits
// reach. Parents are left out and listed as prerequisites, as for a shallow clone.
func WriteBundle(ctx context.Context, path, dir string) error {
	r, err := git.PlainOpen(dir)
	if err != nil {
		return fmt.Errorf("writing bundle of %s: %w", dir, err)
	}
	refs, err := bundleRefs(r, "")
	if err != nil {
		return fmt.Errorf("writing bundle of %s: %w", dir, err)
	}
	if err := writeBundle(ctx, path, refs); err != nil {
		return fmt.Errorf("writing bundle of %s: %w", dir, err)
	}
	return nil
}

// bundleRefs lists r's HEAD and, under prefix, its initialised submodules' HEADs.
func bundleRefs(r *git.Repository, prefix string) ([]bundleRef, error) {
	head, err := r.Head()
	if err != nil {
		return nil, fmt.Errorf("reading HEAD: %w", err)
	}
	var refs []bundleRef
	if prefix == "" {
		refs = append(refs,
			bundleRef{name: "HEAD", commit: head.Hash(), store: r.Storer},
			bundleRef{name: "refs/rebuild/pinned", commit: head.Hash(), store: r.Storer})
	} else {
		refs = append(refs, bundleRef{name: "refs/rebuild/submodules/" + prefix, commit: head.Hash(), store: r.Storer})
	}
	w, err := r.Worktree()
	if err != nil {
		return nil, err
	}
	subs, err := w.Submodules()
	if err != nil {
		return nil, fmt.Errorf("reading submodules: %w", err)
	}
	for _, sub := range subs {
		sr, err := sub.Repository()
		if errors.Is(err, git.ErrSubmoduleNotInitialized) {
			continue // not checked out: left out by a sparse checkout, or submodules=false
		}
		if err != nil {
			return nil, fmt.Errorf("submodule %s: %w", sub.Config().Path, err)
		}
		if _, err := sr.Head(); err != nil {
			continue
		}
		inner, err := bundleRefs(sr, path.Join(prefix, sub.Config().Path))
		if err != nil {
			return nil, fmt.Errorf("submodule %s: %w", sub.Config().Path, err)
		}
		refs = append(refs, inner...)
	}
	return refs, nil
}

func writeBundle(ctx context.Context, path string, refs []bundleRef) (err error) {
	objects := multiStore{EncodedObjectStorer: refs[0].store, owner: map[plumbing.Hash]storer.EncodedObjectStorer{}}
	var hashes []plumbing.Hash
	seen := map[plumbing.Hash]bool{}
	commits := map[plumbing.Hash]bool{}
	for _, ref := range refs {
		hs, err := inputs.ReachableObjects(ctx, ref.store, ref.commit)
		if err != nil {
			return fmt.Errorf("listing the objects of %s: %w", ref.name, err)
		}
		for _, h := range hs {
			if !seen[h] {
				seen[h] = true
				hashes = append(hashes, h)
				objects.owner[h] = ref.store
			}
		}
		commits[ref.commit] = true
	}
	var prereqs []plumbing.Hash
	for _, ref := range refs {
		c, err := object.GetCommit(ref.store, ref.commit)
		if err != nil {
			return err
		}
		for _, p := range c.ParentHashes {
			if !commits[p] && !slices.Contains(prereqs, p) {
				prereqs = append(prereqs, p)
			}
		}
	}

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "# v2 git bundle\n")
	for _, p := range prereqs {
		fmt.Fprintf(w, "-%s\n", p)
	}
	for _, ref := range refs {
		fmt.Fprintf(w, "%s %s\n", ref.commit, ref.name)
	}
	fmt.Fprint(w, "\n")
	if _, err := packfile.NewEncoder(w, objects, false).Encode(hashes, packWindow); err != nil {
		return fmt.Errorf("encoding the packfile: %w", err)
	}
	return w.Flush()
}

// multiStore reads each object from the repository it was listed in: a superproject's and
// its submodules' objects go into one packfile.
type multiStore struct {
	storer.EncodedObjectStorer
	owner map[plumbing.Hash]storer.EncodedObjectStorer
}

func (m multiStore) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if s, ok := m.owner[h]; ok {
		return s.EncodedObject(t, h)
	}
	return nil, plumbing.ErrObjectNotFound
}

func (m multiStore) HasEncodedObject(h plumbing.Hash) error {
	if _, ok := m.owner[h]; ok {
		return nil
	}
	return plumbing.ErrObjectNotFound
}

func (m multiStore) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	if s, ok := m.owner[h]; ok {
		return s.EncodedObjectSize(h)
	}
	return 0, plumbing.ErrObjectNotFound
}
