package test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestConcurrencySoak runs 4 rebuilds at once on one store and one workdir, round after
// round (REBUILD_SOAK_ROUNDS, 10 by default), of images that COPY their whole context, run
// RUN steps, share base images and pull them at the same time (the first 3 rounds each on an
// empty store): every rebuild must print its published ID, and nothing (container, mount,
// temporary folder) may be left behind.
func TestConcurrencySoak(t *testing.T) {
	w := faultWorld(t)
	rounds := 10
	if v, err := strconv.Atoi(os.Getenv("REBUILD_SOAK_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var pubs []world.Published
	for i, name := range []string{"flags", "multistage", "context-subdir", "faults-quick"} {
		c := quickCase
		if name != quickCase.name {
			c = caseNamed(t, name)
		}
		if name == "flags" {
			c.after = nil
		}
		pubs = append(pubs, publish(ctx, t, w, c, epoch.AddDate(0, 9, i)))
	}
	const freshRounds = 3
	kept, keptWork := faultDirs(t, w)
	failures := 0
	for round := range rounds {
		// The first rounds start from an empty store each, so that the rebuilds pull their
		// shared bases at once (busybox, builder); the others reuse the store, as a batch does.
		s, work := kept, keptWork
		if round < freshRounds {
			s, work = faultDirs(t, w)
		}
		start := time.Now()
		results := rebuildAtOnce(ctx, t, w, pubs, s, func() string { return work })
		for i, r := range results {
			if r.err != nil {
				t.Fatal(r.err)
			}
			if want := pubs[i].ImageID; r.code != 0 || strings.TrimSpace(r.stdout) != want {
				failures++
				t.Errorf("round %d, rebuild %d exited %d, printed %q, want %s; stderr:\n%s", round, i, r.code, r.stdout, want, tail(r.stderr, 3000))
				if id := strings.TrimSpace(r.stdout); r.code == 0 && world.IsImageID(id) {
					explainMismatch(ctx, t, w, s, pubs[i].Ref, id)
				}
			}
		}
		t.Logf("round %d: %d rebuilds at once in %s", round, len(pubs), time.Since(start).Round(time.Millisecond))
		if round < freshRounds {
			assertClean(ctx, t, w, s, work)
			_ = s.Remove()
		}
		if failures > 0 {
			break
		}
	}
	assertClean(ctx, t, w, kept, keptWork)
}
