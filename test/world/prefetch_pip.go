package world

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// pipURLRequirement is a requirements.txt line Hermeto's pip package manager fetches from a
// URL: `name @ URL --hash=sha256:<hex>` (exactly one hash, as Hermeto requires of URL
// requirements).
var pipURLRequirement = regexp.MustCompile(`^([A-Za-z0-9._-]+)\s*@\s*(\S+)\s+--hash=(sha256:[0-9a-f]{64})\s*$`)

// prefetchPip plays Hermeto's pip package manager for the URL requirements of the package's
// requirements.txt: each distribution downloaded into deps/pip and checked against its hash.
// Where it may differ: Hermeto names a URL requirement's file after the project and the URL's
// digest (UNCONFIRMED), here after the URL's last element; PyPI requirements are not played.
func prefetchPip(ctx context.Context, source string, p prefetchPackage, deps string) ([]any, error) {
	rel, data, err := readPackageFile(source, p, "requirements.txt")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(deps, 0o755); err != nil {
		return nil, err
	}
	var components []any
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\\\n", " "), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := pipURLRequirement.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("prefetch: %s: %q is not `name @ URL --hash=sha256:<hex>`, the one form the world plays", rel, line)
		}
		u, err := url.Parse(m[2])
		if err != nil {
			return nil, fmt.Errorf("prefetch: %s: %w", rel, err)
		}
		name := path.Base(u.Path)
		if err := download(ctx, m[2], m[3], filepath.Join(deps, name)); err != nil {
			return nil, err
		}
		components = append(components, map[string]any{
			"name": m[1], "type": "library",
			"purl":       "pkg:pypi/" + strings.ToLower(m[1]) + "?" + url.Values{"download_url": {m[2]}, "checksum": {m[3]}}.Encode(),
			"properties": []map[string]string{{"name": "hermeto:found_by", "value": "hermeto"}},
		})
	}
	return components, nil
}
