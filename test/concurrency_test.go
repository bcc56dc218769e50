package test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestConcurrentRebuilds runs two rebuilds at once on one store and checks that both print
// the published ID: of one image (both pull the same base and name it), and of two images
// whose Containerfiles name the same base tag pinned to different digests (the tag moved
// between the two builds).
func TestConcurrentRebuilds(t *testing.T) {
	w := faultWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	quick := faultPublish(ctx, t, w, quickCase, 2)
	first, second := publishMovedBase(ctx, t, w)
	for _, tc := range []struct {
		name string
		pubs [2]world.Published
	}{
		{"one image", [2]world.Published{quick, quick}},
		{"one name, two digests", [2]world.Published{first, second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := faultDirs(t, w)
			results := rebuildAtOnce(ctx, t, w, tc.pubs[:], s, func() string {
				work, err := w.TempDir("faults-work-")
				if err != nil {
					t.Fatal(err)
				}
				return work
			})
			for i, r := range results {
				if r.err != nil {
					t.Fatal(r.err)
				}
				if want := tc.pubs[i].ImageID; r.code != 0 || strings.TrimSpace(r.stdout) != want {
					t.Errorf("rebuild %d exited %d, printed %q, want %s; stderr:\n%s", i, r.code, r.stdout, want, tail(r.stderr, 3000))
				}
			}
		})
	}
}

// publishMovedBase publishes two images of one fixture whose FROM names faults-base:latest,
// the tag moving between the two: the same name, pinned to two digests.
func publishMovedBase(ctx context.Context, t *testing.T, w *world.World) (world.Published, world.Published) {
	t.Helper()
	base := "FROM " + w.Registry + "/busybox:latest\nCOPY faults-base /etc/faults-base\n"
	if err := w.BuildAndPush(ctx, "faults-base:latest", base, map[string]string{"faults-base": "the first base\n"}); err != nil {
		t.Fatal(err)
	}
	var pubs [2]world.Published
	for i, name := range []string{"faults-samename-1", "faults-samename-2"} {
		if i == 1 {
			if err := w.MoveTag(ctx, "faults-base:latest"); err != nil {
				t.Fatal(err)
			}
		}
		commit, err := w.CreateRepo(ctx, name, filepath.Join("testdata", "faults-samename"), nil, epoch.AddDate(0, 3+i, 0))
		if err != nil {
			t.Fatal(err)
		}
		if pubs[i], err = w.Publish(ctx, world.Build{Name: name, Commit: commit, Params: world.Params{"DOCKERFILE": "Containerfile"}}); err != nil {
			t.Fatalf("publishing %s: %v", name, err)
		}
	}
	if pubs[0].ImageID == pubs[1].ImageID {
		t.Fatalf("the two images of faults-samename have one ID, %s: the base did not move", pubs[0].ImageID)
	}
	return pubs[0], pubs[1]
}

// atOnceResult is how one of several rebuilds run at once ended.
type atOnceResult struct {
	stdout, stderr string
	code           int
	err            error
}

// rebuildAtOnce runs a rebuild of each of pubs at once on the store s, each in the workdir
// workdir gives it, and returns how each ended.
func rebuildAtOnce(ctx context.Context, t *testing.T, w *world.World, pubs []world.Published, s world.Store, workdir func() string) []atOnceResult {
	t.Helper()
	results := make([]atOnceResult, len(pubs))
	var wg sync.WaitGroup
	for i, pub := range pubs {
		work := workdir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			r.stdout, r.stderr, r.code, r.err = faultRunCmd(faultRebuildCmd(ctx, w, pub.Attestation, s, work))
		}()
	}
	wg.Wait()
	return results
}
