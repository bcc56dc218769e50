package konflux

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Where task 0.10's step tells konflux-build-cli to mount the prefetch task's output and its
// env file (--prefetch-output-mount, --prefetch-env-mount).
const (
	kbcPrefetchOutputMount = "/cachi2/output"
	kbcPrefetchEnvMount    = "/cachi2/cachi2.env"
)

// kbcPrefetch is what konflux-build-cli adds to a build for the prefetched content
// (integrateWithPrefetch, prepareYumReposMount, and content-sets.json in injectBuildinfo).
type kbcPrefetch struct {
	volumes []string // --volume values, in its order
	secrets []string // --secret and --mount=type=secret flags: the env vars of prefetch-env.json
	envFile bool     // the RUN lines source the env file (no env secrets)
}

// writeKBCPrefetch does what konflux-build-cli does with the prefetch folder (the task passes
// it when cachi2.env is there) before its build: a copy without the RPMs of other
// architectures, +rwX for all; the copy's output/ and env file (prefetch.env, else
// cachi2.env) mounted; prefetch-env.json's variables as buildah secret env mounts with
// buildah 1.44 or later, else the env file sourced by every RUN; the yum repository files of
// the commit and of the prefetch merged into one mounted folder; content-sets.json from the
// prefetch SBOM into the buildinfo folder.
func (p *Prepared) writeKBCPrefetch(dir string, f *taskFiles) (kbcPrefetch, error) {
	var k kbcPrefetch
	var yumSources []string
	if src := filepath.Join(p.SourceDir, cmpOr(p.Task.YumReposDSrc, "repos.d")); isDir(src) {
		yumSources = append(yumSources, src)
	}
	if p.hasPrefetch() {
		cp := filepath.Join(dir, "prefetch-copy")
		otherArch := func(rel string) bool { return path.Dir(rel) == "output/deps/rpm" && path.Base(rel) != p.arch }
		if err := copyTreeAdding(p.Prefetched, cp, 0o666, 0o111, otherArch); err != nil {
			return k, fmt.Errorf("copying the prefetched content: %w", err)
		}
		if output := filepath.Join(cp, "output"); isDir(output) {
			k.volumes = append(k.volumes, output+":"+kbcPrefetchOutputMount+":z")
		}
		env := ""
		for _, name := range []string{"prefetch.env", "cachi2.env"} {
			if _, err := os.Stat(filepath.Join(cp, name)); err == nil {
				env = filepath.Join(cp, name)
				break
			}
		}
		envJSON := filepath.Join(cp, "prefetch-env.json")
		secrets := false
		if _, err := os.Stat(envJSON); err == nil && semverAtLeast(p.buildah, "1.44.0") {
			if k.secrets, err = prefetchEnvSecrets(envJSON, filepath.Join(dir, "prefetch-env-secrets")); err != nil {
				return k, err
			}
			secrets = true
		}
		if env != "" {
			k.volumes = append(k.volumes, env+":"+kbcPrefetchEnvMount+":z")
			k.envFile = !secrets
		}
		if repos := filepath.Join(cp, "output/deps/rpm", p.arch, "repos.d"); isDir(repos) {
			yumSources = append(yumSources, repos)
		}
		if bom, err := os.ReadFile(filepath.Join(cp, "output", "bom.json")); err == nil && f.buildContext != "" {
			if err := writeKBCContentSets(bom, f.buildContext); err != nil {
				return k, err
			}
		}
	}
	if len(yumSources) > 0 {
		merged := filepath.Join(dir, "yum.repos.d")
		if err := mergeRepoFiles(yumSources, merged); err != nil {
			return k, err
		}
		k.volumes = append(k.volumes, merged+":"+cmpOr(p.Task.YumReposDTarget, "/etc/yum.repos.d")+":z")
	}
	return k, nil
}

// prefetchEnvSecrets writes each variable of prefetch-env.json ([{"name", "value"}]) into a
// file of its own, and returns the flags that make it a secret and mount it as that variable.
func prefetchEnvSecrets(envJSON, dir string) ([]string, error) {
	data, err := os.ReadFile(envJSON)
	if err != nil {
		return nil, err
	}
	var vars []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	if err := json.Unmarshal(data, &vars); err != nil {
		return nil, fmt.Errorf("%w: prefetch-env.json: %w", ErrPrefetchMismatch, err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	var secrets, mounts []string
	for i, v := range vars {
		id := fmt.Sprintf("prefetch-env-%d", i)
		file := filepath.Join(dir, id)
		if err := os.WriteFile(file, []byte(v.Value), 0o600); err != nil {
			return nil, err
		}
		secrets = append(secrets, "--secret=src="+file+",id="+id)
		mounts = append(mounts, "--mount=type=secret,id="+id+",env="+v.Name)
	}
	return append(secrets, mounts...), nil
}

// mergeRepoFiles copies the regular files of each folder into merged, a later one replacing
// an earlier one of the same name, all readable and writable by all.
func mergeRepoFiles(sources []string, merged string) error {
	if err := os.Mkdir(merged, 0o777); err != nil {
		return err
	}
	for _, src := range sources {
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(merged, e.Name()), data, 0o666); err != nil {
				return err
			}
			if err := os.Chmod(filepath.Join(merged, e.Name()), 0o666); err != nil {
				return err
			}
		}
	}
	return os.Chmod(merged, 0o777)
}

// writeKBCContentSets writes content-sets.json as konflux-build-cli does: the repository_id
// qualifiers of the SBOM's purls, in Go's MarshalIndent of a map (keys sorted).
func writeKBCContentSets(bom []byte, dir string) error {
	purls, err := sbomPurls(bom)
	if err != nil {
		return fmt.Errorf("%w: the prefetch SBOM: %w", ErrBadTask, err)
	}
	var sets []string // nil when none: konflux-build-cli's slices.Sorted of an empty set, JSON null
	for _, purl := range purls {
		_, qualifiers, _ := strings.Cut(strings.SplitN(purl, "#", 2)[0], "?")
		for _, q := range strings.Split(qualifiers, "&") {
			if k, v, _ := strings.Cut(q, "="); k == "repository_id" {
				if v, err := url.PathUnescape(v); err == nil && !slices.Contains(sets, v) {
					sets = append(sets, v)
				}
			}
		}
	}
	slices.Sort(sets)
	doc := map[string]any{
		"metadata":      map[string]any{"icm_version": 1, "icm_spec": icmSpec, "image_layer_index": 0},
		"from_dnf_hint": true,
		"content_sets":  sets,
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return writeNewFile(filepath.Join(dir, "content-sets.json"), append(data, '\n'))
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
