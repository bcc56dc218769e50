package main

import (
	"errors"
	"fmt"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/plan"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// errBadRecipe marks a recipe that names a build this program cannot replay.
var errBadRecipe = errors.New("cannot rebuild from this provenance")

// taskFromParams reads the buildah task's recorded parameters into a build.Task (see
// plan.TaskFromParams, which rebuild plan shares).
func taskFromParams(p provenance.Params) (build.Task, error) {
	t, err := plan.TaskFromParams(p)
	if err != nil {
		return t, fmt.Errorf("%w: %w", errBadRecipe, err)
	}
	return t, nil
}
