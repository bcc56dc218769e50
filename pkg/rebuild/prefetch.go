package rebuild

import (
	"context"
	"path/filepath"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/konflux"
)

// prefetch fetches the prefetch task's output the build task restored (CACHI2_ARTIFACT), by
// its digest, from its registry or from cfg.Images, and checks every file in it against the
// lock files of the checkout before the build may use it.
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
		if err := inputs.FetchPrefetched(ctx, in.Job.SystemContext(), artifact, dir); err != nil {
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
