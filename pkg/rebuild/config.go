package rebuild

import (
	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// Config is how a rebuild runs: what it trusts, where its inputs come from, where it works.
type Config struct {
	// Verifier verifies every envelope before any of its fields is read (a key, or keyless);
	// nil trusts the input as given (with a warning).
	Verifier provenance.Verifier
	// AllowLocalGit lets the git URL be a local path or file://.
	AllowLocalGit bool
	// Expect is what the provenance must say (source, branch, builder, task bundle).
	Expect Expect
	// Provenance picks, among several pipeline runs attesting the image, the one to rebuild
	// from: 1-based, oldest first; 0 for the newest.
	Provenance int
	// Platform picks, among the build tasks of a multi-platform pipeline that one attestation
	// names, the one to rebuild (os/arch); "" for this host's.
	Platform string

	// Source is a local clone, bare repository or git bundle to check the commit out of
	// instead of its URL; Images an OCI layout holding the pinned images instead of their
	// registries; SBOMFile a copy of the SBOM instead of the registry's. "" for the network.
	Source, Images, SBOMFile string

	// Storage is the container store's graph root; RunRoot its run root ("" for the
	// system's); StorageDriver its driver ("" for storage.conf's).
	Storage, RunRoot, StorageDriver string
	// PolicyPath is the signature policy for pulls ("" for the system's).
	PolicyPath string
	// WorkDir is where the checkout and temporary files go ("" for $TMPDIR).
	WorkDir string

	// Engines are the buildahs that can build (build.Engines); nil for this binary's alone.
	Engines []build.Engine
	// KitBuildah is the buildah version a kit's listing names, for when the published image
	// cannot be read (Images set): it only picks the engine.
	KitBuildah string
	// NoStepImage refuses a buildah version no engine has instead of building with the
	// buildah CLI of the build step's own image, pulled by digest.
	NoStepImage bool

	Log *Log
}
