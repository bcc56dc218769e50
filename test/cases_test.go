package test

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// e2eCase is one published image: a fixture repository, the pipeline run's parameters,
// what changes in the world after publishing, and whether a rebuild must match it.
type e2eCase struct {
	name         string
	prepare      func(dir string) error // makes what git cannot hold in test/testdata
	params       world.Params
	cloneParams  map[string]string
	attestations int
	after        func(ctx context.Context, w *world.World, name string) error
	reproducible bool
	buildah      string // the buildah the build step ran: "" for 1.42.2 (tasks 0.8, 0.9)
	kbc          bool   // built as task 0.10 does, by konflux-build-cli (REBUILD_KBC)
	task         world.TaskRun
	testdata     string // the fixture folder under testdata, when not the case's name
	// tamperPrefetch is a prefetched file (under deps/generic) changed after its checksum
	// check (world.Build.TamperPrefetch).
	tamperPrefetch string
	// prefetchEnvJSON: the prefetch task is 0.3.1's, with prefetch-env.json (world.Build.PrefetchEnvJSON).
	prefetchEnvJSON bool
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var cases = []e2eCase{
	{
		name:         "multistage",
		params:       world.Params{"DOCKERFILE": "Containerfile"},
		after:        pushNewerCommit,
		reproducible: true,
	},
	{
		name: "context-subdir",
		params: world.Params{
			"CONTEXT":         "app",
			"DOCKERFILE":      "Containerfile",
			"BUILD_ARGS":      []string{"VERSION=1.2.3", "EXTRA=key=value"},
			"BUILD_ARGS_FILE": "build-args.conf",
			"TARGET_STAGE":    "runtime",
			"LABELS":          []string{"release=1", "url=https://example.test/?a=b&c=d", "summary=x=y=z"},
		},
		attestations: 2,
		reproducible: true,
	},
	{
		name:         "odd-metadata",
		prepare:      oddMetadata,
		params:       world.Params{"DOCKERFILE": "Containerfile"},
		cloneParams:  map[string]string{"enableSymlinkCheck": "false"},
		reproducible: true,
	},
	{
		name: "two-builders",
		params: world.Params{
			"SKIP_UNUSED_STAGES":        "false",
			"INHERIT_BASE_IMAGE_LABELS": "false",
			"ICM_KEEP_COMPAT_LOCATION":  "false",
			"ENV_VARS":                  []string{"STAGE_ENV=on", "OTHER=a=b"},
		},
		reproducible: true,
	},
	{
		name: "flags",
		params: world.Params{
			"DOCKERFILE":        "Containerfile",
			"OMIT_HISTORY":      "true",
			"SKIP_INJECTIONS":   "true",
			"ANNOTATIONS":       []string{"org.example.team=rebuild", "org.example.note=a=b"},
			"ANNOTATIONS_FILE":  "annotations.txt",
			"SOURCE_DATE_EPOCH": "1767000000",
		},
		after:        moveTags("moving:latest", "moving-base:latest"),
		reproducible: true,
	},
	{
		name: "arg-in-from",
		params: world.Params{
			"DOCKERFILE": "Containerfile",
			"BUILD_ARGS": []string{"BASE_IMAGE=" + world.RegistryPlaceholder + "/tools:1.0", "FLAVOR=spicy"},
		},
		reproducible: true,
	},
	{
		name:     "docker-format",
		testdata: "multistage",
		params: world.Params{
			"DOCKERFILE":     "Containerfile",
			"BUILDAH_FORMAT": "docker",
			"ANNOTATIONS":    []string{"org.example.team=rebuild"},
		},
		reproducible: true,
	},
	{
		// Built by buildah 1.44.0 (the CLI, as konflux-build-cli runs it since task 0.10.1):
		// labels.json names it, and the rebuild must build with the 1.44.0 engine.
		name:         "buildah-1.44",
		testdata:     "multistage",
		params:       world.Params{"DOCKERFILE": "Containerfile", "LABELS": []string{"engine=1.44"}},
		buildah:      "1.44.0",
		reproducible: true,
	},
	{
		// Built by buildah 1.42.1, which no build engine has: the rebuild builds with the
		// buildah of the build step's image the provenance records, pulled by digest.
		name:         "step-image",
		testdata:     "context-subdir",
		params:       world.Params{"CONTEXT": "app", "DOCKERFILE": "Containerfile", "BUILD_ARGS": []string{"VERSION=2", "FLAVOR=mild", "EXTRA=x"}},
		buildah:      "1.42.1",
		reproducible: true,
	},
	{
		// Task 0.10: konflux-build-cli drives buildah 1.44.0; labels.json goes in through a
		// build context, LABEL values are unquoted, annotations come sorted from the file.
		name: "kbc-0.10",
		params: world.Params{
			"DOCKERFILE":       "Containerfile",
			"LABELS":           []string{"release=1", "url=https://example.test/?a=b&c=d"},
			"ANNOTATIONS":      []string{"org.example.team=rebuild"},
			"ANNOTATIONS_FILE": "annotations.txt",
		},
		buildah:      "1.44.0",
		kbc:          true,
		reproducible: true,
	},
	{
		// Task 0.6 after SOURCE_DATE_EPOCH came (2025-11-04) and labels.json moved to
		// /usr/share/buildinfo (2025-10-29), with buildah 1.41.5: the script passes
		// BUILD_ARGS_FILE's lines as --build-arg flags ahead of BUILD_ARGS.
		name:     "task-0.6",
		testdata: "context-subdir",
		params: world.Params{
			"CONTEXT":         "app",
			"DOCKERFILE":      "Containerfile",
			"BUILD_ARGS":      []string{"VERSION=1.2.3"},
			"BUILD_ARGS_FILE": "build-args.conf",
		},
		task:         world.TaskRun{Version: "0.6", Started: time.Date(2025, 11, 10, 9, 0, 0, 0, time.UTC)},
		buildah:      "1.41.5",
		reproducible: true,
	},
	{
		// Task 0.12 with CONTEXTUALIZE_SBOM=true: buildah 1.44's --save-stages
		// --stage-labels give every stage's image io.buildah.stage.name and .base.
		name:         "kbc-0.12",
		testdata:     "multistage",
		params:       world.Params{"DOCKERFILE": "Containerfile", "CONTEXTUALIZE_SBOM": "true"},
		buildah:      "1.44.0",
		kbc:          true,
		task:         world.TaskRun{Version: "0.12"},
		reproducible: true,
	},
	{
		// Task 0.13 with COMPRESSION_FORMAT=dual: IMAGE_DIGEST names an index of the image
		// with gzip and with zstd:chunked layers; the rebuild compares with the gzip one.
		name:         "kbc-0.13-dual",
		testdata:     "multistage",
		params:       world.Params{"DOCKERFILE": "Containerfile", "COMPRESSION_FORMAT": "dual"},
		buildah:      "1.44.0",
		kbc:          true,
		task:         world.TaskRun{Version: "0.13"},
		reproducible: true,
	},
	{
		// A package manager (busybox dpkg) installs packages pinned by sha256 into a new
		// root, the final stage ships that root alone.
		name:         "packages",
		prepare:      pinnedPackages,
		params:       world.Params{"DOCKERFILE": "Containerfile"},
		reproducible: true,
	},
	{
		// Project Hummingbird's chunkah: a stage writes an OCI layout into the context through
		// WORKINGDIR_MOUNT, the final stage is FROM oci:out. The layout is part of the build: the
		// SBOM does not name it and the rebuild does not pull it. The script pulled an oci: final
		// base to read its labels, so this needs INHERIT_BASE_IMAGE_LABELS=false, as it did there.
		name: "chunkah",
		params: world.Params{
			"DOCKERFILE":                "Containerfile",
			"SKIP_UNUSED_STAGES":        "false",
			"WORKINGDIR_MOUNT":          "/run/src",
			"INHERIT_BASE_IMAGE_LABELS": "false",
		},
		reproducible: true,
	},
	{
		// A hermetic build of prefetched content (task 0.8 after prefetch-dependencies-oci-ta
		// 0.2): the world's stand-in for Hermeto's generic package manager fetches what
		// artifacts.lock.yaml lists from the world's file server; the build mounts it at
		// /cachi2, sources cachi2.env before every RUN (the task's sed) and copies
		// content-sets.json in (inject-icm-to-containerfile, from the prefetch SBOM).
		name: "hermetic-generic",
		params: world.Params{
			"DOCKERFILE":     "Containerfile",
			"PREFETCH_INPUT": `{"type":"generic","path":"."}`,
			"HERMETIC":       "true",
		},
		reproducible: true,
	},
	{
		// Hermeto's pip package manager: a URL requirement with its hash, from the world's file
		// server, in deps/pip; cachi2.env exports PIP_FIND_LINKS and PIP_NO_INDEX to every RUN.
		name: "hermetic-pip",
		params: world.Params{
			"DOCKERFILE":     "Containerfile",
			"PREFETCH_INPUT": `{"type":"pip","path":"."}`,
			"HERMETIC":       "true",
		},
		reproducible: true,
	},
	{
		// Hermeto's rpm package manager: rpms.lock.yaml's packages for two architectures in
		// deps/rpm/<arch>/<repoid>/, the repository file mounted over /etc/yum.repos.d, the
		// other architecture's RPMs dropped (0.8.2), content-sets.json naming the repoid.
		name: "hermetic-rpm",
		params: world.Params{
			"DOCKERFILE":     "Containerfile",
			"PREFETCH_INPUT": `{"type":"rpm","path":"."}`,
			"HERMETIC":       "true",
		},
		reproducible: true,
	},
	{
		// Task 0.10 over the prefetch: konflux-build-cli mounts a copy of output/ at
		// /cachi2/output and cachi2.env at /cachi2/cachi2.env, rewrites each shell-form RUN with
		// its tokenizer to source it, and builds in `unshare --net` with loopback up.
		name:         "kbc-hermetic-generic",
		testdata:     "hermetic-generic",
		params:       world.Params{"DOCKERFILE": "Containerfile", "PREFETCH_INPUT": `{"type":"generic","path":"."}`, "HERMETIC": "true"},
		buildah:      "1.44.0",
		kbc:          true,
		reproducible: true,
	},
	{
		name:         "kbc-hermetic-pip",
		testdata:     "hermetic-pip",
		params:       world.Params{"DOCKERFILE": "Containerfile", "PREFETCH_INPUT": `{"type":"pip","path":"."}`, "HERMETIC": "true"},
		buildah:      "1.44.0",
		kbc:          true,
		reproducible: true,
	},
	{
		// RPMs: konflux-build-cli merges the commit's and the prefetch's repository files
		// over /etc/yum.repos.d.
		name:         "kbc-hermetic-rpm",
		testdata:     "hermetic-rpm",
		params:       world.Params{"DOCKERFILE": "Containerfile", "PREFETCH_INPUT": `{"type":"rpm","path":"."}`, "HERMETIC": "true"},
		buildah:      "1.44.0",
		kbc:          true,
		reproducible: true,
	},
	{
		// Prefetch task 0.3.1 writes prefetch-env.json: konflux-build-cli with buildah 1.44.0
		// passes PIP_FIND_LINKS and PIP_NO_INDEX as secret env mounts, the Containerfile untouched.
		name:            "kbc-hermetic-pip-secrets",
		testdata:        "hermetic-pip",
		params:          world.Params{"DOCKERFILE": "Containerfile", "PREFETCH_INPUT": `{"type":"pip","path":"."}`, "HERMETIC": "true"},
		buildah:         "1.44.0",
		kbc:             true,
		prefetchEnvJSON: true,
		reproducible:    true,
	},
	{
		name:         "clock",
		params:       world.Params{"DOCKERFILE": "Containerfile"},
		reproducible: false,
	},
	{
		name:         "no-rewrite",
		params:       world.Params{"DOCKERFILE": "Containerfile", "REWRITE_TIMESTAMP": "false"},
		reproducible: false,
	},
	{
		// HERMETIC=true without prefetched content: a RUN step records the network it sees,
		// which in the task was a namespace of its own with only loopback, up.
		name:         "hermetic-network",
		params:       world.Params{"DOCKERFILE": "Containerfile", "HERMETIC": "true"},
		reproducible: true,
	},
	{
		// The same with buildah 1.41.5: its engine binary, and the build step image's buildah
		// CLI (checkEngine), in the namespace.
		name:         "hermetic-network-1.41.5",
		testdata:     "hermetic-network",
		params:       world.Params{"DOCKERFILE": "Containerfile", "HERMETIC": "true"},
		buildah:      "1.41.5",
		reproducible: true,
	},
	{
		name:         "kbc-hermetic-network",
		testdata:     "hermetic-network",
		params:       world.Params{"DOCKERFILE": "Containerfile", "HERMETIC": "true"},
		buildah:      "1.44.0",
		kbc:          true,
		reproducible: true,
	},
}

func pushNewerCommit(ctx context.Context, w *world.World, name string) error {
	_, err := w.PushCommit(ctx, name, epoch.AddDate(1, 0, 0), func(dir string) error {
		if err := os.WriteFile(filepath.Join(dir, "NEWER"), []byte("a commit the rebuild must not see\n"), 0o644); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "hello.sh"), []byte("#!/bin/sh\necho changed after publishing\n"), 0o755)
	})
	return err
}

func moveTags(tags ...string) func(ctx context.Context, w *world.World, name string) error {
	return func(ctx context.Context, w *world.World, _ string) error {
		for _, tag := range tags {
			if err := w.MoveTag(ctx, tag); err != nil {
				return err
			}
		}
		return nil
	}
}
