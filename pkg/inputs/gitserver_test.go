package inputs

import (
	"io"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// gitFixture is a superproject and a submodule served over smart HTTP by git http-backend.
type gitFixture struct {
	URL        string // the superproject's URL
	Commit     string // the pinned commit; the branch tip is newer
	Tip        string
	CommitTime int64
	SubCommit  string // the submodule commit the pinned commit records; the submodule's tip is newer
}

const fixtureTime = 1700000000

func newGitFixture(t *testing.T, allowAnySHA1 bool) gitFixture {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	srv := filepath.Join(root, "srv")
	env := append(os.Environ(),
		"HOME="+root, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
	)
	run := func(dir string, date int64, args ...string) string {
		t.Helper()
		cmd := exec.Command(gitPath, args...)
		cmd.Dir = dir
		cmd.Env = append(env, "GIT_AUTHOR_DATE=@"+strconv.FormatInt(date, 10)+" +0000", "GIT_COMMITTER_DATE=@"+strconv.FormatInt(date, 10)+" +0000")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(path, content string, mode os.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}

	sub := filepath.Join(root, "sub")
	run(root, 0, "init", "-q", "-b", "main", sub)
	write(filepath.Join(sub, "sub.txt"), "pinned submodule\n", 0o644)
	run(sub, fixtureTime-100, "add", "-A")
	run(sub, fixtureTime-100, "commit", "-q", "-m", "sub pinned")
	subCommit := run(sub, 0, "rev-parse", "HEAD")
	write(filepath.Join(sub, "sub.txt"), "newer submodule\n", 0o644)
	run(sub, fixtureTime+50, "commit", "-q", "-a", "-m", "sub newer")

	main := filepath.Join(root, "main")
	run(root, 0, "init", "-q", "-b", "main", main)
	write(filepath.Join(main, "README"), "pinned\n", 0o644)
	write(filepath.Join(main, "run.sh"), "#!/bin/sh\necho hi\n", 0o755)
	write(filepath.Join(main, "dir", "nested", "file.txt"), "nested\n", 0o644)
	write(filepath.Join(main, "other", "file.txt"), "other\n", 0o644)
	write(filepath.Join(main, ".gitmodules"), "[submodule \"sub\"]\n\tpath = sub\n\turl = ../sub.git\n", 0o644)
	if err := os.Symlink("README", filepath.Join(main, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/hostname", filepath.Join(main, "abs-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(main, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(main, fixtureTime, "add", "-A")
	run(main, 0, "update-index", "--add", "--cacheinfo", "160000,"+subCommit+",sub")
	run(main, fixtureTime, "commit", "-q", "-m", "pinned")
	commit := run(main, 0, "rev-parse", "HEAD")
	write(filepath.Join(main, "README"), "newer\n", 0o644)
	run(main, fixtureTime+100, "commit", "-q", "-a", "-m", "newer")
	tip := run(main, 0, "rev-parse", "HEAD")

	for name, dir := range map[string]string{"repo.git": main, "sub.git": sub} {
		bare := filepath.Join(srv, name)
		run(root, 0, "clone", "-q", "--bare", dir, bare)
		run(bare, 0, "config", "http.receivepack", "false")
		if allowAnySHA1 {
			run(bare, 0, "config", "uploadpack.allowAnySHA1InWant", "true")
		}
	}

	s := httptest.NewServer(&cgi.Handler{
		Path:   gitPath,
		Args:   []string{"http-backend"},
		Env:    []string{"GIT_PROJECT_ROOT=" + srv, "GIT_HTTP_EXPORT_ALL=1", "HOME=" + root, "GIT_CONFIG_NOSYSTEM=1"},
		Stderr: io.Discard,
	})
	t.Cleanup(s.Close)
	return gitFixture{URL: s.URL + "/repo.git", Commit: commit, Tip: tip, CommitTime: fixtureTime, SubCommit: subCommit}
}

func TestResolveSubmoduleURL(t *testing.T) {
	for _, tc := range []struct{ base, rel, want string }{
		{"https://host/org/app.git", "../lib.git", "https://host/org/lib.git"},
		{"https://host/org/app.git/", "../../other/lib", "https://host/other/lib"},
		{"https://host/org/app", "./lib", "https://host/org/app/lib"},
		{"git@host:org/app.git", "../lib.git", "git@host:org/lib.git"},
		{"git@host:app.git", "../lib.git", "git@host:lib.git"},
		{"https://host/org/app.git", "https://elsewhere/lib.git", "https://elsewhere/lib.git"},
	} {
		if got := resolveSubmoduleURL(tc.base, tc.rel); got != tc.want {
			t.Errorf("resolveSubmoduleURL(%q, %q) = %q, want %q", tc.base, tc.rel, got, tc.want)
		}
	}
}
