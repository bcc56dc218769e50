package inputs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

func TestCheckout(t *testing.T) {
	for _, tc := range []struct {
		name         string
		allowAnySHA1 bool
	}{
		{"want by object name", true},
		{"fallback to branches and tags", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newGitFixture(t, tc.allowAnySHA1)
			dir := filepath.Join(t.TempDir(), "src")

			old := syscall.Umask(0o077)
			err := Checkout(context.Background(), fx.URL, fx.Commit, dir, CheckoutOptions{Submodules: true})
			syscall.Umask(old)
			if err != nil {
				t.Fatal(err)
			}

			assertHead(t, dir, fx.Commit)
			assertFile(t, dir, "README", "pinned\n", 0o644)
			assertFile(t, dir, "run.sh", "#!/bin/sh\necho hi\n", 0o755)
			assertFile(t, dir, "dir/nested/file.txt", "nested\n", 0o644)
			assertFile(t, dir, "sub/sub.txt", "pinned submodule\n", 0o644)
			for _, d := range []string{".", "dir", "dir/nested", "sub"} {
				assertMode(t, dir, d, os.ModeDir|0o755)
			}
			if target, err := os.Readlink(filepath.Join(dir, "link")); err != nil || target != "README" {
				t.Errorf("link: got %q, %v; want a symlink to README", target, err)
			}
			if target, err := os.Readlink(filepath.Join(dir, "abs-link")); err != nil || target != "/etc/hostname" {
				t.Errorf("abs-link: got %q, %v; want a symlink to /etc/hostname", target, err)
			}
			if fi, err := os.Stat(filepath.Join(dir, ".git")); err != nil || !fi.IsDir() {
				t.Errorf(".git: want a directory, got %v", err)
			}
			assertHead(t, filepath.Join(dir, "sub"), fx.SubCommit)
			assertOnlyPinnedRef(t, dir, fx.Commit)
			if tc.allowAnySHA1 {
				r, _ := git.PlainOpen(dir)
				if _, err := r.CommitObject(plumbing.NewHash(fx.Tip)); err == nil {
					t.Errorf("the branch tip %s was fetched", fx.Tip)
				}
			}

			ct, err := CommitTime(dir)
			if err != nil {
				t.Fatal(err)
			}
			if ct != fx.CommitTime {
				t.Errorf("CommitTime = %d, want %d", ct, fx.CommitTime)
			}

			err = Checkout(context.Background(), fx.URL, strings.Repeat("ab", 20), filepath.Join(t.TempDir(), "missing"), CheckoutOptions{})
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("missing commit: got %v, want ErrUnavailable", err)
			}
		})
	}
}

func TestCheckoutSparse(t *testing.T) {
	fx := newGitFixture(t, true)
	dir := t.TempDir()
	if err := Checkout(context.Background(), fx.URL, fx.Commit, dir, CheckoutOptions{Submodules: true, SparseDirs: []string{"dir/"}}); err != nil {
		t.Fatal(err)
	}
	assertFile(t, dir, "dir/nested/file.txt", "nested\n", 0o644)
	for _, p := range []string{"README", "run.sh", "link", "other", "sub", ".gitmodules"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: want absent from the sparse checkout, got %v", p, err)
		}
	}
	assertHead(t, dir, fx.Commit)
}

func TestCheckoutNoSubmodules(t *testing.T) {
	fx := newGitFixture(t, true)
	dir := t.TempDir()
	if err := Checkout(context.Background(), fx.URL, fx.Commit, dir, CheckoutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "sub", "sub.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sub/sub.txt: want absent without submodules, got %v", err)
	}
}

func TestCheckoutUnreachable(t *testing.T) {
	err := Checkout(context.Background(), "http://127.0.0.1:1/repo.git", strings.Repeat("ab", 20), t.TempDir(), CheckoutOptions{})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
}

func assertHead(t *testing.T, dir, want string) {
	t.Helper()
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatalf("opening %s: %v", dir, err)
	}
	head, err := r.Head()
	if err != nil {
		t.Fatal(err)
	}
	if head.Hash().String() != want {
		t.Errorf("%s: HEAD = %s, want %s", dir, head.Hash(), want)
	}
	if head.Name().IsBranch() {
		t.Errorf("%s: HEAD is on branch %s, want detached", dir, head.Name())
	}
}

func assertFile(t *testing.T, dir, name, content string, perm os.FileMode) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Error(err)
		return
	}
	if string(got) != content {
		t.Errorf("%s: content %q, want %q", name, got, content)
	}
	assertMode(t, dir, name, perm)
}

func assertMode(t *testing.T, dir, name string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(dir, name))
	if err != nil {
		t.Error(err)
		return
	}
	if fi.Mode() != want {
		t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
	}
}

func assertOnlyPinnedRef(t *testing.T, dir, commit string) {
	t.Helper()
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := r.References()
	if err != nil {
		t.Fatal(err)
	}
	_ = refs.ForEach(func(ref *plumbing.Reference) error {
		switch {
		case ref.Name() == plumbing.HEAD:
		case ref.Name() == pinnedRef && ref.Hash().String() == commit:
		default:
			t.Errorf("unexpected ref %s -> %s", ref.Name(), ref.Hash())
		}
		return nil
	})
}
