// Package plan turns a provenance recipe, and optionally what the network says of its inputs,
// into a plan: what a rebuild would build, and findings on whether it can and whether the
// result should be identical. docs/plan.md documents the JSON schema and the finding codes.
package plan

// Schema names the version of the JSON a Plan encodes to.
const Schema = "https://github.com/rebuild-project/rebuild/plan/v1"

// Plan is what a rebuild would do. Fields that could not be known are empty, and a finding
// says why.
type Plan struct {
	Schema          string        `json:"schema"`
	Offline         bool          `json:"offline"`
	Subjects        []Subject     `json:"subjects"`
	Source          Source        `json:"source"`
	SourceDateEpoch Epoch         `json:"sourceDateEpoch"`
	Containerfile   Containerfile `json:"containerfile"`
	BuildArgs       []string      `json:"buildArgs"`
	BuildArgsFile   string        `json:"buildArgsFile"`
	EnvVars         []string      `json:"envVars"`
	Target          string        `json:"target"`
	Platform        Platform      `json:"platform"`
	Labels          []string      `json:"labels"`
	Annotations     []string      `json:"annotations"`
	Injected        []string      `json:"injected"`
	Flags           []string      `json:"flags"` // other buildah flags the task version adds
	// LabelsJSON are the key=value pairs labels.json is made of, in order, before the base
	// image's labels are merged in (when INHERIT_BASE_IMAGE_LABELS is true).
	LabelsJSON []string  `json:"labelsJsonPairs"`
	Task       TaskRef   `json:"task"`
	Buildah    Buildah   `json:"buildah"`
	Images     []Image   `json:"images"`
	Prefetch   *Prefetch `json:"prefetch"` // nil when the build used no prefetched content
	Findings   []Finding `json:"findings"`
	Expect     Expect    `json:"expect"`
	Exit       int       `json:"exit"`
}

// Prefetch is the prefetched content a hermetic build used: the prefetch task's output, which
// the rebuild fetches by digest and checks against the commit's lock files.
type Prefetch struct {
	Artifact string   `json:"artifact"` // CACHI2_ARTIFACT: oci:<repository>@sha256:<blob>
	Input    string   `json:"input"`    // PREFETCH_INPUT, as recorded
	Packages []string `json:"packages"` // <type>:<path>, one a package the input names
}

// Subject is a published image the provenance is about.
type Subject struct {
	Name   string `json:"name"`
	Digest string `json:"digest"`
}

// Source is the git input.
type Source struct {
	URL        string   `json:"url"`
	Commit     string   `json:"commit"`
	Submodules bool     `json:"submodules"`
	SparseDirs []string `json:"sparseCheckoutDirectories"`
	// Checked is true when the commit was found at the URL (never offline).
	Checked bool `json:"checked"`
}

// Epoch is SOURCE_DATE_EPOCH and where it came from.
type Epoch struct {
	Value string `json:"value"` // seconds, "" when the build had none
	Time  string `json:"time"`  // Value as the labels carry it
	// From is "SOURCE_DATE_EPOCH" (the task parameter), "BUILD_TIMESTAMP", or "clock"
	// (neither: the build used its wall clock).
	From string `json:"from"`
	// CommitTimestamp is what the clone task reported; CommitTime what the commit says
	// (online only), both "" when unknown.
	CommitTimestamp string `json:"commitTimestamp"`
	CommitTime      string `json:"commitTime"`
}

// Containerfile is where the build's Containerfile and context are.
type Containerfile struct {
	Dockerfile string `json:"dockerfile"` // the DOCKERFILE parameter
	Context    string `json:"context"`    // the CONTEXT parameter
	// Path is the file the task would use, relative to the source root ("" when unknown).
	Path string `json:"path"`
	// IgnoreFile is the context's .containerignore or .dockerignore ("" when none or unknown).
	IgnoreFile string `json:"ignoreFile"`
}

// Platform is the platform the image was built for, and this host's.
type Platform struct {
	Recorded string `json:"recorded"` // the PLATFORM parameter as recorded, "" when none
	Target   string `json:"target"`   // os/arch the build ran on
	Host     string `json:"host"`     // os/arch of this host
	Arch     string `json:"arch"`     // the architecture label (uname -m)
	// Others are the other platforms of a multi-platform pipeline, as recorded.
	Others []string `json:"others"`
}

// TaskRef is the task that built the image and the replay profile chosen for it.
type TaskRef struct {
	Name    string `json:"name"`
	Bundle  string `json:"bundle"`
	Task    string `json:"task"`    // the bundle's repository's last element, e.g. task-buildah-oci-ta
	Version string `json:"version"` // the bundle's tag
	Digest  string `json:"digest"`
	Profile string `json:"profile"` // "" when no profile covers it
}

// Buildah is the buildah that built the image and the one a rebuild uses.
type Buildah struct {
	Image    string `json:"image"`    // the build step's image, pinned by digest
	Recorded string `json:"recorded"` // io.buildah.version from the image's labels.json, "" when unknown
	This     string `json:"this"`     // the buildah library version of this binary
	// Engine is the buildah version the rebuild builds with, "" when no engine has the one
	// that built the image.
	Engine string `json:"engine"`
	// EngineImage is the build step's image when its own buildah builds (no engine here has
	// the version), "" when an engine of this binary builds.
	EngineImage string `json:"engine_image"`
}

// Image is one FROM image, and the digest a rebuild would pull it by.
type Image struct {
	Stage     int    `json:"stage"`
	Name      string `json:"name"`
	Digest    string `json:"digest"`    // "sha256:<hex>", "" when unresolved
	Reference string `json:"reference"` // <registry/repo>@<digest>, "" when unresolved
	// Source is where the digest came from: "containerfile", "sbom" or "unresolved"; "build"
	// for a layout the build reads from the context, which has none.
	Source string `json:"source"`
	// Checked is true when the registry served a manifest for Reference (never offline).
	Checked bool `json:"checked"`
}

// Digest sources of an Image.
const (
	FromContainerfile = "containerfile"
	FromSBOM          = "sbom"
	Unresolved        = "unresolved"
	Built             = "build" // a local layout the build reads (FROM oci:DIR): no digest to pin
)

// Expect is the plan's verdict.
type Expect string

const (
	Identical   Expect = "identical"      // can rebuild, expect the published image ID
	Different   Expect = "different"      // can rebuild, expect another image ID
	CannotBuild Expect = "cannot-rebuild" // cannot rebuild
)

// Exit codes of `rebuild plan`, one per Expect.
const (
	ExitIdentical = 0
	ExitDifferent = 1
	ExitCannot    = 2
)

// add records a finding.
func (p *Plan) add(code Code, format string, args ...any) {
	p.Findings = append(p.Findings, newFinding(code, format, args...))
}

// judge sets Expect and Exit from the findings: an error means no rebuild, a warning a
// different image.
func (p *Plan) judge() {
	p.Expect, p.Exit = Identical, ExitIdentical
	for _, f := range p.Findings {
		switch {
		case f.Severity == SeverityError:
			p.Expect, p.Exit = CannotBuild, ExitCannot
			return
		case f.Severity == SeverityWarning:
			p.Expect, p.Exit = Different, ExitDifferent
		}
	}
}
