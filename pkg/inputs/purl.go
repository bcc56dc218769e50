package inputs

import (
	"fmt"
	"net/url"
	"strings"
)

// purl is a parsed package URL (https://github.com/package-url/purl-spec), as far as
// SBOM image references need it.
type purl struct {
	Type       string
	Namespace  string
	Name       string
	Version    string
	Qualifiers map[string]string
}

func parsePurl(s string) (purl, error) {
	var p purl
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return p, fmt.Errorf("parsing purl %q: no pkg: scheme", s)
	}
	rest = strings.TrimLeft(rest, "/")
	rest, _, _ = strings.Cut(rest, "#")
	rest, query, _ := strings.Cut(rest, "?")
	var err error
	if p.Qualifiers, err = parseQualifiers(query); err != nil {
		return p, fmt.Errorf("parsing purl %q: %w", s, err)
	}

	typ, path, ok := strings.Cut(rest, "/")
	if !ok || typ == "" {
		return p, fmt.Errorf("parsing purl %q: no type", s)
	}
	p.Type = strings.ToLower(typ)

	if at := strings.LastIndex(path, "@"); at >= 0 {
		if p.Version, err = url.PathUnescape(path[at+1:]); err != nil {
			return p, fmt.Errorf("parsing purl %q: %w", s, err)
		}
		path = path[:at]
	}
	segments := strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range segments {
		if segments[i], err = url.PathUnescape(seg); err != nil {
			return p, fmt.Errorf("parsing purl %q: %w", s, err)
		}
	}
	p.Name = segments[len(segments)-1]
	p.Namespace = strings.Join(segments[:len(segments)-1], "/")
	if p.Version == "" {
		// Some generators encode the version separator too ("name%40sha256%3A...").
		if name, version, ok := strings.Cut(p.Name, "@"); ok {
			p.Name, p.Version = name, version
		}
	}
	if p.Name == "" {
		return p, fmt.Errorf("parsing purl %q: no name", s)
	}
	return p, nil
}

func parseQualifiers(query string) (map[string]string, error) {
	q := map[string]string{}
	if query == "" {
		return q, nil
	}
	for _, pair := range strings.Split(query, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" {
			continue
		}
		value, err := url.PathUnescape(v)
		if err != nil {
			return nil, err
		}
		q[strings.ToLower(k)] = value
	}
	return q, nil
}
