package world

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// rpmLock is Hermeto's rpms.lock.yaml, the fields the world reads.
type rpmLock struct {
	Arches []struct {
		Arch     string `yaml:"arch"`
		Packages []struct {
			URL      string `yaml:"url"`
			RepoID   string `yaml:"repoid"`
			Checksum string `yaml:"checksum"`
		} `yaml:"packages"`
	} `yaml:"arches"`
}

// prefetchRPM plays Hermeto's rpm package manager, then the prefetch task's rename: each
// locked package downloaded into deps/rpm/<arch>/<repoid>/ and checked, and for each
// architecture what inject-files writes beside them: repodata and a repository file naming
// every repoid folder (ConfigParser's format), which prefetch 0.2 renames to cachi2.repo.
// Where it differs from Hermeto: the packages are stand-ins, not RPMs, and repodata/ holds a
// stand-in repomd.xml instead of createrepo_c's output.
func prefetchRPM(ctx context.Context, source string, p prefetchPackage, deps string) ([]any, error) {
	rel, data, err := readPackageFile(source, p, "rpms.lock.yaml")
	if err != nil {
		return nil, err
	}
	var lock rpmLock
	if err := yaml.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("prefetch: %s: %w", rel, err)
	}
	var components []any
	for _, a := range lock.Arches {
		repos := map[string]bool{}
		for _, pkg := range a.Packages {
			if pkg.RepoID == "" || strings.ContainsAny(pkg.RepoID, "/.") {
				return nil, fmt.Errorf("prefetch: %s: the world plays packages with a plain repoid alone, not %q", rel, pkg.RepoID)
			}
			u, err := url.Parse(pkg.URL)
			if err != nil {
				return nil, fmt.Errorf("prefetch: %s: %w", rel, err)
			}
			name := path.Base(u.Path)
			if err := download(ctx, pkg.URL, pkg.Checksum, filepath.Join(deps, a.Arch, pkg.RepoID, name)); err != nil {
				return nil, err
			}
			repos[pkg.RepoID] = true
			n := strings.TrimSuffix(name, ".rpm")
			components = append(components, map[string]any{
				"name": n, "type": "library",
				"purl": "pkg:rpm/redhat/" + n + "?arch=" + a.Arch + "&checksum=" + url.QueryEscape(pkg.Checksum) + "&repository_id=" + pkg.RepoID,
			})
		}
		var ids []string
		for id := range repos {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var repoFile strings.Builder
		for _, id := range ids {
			if err := os.MkdirAll(filepath.Join(deps, a.Arch, id, "repodata"), 0o755); err != nil {
				return nil, err
			}
			if err := WriteFile(filepath.Join(deps, a.Arch, id, "repodata", "repomd.xml"), []byte("<repomd/>\n"), 0o644); err != nil {
				return nil, err
			}
			fmt.Fprintf(&repoFile, "[%s]\nbaseurl = file:///cachi2/output/deps/rpm/%s/%s\ngpgcheck = 1\n\n", id, a.Arch, id)
		}
		if err := os.MkdirAll(filepath.Join(deps, a.Arch, "repos.d"), 0o755); err != nil {
			return nil, err
		}
		if err := WriteFile(filepath.Join(deps, a.Arch, "repos.d", "cachi2.repo"), []byte(repoFile.String()), 0o644); err != nil {
			return nil, err
		}
	}
	return components, nil
}
