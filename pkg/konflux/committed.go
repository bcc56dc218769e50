package konflux

// Committed is a layer the task committed onto the built image after `buildah build`, in a
// step of its own, which no rebuild makes: a comparison sets it aside when it adds no more
// than Paths.
type Committed struct {
	// Step is the task's step that committed it; Holds what it added.
	Step, Holds string
	// Paths are the files the layer may hold (the folders above them too), without a
	// leading "/".
	Paths []string
	// Squashed: SQUASH=true squashed the image and this layer into one; it cannot be set
	// aside.
	Squashed bool
}

// sbomLayer is what the inject-sbom-and-push step of 0.1, and of 0.2 until 5c353a29
// (2024-11-29), committed: `buildah copy` of the SBOM syft and the task's scripts made (a
// random serial number, the time, the scan's paths) into /root/buildinfo/content_manifests/,
// `buildah config` of the base image annotations, `buildah commit` (with --squash under
// SQUASH=true): one more layer, one more history entry, a new created time.
var sbomLayer = Committed{
	Step: "inject-sbom-and-push", Holds: "the SBOM",
	Paths: []string{
		"root/buildinfo/content_manifests/sbom-cyclonedx.json",
		"root/buildinfo/content_manifests/sbom-purl.json",
	},
}

// icmLayer is what the icm step (0.2 from a7ed9f9f, 0.3, 0.4 until b170025a) committed for a
// build with prefetched content: content-sets.json made from the prefetch SBOM, `buildah copy`
// to /root/buildinfo/content_manifests/ (its script in 0.2 and 0.3) or /usr/share/buildinfo/
// (icm-injection-scripts from 4722982), the base image annotations, `buildah commit` (with
// --squash under SQUASH=true).
var icmLayer = Committed{
	Step: "icm", Holds: "content-sets.json",
	Paths: []string{
		"root/buildinfo/content_manifests/content-sets.json",
		"usr/share/buildinfo/content-sets.json",
	},
}

// String says what the task committed: "the task's inject-sbom-and-push step committed the
// SBOM as a layer after the build".
func (c *Committed) String() string {
	return "the task's " + c.Step + " step committed " + c.Holds + " as a layer after the build"
}

// Committed is the layer the task committed after the build, nil when it committed none.
func (b *Build) Committed() *Committed {
	if b.Profile == nil {
		return nil
	}
	s, ok := b.Profile.rules.(script)
	if !ok {
		return nil
	}
	var c Committed
	started := b.Task.Started
	switch {
	case !s.sbomLayerGone.applies(started):
		c = sbomLayer
	case b.Task.PrefetchInput != "" && s.icmStep.applies(started) && !s.icmInjection.applies(started):
		c = icmLayer
	default:
		return nil
	}
	c.Squashed = b.Task.Squash
	return &c
}
