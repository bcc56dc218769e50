package konflux

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
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
	// pip: the requirements files, relative to Path (default requirements.txt and
	// requirements-build.txt).
	RequirementsFiles      []string `json:"requirements_files"`
	RequirementsBuildFiles []string `json:"requirements_build_files"`
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
var checkedTypes = []string{"generic", "pip", "rpm"}

// CheckPrefetched checks every file Hermeto fetched (under dir/output/deps) against the lock
// files of the checkout at sourceDir (prefetchLock), and the env file every RUN sources
// against what Hermeto writes for those package managers. It returns how many files it
// checked; the error names the first file that is not as locked (ErrPrefetchMismatch).
func CheckPrefetched(sourceDir, input, dir string) (int, error) {
	pkgs, err := ParsePrefetchInput(input)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadTask, err)
	}
	if len(pkgs) == 0 {
		return 0, fmt.Errorf("%w: CACHI2_ARTIFACT is recorded and PREFETCH_INPUT names no package: nothing says which lock files to check", ErrCannotReplay)
	}
	lock := newPrefetchLock()
	for _, p := range pkgs {
		if err := lock.add(sourceDir, p); err != nil {
			return 0, err
		}
	}
	if err := checkEnvFile(filepath.Join(dir, "cachi2.env"), pkgs); err != nil {
		return 0, err
	}
	deps := filepath.Join(dir, "output", "deps")
	n := 0
	err = filepath.WalkDir(deps, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && file == deps {
				return nil
			}
			return fmt.Errorf("%w: reading the prefetched files: %w", ErrBadTask, err)
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(deps, file)
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			return fmt.Errorf("%w: prefetched file deps/%s is not a regular file", ErrPrefetchMismatch, rel)
		}
		n++
		return lock.check(rel, file)
	})
	if err != nil {
		return 0, err
	}
	if missing := lock.missing(); missing != "" {
		return 0, fmt.Errorf("%w: deps/%s is locked but was not prefetched", ErrPrefetchMismatch, missing)
	}
	return n, nil
}

// addGeneric adds the files of a generic package's artifacts.lock.yaml.
func (l *prefetchLock) addGeneric(sourceDir string, p PrefetchPackage) error {
	artifacts, err := genericArtifacts(sourceDir, p)
	if err != nil {
		return err
	}
	for _, a := range artifacts {
		l.files[a.Path] = a.Checksum
	}
	return nil
}

// genericArtifacts reads a generic package's artifacts.lock.yaml (or its lockfile): each file
// lands in deps/generic/<filename> (by default the URL's last element).
func genericArtifacts(sourceDir string, p PrefetchPackage) ([]LockedDownload, error) {
	lockfile, data, err := readLockFile(sourceDir, p, cmpOr(p.Lockfile, "artifacts.lock.yaml"))
	if err != nil {
		return nil, err
	}
	var lock struct {
		Artifacts []struct {
			DownloadURL string `yaml:"download_url"`
			Checksum    string `yaml:"checksum"`
			Filename    string `yaml:"filename"`
		} `yaml:"artifacts"`
	}
	if err := yaml.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadTask, lockfile, err)
	}
	var out []LockedDownload
	for _, a := range lock.Artifacts {
		name := a.Filename
		if name == "" {
			name = path.Base(strings.SplitN(strings.SplitN(a.DownloadURL, "?", 2)[0], "#", 2)[0])
		}
		sum, err := lockedSHA256(lockfile, name, a.Checksum)
		if err != nil {
			return nil, err
		}
		out = append(out, LockedDownload{URL: a.DownloadURL, Path: path.Join("generic", path.Clean("/" + name)[1:]), Checksum: sum})
	}
	return out, nil
}

// lockedSHA256 is a lock file's checksum ("sha256:<hex>", as Hermeto writes it) in the form
// fileSHA256 gives; another algorithm is not checked.
func lockedSHA256(lockfile, what, checksum string) (string, error) {
	alg, sum, _ := strings.Cut(checksum, ":")
	if alg != "sha256" || len(sum) != 64 {
		return "", fmt.Errorf("%w: %s: %s has checksum %q: only sha256 is checked", ErrCannotReplay, lockfile, what, checksum)
	}
	return "sha256:" + strings.ToLower(sum), nil
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
		if s, ok := p.rules.(script); ok && !s.containerfileCopy.applies(t.Started) {
			out = append(out, "PREFETCH_INPUT is set: "+prefetchInPlace)
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

// LockedDownload is a file a lock file names: where Hermeto downloaded it from, where it put
// it (under output/deps) and its checksum ("sha256:<hex>").
type LockedDownload struct {
	URL, Path, Checksum string
}

// LockedDownloads lists, for a prefetch whose artifact is gone, what Hermeto downloaded, to
// fetch it again: generic packages' files, and pip packages' whose every requirement names
// its URL. rpm ones cannot be: the repository metadata beside them is Hermeto's own.
func LockedDownloads(sourceDir, input string) ([]LockedDownload, error) {
	pkgs, err := ParsePrefetchInput(input)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadTask, err)
	}
	var out []LockedDownload
	for _, p := range pkgs {
		var downloads []LockedDownload
		switch p.Type {
		case "generic":
			downloads, err = genericArtifacts(sourceDir, p)
		case "pip":
			downloads, err = pipURLDownloads(sourceDir, p)
		default:
			err = fmt.Errorf("%w: a %s package's files cannot be fetched again from their URLs (generic and pip ones alone)", ErrCannotReplay, p.Type)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, downloads...)
	}
	return out, nil
}

// WritePrefetchMetadata writes what Hermeto writes beside the files of the input's packages:
// the env file (checkEnvFile's) and, standing in for the SBOM the artifact held, one that
// names no content set (inject-icm-to-containerfile reads it; generic and pip purls have no
// repository_id).
func WritePrefetchMetadata(dir, input string) error {
	pkgs, err := ParsePrefetchInput(input)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadTask, err)
	}
	for file, data := range map[string]string{
		"cachi2.env":                hermetoEnvFile(pkgs),
		"output/bom.json":           `{"bomFormat": "CycloneDX", "components": []}` + "\n",
		"output/.build-config.json": `{"environment_variables": [], "project_files": []}`,
	} {
		path := filepath.Join(dir, file)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}
