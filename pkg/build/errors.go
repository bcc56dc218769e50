package build

import "errors"

// ErrBadArgs marks a command line or an image name buildah refuses: bad input.
var ErrBadArgs = errors.New("buildah refuses the build")

// ErrBuild marks a build that buildah could not complete.
var ErrBuild = errors.New("build failed")
