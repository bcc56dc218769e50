//go:build tools

// Package tools pins the buildah CLI that .ci/install.sh builds into .ci/bin.
package tools

import (
	_ "github.com/containers/buildah/cmd/buildah"
)
