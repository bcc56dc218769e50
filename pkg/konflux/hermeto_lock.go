package konflux

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// prefetchLock is what the lock files of the checkout allow under output/deps.
type prefetchLock struct {
	files map[string]string          // generic: path under deps -> checksum; each must be there
	pip   map[string]bool            // the checksums requirements files name: any file of deps/pip/ has one
	rpms  map[string]map[string]bool // "rpm/<arch>/<file name>" -> checksums; each must be there, in a repoid folder
	seen  map[string]bool            // the rpms keys found
}

func newPrefetchLock() *prefetchLock {
	return &prefetchLock{files: map[string]string{}, pip: map[string]bool{}, rpms: map[string]map[string]bool{}, seen: map[string]bool{}}
}

// add reads the lock files of package p.
func (l *prefetchLock) add(sourceDir string, p PrefetchPackage) error {
	switch p.Type {
	case "generic":
		return l.addGeneric(sourceDir, p)
	case "pip":
		return l.addPip(sourceDir, p)
	case "rpm":
		return l.addRPM(sourceDir, p)
	}
	return fmt.Errorf("%w: PREFETCH_INPUT has a %s package: its prefetched files cannot be checked (only %s)", ErrCannotReplay, p.Type, strings.Join(checkedTypes, ", "))
}

var (
	// rpmFile is an RPM Hermeto fetched: rpm/<arch>/<repoid>/<file>.
	rpmFile = regexp.MustCompile(`^rpm/([^/]+)/([^/]+)/([^/]+)$`)
	// rpmGenerated is what Hermeto's inject-files writes beside them: createrepo_c's metadata
	// and the repository file of each architecture (checked by checkRepoFile).
	rpmRepodata = regexp.MustCompile(`^rpm/[^/]+/[^/]+/repodata/[^/]+$`)
	rpmRepoFile = regexp.MustCompile(`^rpm/([^/]+)/repos\.d/[^/]+\.repo$`)
)

// check checks the prefetched file at path file, deps/rel.
func (l *prefetchLock) check(rel, file string) error {
	got, err := fileSHA256(file)
	if err != nil {
		return err
	}
	mismatch := func(format string, args ...any) error {
		return fmt.Errorf("%w: prefetched file deps/%s %s", ErrPrefetchMismatch, rel, fmt.Sprintf(format, args...))
	}
	if want, ok := l.files[rel]; ok {
		delete(l.files, rel)
		if got != want {
			return mismatch("has %s, the lock file says %s", got, want)
		}
		return nil
	}
	if dir, _, _ := strings.Cut(rel, "/"); dir == "pip" && len(l.pip) > 0 {
		if !l.pip[got] {
			return mismatch("has %s, which no --hash of the requirements files names", got)
		}
		return nil
	}
	if m := rpmRepoFile.FindStringSubmatch(rel); m != nil {
		return checkRepoFile(rel, file, m[1])
	}
	if rpmRepodata.MatchString(rel) {
		return nil // generated from the checked RPMs, read by dnf alone
	}
	if m := rpmFile.FindStringSubmatch(rel); m != nil {
		key := "rpm/" + m[1] + "/" + m[3]
		if sums, ok := l.rpms[key]; ok {
			l.seen[key] = true
			if !sums[got] {
				return mismatch("has %s, not the checksum rpms.lock.yaml gives %s", got, m[3])
			}
			return nil
		}
	}
	return mismatch("is in no lock file of the commit")
}

// missing names a locked file that was not prefetched, "" when none is.
func (l *prefetchLock) missing() string {
	for _, rel := range slices.Sorted(maps.Keys(l.files)) {
		return rel
	}
	for _, key := range slices.Sorted(maps.Keys(l.rpms)) {
		if !l.seen[key] {
			return key
		}
	}
	return ""
}

// readLockFile reads a lock file of package p: name, relative to the package's path.
func readLockFile(sourceDir string, p PrefetchPackage, name string) (string, []byte, error) {
	rel := path.Join(p.Path, name)
	if path.IsAbs(name) || path.IsAbs(p.Path) || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", nil, fmt.Errorf("%w: PREFETCH_INPUT's %s lock file %s is not in the checkout", ErrBadTask, p.Type, rel)
	}
	data, err := os.ReadFile(filepath.Join(sourceDir, rel))
	if err != nil {
		return "", nil, fmt.Errorf("%w: %s lock file: %w", ErrBadTask, p.Type, err)
	}
	return rel, data, nil
}

// pipHash is a --hash option of a requirements file.
var pipHash = regexp.MustCompile(`--hash[= ]sha256:([0-9a-fA-F]{64})`)

// addPip reads the --hash values of the package's requirements files: pip's hash-checking
// mode, which Hermeto requires of every URL requirement, lists the digest of every
// distribution allowed.
func (l *prefetchLock) addPip(sourceDir string, p PrefetchPackage) error {
	files, err := pipRequirementsFiles(sourceDir, p)
	if err != nil {
		return err
	}
	for _, f := range files {
		for _, m := range pipHash.FindAllStringSubmatch(string(f.data), -1) {
			l.pip["sha256:"+strings.ToLower(m[1])] = true
		}
		if len(l.pip) == 0 {
			return fmt.Errorf("%w: %s has no --hash=sha256: its prefetched files cannot be checked", ErrCannotReplay, f.rel)
		}
	}
	return nil
}

// lockFile is a lock file read: its path in the checkout and its content.
type lockFile struct {
	rel  string
	data []byte
}

// pipRequirementsFiles reads the package's requirements files: requirements.txt and
// requirements-build.txt (those present), or those the input names.
func pipRequirementsFiles(sourceDir string, p PrefetchPackage) ([]lockFile, error) {
	names := append(append([]string{}, p.RequirementsFiles...), p.RequirementsBuildFiles...)
	if len(names) == 0 {
		names = []string{"requirements.txt", "requirements-build.txt"}
	}
	var files []lockFile
	for _, name := range names {
		rel, data, err := readLockFile(sourceDir, p, name)
		if err != nil {
			if len(p.RequirementsFiles) == 0 && errors.Is(err, fs.ErrNotExist) {
				continue // the defaults need not both exist
			}
			return nil, err
		}
		files = append(files, lockFile{rel, data})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no requirements file of the pip package at %s", ErrBadTask, p.Path)
	}
	return files, nil
}

// addRPM reads rpms.lock.yaml: per architecture, the url, repoid and checksum of every
// package, source package and module metadata file.
func (l *prefetchLock) addRPM(sourceDir string, p PrefetchPackage) error {
	rel, data, err := readLockFile(sourceDir, p, "rpms.lock.yaml")
	if err != nil {
		return err
	}
	type entry struct {
		URL      string `yaml:"url"`
		Checksum string `yaml:"checksum"`
	}
	var lock struct {
		Arches []struct {
			Arch           string  `yaml:"arch"`
			Packages       []entry `yaml:"packages"`
			Source         []entry `yaml:"source"`
			ModuleMetadata []entry `yaml:"module_metadata"`
		} `yaml:"arches"`
	}
	if err := yaml.Unmarshal(data, &lock); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadTask, rel, err)
	}
	for _, a := range lock.Arches {
		for _, e := range slices.Concat(a.Packages, a.Source, a.ModuleMetadata) {
			sum, err := lockedSHA256(rel, e.URL, e.Checksum)
			if err != nil {
				return err
			}
			key := "rpm/" + a.Arch + "/" + path.Base(strings.SplitN(e.URL, "?", 2)[0])
			if l.rpms[key] == nil {
				l.rpms[key] = map[string]bool{}
			}
			l.rpms[key][sum] = true
		}
	}
	return nil
}

// checkRepoFile checks a repository file Hermeto wrote for arch: every repository in it is
// one of the prefetched folders of that architecture, nothing fetched from elsewhere.
func checkRepoFile(rel, file, arch string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	prefix := "file://" + path.Join(Cachi2Mount, "output/deps/rpm", arch) + "/"
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != "baseurl" {
			continue
		}
		if v = strings.TrimSpace(v); !strings.HasPrefix(v, prefix) || strings.Contains(v[len(prefix):], "/") || strings.Contains(v, "..") {
			return fmt.Errorf("%w: prefetched file deps/%s names the repository %s, not a prefetched folder (%s<repoid>)", ErrPrefetchMismatch, rel, v, prefix)
		}
	}
	return nil
}

// checkEnvFile checks the env file every RUN sources: exactly what Hermeto's generate-env
// writes for the package managers (export lines sorted by name; pip's alone has any).
func checkEnvFile(file string, pkgs []PrefetchPackage) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%w: the prefetched content has no cachi2.env: %w", ErrPrefetchMismatch, err)
	}
	if want := hermetoEnvFile(pkgs); string(data) != want {
		return fmt.Errorf("%w: cachi2.env, which every RUN sources, is %q: Hermeto writes %q for %s", ErrPrefetchMismatch, data, want, typesOf(pkgs))
	}
	return nil
}

// hermetoEnvFile is the env file Hermeto's generate-env writes for the package managers.
func hermetoEnvFile(pkgs []PrefetchPackage) string {
	if slices.ContainsFunc(pkgs, func(p PrefetchPackage) bool { return p.Type == "pip" }) {
		return "export PIP_FIND_LINKS=" + Cachi2Mount + "/output/deps/pip\nexport PIP_NO_INDEX=true\n"
	}
	return "\n"
}

func typesOf(pkgs []PrefetchPackage) string {
	var t []string
	for _, p := range pkgs {
		t = append(t, p.Type)
	}
	return strings.Join(slices.Compact(slices.Sorted(slices.Values(t))), ", ")
}
