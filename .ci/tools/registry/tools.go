//go:build tools

// Package tools pins the registry command that .ci/install.sh builds into .ci/bin.
package tools

import (
	_ "github.com/distribution/distribution/v3/cmd/registry"
)
