package kit

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// gitRepos is a superproject with a submodule and two commits, made with the git CLI, and
// a clone of it with its submodule checked out, as a rebuild's checkout has them.
type gitRepos struct {
	main, bare, checkout string
	commit, parent       string
	run                  func(dir string, args ...string) string
}

func newGitRepos(t *testing.T) gitRepos {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	env := append(os.Environ(), "HOME="+root, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_AUTHOR_DATE=@1700000000 +0000", "GIT_COMMITTER_DATE=@1700000000 +0000")
	run := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(gitPath, append([]string{"-c", "protocol.file.allow=always"}, args...)...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(root, "sub")
	run(root, "init", "-q", "-b", "main", sub)
	write(filepath.Join(sub, "lib.txt"), "library\n")
	run(sub, "add", "-A")
	run(sub, "commit", "-q", "-m", "lib")

	g := gitRepos{main: filepath.Join(root, "main"), run: run}
	run(root, "init", "-q", "-b", "main", g.main)
	write(filepath.Join(g.main, "README"), "first\n")
	run(g.main, "add", "-A")
	run(g.main, "commit", "-q", "-m", "first")
	g.parent = run(g.main, "rev-parse", "HEAD")
	write(filepath.Join(g.main, "README"), "pinned\n")
	write(filepath.Join(g.main, "dir", "nested.txt"), "nested\n")
	run(g.main, "submodule", "add", "-q", sub, "sub")
	run(g.main, "add", "-A")
	run(g.main, "commit", "-q", "-m", "pinned")
	g.commit = run(g.main, "rev-parse", "HEAD")

	g.bare = filepath.Join(root, "bare.git")
	run(root, "clone", "-q", "--bare", g.main, g.bare)
	g.checkout = filepath.Join(root, "checkout")
	run(root, "clone", "-q", "--recurse-submodules", g.main, g.checkout)
	return g
}

func TestBundle(t *testing.T) {
	g := newGitRepos(t)
	ctx := context.Background()
	bundle := filepath.Join(t.TempDir(), "source.bundle")
	if err := WriteBundle(ctx, bundle, g.checkout); err != nil {
		t.Fatal(err)
	}

	// The git CLI is the reference: it reads the refs, and a repository holding the
	// prerequisite parent takes the bundle.
	heads := g.run(g.main, "bundle", "list-heads", bundle)
	for _, want := range []string{g.commit + " HEAD", g.commit + " refs/rebuild/pinned", " refs/rebuild/submodules/sub"} {
		if !strings.Contains(heads, want) {
			t.Errorf("git bundle list-heads: no %q in\n%s", want, heads)
		}
	}
	g.run(g.main, "bundle", "verify", "-q", bundle)

	for _, src := range []struct{ name, path string }{
		{"bundle", bundle},
		{"clone", g.checkout},
	} {
		t.Run(src.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "source")
			opt := inputs.CheckoutOptions{Submodules: true}
			if err := inputs.CheckoutFrom(ctx, src.path, "https://example.test/main.git", g.commit, dir, opt); err != nil {
				t.Fatal(err)
			}
			assertFile(t, dir, "README", "pinned\n")
			assertFile(t, dir, "dir/nested.txt", "nested\n")
			assertFile(t, dir, "sub/lib.txt", "library\n")
			if head := g.run(dir, "rev-parse", "HEAD"); head != g.commit {
				t.Errorf("HEAD is %s, want %s", head, g.commit)
			}
		})
	}
	t.Run("bare-no-submodules", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "source")
		if err := inputs.CheckoutFrom(ctx, g.bare, "https://example.test/main.git", g.parent, dir, inputs.CheckoutOptions{}); err != nil {
			t.Fatal(err)
		}
		assertFile(t, dir, "README", "first\n")
	})
}

func TestBundleRefused(t *testing.T) {
	g := newGitRepos(t)
	ctx := context.Background()
	bundle := filepath.Join(t.TempDir(), "source.bundle")
	if err := WriteBundle(ctx, bundle, g.checkout); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Index(string(data), "\n\n") + 2
	for _, c := range []struct {
		name   string
		commit string
		change func([]byte) []byte
	}{
		{"pack byte", g.commit, func(b []byte) []byte { b[header+(len(b)-header)/2] ^= 1; return b }},
		{"checksum byte", g.commit, func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"truncated", g.commit, func(b []byte) []byte { return b[:len(b)-100] }},
		{"not a bundle", g.commit, func(b []byte) []byte { return append([]byte("# v9 git bundle\n"), b...) }},
		{"other commit", g.parent, func(b []byte) []byte { return b }},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "source.bundle")
			if err := os.WriteFile(path, c.change(append([]byte(nil), data...)), 0o644); err != nil {
				t.Fatal(err)
			}
			err := inputs.CheckoutFrom(ctx, path, "https://example.test/main.git", c.commit, filepath.Join(t.TempDir(), "src"), inputs.CheckoutOptions{Submodules: true})
			if !errors.Is(err, inputs.ErrTampered) || !strings.Contains(err.Error(), path) {
				t.Errorf("got %v, want ErrTampered naming %s", err, path)
			}
		})
	}
}

func TestRepositoryRefused(t *testing.T) {
	g := newGitRepos(t)
	// A local clone keeps loose objects: put other content under README's name.
	blob := g.run(g.main, "rev-parse", g.commit+":README")
	path := filepath.Join(g.bare, "objects", blob[:2], blob[2:])
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, _ = zw.Write([]byte("blob 8\x00changed\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
	err := inputs.CheckoutFrom(context.Background(), g.bare, "https://example.test/main.git", g.commit, filepath.Join(t.TempDir(), "src"), inputs.CheckoutOptions{})
	if !errors.Is(err, inputs.ErrTampered) || !strings.Contains(err.Error(), blob) {
		t.Errorf("got %v, want ErrTampered naming object %s", err, blob)
	}
}

func assertFile(t *testing.T, dir, name, want string) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Error(err)
		return
	}
	if string(got) != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}
