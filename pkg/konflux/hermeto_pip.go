package konflux

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// pipURLRequirement is a requirement Hermeto downloads from its URL: `name[extras] @ URL`
// and its --hash options, on one logical line.
var pipURLRequirement = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*@\s*(\S+)((?:\s+--hash[= ]sha256:[0-9a-fA-F]{64})+)\s*$`)

// pipSdistExtensions are the endings Hermeto recognizes on a URL, in the order it tries them
// (SDIST_FILE_EXTENSIONS); ".whl" is a wheel's.
var pipSdistExtensions = []string{".zip", ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.Z", ".tar"}

// pipURLDownloads lists what Hermeto downloads for the package's requirements files, to fetch
// it again: every requirement must name its URL and hash (one from an index names no file,
// and markers or other options could change what Hermeto fetched).
func pipURLDownloads(sourceDir string, p PrefetchPackage) ([]LockedDownload, error) {
	files, err := pipRequirementsFiles(sourceDir, p)
	if err != nil {
		return nil, err
	}
	var out []LockedDownload
	for _, f := range files {
		for _, line := range pipLogicalLines(string(f.data)) {
			if line == "--require-hashes" {
				continue
			}
			m := pipURLRequirement.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("%w: %s: %q is not `name @ URL --hash=sha256:<hex>`: its file cannot be fetched again from a URL", ErrCannotReplay, f.rel, line)
			}
			u, err := url.Parse(m[3])
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				return nil, fmt.Errorf("%w: %s: %q is not an http(s) URL", ErrCannotReplay, f.rel, m[3])
			}
			hash := pipHash.FindStringSubmatch(m[4])[1] // the first, as written, names the file
			name, err := pipURLFileName(m[1], hash, u.Path)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrCannotReplay, f.rel, err)
			}
			out = append(out, LockedDownload{URL: m[3], Path: "pip/" + name, Checksum: "sha256:" + strings.ToLower(hash)})
		}
	}
	return out, nil
}

// pipLogicalLines are a requirements file's lines as pip reads them: continuations joined,
// comments (from a "#" at the start or after a space) and blank lines dropped.
func pipLogicalLines(data string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(data, "\\\n", " "), "\n") {
		if i := strings.Index(line, "#"); i == 0 || i > 0 && strings.ContainsAny(line[i-1:i], " \t") {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// pipURLFileName is the file Hermeto writes a URL requirement's download to under deps/pip
// (_get_external_requirement_filepath, hermeto's pip/main.py): a wheel keeps the URL's last
// element, unquoted; anything else is <canonical name>-<first hash><extension>.
func pipURLFileName(project, hash, urlPath string) (string, error) {
	if strings.HasSuffix(urlPath, ".whl") {
		name, err := url.PathUnescape(path.Base(urlPath))
		if err != nil || name == "" || strings.ContainsAny(name, "/\x00") || name == ".." {
			return "", fmt.Errorf("wheel URL path %q names no file", urlPath)
		}
		return name, nil
	}
	ext := ""
	for _, e := range pipSdistExtensions {
		if strings.HasSuffix(urlPath, e) {
			ext = e
			break
		}
	}
	return canonicalPipName(project) + "-" + hash + ext, nil
}

var pipNameSeparators = regexp.MustCompile(`[-_.]+`)

// canonicalPipName is a project name as packaging's canonicalize_name makes it.
func canonicalPipName(name string) string {
	return strings.ToLower(pipNameSeparators.ReplaceAllString(name, "-"))
}
