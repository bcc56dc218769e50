package rebuild

import (
	"context"
	"fmt"
	"maps"

	"go.podman.io/storage"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// Fetch chooses the engine that builds (the buildah that built the image), opens the store,
// takes the lock of every image name the build uses (see lockNames) and copies the pinned
// images into the store from cfg.Images when given, else from their registries, named as the
// Containerfile names them.
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
	pins := in.Pins
	step := in.Engine.Image
	if step != "" {
		pins = maps.Clone(pins)
		pins[step] = step // by its digest, under that name
	}
	if in.unlock, err = lockNames(ctx, in.store.GraphRoot(), pins); err != nil {
		return err
	}
	log := cfg.Log
	pull := func(pins map[string]string) error {
		if cfg.Images == "" {
			return inputs.Pull(ctx, in.store, in.Job.SystemContext(), cfg.PolicyPath, pins, log.Detail())
		}
		return inputs.PullFromLayout(ctx, in.store, cfg.Images, cfg.PolicyPath, pins, log.Detail())
	}
	from := "from " + cfg.Images
	if cfg.Images == "" {
		from = "from their registries"
	}
	log.Phase("pull", "pulling %d image(s) by digest %s", len(in.Pins), from)
	if err := pull(in.Pins); err != nil {
		return err
	}
	if step == "" {
		return nil
	}
	log.Phase("pull", "pulling the build step's image %s", step)
	if err := pull(map[string]string{step: step}); err != nil {
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
