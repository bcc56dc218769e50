package rebuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/konflux"
)

// prefetch fetches the prefetch task's output the build task restored (CACHI2_ARTIFACT), by
// its digest, from its registry or from cfg.Images, and checks every file in it against the
// lock files of the checkout before the build may use it. When the artifact cannot be had
// (it expires), generic files are fetched again from the URLs their lock file names.
func (in *Inputs) prefetch(ctx context.Context) error {
	p := in.Prepared
	artifact, log := p.Task.Cachi2Artifact, in.Job.cfg.Log
	if artifact == "" {
		return nil
	}
	dir := filepath.Join(in.Work, "cachi2")
	if layout := in.Job.cfg.Images; layout != "" {
		log.Phase("prefetch", "reading the prefetched content %s from %s", artifact, layout)
		if err := inputs.PrefetchedFromLayout(layout, artifact, dir); err != nil {
			return err
		}
	} else {
		log.Phase("prefetch", "fetching the prefetched content %s", artifact)
		err := inputs.FetchPrefetched(ctx, in.Job.SystemContext(), artifact, dir)
		if errors.Is(err, inputs.ErrUnavailable) {
			log.Warn("%v: fetching each file its lock file names from its URL instead", err)
			if rerr := refetch(ctx, in.Source, p.Task.PrefetchInput, dir, log); rerr != nil {
				return fmt.Errorf("%w; and again from the lock files' URLs: %w", err, rerr)
			}
			err = nil
		}
		if err != nil {
			return err
		}
	}
	n, err := konflux.CheckPrefetched(in.Source, p.Task.PrefetchInput, dir)
	if err != nil {
		return err
	}
	log.Phase("prefetch", "%d prefetched file(s) match the lock files of the commit", n)
	p.Prefetched = dir
	return nil
}

// refetch plays Hermeto's generic and pip package managers into dir: each locked file from its URL,
// checked against its checksum, and the metadata Hermeto writes beside them.
func refetch(ctx context.Context, source, input, dir string, log *Log) error {
	downloads, err := konflux.LockedDownloads(source, input)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for _, d := range downloads {
		log.Phase("prefetch", "fetching %s into deps/%s", d.URL, d.Path)
		if err := inputs.DownloadLocked(ctx, d.URL, d.Checksum, filepath.Join(dir, "output", "deps", filepath.FromSlash(d.Path))); err != nil {
			return err
		}
	}
	log.Warn("the prefetch SBOM (output/bom.json) is a stand-in naming no content set, as generic and pip files give none: a build that reads it differs")
	return konflux.WritePrefetchMetadata(dir, input)
}
