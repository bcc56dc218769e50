// Package compare compares a published image with its rebuild and explains each difference:
// config fields, manifest annotations, and the files of each pair of layers, read as streams
// (per-file metadata and digests are kept, never file contents), with a cause class for each.
package compare

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"
)

// DefaultFilesPerLayer bounds the differing files a report lists per layer.
const DefaultFilesPerLayer = 1000

// Options tunes a comparison.
type Options struct {
	// Sys is the system context for reading both images (registries.conf, auth).
	Sys *types.SystemContext
	// DiffDir, when set, receives the differing files: DiffDir/published and DiffDir/rebuilt.
	DiffDir string
	// FilesPerLayer bounds the files listed per layer (0: DefaultFilesPerLayer).
	FilesPerLayer int
	// Inputs describes what the rebuild was built from, to tell input drift apart.
	Inputs Inputs
	// Now is the report's time (nil: time.Now).
	Now func() time.Time
	// NoCarry skips carrying the published time values over (Report.Equivalence stays nil).
	NoCarry bool
	// Progress receives, every few seconds of a long layer read, how far it has come (nil:
	// nothing).
	Progress io.Writer
}

// Inputs is what the rebuild used that the published image may reveal it did not.
type Inputs struct {
	// BuildahVersion is the version of buildah the rebuild ran.
	BuildahVersion string
	// Base is the final stage's base image as the rebuild pulled it (by the SBOM's digest);
	// nil when the final stage has no base image.
	Base *BaseImage
	// TaskLayer is the layer the task committed onto the image after the build, nil when
	// it committed none.
	TaskLayer *TaskLayer
}

// BaseImage is an image pinned by digest, with its layers' uncompressed digests.
type BaseImage struct {
	Name    string // as the SBOM or the Containerfile names it
	Digest  string // manifest digest, sha256:<hex>
	DiffIDs []digest.Digest
}

// side is one opened image.
type side struct {
	ref       types.ImageReference
	src       types.ImageSource
	img       types.Image
	config    *imgspecv1.Image
	manifest  []byte
	mime      string
	layers    []types.BlobInfo
	info      ImageInfo
	labelsRaw []byte    // a labels.json read from the image's layers, if any was streamed
	configRaw []byte    // the config made for an image set aside from another (nil: the image's own)
	role      string    // "published" or "rebuilt", for progress lines
	progress  io.Writer // where layer reads say how far they have come (nil: nowhere)
}

// Compare reads published and rebuilt and reports how they differ.
func Compare(ctx context.Context, published, rebuilt types.ImageReference, opt Options) (*Report, error) {
	if opt.FilesPerLayer <= 0 {
		opt.FilesPerLayer = DefaultFilesPerLayer
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	pub, err := open(ctx, published, opt.Sys)
	if err != nil {
		return nil, fmt.Errorf("reading the published image %s: %w", transports.ImageName(published), err)
	}
	defer pub.close()
	pub.role, pub.progress = "published", opt.Progress
	reb, err := open(ctx, rebuilt, opt.Sys)
	if err != nil {
		return nil, fmt.Errorf("reading the rebuilt image %s: %w", transports.ImageName(rebuilt), err)
	}
	defer reb.close()
	reb.role, reb.progress = "rebuilt", opt.Progress

	built, aside, err := setAsideTaskLayer(ctx, pub, reb, opt.Inputs.TaskLayer)
	if err != nil {
		return nil, err
	}
	full := pub // the published image; pub is what it is compared as
	if aside != nil {
		pub = built
	}
	rep := &Report{
		Published: full.info, Rebuilt: reb.info, Compared: opt.Now().UTC(),
		Config: []FieldDiff{}, Annotations: []FieldDiff{}, Layers: []LayerDiff{}, Drift: []Drift{}, Causes: []string{},
		Limits: ReportLimits{FilesPerLayer: opt.FilesPerLayer},
	}
	rep.Identical = full.info.ID == reb.info.ID
	if rep.Identical {
		rep.Summary = "identical"
		return rep, nil
	}
	rep.Config = diffConfig(pub.config, reb.config)
	if pa, ok := annotations(pub); ok {
		if ra, ok := annotations(reb); ok {
			rep.Annotations = diffAnnotations(pa, ra)
		}
	}
	if rep.Layers, err = diffLayers(ctx, pub, reb, opt); err != nil {
		return nil, err
	}
	if aside != nil {
		rep.Layers = append(rep.Layers, *aside)
	}
	rep.Drift = findDrift(pub, opt.Inputs)
	classify(rep)
	if !opt.NoCarry && carryable(rep.Causes) {
		var withLayer *side // the image the carried config must match with the layer added back
		if aside != nil {
			withLayer = full
		}
		if rep.Equivalence, err = carry(ctx, pub, reb, withLayer); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// carryable says whether the time values may be all that differs: file contents (a
// labels.json) and config fields (a LABEL line's build-date) may hold times, but a file on
// one side only, another order, other metadata or other inputs are not times.
func carryable(causes []string) bool {
	for _, c := range causes {
		if c != CauseTimestamps && c != CauseContent && c != CauseConfig && c != CauseTaskLayer {
			return false
		}
	}
	return len(causes) > 0
}

func open(ctx context.Context, ref types.ImageReference, sys *types.SystemContext) (_ *side, err error) {
	s := &side{ref: ref}
	if s.src, err = ref.NewImageSource(ctx, sys); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.img, err = image.FromUnparsedImage(ctx, sys, image.UnparsedInstance(s.src, nil)); err != nil {
		return nil, err
	}
	if s.manifest, s.mime, err = s.img.Manifest(ctx); err != nil {
		return nil, fmt.Errorf("reading the manifest: %w", err)
	}
	if s.config, err = s.img.OCIConfig(ctx); err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	s.layers = s.img.LayerInfos()
	mdigest, err := manifest.Digest(s.manifest)
	if err != nil {
		return nil, fmt.Errorf("digesting the manifest: %w", err)
	}
	s.info = ImageInfo{Ref: transports.ImageName(ref), ID: s.img.ConfigInfo().Digest.String(), ManifestDigest: mdigest.String(), DiffIDs: []string{}}
	for _, d := range s.config.RootFS.DiffIDs {
		s.info.DiffIDs = append(s.info.DiffIDs, d.String())
	}
	if len(s.layers) != len(s.config.RootFS.DiffIDs) {
		return nil, fmt.Errorf("the manifest lists %d layers, the config %d", len(s.layers), len(s.config.RootFS.DiffIDs))
	}
	return s, nil
}

func (s *side) close() {
	if s.src != nil {
		_ = s.src.Close()
	}
}

// annotations are the manifest's annotations; ok is false for a manifest format that has
// none (docker-archive), so that only two OCI manifests are compared.
func annotations(s *side) (_ map[string]string, ok bool) {
	if s.mime != imgspecv1.MediaTypeImageManifest {
		return nil, false
	}
	m, err := manifest.OCI1FromManifest(s.manifest)
	if err != nil {
		return nil, false
	}
	return m.Annotations, true
}

// classify gathers the causes of every difference into the report.
func classify(rep *Report) {
	var causes []string
	for _, f := range rep.Config {
		causes = addCause(causes, f.Cause)
	}
	for _, f := range rep.Annotations {
		causes = addCause(causes, f.Cause)
	}
	for _, l := range rep.Layers {
		for _, c := range l.Causes {
			causes = addCause(causes, c)
		}
	}
	if len(rep.Drift) > 0 {
		causes = addCause(causes, CauseInputDrift)
	}
	if causes == nil {
		causes = []string{}
	}
	rep.Causes = causes
	rep.Summary = summary(causes)
	if rep.Summary == "" {
		rep.Summary = "the image IDs differ, but no field, annotation or file does"
	}
}
