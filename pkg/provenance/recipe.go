// Package provenance turns a signed SLSA provenance, as cosign verify-attestation prints it,
// into a neutral build recipe. It imports nothing of the project, does no I/O of its own beyond
// the reader it is given, and knows nothing of buildah.
package provenance

import "time"

// Recipe is what a rebuild needs to know, independent of the provenance format it came from.
type Recipe struct {
	// Subjects are the statement's subjects: the published image(s) and their manifest digests.
	Subjects []Subject
	// Source is the git checkout the build ran on.
	Source Source
	// Task is the build task's record: its name, bundle, parameters, step image and results.
	Task Task
	// Platforms are, when one attestation names the images of several build tasks with
	// different PLATFORMs (a multi-platform pipeline), all of them in pipeline order; Task is
	// then the first, until the caller picks one (PickPlatform). Nil otherwise.
	Platforms []Task
	// BuilderID is the build platform's URI (builder.id; SLSA v1 runDetails.builder.id).
	BuilderID string
	// Run is the PipelineRun's metadata as Chains records it.
	Run Run
}

// Run is a PipelineRun's labels and annotations (Konflux puts the target branch and the pull
// request number there).
type Run struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	// ID names the run (its start and finish times, else SLSA v1's invocation ID): the
	// envelopes of one run describe one build; "" when not recorded.
	ID      string    `json:"-"`
	Started time.Time `json:"-"` // when the run started (zero when not recorded)
}

// Subject is an image name (no tag or digest) and its sha256 manifest digest ("sha256:<hex>").
type Subject struct {
	Name   string
	Digest string
}

// Source is the pinned git input.
type Source struct {
	URL    string // as the clone task recorded it (no "git+" prefix)
	Commit string // full hex object name
	// CommitTimestamp is the clone task's commit-timestamp result (seconds, decimal), "" if absent.
	CommitTimestamp string
	// CloneParams are the clone task's parameters (depth, submodules, sparseCheckoutDirectories, ...).
	CloneParams Params
}

// Task is the build task as recorded.
type Task struct {
	Name         string // pipeline task name, e.g. "build-container"
	Bundle       string // task bundle reference, e.g. ".../task-buildah-oci-ta:0.8@sha256:..."
	Params       Params // defaults overlaid by explicit values, as recorded
	BuilderImage string // the "build" step's image, "<repo>@sha256:<hex>" without "oci://"
	Results      map[string]string
	// StartedOn is when the TaskRun started (zero when not recorded): versions of a task
	// changed within a patch line, and the date says which rules applied.
	StartedOn time.Time
}

// Params holds task parameters: string, array or object values.
type Params map[string]Param

// Param is one parameter value. Exactly one of the fields is meaningful, per Kind.
type Param struct {
	Kind   ParamKind
	String string
	Array  []string
	Object map[string]string
}

// ParamKind says which field of a Param holds its value.
type ParamKind int

const (
	KindString ParamKind = iota
	KindArray
	KindObject
)

// String returns the string value of name, or "" when absent or not a string.
func (p Params) String(name string) string {
	v, ok := p[name]
	if !ok || v.Kind != KindString {
		return ""
	}
	return v.String
}

// Has reports whether name was recorded at all.
func (p Params) Has(name string) bool {
	_, ok := p[name]
	return ok
}

// Array returns the array value of name, or nil when absent or not an array.
func (p Params) Array(name string) []string {
	v, ok := p[name]
	if !ok || v.Kind != KindArray {
		return nil
	}
	return v.Array
}

// PickPlatform makes the build task whose PLATFORM, as platformOf reads it, is platform the
// recipe's Task. It reports false when none is.
func (r *Recipe) PickPlatform(platform string, platformOf func(*Task) string) bool {
	if len(r.Platforms) == 0 {
		return platformOf(&r.Task) == platform
	}
	for i := range r.Platforms {
		if platformOf(&r.Platforms[i]) == platform {
			r.Task = r.Platforms[i]
			return true
		}
	}
	return false
}
