package main

import (
	"fmt"
	"strings"

	"go.podman.io/storage"
)

func openStore(cfg config) (storage.Store, error) {
	opts, err := storage.DefaultStoreOptions()
	if err != nil {
		return nil, fmt.Errorf("reading storage configuration: %w", err)
	}
	opts.GraphRoot = cfg.storage
	if cfg.runRoot != "" {
		opts.RunRoot = cfg.runRoot
	}
	if cfg.storageDriver != "" {
		opts.GraphDriverName = cfg.storageDriver
	}
	store, err := storage.GetStore(opts)
	if err != nil {
		return nil, fmt.Errorf("opening storage at %s: %w", cfg.storage, err)
	}
	return store, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		out = append(out, f)
	}
	return out
}
