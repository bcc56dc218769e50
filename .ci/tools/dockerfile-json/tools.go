//go:build tools

// Package tools pins the dockerfile-json command that .ci/install.sh builds into .ci/bin.
package tools

import (
	_ "github.com/keilerkonzept/dockerfile-json"
)
