//go:build tools

// Package tools pins the buildah 1.44.0 CLI that .ci/install.sh builds into .ci/bin: the
// reference for images built by Konflux tasks that ran buildah 1.44.0 (konflux-build-cli,
// task 0.10.1 and later).
package tools

import (
	_ "go.podman.io/buildah/cmd/buildah"
)
