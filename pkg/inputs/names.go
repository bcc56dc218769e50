package inputs

import (
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker/reference"
)

// localName is the name buildah gives an image it stores under name, and so the first name
// it looks up for a FROM name when it does not pull: short names get "localhost/", docker.io
// names "library/", names without tag or digest ":latest", and a tag next to a digest goes.
func localName(name string) (string, error) {
	ref, err := reference.Parse(name)
	if err != nil {
		return "", fmt.Errorf("parsing image name %q: %w", name, err)
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return "", fmt.Errorf("image name %q has no repository", name)
	}
	if domain := reference.Domain(named); !strings.ContainsAny(domain, ".:") && domain != "localhost" {
		name = "localhost/" + strings.TrimLeft(ref.String(), "/")
	}
	named, err = reference.ParseNormalizedNamed(name)
	if err != nil {
		return "", fmt.Errorf("parsing image name %q: %w", name, err)
	}
	if d, ok := named.(reference.Digested); ok {
		named, err = reference.WithDigest(reference.TrimNamed(named), d.Digest())
		if err != nil {
			return "", err
		}
		return named.String(), nil
	}
	return reference.TagNameOnly(named).String(), nil
}
