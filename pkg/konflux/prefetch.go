package konflux

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Cachi2Mount is where buildah-oci-ta 0.1-0.9 mount their copy of the prefetch task's
// output, and cachi2Env the env file every shell-form RUN sources.
const (
	Cachi2Mount = "/cachi2"
	cachi2Env   = "/cachi2/cachi2.env"
)

// hasPrefetch reports whether the task's script found prefetched content: it tests for the
// env file, whatever HERMETIC says.
func (p *Prepared) hasPrefetch() bool {
	if p.Prefetched == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(p.Prefetched, "cachi2.env"))
	return err == nil
}

// writeScriptPrefetch does what the script does before its build with prefetched content and
// yum repository files: `cp -r` of the prefetch folder and `chmod -R go+rwX` of the copy,
// mounted at /cachi2; the repos.d files kept in git copied into fetched.repos.d, mounted over
// YUM_REPOS_D_TARGET.
func (p *Prepared) writeScriptPrefetch(dir string, archFilter bool, f *taskFiles) error {
	fetched := filepath.Join(dir, "fetched.repos.d")
	if p.hasPrefetch() {
		f.cachi2 = filepath.Join(dir, "cachi2")
		if err := copyTree(p.Prefetched, f.cachi2); err != nil {
			return fmt.Errorf("copying the prefetched content: %w", err)
		}
		rpms := filepath.Join(f.cachi2, "output", "deps", "rpm")
		if entries, err := os.ReadDir(rpms); err == nil && archFilter {
			for _, e := range entries { // the RPMs of the other architectures
				if e.Name() != p.arch {
					if err := os.RemoveAll(filepath.Join(rpms, e.Name())); err != nil {
						return err
					}
				}
			}
		}
		repo := filepath.Join(rpms, p.arch, "repos.d", "cachi2.repo")
		if _, err := os.Stat(repo); err == nil {
			if err := copyTree(repo, filepath.Join(fetched, "cachi2.repo")); err != nil {
				return err
			}
			f.yumRepos = fetched
		}
	}
	src := filepath.Join(p.SourceDir, cmpOr(p.Task.YumReposDSrc, "repos.d"))
	if st, err := os.Stat(src); err == nil && st.IsDir() {
		f.yumRepos = fetched
		if err := copyTree(src, f.yumRepos); err != nil {
			return fmt.Errorf("copying %s: %w", p.Task.YumReposDSrc, err)
		}
	}
	return nil
}

// scriptVolumes are the script's --volume flags for f, in its order.
func (p *Prepared) scriptVolumes(f taskFiles) []string {
	var a []string
	if f.cachi2 != "" {
		a = append(a, "--volume", f.cachi2+":"+Cachi2Mount)
	}
	if f.yumRepos != "" {
		a = append(a, "--volume", f.yumRepos+":"+cmpOr(p.Task.YumReposDTarget, "/etc/yum.repos.d"))
	}
	if p.Task.WorkdirMount != "" {
		a = append(a, "--volume", p.ContextDir+":"+p.Task.WorkdirMount)
	}
	return a
}

// runPrefix is the script's sed on its Containerfile copy, GNU sed -E on the whole file
// (`H;1h;$!d;x`), case-insensitive, every line start:
//
//	s@^\s*(run((\s|\\\n)+-\S+)*(\s|\\\n)+)@\1. /cachi2/cachi2.env \&\& \\\n    @igM
//
// POSIX classes and leftmost-longest matching, as sed's. It drops the indentation of a RUN
// line and, since \s matches a newline, the blank lines before one.
var runPrefix = func() *regexp.Regexp {
	const space, nonSpace = `[\t\n\v\f\r ]`, `[^\t\n\v\f\r ]`
	re := regexp.MustCompile(`(?im)^` + space + `*(run((` + space + `|\\\n)+-` + nonSpace + `+)*(` + space + `|\\\n)+)`)
	re.Longest()
	return re
}()

// prefixRuns applies runPrefix as sed does: to the file without its last newline.
func prefixRuns(cf []byte) []byte {
	s := string(cf)
	body, nl := strings.CutSuffix(s, "\n")
	out := runPrefix.ReplaceAllString(body, "${1}. "+cachi2Env+" && \\\n    ")
	if nl {
		out += "\n"
	}
	return []byte(out)
}

// copyTree copies the folders and regular files of src to dst as `cp -r` then
// `chmod -R go+rwX` leave them: read and write for group and others, execute for folders
// and for files that had any.
func copyTree(src, dst string) error {
	return copyTreeAdding(src, dst, 0o066, 0o011, nil)
}

// copyTreeAdding copies the folders and regular files of src, but those skip names (by
// slash path relative to src), to dst, as created under umask 022 then given rw more (and
// x more when a folder, or a file with any x).
func copyTreeAdding(src, dst string, rw, x fs.FileMode, skip func(rel string) bool) error {
	return filepath.WalkDir(src, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, file)
		if skip != nil && skip(filepath.ToSlash(rel)) {
			return filepath.SkipDir
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode().Perm() &^ 0o022
		switch {
		case d.IsDir():
			return chmodAfter(os.MkdirAll(to, 0o700), to, mode|rw|x)
		case d.Type().IsRegular():
			if mode&0o111 != 0 {
				mode |= x
			}
			return chmodAfter(copyFile(file, to), to, mode|rw)
		default:
			return fmt.Errorf("%s is not a file or a folder", rel)
		}
	})
}

func chmodAfter(err error, path string, mode fs.FileMode) error {
	if err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o777); err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// prefetchInPlace is why a prefetched build of 0.1, or of 0.2 before 403b7f5b, is not replayed.
const prefetchInPlace = "a build with prefetched content by a task whose sed edited the checkout's Containerfile in place (0.1, 0.2 before 2024-09-27): not replayed"
