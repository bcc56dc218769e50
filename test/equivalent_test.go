package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// oldTask are the parameters tasks before 0.6 did not have.
var oldTask = world.Params{"SOURCE_DATE_EPOCH": nil, "REWRITE_TIMESTAMP": nil, "OMIT_HISTORY": nil, "SKIP_INJECTIONS": nil, "ENV_VARS": nil}

// TestEquivalent publishes images the way older task versions did, on their build's clock,
// rebuilds them at another time, and checks the verdict "equivalent" (exit 5, or 0 with
// --accept timestamps), what the report says was carried over and the signed summary.
func TestEquivalent(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	dir := t.TempDir()
	key, pubKey := writeECKey(t, dir)
	for i, c := range []verifyCase{
		{
			// Task 0.5 with BUILD_TIMESTAMP: the labels (created among them, which 0.5 set
			// only then) and labels.json (in /root/buildinfo/ alone) are fixed; buildah's
			// times are the build's clock.
			name: "equivalent-task-0.5", fixture: "verify-same",
			params: oldTask.Overlay(world.Params{"DOCKERFILE": "Containerfile", "BUILD_TIMESTAMP": "1759222800"}),
			task:   world.TaskRun{Version: "0.5", Started: time.Date(2025, 9, 30, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			exit: 5, want: []string{"rebuild: verify: equivalent: ", "building with buildah 1.41.5 ("},
		},
		{
			// Task 0.5 on its clock alone: build-date, the LABEL line that carries it and
			// labels.json's copy of it differ too.
			name: "equivalent-task-0.5-clock", fixture: "verify-same",
			params: oldTask.Overlay(world.Params{"DOCKERFILE": "Containerfile"}),
			task:   world.TaskRun{Version: "0.5", Started: time.Date(2025, 9, 30, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			flags: func(t *testing.T, w *world.World, p world.Published) []string {
				return []string{"--report", filepath.Join(dir, "clock.json")}
			},
			exit: 5, want: []string{"rebuild: verify: equivalent: ", "labels 1", "labels.json and its digest 2"},
			checkOut: func(t *testing.T, w *world.World, p world.Published, res rebuildResult) {
				checkCarried(t, filepath.Join(dir, "clock.json"), "label build-date", "/root/buildinfo/labels.json build-date", "history[")
			},
		},
		{
			// A default pipeline of task 0.8: SOURCE_DATE_EPOCH empty, so build-date, the
			// created label and annotation, labels.json and every time are the clock's.
			name: "equivalent-default-0.8", fixture: "multistage",
			params: world.Params{"DOCKERFILE": "Containerfile", "SOURCE_DATE_EPOCH": "", "REWRITE_TIMESTAMP": "false"},
			exit:   5, want: []string{"rebuild: verify: equivalent: ", "labels 2"},
		},
		{
			// Task 0.4 before 2025-09-01: build-date without "Z", no labels.json.
			name: "equivalent-task-0.4-clock", fixture: "verify-same",
			params: oldTask.Overlay(world.Params{"DOCKERFILE": "Containerfile", "SOURCE_URL": nil}),
			task:   world.TaskRun{Version: "0.4", Started: time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			exit: 5, want: []string{"rebuild: verify: equivalent: ", "labels 1"},
		},
		{
			// Task 0.3 as it last was: 0.4's first build step, STORAGE_DRIVER vfs.
			name: "equivalent-task-0.3", fixture: "verify-same",
			params: oldTask.Overlay(world.Params{"DOCKERFILE": "Containerfile", "SOURCE_URL": nil, "ANNOTATIONS": nil,
				"ANNOTATIONS_FILE": nil, "BUILD_TIMESTAMP": nil, "STORAGE_DRIVER": "vfs"}),
			task: world.TaskRun{Version: "0.3", Started: time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			flags: func(*testing.T, *world.World, world.Published) []string { return []string{"--storage-driver", "vfs"} },
			exit:  5, want: []string{"rebuild: verify: equivalent: ", "labels 1"},
		},
		{
			// Task 0.4 on 2025-09-10, accepted: PASSED, with the accepted difference named.
			name: "equivalent-task-0.4", fixture: "kbc-0.10",
			params: oldTask.Overlay(world.Params{"DOCKERFILE": "Containerfile", "ANNOTATIONS_FILE": "annotations.txt",
				"BUILD_TIMESTAMP": "1757000000", "SOURCE_URL": nil}),
			task: world.TaskRun{Version: "0.4", Started: time.Date(2025, 9, 10, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			flags: func(t *testing.T, w *world.World, p world.Published) []string {
				return []string{"--accept", "timestamps", "--attest", key, "--attest-out", filepath.Join(dir, "0.4.vsa.json")}
			},
			exit: 0, want: []string{"rebuild: verify: equivalent: ", "accepted (--accept timestamps)"},
			checkOut: func(t *testing.T, w *world.World, p world.Published, _ rebuildResult) {
				checkVSA(t, w, p, pubKey, filepath.Join(dir, "0.4.vsa.json"), "PASSED")
				data, err := os.ReadFile(filepath.Join(dir, "0.4.vsa.json"))
				if err != nil {
					t.Fatal(err)
				}
				var env struct{ Payload []byte }
				if err := json.Unmarshal(data, &env); err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{`"outcome":"equivalent"`, `"accepted":"timestamps"`, `"carriedTimeValues":`} {
					if !strings.Contains(string(env.Payload), want) {
						t.Errorf("the summary lacks %s:\n%s", want, env.Payload)
					}
				}
			},
		},
		{
			// Task 0.1: its inject-sbom-and-push step committed the SBOM after the build; the
			// build-args file went as --build-arg-file, which the replay passes as 0.2's lines.
			name: "task-0.1-sbom-layer", fixture: "context-subdir",
			params: oldTask.Overlay(world.Params{"CONTEXT": "app", "DOCKERFILE": "Containerfile", "BUILD_ARGS": []string{"VERSION=1.2.3"},
				"BUILD_ARGS_FILE": "build-args.conf", "LABELS": nil, "ANNOTATIONS": nil, "ANNOTATIONS_FILE": nil, "BUILD_TIMESTAMP": nil,
				"SOURCE_URL": nil, "STORAGE_DRIVER": "vfs"}),
			task: world.TaskRun{Version: "0.1", Started: time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			flags: func(*testing.T, *world.World, world.Published) []string {
				return []string{"--storage-driver", "vfs", "--report", filepath.Join(dir, "0.1.json")}
			},
			exit: 1, want: []string{"rebuild: warning: the task's inject-sbom-and-push step committed the SBOM as a layer after the build",
				"rebuild: verify: different: ", "only by the layer the task committed after the build and time values"},
			checkOut: func(t *testing.T, w *world.World, p world.Published, _ rebuildResult) {
				checkTaskLayer(t, filepath.Join(dir, "0.1.json"), "/root/buildinfo/content_manifests/sbom-cyclonedx.json", "/root/buildinfo/content_manifests/sbom-purl.json")
			},
		},
		{
			// Task 0.2 before 2024-09-27: buildah read the checkout's Containerfile, and the
			// ignore file beside it rather than the context's; before 2024-11-29 the SBOM layer.
			name: "task-0.2-early", fixture: "ignore-beside",
			params: oldTask.Overlay(world.Params{"DOCKERFILE": "Containerfile", "ANNOTATIONS": nil, "ANNOTATIONS_FILE": nil,
				"BUILD_TIMESTAMP": nil, "SOURCE_URL": nil, "STORAGE_DRIVER": "vfs"}),
			task: world.TaskRun{Version: "0.2", Started: time.Date(2024, 8, 20, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			flags: func(*testing.T, *world.World, world.Published) []string { return []string{"--storage-driver", "vfs"} },
			exit:  1, want: []string{"rebuild: verify: different: ", "only by the layer the task committed after the build and time values"},
		},
		{
			// Task 0.4 between b170025a (2025-04-11) and efddcd82 (2025-08-18), prefetched:
			// inject-icm-to-containerfile appended the /usr/share/buildinfo COPY line alone.
			name: "hermetic-task-0.4-icm", fixture: "hermetic-generic",
			params: oldTask.Overlay(world.Params{"DOCKERFILE": "Containerfile", "SOURCE_URL": nil, "ICM_KEEP_COMPAT_LOCATION": nil,
				"PREFETCH_INPUT": `{"type":"generic","path":"."}`, "HERMETIC": "true"}),
			task: world.TaskRun{Version: "0.4", Started: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			exit: 5, want: []string{"rebuild: verify: equivalent: ", "labels 1"},
		},
		{
			// Task 0.3, prefetched: its icm step committed content-sets.json after the build.
			name: "hermetic-task-0.3-icm-step", fixture: "hermetic-generic",
			params: oldTask.Overlay(world.Params{"DOCKERFILE": "Containerfile", "SOURCE_URL": nil, "ANNOTATIONS": nil, "ANNOTATIONS_FILE": nil,
				"BUILD_TIMESTAMP": nil, "STORAGE_DRIVER": "vfs", "ICM_KEEP_COMPAT_LOCATION": nil,
				"PREFETCH_INPUT": `{"type":"generic","path":"."}`, "HERMETIC": "true"}),
			task: world.TaskRun{Version: "0.3", Started: time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			flags: func(*testing.T, *world.World, world.Published) []string {
				return []string{"--storage-driver", "vfs", "--report", filepath.Join(dir, "icm.json")}
			},
			exit: 1, want: []string{"rebuild: warning: the task's icm step committed content-sets.json as a layer after the build",
				"rebuild: verify: different: ", "only by the layer the task committed after the build and time values"},
			checkOut: func(t *testing.T, w *world.World, p world.Published, _ rebuildResult) {
				checkTaskLayer(t, filepath.Join(dir, "icm.json"), "/root/buildinfo/content_manifests/content-sets.json")
			},
		},
		{
			// Task 0.2 before 2024-10-23: a HERMETIC build's network namespace had its loopback
			// down (9816995e brought it up); the image differs by the SBOM layer alone.
			name: "task-0.2-hermetic-no-loopback", fixture: "hermetic-network",
			params: oldTask.Overlay(world.Params{"DOCKERFILE": "Containerfile", "HERMETIC": "true", "ANNOTATIONS": nil, "ANNOTATIONS_FILE": nil,
				"BUILD_TIMESTAMP": nil, "SOURCE_URL": nil, "STORAGE_DRIVER": "vfs"}),
			task: world.TaskRun{Version: "0.2", Started: time.Date(2024, 10, 15, 9, 0, 0, 0, time.UTC)}, buildah: "1.41.5",
			flags: func(*testing.T, *world.World, world.Published) []string { return []string{"--storage-driver", "vfs"} },
			exit:  1, want: []string{"rebuild: build no network for its steps, as the task's `unshare --net`",
				"rebuild: verify: different: ", "only by the layer the task committed after the build and time values"},
			checkOut: func(t *testing.T, w *world.World, p world.Published, _ rebuildResult) {
				wantNetworkSeen(t, p, "down")
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) { runVerifyCase(t, w, c, epoch.AddDate(0, 3, i)) })
	}
}

// checkCarried checks that the report at path found the rebuild equivalent and carried a
// value at each of wheres (a prefix of a Carried's where).
func checkCarried(t *testing.T, path string, wheres ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Equivalence struct {
			Equivalent bool
			Carried    []struct{ Where, Published, Rebuilt string }
		}
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Equivalence.Equivalent {
		t.Errorf("report: not equivalent:\n%s", tail(string(data), 2000))
	}
	for _, w := range wheres {
		found := false
		for _, c := range rep.Equivalence.Carried {
			found = found || strings.Contains(c.Where, w)
		}
		if !found {
			t.Errorf("report: nothing carried at %q: %+v", w, rep.Equivalence.Carried)
		}
	}
}

// TestVFS: an image built with STORAGE_DRIVER=vfs (0.4's default until 2025-04-30) is
// identical when rebuilt into a vfs store, as the plan's PLAN107 and the rebuild's warning
// tell the user to do.
func TestVFS(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	params := world.Params{"DOCKERFILE": "Containerfile", "STORAGE_DRIVER": "vfs"}
	for i, c := range []verifyCase{
		{
			name: "vfs", fixture: "vfs", params: params,
			flags: func(*testing.T, *world.World, world.Published) []string { return []string{"--storage-driver", "vfs"} },
			exit:  0, want: []string{"rebuild: verify: identical"},
		},
	} {
		t.Run(c.name, func(t *testing.T) { runVerifyCase(t, w, c, epoch.AddDate(0, 4, i)) })
	}
}

// checkTaskLayer checks that the report at path set the layer the task committed aside, with
// the files want, and proved the rest the published image but for time values.
func checkTaskLayer(t *testing.T, path string, want ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Causes []string
		Layers []struct {
			Causes []string
			Files  []struct{ Path string }
		}
		Equivalence struct{ Equivalent, TaskLayer bool }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Equivalence.Equivalent || !rep.Equivalence.TaskLayer {
		t.Errorf("report: equivalence %+v, want proven with the task layer", rep.Equivalence)
	}
	var files []string
	for _, l := range rep.Layers {
		if len(l.Causes) > 0 && l.Causes[0] == "task-layer" {
			for _, f := range l.Files {
				files = append(files, f.Path)
			}
		}
	}
	for _, w := range want {
		if !slices.Contains(files, w) {
			t.Errorf("report: the layer set aside lists %v, not %s", files, w)
		}
	}
	if slices.Contains(rep.Causes, "added-or-missing") {
		t.Errorf("report: causes %v: the task layer's files counted as added", rep.Causes)
	}
}
