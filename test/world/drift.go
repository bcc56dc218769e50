package world

import (
	"context"
	"fmt"
	"strings"
)

// DriftBase pushes another image to the repository of tag (<name>:<tag>, a world image) as
// <name>:drift and returns an SBOMImages hook that records it as the base the build used:
// the SBOM then names a digest other than the one the image was built from (input drift).
func (w *World) DriftBase(ctx context.Context, tag string) (func([]StageImage) []StageImage, error) {
	name, _, _ := strings.Cut(tag, ":")
	drift := name + ":drift"
	if _, ok := w.images[drift]; !ok {
		containerfile := "FROM " + w.Registry + "/" + tag + "\nCOPY drift /etc/drift\n"
		if err := w.BuildAndPush(ctx, drift, containerfile, map[string]string{"drift": "not what the image was built from\n"}); err != nil {
			return nil, fmt.Errorf("pushing a drifted %s: %w", drift, err)
		}
	}
	digest := w.images[drift]
	return func(images []StageImage) []StageImage {
		out := append([]StageImage(nil), images...)
		for i := range out {
			if out[i].Base {
				out[i].Digest = digest
			}
		}
		return out
	}, nil
}

// SaveImage copies ref (in the world's registry) to dest, a containers/image destination
// such as oci-archive:FILE, docker-archive:FILE or oci:DIR.
func (w *World) SaveImage(ctx context.Context, ref, dest string) error {
	s, err := w.NewStore("save-")
	if err != nil {
		return err
	}
	defer s.Remove()
	if _, err := w.buildah(ctx, s, "pull", "--quiet", "--signature-policy", w.Policy, ref); err != nil {
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	if _, err := w.buildah(ctx, s, "push", "--signature-policy", w.Policy, ref, dest); err != nil {
		return fmt.Errorf("saving %s to %s: %w", ref, dest, err)
	}
	return nil
}
