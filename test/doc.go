// Package test holds the end-to-end tests of rebuild: a world on loopback (a registry, a git
// smart-HTTP server, busybox base images) where each case in cases_test.go is published as
// Konflux does it (scripts/konflux-build.sh, buildah push, an SBOM attached and a provenance
// attested with cosign), then rebuilt by ./cmd/rebuild from what cosign verify-attestation
// printed, and the IDs compared with what podman pull prints.
//
// Run as root, from the repository root (buildtags holds the build tags), with the tools of .ci/install.sh in PATH or in .ci/bin:
//
//	go test -tags "$(cat buildtags)" -count=1 -v ./test/...
//
// REBUILD_E2E_KEEP=1 keeps the world's directory (log, fixtures, attestations) afterwards.
package test
