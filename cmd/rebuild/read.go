package main

import (
	"io"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// readRecipe reads the attestation lines on stdin into a recipe.
func readRecipe(cfg config, stdin io.Reader, r reporter) (*provenance.Recipe, error) {
	r.phase("read", "reading the provenance from stdin")
	recipe, err := provenance.Read(stdin)
	if err != nil {
		return nil, err
	}
	s := sbomSubject(recipe)
	r.phase("read", "%s@%s, built by %s from %s at %s", s.Name, s.Digest, recipe.Task.Name, recipe.Source.URL, recipe.Source.Commit)
	return recipe, nil
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
