package rebuild

import (
	"context"
	"fmt"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// checkout checks the pinned commit out of cfg.Source when given, else of its URL, as the
// clone task's parameters say (submodules, sparse checkout).
func (j *Job) checkout(ctx context.Context, dir string) error {
	log, src := j.cfg.Log, j.Recipe.Source
	p := src.CloneParams
	opt := inputs.CheckoutOptions{Submodules: !p.Has("submodules") || p.String("submodules") == "true", Progress: log.Detail()}
	if dirs := p.String("sparseCheckoutDirectories"); dirs != "" {
		opt.SparseDirs = strings.FieldsFunc(dirs, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
	}
	if j.cfg.Source == "" {
		log.Phase("clone", "cloning %s at %s", src.URL, src.Commit)
		stop := log.Still("clone", "cloning "+src.URL)
		defer stop()
		if err := inputs.Checkout(ctx, src.URL, src.Commit, dir, opt); err != nil {
			return fmt.Errorf("cloning %s at %s: %w", src.URL, src.Commit, err)
		}
		return nil
	}
	log.Phase("clone", "checking %s out of %s", src.Commit, j.cfg.Source)
	return inputs.CheckoutFrom(ctx, j.cfg.Source, src.URL, src.Commit, dir, opt)
}

// readSBOM reads cfg.SBOMFile when given, else fetches the SBOM of the pushed image from its
// registry; either must match the provenance's SBOM_BLOB_URL digest when it records one.
func (j *Job) readSBOM(ctx context.Context) ([]byte, error) {
	log, blobURL := j.cfg.Log, j.Recipe.Task.Results["SBOM_BLOB_URL"]
	if j.cfg.SBOMFile != "" {
		log.Phase("sbom", "reading the SBOM from %s", j.cfg.SBOMFile)
		return inputs.ReadSBOMFile(j.cfg.SBOMFile, blobURL)
	}
	log.Phase("sbom", "fetching the SBOM of %s@%s", j.Pushed.Name, j.Pushed.Digest)
	return inputs.FetchSBOM(ctx, j.SystemContext(), j.Pushed, blobURL)
}
