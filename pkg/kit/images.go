package kit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// Image is one pinned image in the kit's layout.
type Image struct {
	Names     []string      `json:"names"`     // the FROM names it stands for
	Reference string        `json:"reference"` // the pull reference and the layout's ref name
	Digest    digest.Digest `json:"digest"`    // its manifest digest
	Size      int64         `json:"size"`      // its manifest, config and layers, as pulled
}

// saveImages copies each pinned image (FROM name -> "<repo>@sha256:<hex>") by digest into
// the OCI layout at dir, under its pull reference as ref name, keeping its manifest digest.
// Of an image index, only the instance for sys's platform is copied, with the index.
func saveImages(ctx context.Context, sys *types.SystemContext, policyPath, dir string, pins map[string]string, progress io.Writer) ([]Image, error) {
	pc, err := inputs.PolicyContext(policyPath, sys)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Destroy() }()

	byRef := map[string]*Image{}
	var refs []string
	for name, ref := range pins {
		if byRef[ref] == nil {
			byRef[ref] = &Image{Reference: ref}
			refs = append(refs, ref)
		}
		byRef[ref].Names = append(byRef[ref].Names, name)
	}
	slices.Sort(refs)
	var out []Image
	for _, ref := range refs {
		img := byRef[ref]
		slices.Sort(img.Names)
		if err := saveImage(ctx, sys, pc, dir, img, progress); err != nil {
			return nil, fmt.Errorf("saving %s into the kit: %w", ref, err)
		}
		out = append(out, *img)
	}
	return out, nil
}

func saveImage(ctx context.Context, sys *types.SystemContext, pc *signature.PolicyContext, dir string, img *Image, progress io.Writer) error {
	parsed, err := reference.ParseNormalizedNamed(img.Reference)
	if err != nil {
		return err
	}
	pinned, ok := parsed.(reference.Canonical)
	if !ok {
		return fmt.Errorf("%s has no digest", img.Reference)
	}
	img.Digest = pinned.Digest()
	srcRef, err := docker.NewReference(pinned)
	if err != nil {
		return err
	}
	opts := &copy.Options{ReportWriter: progress, SourceCtx: sys, DestinationCtx: sys, PreserveDigests: true}
	if err := selectInstance(ctx, sys, srcRef, opts); err != nil {
		return err
	}
	destRef, err := layout.NewReference(dir, img.Reference)
	if err != nil {
		return err
	}
	if _, err := copy.Image(ctx, pc, destRef, srcRef, opts); err != nil {
		return fmt.Errorf("%w: copying: %w", inputs.ErrUnavailable, err)
	}
	img.Size, err = layoutImageSize(dir, img.Digest)
	return err
}

// selectInstance sets opts to copy an image index with only the instance for sys's
// platform, keeping the index (and its digest) as it is.
func selectInstance(ctx context.Context, sys *types.SystemContext, ref types.ImageReference, opts *copy.Options) error {
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return fmt.Errorf("%w: %w", inputs.ErrUnavailable, err)
	}
	defer src.Close()
	raw, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w: reading the manifest: %w", inputs.ErrUnavailable, err)
	}
	if !manifest.MIMETypeIsMultiImage(mt) {
		return nil
	}
	list, err := manifest.ListFromBlob(raw, mt)
	if err != nil {
		return fmt.Errorf("parsing the image index: %w", err)
	}
	instance, err := list.ChooseInstance(sys)
	if err != nil {
		return fmt.Errorf("choosing the instance for this platform: %w", err)
	}
	opts.ImageListSelection = copy.CopySpecificImages
	opts.Instances = []digest.Digest{instance}
	return nil
}

// layoutImageSize is the size of the manifest d in the layout at dir and of what it
// references there, as a registry serves it.
func layoutImageSize(dir string, d digest.Digest) (int64, error) {
	data, err := os.ReadFile(filepath.Join(dir, imgspecv1.ImageBlobsDir, d.Algorithm().String(), d.Encoded()))
	if err != nil {
		return 0, err
	}
	var m struct {
		Config    *imgspecv1.Descriptor  `json:"config"`
		Layers    []imgspecv1.Descriptor `json:"layers"`
		Manifests []imgspecv1.Descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return 0, fmt.Errorf("parsing manifest %s: %w", d, err)
	}
	size := int64(len(data))
	if m.Config != nil {
		size += m.Config.Size
	}
	for _, l := range m.Layers {
		size += l.Size
	}
	for _, child := range m.Manifests {
		if n, err := layoutImageSize(dir, child.Digest); err == nil {
			size += n
		}
	}
	return size, nil
}
