package test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestBenchmarkRebuild times rebuild against a manual rebuild of the same published image with
// the CLIs (git clone, cosign download sbom, buildah pull by digest and tag, then the reference
// Konflux build), alternating the two, and prints the medians and their ratio. It runs only
// with REBUILD_BENCH=1 (scripts/bench.sh); REBUILD_BENCH_RUNS sets the runs of each (5),
// REBUILD_BENCH_CASE the case (the first; "step-image" times the build step image engine
// against the manual rebuild with the same buildah CLI that image holds).
func TestBenchmarkRebuild(t *testing.T) {
	if os.Getenv("REBUILD_BENCH") != "1" {
		t.Skip("set REBUILD_BENCH=1 (scripts/bench.sh) to run the benchmark")
	}
	w := requireWorld(t)
	runs := 5
	if n, err := strconv.Atoi(os.Getenv("REBUILD_BENCH_RUNS")); err == nil && n > 0 {
		runs = n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	c := cases[0]
	if name := os.Getenv("REBUILD_BENCH_CASE"); name != "" {
		i := slices.IndexFunc(cases, func(c e2eCase) bool { return c.name == name })
		if i < 0 {
			t.Fatalf("REBUILD_BENCH_CASE %q: no such case", name)
		}
		c = cases[i]
	}
	pub := publish(ctx, t, w, c, epoch)
	commit := strings.TrimPrefix(pub.Params.String("COMMIT_SHA"), "")

	var ours, manual []time.Duration
	for i := range runs {
		start := time.Now()
		res, err := runRebuild(ctx, w, pub.Attestation)
		if err != nil || res.exit != 0 || strings.TrimSpace(res.stdout) != pub.ImageID {
			t.Fatalf("rebuild run %d: %v, exit %d, stdout %q; stderr:\n%s", i, err, res.exit, res.stdout, tail(res.stderr, 2000))
		}
		ours = append(ours, time.Since(start))
		_ = res.store.Remove()

		start = time.Now()
		id, err := manualRebuild(ctx, w, c, pub, commit)
		if err != nil || id != pub.ImageID {
			t.Fatalf("manual run %d: %v, ID %s, want %s", i, err, id, pub.ImageID)
		}
		manual = append(manual, time.Since(start))
	}
	mo, mm := median(ours), median(manual)
	// The bars: an in-process engine at or below 0.9 of the manual rebuild; the build step
	// image's buildah at most 1.5 times the manual rebuild with that same buildah CLI.
	target := 0.9
	if c.buildah != "" && c.buildah != "1.41.5" && c.buildah != "1.44.0" {
		target = 1.5
	}
	report := fmt.Sprintf("case %s, %d runs each\nrebuild median %s  (runs %v)\nmanual  median %s  (runs %v)\nratio rebuild/manual %.2f (target <= %.2f)\n",
		c.name, runs, mo.Round(time.Millisecond), rounded(ours), mm.Round(time.Millisecond), rounded(manual), float64(mo)/float64(mm), target)
	fmt.Fprint(os.Stderr, report)
	t.Log("\n" + report)
}

// manualRebuild is what a person does with the CLIs, timed as a whole.
func manualRebuild(ctx context.Context, w *world.World, c e2eCase, pub world.Published, commit string) (string, error) {
	dir, err := w.TempDir("manual-")
	if err != nil {
		return "", err
	}
	defer world.RemoveAll(dir)
	source := filepath.Join(dir, "source")
	if _, err := w.Clone(ctx, w.GitURL(c.name), commit, source); err != nil {
		return "", err
	}
	if _, err := w.Run(ctx, world.Cmd{Path: w.Tools.Cosign, Args: []string{"download", "sbom", "--allow-insecure-registry", pub.Ref}}); err != nil {
		return "", err
	}
	store, err := w.NewStore("manual-store-")
	if err != nil {
		return "", err
	}
	defer store.Remove()
	for _, img := range pub.StageImages {
		if err := w.PullAs(ctx, store, repository(img.Ref)+"@"+img.Digest, img.Ref); err != nil {
			return "", err
		}
	}
	buildah, err := w.Tools.BuildahFor(c.buildah)
	if err != nil {
		return "", err
	}
	return w.KonfluxBuild(ctx, source, pub.Params, store, buildah, c.task)
}

// repository drops the tag from a reference written <repo>[:tag].
func repository(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i]
	}
	return ref
}

// median is the middle value of xs (the upper one of an even count).
func median[T cmp.Ordered](xs []T) T {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

func rounded(d []time.Duration) []time.Duration {
	out := make([]time.Duration, len(d))
	for i, v := range d {
		out[i] = v.Round(10 * time.Millisecond)
	}
	return out
}
