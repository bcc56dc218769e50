//go:build tools

// Package tools pins the buildah 1.41.5 CLI that .ci/install.sh builds into .ci/bin: the
// reference for images built by Konflux tasks that ran buildah 1.41.5 (the buildah-task
// image of tasks 0.6 and 0.7, late 2025).
package tools

import (
	_ "github.com/containers/buildah/cmd/buildah"
)
