//go:build tools

// Package tools pins the buildah 1.42.1 CLI that .ci/install.sh builds into .ci/bin: a
// buildah no build engine of rebuild has (Konflux never shipped it), so that the test world
// has images only the buildah of their build step image can rebuild.
package tools

import (
	_ "github.com/containers/buildah/cmd/buildah"
)
