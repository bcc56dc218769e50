package konflux

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
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

// PrefetchPackage is one entry of PREFETCH_INPUT: a Hermeto package manager and the folder,
// in the checkout, whose lock file it read.
type PrefetchPackage struct {
	Type     string `json:"type"`
	Path     string `json:"path"`
	Lockfile string `json:"lockfile"` // generic: another lock file than <path>/artifacts.lock.yaml
}

// ParsePrefetchInput reads PREFETCH_INPUT in the forms the prefetch task takes: a bare type
// ("generic"), one package object, a list of them, or {"packages": [...]}.
func ParsePrefetchInput(input string) ([]PrefetchPackage, error) {
	s := strings.TrimSpace(input)
	var pkgs []PrefetchPackage
	switch {
	case s == "":
		return nil, nil
	case strings.HasPrefix(s, "["):
		if err := json.Unmarshal([]byte(s), &pkgs); err != nil {
			return nil, fmt.Errorf("PREFETCH_INPUT %q: %w", input, err)
		}
	case strings.HasPrefix(s, "{"):
		var obj struct {
			PrefetchPackage
			Packages []PrefetchPackage `json:"packages"`
		}
		if err := json.Unmarshal([]byte(s), &obj); err != nil {
			return nil, fmt.Errorf("PREFETCH_INPUT %q: %w", input, err)
		}
		pkgs = obj.Packages
		if obj.Type != "" {
			pkgs = append(pkgs, obj.PrefetchPackage)
		}
	default:
		pkgs = []PrefetchPackage{{Type: s}}
	}
	for i := range pkgs {
		if pkgs[i].Path == "" {
			pkgs[i].Path = "."
		}
		if pkgs[i].Type == "" {
			return nil, fmt.Errorf("PREFETCH_INPUT %q: a package without a type", input)
		}
	}
	return pkgs, nil
}

// checkedTypes are the package managers whose prefetched files are checked against the lock
// files of the checkout.
var checkedTypes = []string{"generic"}

// CheckPrefetched checks every file Hermeto fetched (under dir/output/deps) against the lock
// files of the checkout at sourceDir: each locked file is there with the locked checksum, and
// nothing else is. It returns how many files it checked; the error names the first file that
// is not as locked (ErrPrefetchMismatch).
func CheckPrefetched(sourceDir, input, dir string) (int, error) {
	pkgs, err := ParsePrefetchInput(input)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadTask, err)
	}
	deps := filepath.Join(dir, "output", "deps")
	for _, p := range pkgs {
		if !slices.Contains(checkedTypes, p.Type) {
			return 0, fmt.Errorf("%w: PREFETCH_INPUT has a %s package: its prefetched files cannot be checked (only %s)", ErrCannotReplay, p.Type, strings.Join(checkedTypes, ", "))
		}
	}
	locked := map[string]string{} // path under deps -> "sha256:<hex>"
	for _, p := range pkgs {
		if err := lockedGeneric(sourceDir, p, locked); err != nil {
			return 0, err
		}
	}
	if len(pkgs) == 0 {
		return 0, fmt.Errorf("%w: CACHI2_ARTIFACT is recorded and PREFETCH_INPUT names no package: nothing says which lock files to check", ErrCannotReplay)
	}
	n := 0
	err = filepath.WalkDir(deps, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && file == deps && len(locked) == 0 {
				return nil
			}
			return fmt.Errorf("%w: reading the prefetched files: %w", ErrBadTask, err)
		}
		rel, _ := filepath.Rel(deps, file)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return nil
		}
		want, ok := locked[rel]
		if !ok {
			return fmt.Errorf("%w: prefetched file deps/%s is in no lock file of the commit", ErrPrefetchMismatch, rel)
		}
		delete(locked, rel)
		n++
		if !d.Type().IsRegular() {
			return fmt.Errorf("%w: prefetched file deps/%s is not a regular file", ErrPrefetchMismatch, rel)
		}
		got, err := fileSHA256(file)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("%w: prefetched file deps/%s has %s, the lock file says %s", ErrPrefetchMismatch, rel, got, want)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, rel := range slices.Sorted(maps.Keys(locked)) {
		return 0, fmt.Errorf("%w: deps/%s is locked but was not prefetched", ErrPrefetchMismatch, rel)
	}
	return n, nil
}

// lockedGeneric adds the files of a generic package's artifacts.lock.yaml to locked.
func lockedGeneric(sourceDir string, p PrefetchPackage, locked map[string]string) error {
	// Hermeto reads a lockfile given relative to the package's path.
	rel := path.Join(p.Path, cmpOr(p.Lockfile, "artifacts.lock.yaml"))
	if path.IsAbs(p.Lockfile) || path.IsAbs(p.Path) || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("%w: PREFETCH_INPUT's generic lock file %s is not in the checkout", ErrBadTask, rel)
	}
	lockfile := filepath.Join(sourceDir, rel)
	data, err := os.ReadFile(lockfile)
	if err != nil {
		return fmt.Errorf("%w: generic lock file: %w", ErrBadTask, err)
	}
	var lock struct {
		Artifacts []struct {
			DownloadURL string `yaml:"download_url"`
			Checksum    string `yaml:"checksum"`
			Filename    string `yaml:"filename"`
		} `yaml:"artifacts"`
	}
	if err := yaml.Unmarshal(data, &lock); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadTask, filepath.Base(lockfile), err)
	}
	for _, a := range lock.Artifacts {
		name := a.Filename
		if name == "" {
			name = path.Base(strings.SplitN(strings.SplitN(a.DownloadURL, "?", 2)[0], "#", 2)[0])
		}
		alg, sum, _ := strings.Cut(a.Checksum, ":")
		if alg != "sha256" || len(sum) != 64 {
			return fmt.Errorf("%w: %s: %s has checksum %q: only sha256 is checked", ErrCannotReplay, filepath.Base(lockfile), name, a.Checksum)
		}
		locked[path.Join("generic", path.Clean("/" + name)[1:])] = "sha256:" + strings.ToLower(sum)
	}
	return nil
}

func fileSHA256(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

var cachi2Artifact = regexp.MustCompile(`^oci:[^@\s]+@sha256:[0-9a-f]{64}$`)

// checkPrefetch says why a build with prefetched content cannot be replayed, if it cannot.
func checkPrefetch(t Task, p *Profile) []string {
	if t.PrefetchInput == "" && t.Cachi2Artifact == "" {
		return nil
	}
	var out []string
	switch {
	case t.PrefetchInput == "":
		out = append(out, "CACHI2_ARTIFACT is recorded and PREFETCH_INPUT is not: nothing says which lock files to check the prefetched content against")
	case t.Cachi2Artifact == "":
		out = append(out, "PREFETCH_INPUT is set and no CACHI2_ARTIFACT recorded: the build used prefetched content the provenance does not name")
	case !cachi2Artifact.MatchString(t.Cachi2Artifact):
		out = append(out, fmt.Sprintf("CACHI2_ARTIFACT %q is not oci:<repository>@sha256:<64 lowercase hex>", t.Cachi2Artifact))
	}
	if p != nil {
		switch r := p.rules.(type) {
		case kbc:
			out = append(out, "PREFETCH_INPUT is set: konflux-build-cli's prefetch injection (task 0.10 on) is not replayed")
		case script:
			if !t.SkipInjections && !r.icmInjection.applies(t.Started) {
				out = append(out, "PREFETCH_INPUT is set and the TaskRun started before 2025-08-18 (0.4's efddcd82): the content-sets.json of its prefetched content is not replayed")
			}
		}
	}
	pkgs, err := ParsePrefetchInput(t.PrefetchInput)
	if err != nil {
		return append(out, err.Error())
	}
	for _, pkg := range pkgs {
		if !slices.Contains(checkedTypes, pkg.Type) {
			out = append(out, fmt.Sprintf("PREFETCH_INPUT has a %s package, whose prefetched files are not checked against its lock file (only %s)", pkg.Type, strings.Join(checkedTypes, ", ")))
		}
	}
	return out
}
