package konflux

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gnuSedRunPrefix is the buildah-oci-ta 0.8 script's sed, verbatim.
var gnuSedRunPrefix = []string{"-E", "-e", `H;1h;$!d;x`, "-e", `s@^\s*(run((\s|\\\n)+-\S+)*(\s|\\\n)+)@\1. /cachi2/cachi2.env \&\& \\\n    @igM`}

// TestPrefixRunsAsGNUSed runs the task's own sed on each Containerfile and checks that
// prefixRuns writes the same bytes.
func TestPrefixRunsAsGNUSed(t *testing.T) {
	sed, err := exec.LookPath("sed")
	if err != nil {
		t.Skip("no sed")
	}
	if out, err := exec.Command(sed, "--version").Output(); err != nil || !bytes.Contains(out, []byte("GNU sed")) {
		t.Skip("sed is not GNU sed")
	}
	for name, cf := range map[string]string{
		"plain":        "FROM x\nRUN make\n",
		"indented":     "FROM x\n   run  echo a \\\n  && echo b\n",
		"blank before": "FROM x\nCOPY a /a\n\n\nRUN true\n",
		"options":      "FROM x\nRUN --mount=type=tmpfs,target=/t --network=none sh -c 'ls /t'\n",
		"option lines": "FROM x\nRUN \\\n  --mount=type=cache,target=/c \\\n  make\n",
		"single dash":  "FROM x\nRUN --mount=a -v true\n",
		"exec form":    "FROM x\nRUN [\"echo\", \"hi\"]\n",
		"heredoc":      "FROM x\nRUN <<EOF\nrun inside\nEOF\n",
		"no newline":   "FROM x\nRUN true",
		"run at end":   "FROM x\nRUN",
		"tabs and cr":  "FROM x\r\n\tRUN\ttrue\r\n",
		"runner word":  "FROM x\nRUNNER=1\nrunning\n# run this\nENV a=run\n",
		"two runs":     "FROM x AS a\nRUN a\nFROM y\n  RUN b\n",
	} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(sed, gnuSedRunPrefix...)
			cmd.Stdin = strings.NewReader(cf)
			want, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			if got := prefixRuns([]byte(cf)); !bytes.Equal(got, want) {
				t.Errorf("prefixRuns:\n%q\nGNU sed:\n%q", got, want)
			}
		})
	}
}

func TestParsePrefetchInput(t *testing.T) {
	for input, want := range map[string]string{
		"generic":                            "generic:.",
		`{"type": "generic", "path": "sub"}`: "generic:sub",
		`[{"type":"generic"},{"type":"pip","path":"py"}]`: "generic:. pip:py",
		`{"packages":[{"type":"rpm"}],"flags":["x"]}`:     "rpm:.",
		"": "",
	} {
		pkgs, err := ParsePrefetchInput(input)
		if err != nil {
			t.Errorf("%q: %v", input, err)
			continue
		}
		var got []string
		for _, p := range pkgs {
			got = append(got, p.Type+":"+p.Path)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%q: %v, want %s", input, got, want)
		}
	}
	for _, bad := range []string{`{"type":`, `[{"path":"x"}]`} {
		if _, err := ParsePrefetchInput(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestCheckPrefetched(t *testing.T) {
	const a, b = "alpha\n", "beta\n"
	lock := "metadata:\n  version: \"1.0\"\nartifacts:\n" +
		"  - download_url: https://files.example/a.txt\n    checksum: sha256:" + sha256Hex(a) + "\n" +
		"  - download_url: https://files.example/dl/b?x=1\n    checksum: sha256:" + sha256Hex(b) + "\n    filename: sub/b.txt\n"
	for name, tc := range map[string]struct {
		files map[string]string // under output/deps/generic
		want  string            // "" for no error, else a part of it
	}{
		"as locked":   {files: map[string]string{"a.txt": a, "sub/b.txt": b}},
		"tampered":    {files: map[string]string{"a.txt": a + "evil\n", "sub/b.txt": b}, want: "deps/generic/a.txt has sha256:"},
		"one more":    {files: map[string]string{"a.txt": a, "sub/b.txt": b, "c.txt": "c"}, want: "deps/generic/c.txt is in no lock file"},
		"one missing": {files: map[string]string{"a.txt": a}, want: "deps/generic/sub/b.txt is locked but was not prefetched"},
	} {
		t.Run(name, func(t *testing.T) {
			src := writeTree(t, map[string]string{"artifacts.lock.yaml": lock})
			tree := map[string]string{"cachi2.env": "\n"}
			for f, body := range tc.files {
				tree["output/deps/generic/"+f] = body
			}
			dir := writeTree(t, tree)
			n, err := CheckPrefetched(src, `{"type":"generic"}`, dir)
			switch {
			case tc.want == "" && (err != nil || n != 2):
				t.Errorf("CheckPrefetched: %d, %v; want 2 files checked", n, err)
			case tc.want != "" && (!errors.Is(err, ErrPrefetchMismatch) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("CheckPrefetched: %v, want ErrPrefetchMismatch with %q", err, tc.want)
			}
		})
	}
	dir := writeTree(t, map[string]string{"cachi2.env": "\n"})
	if _, err := CheckPrefetched(dir, `{"type":"gomod"}`, dir); !errors.Is(err, ErrCannotReplay) {
		t.Errorf("gomod: %v, want ErrCannotReplay", err)
	}
	if _, err := CheckPrefetched(dir, `{"type":"generic","path":"../x"}`, dir); !errors.Is(err, ErrBadTask) {
		t.Errorf("a lock file out of the checkout: %v, want ErrBadTask", err)
	}
}

// TestScriptPrefetchFiles checks the copy the script mounts at /cachi2 (modes as cp -r and
// chmod -R go+rwX leave them), the yum repository files, the volumes' order and the prefixed
// RUN lines.
func TestScriptPrefetchFiles(t *testing.T) {
	src := writeTree(t, map[string]string{
		"Containerfile":       "FROM scratch\n  RUN true\n",
		"repos.d/my.repo":     "[my]\n",
		"artifacts.lock.yaml": "artifacts: []\n",
	})
	prefetched := writeTree(t, map[string]string{"cachi2.env": "\n", "output/deps/generic/tool": "#!/bin/sh\n",
		"output/deps/rpm/x86_64/repos.d/cachi2.repo": "[base]\n", "output/deps/rpm/aarch64/base/a.rpm": "arm"})
	if err := os.Chmod(filepath.Join(prefetched, "output/deps/generic/tool"), 0o700); err != nil {
		t.Fatal(err)
	}
	task := DefaultTask()
	task.Dockerfile, task.SourceDateEpoch, task.WorkdirMount = "Containerfile", "0", "/src"
	p, err := Prepare(src, task)
	if err != nil {
		t.Fatal(err)
	}
	p.Prefetched = prefetched
	inv, err := p.Invoke(testBuild(task), nil, ReplayInput{Arch: "x86_64", BuildahVersion: "1.42.2"})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	cachi2, repos := filepath.Join(inv.dir, "cachi2"), filepath.Join(inv.dir, "fetched.repos.d")
	wantArgv := "--volume " + cachi2 + ":/cachi2 --volume " + repos + ":/etc/yum.repos.d --volume " + src + ":/src "
	if argv := strings.Join(inv.Argv, " "); !strings.HasPrefix(argv, wantArgv) {
		t.Errorf("argv %q, want it to start with %q", argv, wantArgv)
	}
	for file, mode := range map[string]os.FileMode{"output/deps/generic/tool": 0o711 | 0o066, "cachi2.env": 0o666, "output": 0o777} {
		if st, err := os.Stat(filepath.Join(cachi2, file)); err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: %v, mode %v, want %v", file, err, st.Mode().Perm(), mode)
		}
	}
	for file, body := range map[string]string{"my.repo": "[my]\n", "cachi2.repo": "[base]\n"} {
		if data, err := os.ReadFile(filepath.Join(repos, file)); err != nil || string(data) != body {
			t.Errorf("fetched.repos.d/%s: %q, %v", file, data, err)
		}
	}
	if _, err := os.Stat(filepath.Join(cachi2, "output/deps/rpm/aarch64")); !os.IsNotExist(err) {
		t.Errorf("the RPMs of another architecture are left in the copy (0.8's filter): %v", err)
	}
	cf, _ := os.ReadFile(filepath.Join(inv.dir, "Containerfile"))
	if !strings.HasPrefix(string(cf), "FROM scratch\nRUN . /cachi2/cachi2.env && \\\n    true\n") {
		t.Errorf("Containerfile copy %q: the RUN line is not prefixed as the script's sed does", cf)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestCheckPrefetchedPipRPM: pip files are checked against the requirements files' hashes,
// RPMs against rpms.lock.yaml wherever Hermeto put them by repoid, the metadata Hermeto
// generates is let through (a repository file only when it names prefetched folders), and
// the env file must be what Hermeto writes.
func TestCheckPrefetchedPipRPM(t *testing.T) {
	const whl, rpm = "wheel bytes", "rpm bytes"
	src := writeTree(t, map[string]string{
		"py/requirements.txt": "# pinned\nrequests==2.0 \\\n    --hash=sha256:" + sha256Hex(whl) + " \\\n    --hash=sha256:" + strings.Repeat("0", 64) + "\n",
		"rpms.lock.yaml":      "lockfileVersion: 1\narches:\n  - arch: x86_64\n    packages:\n      - url: https://repo.example/Packages/t/tool-1.0.rpm\n        repoid: base\n        checksum: sha256:" + sha256Hex(rpm) + "\n",
	})
	const input = `[{"type":"pip","path":"py"},{"type":"rpm"}]`
	const env = "export PIP_FIND_LINKS=/cachi2/output/deps/pip\nexport PIP_NO_INDEX=true\n"
	good := map[string]string{
		"cachi2.env": env,
		"output/deps/pip/requests-2.0-py3-none-any.whl":   whl,
		"output/deps/rpm/x86_64/base/tool-1.0.rpm":        rpm,
		"output/deps/rpm/x86_64/base/repodata/repomd.xml": "<repomd/>",
		"output/deps/rpm/x86_64/repos.d/cachi2.repo":      "[base]\nbaseurl = file:///cachi2/output/deps/rpm/x86_64/base\ngpgcheck = 1\n",
	}
	for name, tc := range map[string]struct {
		change map[string]string
		want   string
	}{
		"as locked":            {},
		"another wheel":        {change: map[string]string{"output/deps/pip/evil.whl": "evil"}, want: "deps/pip/evil.whl has sha256:"},
		"a tampered rpm":       {change: map[string]string{"output/deps/rpm/x86_64/base/tool-1.0.rpm": "evil"}, want: "deps/rpm/x86_64/base/tool-1.0.rpm has sha256:"},
		"an unlocked rpm":      {change: map[string]string{"output/deps/rpm/x86_64/base/other.rpm": rpm}, want: "other.rpm is in no lock file"},
		"a remote repo":        {change: map[string]string{"output/deps/rpm/x86_64/repos.d/cachi2.repo": "[x]\nbaseurl = https://evil.example/\n"}, want: "names the repository https://evil.example/"},
		"an env file more":     {change: map[string]string{"cachi2.env": env + "export PATH=/evil\n"}, want: "cachi2.env, which every RUN sources"},
		"a locked rpm missing": {change: map[string]string{"output/deps/rpm/x86_64/base/tool-1.0.rpm": ""}, want: "deps/rpm/x86_64/tool-1.0.rpm is locked but was not prefetched"},
	} {
		t.Run(name, func(t *testing.T) {
			tree := map[string]string{}
			for f, body := range good {
				tree[f] = body
			}
			for f, body := range tc.change {
				tree[f] = body
				if body == "" {
					delete(tree, f)
				}
			}
			_, err := CheckPrefetched(src, input, writeTree(t, tree))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("CheckPrefetched: %v", err)
			case tc.want != "" && (!errors.Is(err, ErrPrefetchMismatch) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("CheckPrefetched: %v, want ErrPrefetchMismatch with %q", err, tc.want)
			}
		})
	}
}
