package main

import (
	"crypto"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// readRecipe reads the attestation lines on stdin into a recipe. With --key, every envelope
// is verified before any of its fields is read; those that fail are dropped with a warning,
// and when none is left the input is refused. The recipe's fields are then checked for what
// could lead the rebuild outside what the task did (see checkRecipe).
func readRecipe(cfg config, stdin io.Reader, r reporter) (*provenance.Recipe, error) {
	r.phase("read", "reading the provenance from stdin")
	var key crypto.PublicKey
	if cfg.key != "" {
		data, err := os.ReadFile(cfg.key)
		if err != nil {
			return nil, fmt.Errorf("%w: reading --key: %w", errUsage, err)
		}
		if key, err = provenance.LoadPublicKey(data); err != nil {
			return nil, fmt.Errorf("%w: --key %s: %w", errUsage, cfg.key, err)
		}
	}
	envs, err := provenance.ReadEnvelopes(stdin)
	if err != nil {
		return nil, err
	}
	if key == nil {
		r.warn("no --key given: the attestation is trusted as given, its signatures are not checked")
	} else {
		kept, dropped := provenance.Verify(envs, key)
		if len(kept) == 0 {
			return nil, fmt.Errorf("%w: no envelope verifies with the key in %s (%d read; %v)", provenance.ErrUnverified, cfg.key, len(envs), dropped[0])
		}
		for _, err := range dropped {
			r.warn("dropping the envelope at %v", err)
		}
		r.phase("read", "%d of %d envelope(s) verified with %s", len(kept), len(envs), cfg.key)
		envs = kept
	}
	recipe, err := provenance.FromEnvelopes(envs)
	if err != nil {
		return nil, err
	}
	if err := checkRecipe(cfg, recipe); err != nil {
		return nil, err
	}
	if key != nil && recipe.Task.Results["SBOM_BLOB_URL"] == "" {
		r.warn("the provenance records no SBOM_BLOB_URL: the SBOM, which names the images to pull, is not pinned by the signature")
	}
	s := sbomSubject(recipe)
	r.phase("read", "%s@%s, built by %s from %s at %s", s.Name, s.Digest, recipe.Task.Name, recipe.Source.URL, recipe.Source.Commit)
	return recipe, nil
}

var (
	sha256Digest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	sbomBlobURL  = regexp.MustCompile(`^[^@\s]+@sha256:[0-9a-f]{64}$`)
	scpLikeGit   = regexp.MustCompile(`^([^@/:]+@)?[^/:]+:`)
)

// checkRecipe refuses fields that would take the rebuild somewhere the task did not go or
// smuggle something into it: a git URL that is not https, http or git (a local one only with
// --allow-local-git), a malformed digest, and build task parameters the task would have
// failed on or that escape the checkout as written (symlinks are checked after the clone).
func checkRecipe(cfg config, recipe *provenance.Recipe) error {
	if err := checkGitURL(recipe.Source.URL, cfg.allowLocalGit); err != nil {
		return err
	}
	if d, ok := recipe.Task.Results["IMAGE_DIGEST"]; ok && !sha256Digest.MatchString(d) {
		return fmt.Errorf("%w: result IMAGE_DIGEST %q is not a sha256 digest (sha256:<64 lowercase hex>)", errBadRecipe, d)
	}
	if u, ok := recipe.Task.Results["SBOM_BLOB_URL"]; ok && u != "" && !sbomBlobURL.MatchString(u) {
		return fmt.Errorf("%w: result SBOM_BLOB_URL %q is not <repository>@sha256:<64 lowercase hex>", errBadRecipe, u)
	}
	p := recipe.Task.Params
	for _, name := range []string{"BUILD_ARGS", "ENV_VARS", "LABELS", "ANNOTATIONS"} {
		for _, v := range p.Array(name) {
			if strings.ContainsAny(v, "\n\r\x00") {
				return fmt.Errorf("%w: %s entry %q contains a line break or NUL", errBadRecipe, name, v)
			}
			// The task's argument parser ends an array at an element starting with "--"
			// and fails on it as an unexpected argument.
			if strings.HasPrefix(v, "--") {
				return fmt.Errorf("%w: %s entry %q starts with --: the task fails on it as an unexpected argument", errBadRecipe, name, v)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p)) {
		if v := p[name]; v.Kind == provenance.KindString && strings.ContainsAny(v.String, "\n\r\x00") {
			return fmt.Errorf("%w: parameter %s %q contains a line break or NUL", errBadRecipe, name, v.String)
		}
	}
	task, err := taskFromParams(p)
	if err != nil {
		return err
	}
	return build.CheckTaskPaths(task)
}

// checkGitURL accepts https, http and git URLs with a host; a local path or a file:// URL
// only when allowLocal.
func checkGitURL(raw string, allowLocal bool) error {
	if strings.HasPrefix(raw, "-") || strings.ContainsAny(raw, "\n\r\x00") {
		return fmt.Errorf("%w: git URL %q is not a URL", errBadRecipe, raw)
	}
	u, err := url.Parse(raw)
	if err == nil && u.Scheme != "" {
		switch strings.ToLower(u.Scheme) {
		case "https", "http", "git":
			if u.Host == "" {
				return fmt.Errorf("%w: git URL %q has no host", errBadRecipe, raw)
			}
			return nil
		case "file":
			if allowLocal {
				return nil
			}
			return fmt.Errorf("%w: git URL %q is on this machine: pass --allow-local-git to clone from it", errBadRecipe, raw)
		}
		return fmt.Errorf("%w: git URL %q has scheme %s: only https, http and git are fetched", errBadRecipe, raw, u.Scheme)
	}
	if scpLikeGit.MatchString(raw) {
		return fmt.Errorf("%w: git URL %q is an ssh address: only https, http and git are fetched", errBadRecipe, raw)
	}
	if allowLocal {
		return nil
	}
	return fmt.Errorf("%w: git URL %q is a local path: pass --allow-local-git to clone from it", errBadRecipe, raw)
}

// sbomSubject is the image the build task pushed: the subject whose digest is its
// IMAGE_DIGEST result, else the first subject.
func sbomSubject(recipe *provenance.Recipe) provenance.Subject {
	for _, s := range recipe.Subjects {
		if s.Digest == recipe.Task.Results["IMAGE_DIGEST"] {
			return s
		}
	}
	return recipe.Subjects[0]
}
