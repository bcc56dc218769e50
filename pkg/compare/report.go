package compare

import (
	"encoding/json"
	"time"
)

// Cause classes: why a difference exists. A report's Causes lists each class found once.
const (
	CauseTimestamps = "timestamps"       // mtimes, created dates: nothing else differs
	CauseContent    = "content"          // file bytes differ
	CauseMetadata   = "metadata"         // file mode, owner, type, link target, xattrs or PAX records
	CauseOrdering   = "ordering"         // the same entries in another order in the tar
	CauseAddMissing = "added-or-missing" // a path exists on one side only
	CauseConfig     = "config"           // an image config field or manifest annotation
	CauseInputDrift = "input-drift"      // the published image was built from other inputs
)

// causeOrder is the order causes are listed in, most telling first.
var causeOrder = []string{CauseInputDrift, CauseAddMissing, CauseContent, CauseMetadata, CauseOrdering, CauseTaskLayer, CauseConfig, CauseTimestamps}

// Report is the outcome of comparing a published image with its rebuild. Its JSON form is
// documented in docs/report.md.
type Report struct {
	Identical   bool         `json:"identical"`
	Published   ImageInfo    `json:"published"`
	Rebuilt     ImageInfo    `json:"rebuilt"`
	Causes      []string     `json:"causes"`
	Config      []FieldDiff  `json:"config"`
	Annotations []FieldDiff  `json:"annotations"`
	Layers      []LayerDiff  `json:"layers"`
	Drift       []Drift      `json:"drift"`
	Compared    time.Time    `json:"compared"`
	Summary     string       `json:"summary"`
	Limits      ReportLimits `json:"limits"`
	// Equivalence is the outcome of carrying the published time values into the rebuild,
	// tried when only times may differ (nil when not tried).
	Equivalence *Equivalence `json:"equivalence,omitempty"`
}

// Equivalent reports whether the rebuild is the published image but for time values.
func (r *Report) Equivalent() bool {
	return !r.Identical && r.Equivalence != nil && r.Equivalence.Equivalent && !r.Equivalence.TaskLayer
}

// ImageInfo names one side of the comparison.
type ImageInfo struct {
	Ref            string   `json:"ref"`
	ID             string   `json:"id"`             // config digest, sha256:<hex>
	ManifestDigest string   `json:"manifestDigest"` // of the manifest read
	DiffIDs        []string `json:"diffIDs"`
}

// FieldDiff is a config field or annotation that differs. A side where it is absent is null.
type FieldDiff struct {
	Field     string          `json:"field"`
	Published json.RawMessage `json:"published"`
	Rebuilt   json.RawMessage `json:"rebuilt"`
	Cause     string          `json:"cause"`
}

// LayerDiff is a pair of layers, matched by index, whose uncompressed digests differ (or a
// layer on one side only).
type LayerDiff struct {
	Index     int        `json:"index"`
	Published string     `json:"published,omitempty"` // diff ID; empty when the side has no such layer
	Rebuilt   string     `json:"rebuilt,omitempty"`
	Files     []FileDiff `json:"files"`
	Omitted   int        `json:"omitted"` // differing files beyond Limits.FilesPerLayer
	Causes    []string   `json:"causes"`
	Note      string     `json:"note,omitempty"`
}

// encodingOnly is the note of a layer pair whose tars differ while no entry does.
const encodingOnly = "the tar streams differ, but no entry does: header encoding or padding"

// FileDiff is one path that differs between the two layers of a pair.
type FileDiff struct {
	Path      string    `json:"path"`
	Kinds     []string  `json:"kinds"` // only-published, only-rebuilt, type, content, size, mode, owner, mtime, link, xattrs, order
	Cause     string    `json:"cause"`
	Published *FileMeta `json:"published"`
	Rebuilt   *FileMeta `json:"rebuilt"`
}

// FileMeta is what a tar entry says about a path; never its contents.
type FileMeta struct {
	Type   string            `json:"type"` // file, dir, symlink, hardlink, char, block, fifo
	Mode   string            `json:"mode"` // octal permission and special bits
	UID    int               `json:"uid"`
	GID    int               `json:"gid"`
	Uname  string            `json:"uname,omitempty"`
	Gname  string            `json:"gname,omitempty"`
	Mtime  time.Time         `json:"mtime"`
	Size   int64             `json:"size"`
	Digest string            `json:"digest,omitempty"` // sha256 of regular file contents
	Link   string            `json:"link,omitempty"`   // symlink or hard link target
	Xattrs map[string]string `json:"xattrs,omitempty"` // extended attributes and other PAX records
	Index  int               `json:"index"`            // position of the entry in the tar
}

// Drift is evidence that the published image was built from other inputs than the rebuild.
type Drift struct {
	Kind      string `json:"kind"` // buildah-version, base-image
	Published string `json:"published"`
	Rebuilt   string `json:"rebuilt"`
	Detail    string `json:"detail"`
}

// ReportLimits are the bounds the report was made with.
type ReportLimits struct {
	FilesPerLayer int `json:"filesPerLayer"`
}

// addCause adds c to the set causes, keeping causeOrder.
func addCause(causes []string, c string) []string {
	var out []string
	for _, o := range causeOrder {
		if o == c || contains(causes, o) {
			out = append(out, o)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// causeText is how the explanation names a cause.
func causeText(c string) string {
	switch c {
	case CauseContent:
		return "file content"
	case CauseMetadata:
		return "file metadata"
	case CauseAddMissing:
		return "files added or missing"
	case CauseInputDrift:
		return "input drift"
	case CauseTaskLayer:
		return "the layer the task committed after the build"
	}
	return c
}

// summary is the verdict's reason: "timestamps only", or the causes joined.
func summary(causes []string) string {
	if len(causes) == 1 && causes[0] == CauseTimestamps {
		return "timestamps only"
	}
	s := ""
	for i, c := range causes {
		if i > 0 {
			s += ", "
		}
		s += causeText(c)
	}
	return s
}
