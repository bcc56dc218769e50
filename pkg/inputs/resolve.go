package inputs

import (
	"fmt"
	"slices"
	"strings"

	"go.podman.io/image/v5/docker/reference"
)

// From is one stage's FROM image as the Containerfile writes it, after build-arg expansion.
// Callers leave out "scratch" and references to earlier stages.
type From struct {
	Stage int    // the stage's index in the Containerfile
	Name  string // the image as written, e.g. "registry.example/builder:latest"
	Last  bool   // the stage is the Containerfile's final stage
}

// Resolve maps each From's Name to the pull reference "<registry/repo>@sha256:<hex>" the
// original build used, from the Containerfile's own digest or the SBOM's images.
func Resolve(froms []From, images []Image) (map[string]string, error) {
	pins := map[string]string{}
	for _, f := range froms {
		ref, err := resolveOne(f, images)
		if err != nil {
			return nil, fmt.Errorf("resolving FROM %s (stage %d): %w", f.Name, f.Stage, err)
		}
		if prev, ok := pins[f.Name]; ok && prev != ref {
			return nil, fmt.Errorf("resolving FROM %s: stages resolve it to %s and %s", f.Name, prev, ref)
		}
		pins[f.Name] = ref
	}
	return pins, nil
}

func resolveOne(f From, images []Image) (string, error) {
	named, err := reference.ParseNormalizedNamed(f.Name)
	if err != nil {
		return "", fmt.Errorf("parsing image name: %w", err)
	}
	repo := named.Name()
	candidates := sameRepository(repo, images)
	if len(candidates) == 0 && isShortName(f.Name) {
		candidates = sameShortName(shortPath(f.Name, named), images)
	}
	forStage := slices.DeleteFunc(slices.Clone(candidates), func(img Image) bool {
		return !slices.Contains(img.Stages, f.Stage) && !(img.Base && f.Last)
	})

	if d, ok := named.(reference.Digested); ok {
		pinned := d.Digest().String()
		recorded := forStage
		if len(recorded) == 0 {
			recorded = candidates
		}
		if len(recorded) > 0 && !slices.ContainsFunc(recorded, func(img Image) bool { return img.Digest == pinned }) {
			return "", fmt.Errorf("the Containerfile pins %s but the SBOM records %s", pinned, recorded[0].Digest)
		}
		return repo + "@" + pinned, nil
	}

	if len(candidates) == 0 {
		return "", fmt.Errorf("%w: %s is not in the SBOM", ErrUnpinned, f.Name)
	}
	if img, ok := oneDigest(candidates); ok {
		return pullReference(img)
	}
	if img, ok := oneDigest(forStage); ok {
		return pullReference(img)
	}
	return "", fmt.Errorf("the SBOM records several digests for %s and none for stage %d alone", repo, f.Stage)
}

func sameRepository(repo string, images []Image) []Image {
	var out []Image
	for _, img := range images {
		if n, err := reference.ParseNormalizedNamed(img.Repository); err == nil && n.Name() == repo {
			out = append(out, img)
		}
	}
	return out
}

// sameShortName matches a short name ("ubi9") to the SBOM's fully qualified repositories:
// the builder resolved it through its unqualified-search registries, which the SBOM records.
func sameShortName(path string, images []Image) []Image {
	var out []Image
	for _, img := range images {
		n, err := reference.ParseNormalizedNamed(img.Repository)
		if err != nil {
			continue
		}
		p := reference.Path(n)
		if p == path || strings.HasSuffix(p, "/"+path) {
			out = append(out, img)
		}
	}
	return out
}

// shortPath is a short name's repository path as written: "ubi9" rather than "library/ubi9".
func shortPath(name string, named reference.Named) string {
	p := reference.Path(named)
	if !strings.HasPrefix(name, "library/") {
		p = strings.TrimPrefix(p, "library/")
	}
	return p
}

// isShortName reports whether name has no registry host, as containers/image decides it.
func isShortName(name string) bool {
	first, _, ok := strings.Cut(name, "/")
	return !ok || (!strings.ContainsAny(first, ".:") && first != "localhost")
}

func oneDigest(images []Image) (Image, bool) {
	if len(images) == 0 {
		return Image{}, false
	}
	for _, img := range images[1:] {
		if img.Digest != images[0].Digest {
			return Image{}, false
		}
	}
	return images[0], true
}

func pullReference(img Image) (string, error) {
	n, err := reference.ParseNormalizedNamed(img.Repository)
	if err != nil {
		return "", fmt.Errorf("parsing SBOM repository %q: %w", img.Repository, err)
	}
	return reference.TrimNamed(n).Name() + "@" + img.Digest, nil
}
