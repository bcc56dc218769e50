package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"go.podman.io/image/v5/types"
	"go.podman.io/storage"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/kit"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// useKit points --source, --images and the SBOM at the items of the --kit folder.
func useKit(c *config) error {
	if c.kit == "" {
		return nil
	}
	if c.source != "" || c.images != "" {
		return fmt.Errorf("%w: --kit brings the source and the images: drop --source and --images", errUsage)
	}
	c.source = filepath.Join(c.kit, kit.SourceFile)
	c.images = filepath.Join(c.kit, kit.ImagesDir)
	c.sbomFile = filepath.Join(c.kit, kit.SBOMFile)
	return nil
}

// checkoutSource checks the pinned commit out of --source when given, else of its URL.
func checkoutSource(ctx context.Context, cfg config, recipe *provenance.Recipe, dir string, r reporter) error {
	url, commit := recipe.Source.URL, recipe.Source.Commit
	if cfg.source == "" {
		r.phase("clone", "cloning %s at %s", url, commit)
		if err := inputs.Checkout(ctx, url, commit, dir, checkoutOptions(recipe, r)); err != nil {
			return fmt.Errorf("cloning %s at %s: %w", url, commit, err)
		}
		return nil
	}
	r.phase("clone", "checking %s out of %s", commit, cfg.source)
	return inputs.CheckoutFrom(ctx, cfg.source, url, commit, dir, checkoutOptions(recipe, r))
}

// readSBOM reads the kit's SBOM when there is a kit, else fetches it from the registry.
func readSBOM(ctx context.Context, cfg config, sys *types.SystemContext, recipe *provenance.Recipe, r reporter) ([]byte, error) {
	blobURL := recipe.Task.Results["SBOM_BLOB_URL"]
	if cfg.sbomFile != "" {
		r.phase("sbom", "reading the SBOM from %s", cfg.sbomFile)
		return inputs.ReadSBOMFile(cfg.sbomFile, blobURL)
	}
	subject := sbomSubject(recipe)
	r.phase("sbom", "fetching the SBOM of %s@%s", subject.Name, subject.Digest)
	return inputs.FetchSBOM(ctx, sys, subject, blobURL)
}

// pullImages copies the pinned images from --images when given, else from their registries.
func pullImages(ctx context.Context, cfg config, store storage.Store, sys *types.SystemContext, pins map[string]string, progress io.Writer, r reporter) error {
	if cfg.images == "" {
		r.phase("pull", "pulling %d image(s) by digest", len(pins))
		return inputs.Pull(ctx, store, sys, cfg.policy, pins, progress)
	}
	r.phase("pull", "reading %d image(s) by digest from %s", len(pins), cfg.images)
	return inputs.PullFromLayout(ctx, store, cfg.images, cfg.policy, pins, progress)
}
