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
// Each is named as Hermeto's _get_external_requirement_filepath names it (read at hermeto's
// main, pip/main.py): a wheel by the URL's last element, unquoted, anything else
// <canonical name>-<sha256 hex><extension>. Where it may differ: PyPI requirements are not
// played.
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
		name, err := pipURLFileName(m[1], m[3], u.Path)
		if err != nil {
			return nil, fmt.Errorf("prefetch: %s: %w", rel, err)
		}
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

// sdistExtensions are the endings Hermeto recognizes, in the order it tries them
// (SDIST_FILE_EXTENSIONS); ".whl" is a wheel's.
var sdistExtensions = []string{".zip", ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.Z", ".tar"}

// pipURLFileName is where Hermeto puts a URL requirement's download under deps/pip.
func pipURLFileName(project, hash, urlPath string) (string, error) {
	if strings.HasSuffix(urlPath, ".whl") {
		return url.PathUnescape(path.Base(urlPath))
	}
	ext := ""
	for _, e := range sdistExtensions {
		if strings.HasSuffix(urlPath, e) {
			ext = e
			break
		}
	}
	canonical := strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(project, "-"))
	return canonical + "-" + strings.TrimPrefix(hash, "sha256:") + ext, nil
}
