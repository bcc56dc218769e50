package rebuild

import (
	"context"
	"fmt"

	"go.podman.io/storage"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// Fetch chooses the engine that builds (the buildah that built the image), opens the store,
// takes the lock of every image name the build uses (see lockNames) and copies the pinned
// images into the store from cfg.Images when given, else from their registries, named as the
// Containerfile names them.
func (in *Inputs) Fetch(ctx context.Context) (err error) {
	cfg := in.Job.cfg
	if in.Engine, err = in.Job.chooseEngine(ctx); err != nil {
		return err
	}
	if in.store, err = openStore(cfg); err != nil {
		return err
	}
	if in.unlock, err = lockNames(ctx, in.store.GraphRoot(), in.Pins); err != nil {
		return err
	}
	log := cfg.Log
	if cfg.Images == "" {
		log.Phase("pull", "pulling %d image(s) by digest", len(in.Pins))
		return inputs.Pull(ctx, in.store, in.Job.SystemContext(), cfg.PolicyPath, in.Pins, log.Detail())
	}
	log.Phase("pull", "reading %d image(s) by digest from %s", len(in.Pins), cfg.Images)
	return inputs.PullFromLayout(ctx, in.store, cfg.Images, cfg.PolicyPath, in.Pins, log.Detail())
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
