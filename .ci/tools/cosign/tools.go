//go:build tools

// Package tools pins the cosign command that .ci/install.sh builds into .ci/bin.
package tools

import (
	_ "github.com/sigstore/cosign/v2/cmd/cosign"
)
