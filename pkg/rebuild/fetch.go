package rebuild

import (
	"context"
	"fmt"

	"go.podman.io/storage"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// Fetch chooses the engine that builds (the buildah that built the image), opens the store,
// and makes every image name the build uses resolve to its pinned image, holding the name so
// until the build ends (see nameHolder): images the store lacks are copied in from cfg.Images
// when given, else from their registries, named as the Containerfile names them.
func (in *Inputs) Fetch(ctx context.Context) (err error) {
	cfg := in.Job.cfg
	if in.Engine, err = in.Job.Engine(in.Job.RecordedBuildah(ctx)); err != nil {
		return err
	}
	if in.store, err = openStore(cfg); err != nil {
		return err
	}
	if d := in.Job.Build.Task.StorageDriver; d != "" && d != in.store.GraphDriverName() {
		cfg.Log.Warn("STORAGE_DRIVER %s built the image, this store is %s: their layer diffs can differ where RUN changes earlier files (rebuild with --storage-driver %s and a --storage of its own for the same layers)",
			d, in.store.GraphDriverName(), d)
	}
	log := cfg.Log
	from := "from " + cfg.Images
	if cfg.Images == "" {
		from = "from their registries"
	}
	pull := func(name, pin string) error {
		pins := map[string]string{name: pin}
		if cfg.Images == "" {
			return inputs.Pull(ctx, in.store, in.Job.SystemContext(), cfg.PolicyPath, pins, log.Detail())
		}
		return inputs.PullFromLayout(ctx, in.store, cfg.Images, cfg.PolicyPath, pins, log.Detail())
	}
	pinned := func(name, pin string) (bool, error) { return inputs.Pinned(in.store, name, pin) }
	names, err := newNameHolder(in.store.GraphRoot(), pinned, pull)
	if err != nil {
		return err
	}
	in.unlock = names.release
	log.Phase("pull", "pulling %d image(s) by digest %s", len(in.Pins), from)
	if err := names.hold(ctx, in.Pins); err != nil {
		return err
	}
	step := in.Engine.Image
	if step == "" {
		return nil
	}
	log.Phase("pull", "pulling the build step's image %s", step)
	if err := names.hold(ctx, map[string]string{step: step}); err != nil { // by its digest, under that name
		return fmt.Errorf("the build step's image, whose buildah %s builds: %w", in.Engine.Version, err)
	}
	return nil
}

func openStore(cfg Config) (storage.Store, error) {
	opts, err := storage.DefaultStoreOptions()
	if err != nil {
		return nil, fmt.Errorf("reading storage configuration: %w", err)
	}
	if cfg.Storage != "" {
		opts.GraphRoot = cfg.Storage
	}
	if cfg.RunRoot != "" {
		opts.RunRoot = cfg.RunRoot
	}
	if cfg.StorageDriver != "" {
		opts.GraphDriverName = cfg.StorageDriver
	}
	store, err := storage.GetStore(opts)
	if err != nil {
		return nil, fmt.Errorf("opening storage at %s: %w", opts.GraphRoot, err)
	}
	return store, nil
}
