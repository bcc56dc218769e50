package build

import "errors"

// ErrBadTask marks task parameters or a Containerfile that cannot be replayed: bad input.
var ErrBadTask = errors.New("cannot replay the build task")

// ErrBuild marks a build that buildah could not complete.
var ErrBuild = errors.New("build failed")
