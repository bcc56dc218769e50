package inputs

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var scpLikeGit = regexp.MustCompile(`^([^@/:]+@)?[^/:]+:`)

// CheckGitURL accepts https, http and git URLs with a host; a local path or a file:// URL
// only when allowLocal. A refusal matches ErrGitURL.
func CheckGitURL(raw string, allowLocal bool) error {
	if strings.HasPrefix(raw, "-") || strings.ContainsAny(raw, "\n\r\x00") {
		return fmt.Errorf("%w: %q is not a URL", ErrGitURL, raw)
	}
	u, err := url.Parse(raw)
	if err == nil && u.Scheme != "" {
		switch strings.ToLower(u.Scheme) {
		case "https", "http", "git":
			if u.Host == "" {
				return fmt.Errorf("%w: %q has no host", ErrGitURL, raw)
			}
			return nil
		case "file":
			if allowLocal {
				return nil
			}
			return fmt.Errorf("%w: %q is on this machine: pass --allow-local-git to clone from it", ErrGitURL, raw)
		}
		return fmt.Errorf("%w: %q has scheme %s: only https, http and git are fetched", ErrGitURL, raw, u.Scheme)
	}
	if scpLikeGit.MatchString(raw) {
		return fmt.Errorf("%w: %q is an ssh address: only https, http and git are fetched", ErrGitURL, raw)
	}
	if allowLocal {
		return nil
	}
	return fmt.Errorf("%w: %q is a local path: pass --allow-local-git to clone from it", ErrGitURL, raw)
}
