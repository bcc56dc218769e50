package world

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Prefetched is what the pipeline's prefetch-dependencies task (prefetch-dependencies-oci-ta
// 0.2) did: Hermeto's fetch-deps, generate-env and inject-files into /var/workdir/cachi2,
// then the trusted artifacts pushed to ociStorage.
type Prefetched struct {
	Input          string   // its input parameter, PREFETCH_INPUT
	Store          string   // its ociStorage parameter: <repo>:<commit>.prefetch
	SourceIn       string   // the SOURCE_ARTIFACT it was given (the clone task's)
	SourceArtifact string   // its SOURCE_ARTIFACT result: the checkout packed again
	Artifact       string   // its CACHI2_ARTIFACT result: oci:<repo>@sha256:<hex of the blob>
	Files          []string // the files fetched, relative to output/deps/generic, in lock order
	Tampered       string   // the one of Files changed after its checksum was checked, or ""
	EnvJSON        bool     // task 0.3.1's: prefetch.env and prefetch-env.json beside cachi2.env
	// Dir is CACHI2_ARTIFACT restored as the build task's use-trusted-artifact does (under
	// Publish's temporary folder: gone once Publish returns).
	Dir string
}

// prefetchPackage is one package of the prefetch input.
type prefetchPackage struct {
	Type     string `json:"type"`
	Path     string `json:"path"`
	Lockfile string `json:"lockfile"`
}

// genericLock is Hermeto's artifacts.lock.yaml (the URL form of an artifact alone).
type genericLock struct {
	Metadata struct {
		Version string `yaml:"version"`
	} `yaml:"metadata"`
	Artifacts []struct {
		DownloadURL string `yaml:"download_url"`
		Checksum    string `yaml:"checksum"`
		Filename    string `yaml:"filename"`
	} `yaml:"artifacts"`
}

// Prefetch plays the prefetch task for the checkout source with input, under dir: Hermeto's
// generic package manager (the only one the world has) downloads what each package's lock
// file lists, checks its sha256 and writes output/deps/generic/<filename>; then
// cachi2.env, output/bom.json and output/.build-config.json; then the trusted artifacts are
// pushed as one manifest tagged store, and CACHI2_ARTIFACT is fetched back and unpacked, as
// the build task does. With tamper (a file name under deps/generic) that file gets a line
// more after the check: an artifact whose content the commit's lock file does not describe.
// With envJSON the prefetch is task 0.3.1's, which also writes prefetch.env and
// prefetch-env.json (prefetchEnvFiles).
func (w *World) Prefetch(ctx context.Context, source, input, store, sourceArtifact, tamper, dir string, envJSON bool) (*Prefetched, error) {
	pkgs, err := parsePrefetchInput(input)
	if err != nil {
		return nil, err
	}
	res := &Prefetched{Input: input, Store: store, SourceIn: sourceArtifact, Tampered: tamper, EnvJSON: envJSON}
	cachi2 := filepath.Join(dir, "cachi2")
	deps := filepath.Join(cachi2, "output", "deps", "generic")
	if err := os.MkdirAll(deps, 0o755); err != nil {
		return nil, err
	}
	var components []any
	pip := false
	for _, p := range pkgs {
		if p.Type == "rpm" {
			comps, err := prefetchRPM(ctx, source, p, filepath.Join(cachi2, "output", "deps", "rpm"))
			if err != nil {
				return nil, err
			}
			components = append(components, comps...)
			continue
		}
		if p.Type == "pip" {
			pip = true
			comps, err := prefetchPip(ctx, source, p, filepath.Join(cachi2, "output", "deps", "pip"))
			if err != nil {
				return nil, err
			}
			components = append(components, comps...)
			continue
		}
		lock, err := readGenericLock(source, p)
		if err != nil {
			return nil, err
		}
		for _, a := range lock.Artifacts {
			name := a.Filename
			if name == "" {
				u, err := url.Parse(a.DownloadURL)
				if err != nil {
					return nil, fmt.Errorf("prefetch: %s: %w", a.DownloadURL, err)
				}
				name = path.Base(u.Path)
			}
			if !filepath.IsLocal(name) || strings.Contains(name, "\\") {
				return nil, fmt.Errorf("prefetch: filename %q is not inside deps/generic", name)
			}
			name = path.Clean(name)
			for _, f := range res.Files {
				if f == name {
					return nil, fmt.Errorf("prefetch: two artifacts are named %s", name)
				}
			}
			if err := download(ctx, a.DownloadURL, a.Checksum, filepath.Join(deps, name)); err != nil {
				return nil, err
			}
			res.Files = append(res.Files, name)
			components = append(components, bomComponent(name, a.DownloadURL, a.Checksum))
		}
	}
	if tamper != "" {
		f, err := os.OpenFile(filepath.Join(deps, tamper), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return nil, fmt.Errorf("prefetch: tampering with %s: %w", tamper, err)
		}
		_, err = f.WriteString("a line the lock file's checksum does not cover\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	if err := writePrefetchMetadata(cachi2, components, pip, envJSON); err != nil {
		return nil, err
	}

	repo, _ := splitTag(store)
	// The task's create-trusted-artifact step: `create --store STORE
	// SOURCE_ARTIFACT=/var/workdir/source CACHI2_ARTIFACT=/var/workdir/cachi2`.
	archives := []archive{{title: "SOURCE_ARTIFACT"}, {title: "CACHI2_ARTIFACT"}}
	for i, d := range []string{source, cachi2} {
		if archives[i].blob, err = packTrustedArtifact(d); err != nil {
			return nil, err
		}
	}
	if err := w.pushTrustedArtifacts(ctx, store, archives); err != nil {
		return nil, err
	}
	res.SourceArtifact = "oci:" + repo + "@sha256:" + sha256Hex(archives[0].blob)
	res.Artifact = "oci:" + repo + "@sha256:" + sha256Hex(archives[1].blob)
	res.Dir = filepath.Join(dir, "restored-cachi2")
	if err := w.restoreTrustedArtifact(ctx, res.Artifact, res.Dir); err != nil {
		return nil, err
	}
	return res, nil
}

// parsePrefetchInput reads the forms the task takes: a type alone ("generic"), a package
// object, a list of them, or {"packages": [...]}.
func parsePrefetchInput(input string) ([]prefetchPackage, error) {
	s := strings.TrimSpace(input)
	var pkgs []prefetchPackage
	switch {
	case strings.HasPrefix(s, "["):
		if err := json.Unmarshal([]byte(s), &pkgs); err != nil {
			return nil, fmt.Errorf("prefetch input %q: %w", input, err)
		}
	case strings.HasPrefix(s, "{"):
		var obj struct {
			prefetchPackage
			Packages []prefetchPackage `json:"packages"`
		}
		if err := json.Unmarshal([]byte(s), &obj); err != nil {
			return nil, fmt.Errorf("prefetch input %q: %w", input, err)
		}
		pkgs = obj.Packages
		if obj.Type != "" {
			pkgs = append(pkgs, obj.prefetchPackage)
		}
	default:
		pkgs = []prefetchPackage{{Type: s}}
	}
	for i, p := range pkgs {
		if p.Type != "generic" && p.Type != "pip" && p.Type != "rpm" {
			return nil, fmt.Errorf("prefetch input %q: the world plays Hermeto's generic, pip and rpm package managers alone, not %q", input, p.Type)
		}
		pkgs[i].Path = cmpOr(p.Path, ".")
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("prefetch input %q: no package", input)
	}
	return pkgs, nil
}

// readPackageFile reads the file name of package p (relative to its path) in the checkout.
func readPackageFile(source string, p prefetchPackage, name string) (string, []byte, error) {
	rel := filepath.Join(p.Path, name)
	if !filepath.IsLocal(rel) {
		return rel, nil, fmt.Errorf("prefetch: %s is outside the checkout", rel)
	}
	data, err := os.ReadFile(filepath.Join(source, rel))
	if err != nil {
		return rel, nil, fmt.Errorf("prefetch: %w", err)
	}
	return rel, data, nil
}

func readGenericLock(source string, p prefetchPackage) (genericLock, error) {
	var lock genericLock
	rel, data, err := readPackageFile(source, p, cmpOr(p.Lockfile, "artifacts.lock.yaml"))
	if err != nil {
		return lock, err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&lock); err != nil {
		return lock, fmt.Errorf("prefetch: %s: %w", rel, err)
	}
	if v := lock.Metadata.Version; v != "1.0" && v != "2.0" {
		return lock, fmt.Errorf("prefetch: %s: metadata version %q, want 1.0 or 2.0", rel, v)
	}
	return lock, nil
}

// download fetches rawURL to file and checks it against checksum ("sha256:<hex>").
func download(ctx context.Context, rawURL, checksum, file string) error {
	alg, want, _ := strings.Cut(checksum, ":")
	if alg != "sha256" {
		return fmt.Errorf("prefetch: %s: checksum %q is not sha256:<hex>", rawURL, checksum)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("prefetch: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("prefetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("prefetch: GET %s: %s", rawURL, resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("prefetch: GET %s: %w", rawURL, err)
	}
	if got := sha256Hex(data); got != strings.ToLower(want) {
		return fmt.Errorf("prefetch: %s has sha256 %s, the lock file says %s", rawURL, got, want)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return WriteFile(file, data, 0o644)
}

// bomComponent is the CycloneDX component Hermeto's generic package manager reports.
func bomComponent(name, downloadURL, checksum string) map[string]any {
	base := path.Base(name)
	q := url.Values{"checksum": {checksum}, "download_url": {downloadURL}}
	return map[string]any{
		"name":               base,
		"purl":               "pkg:generic/" + url.PathEscape(base) + "?" + q.Encode(),
		"type":               "file",
		"properties":         []map[string]string{{"name": "hermeto:found_by", "value": "hermeto"}},
		"externalReferences": []map[string]string{{"type": "distribution", "url": downloadURL}},
	}
}

// writePrefetchMetadata writes what fetch-deps writes beside the files (pip alone sets
// variables; no project file is changed) and the env files generate-env writes (with
// envJSON, prefetch.env and prefetch-env.json as well: prefetchEnvFiles).
func writePrefetchMetadata(cachi2 string, components []any, pip, envJSON bool) error {
	bom, err := json.MarshalIndent(map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
		"metadata":   map[string]any{"tools": []map[string]string{{"vendor": "red hat", "name": "hermeto"}}},
		"components": components,
	}, "", "  ")
	if err != nil {
		return err
	}
	output := filepath.Join(cachi2, "output")
	vars := "[]"
	if pip {
		vars = `[{"name": "PIP_FIND_LINKS", "value": "deps/pip", "kind": "path"}, {"name": "PIP_NO_INDEX", "value": "true", "kind": "literal"}]`
	}
	files := map[string]string{
		filepath.Join(output, "bom.json"):           string(bom) + "\n",
		filepath.Join(output, ".build-config.json"): `{"environment_variables": ` + vars + `, "project_files": []}`,
	}
	// an env file with no variables: generate-env prints the empty list's one newline
	for name, data := range prefetchEnvFiles(pip, envJSON) {
		files[filepath.Join(cachi2, name)] = data
	}
	for file, data := range files {
		if err := WriteFile(file, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// PrefetchFilesDir is the folder the world's file server serves at FilesURL.
func (w *World) PrefetchFilesDir() string {
	return filepath.Join(w.Root, "test", "testdata", "prefetch-files")
}
