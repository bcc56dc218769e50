package rebuild

import (
	"context"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/konflux"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// ErrIndexDiffers marks an index that is not the one build-image-index makes of the images
// the build tasks pushed: the verdict "different".
var ErrIndexDiffers = errors.New("the index is not the build's")

// IsIndexOf reports whether verified names the index of a multi-platform pipeline: a subject
// of the attestation that no build task pushed.
func (j *Job) IsIndexOf(verified provenance.Subject) bool {
	if len(j.Recipe.Platforms) == 0 || verified.Digest == j.Pushed.Digest {
		return false
	}
	for i := range j.Recipe.Platforms {
		if j.Recipe.Platforms[i].Results["IMAGE_DIGEST"] == verified.Digest {
			return false
		}
	}
	return true
}

// CheckIndex rebuilds the index build-image-index pushed from the images the build tasks
// pushed, in their order (its IMAGES parameter), each entry as `buildah manifest add` writes
// it, and checks that it is index, byte for byte. It says what it compared.
func (j *Job) CheckIndex(ctx context.Context, index provenance.Subject) (string, error) {
	sys := j.SystemContext()
	sys.OSChoice, sys.ArchitectureChoice = "", ""
	published, err := inputs.ReadManifest(ctx, sys, index)
	if err != nil {
		return "", err
	}
	docker := published.MediaType == konflux.DockerListMediaType
	var children []konflux.IndexChild
	var platforms []string
	for i := range j.Recipe.Platforms {
		t := &j.Recipe.Platforms[i]
		child := provenance.Subject{Name: index.Name, Digest: t.Results["IMAGE_DIGEST"]}
		m, err := inputs.ReadManifest(ctx, sys, child)
		if err != nil {
			return "", fmt.Errorf("the image of the build for %s: %w", konflux.PlatformOf(t), err)
		}
		children = append(children, konflux.IndexChild{
			MediaType: m.MediaType, Digest: child.Digest, Size: int64(len(m.Bytes)),
			Architecture: m.Architecture, OS: m.OS, OSVersion: m.OSVersion, Variant: m.Variant, OSFeatures: m.OSFeatures, Zstd: m.Zstd,
		})
		platforms = append(platforms, konflux.PlatformOf(t))
	}
	made, err := konflux.IndexManifest(children, docker)
	if err != nil {
		return "", err
	}
	what := fmt.Sprintf("the index of the %d images the build tasks pushed (%v), in their order", len(children), platforms)
	if d := digest.FromBytes(made).String(); d != index.Digest {
		return what, fmt.Errorf("%w: %s@%s is not %s, which is %s", ErrIndexDiffers, index.Name, index.Digest, what, d)
	}
	return what, nil
}
