package build

import (
	"context"
	"fmt"

	"go.podman.io/image/v5/docker/reference"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
)

// ImageLabels returns the config labels of the image the store holds under name, as
// `buildah inspect` shows them.
func ImageLabels(ctx context.Context, store storage.Store, name string) (map[string]string, error) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, fmt.Errorf("%w: base image name %q: %w", ErrBadArgs, name, err)
	}
	ref, err := istorage.Transport.ParseStoreReference(store, reference.TagNameOnly(named).String())
	if err != nil {
		return nil, fmt.Errorf("finding base image %s: %w", name, err)
	}
	img, err := ref.NewImage(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("opening base image %s: %w", name, err)
	}
	defer img.Close()
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading base image %s config: %w", name, err)
	}
	return cfg.Config.Labels, nil
}
