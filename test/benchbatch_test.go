package test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// TestBenchmarkBatch measures the throughput of rebuild verify over the e2e world's images:
// one after another in separate processes (the baseline), then as one batch with --jobs 1, 2
// and 4, each on a fresh store, in REBUILD_BENCH_ROUNDS rounds (default 3) so that the
// baseline runs beside each batch, and prints images per minute, the ratios to the round's
// baseline with their medians, and the peak RSS of the largest process; first, how process
// starts scale on this machine (spawnScaling), a limit to any batch of buildah builds. It
// runs only with REBUILD_BENCH_BATCH=1 (scripts/bench-batch.sh). Target: --jobs 2 at least
// 1.6x the baseline.
func TestBenchmarkBatch(t *testing.T) {
	if os.Getenv("REBUILD_BENCH_BATCH") != "1" {
		t.Skip("set REBUILD_BENCH_BATCH=1 (scripts/bench-batch.sh) to run the benchmark")
	}
	rounds, err := strconv.Atoi(cmp.Or(os.Getenv("REBUILD_BENCH_ROUNDS"), "3"))
	if err != nil || rounds < 1 {
		t.Fatalf("REBUILD_BENCH_ROUNDS=%q: want a number of rounds", os.Getenv("REBUILD_BENCH_ROUNDS"))
	}
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	var refs []string
	for i, name := range []string{"multistage", "context-subdir", "faults-quick", "two-builders", "odd-metadata", "packages"} {
		c := quickCase
		if name != quickCase.name {
			c = caseNamed(t, name)
		}
		refs = append(refs, publish(ctx, t, w, c, epoch.AddDate(0, 10, i)).Ref)
	}
	b := batchBench{t: t, ctx: ctx, w: w, refs: refs}
	ratios := map[string][]float64{}
	report := fmt.Sprintf("%d images, %d rounds\n", len(refs), rounds) + spawnScaling(t, 500)
	for round := 1; round <= rounds; round++ {
		seq := b.sequential()
		report += fmt.Sprintf("round %d: sequential (separate processes): %s, %.1f images/min, peak RSS %d MiB, CPU %s (%.2f cores busy; the machine %.2f of %d)\n",
			round, seq.took.Round(time.Millisecond), b.perMin(seq.took), seq.rss/1024, seq.cpu.Round(time.Millisecond), float64(seq.cpu)/float64(seq.took), seq.busy, runtime.NumCPU())
		for _, jobs := range []string{"1", "2", "4"} {
			r := b.batch(jobs)
			ratio := float64(seq.took) / float64(r.took)
			ratios[jobs] = append(ratios[jobs], ratio)
			report += fmt.Sprintf("round %d: batch --jobs %s: %s, %.1f images/min, ratio %.2f to sequential, peak RSS %d MiB, the machine %.2f of %d cores busy\n",
				round, jobs, r.took.Round(time.Millisecond), b.perMin(r.took), ratio, r.rss/1024, r.busy, runtime.NumCPU())
		}
	}
	for _, jobs := range []string{"1", "2", "4"} {
		report += fmt.Sprintf("median batch --jobs %s: ratio %.2f to sequential (rounds: %s)\n", jobs, median(ratios[jobs]), floats(ratios[jobs]))
	}
	report += "target: --jobs 2 at least 1.6x the sequential throughput\n"
	fmt.Fprint(os.Stderr, report)
	t.Log("\n" + report)
}

// batchBench runs the benchmark's commands on the world's published images.
type batchBench struct {
	t    *testing.T
	ctx  context.Context
	w    *world.World
	refs []string
}

// benchRun is how one run went: its time, the CPU of its processes, the peak RSS of the
// largest (KiB) and how many of the machine's cores were busy.
type benchRun struct {
	took, cpu time.Duration
	rss       int64
	busy      float64
}

func (b batchBench) perMin(d time.Duration) float64 { return float64(len(b.refs)) / d.Minutes() }

// verify runs rebuild verify with args on store s.
func (b batchBench) verify(s world.Store, args ...string) benchRun {
	b.t.Helper()
	argv := append([]string{"verify", "--storage", s.Root, "--runroot", s.RunRoot, "--policy", b.w.Policy, "--key", b.w.PubKey, "-q"}, args...)
	cmd := exec.CommandContext(b.ctx, rebuildBin, argv...)
	cmd.Env = b.w.Env()
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.t.Fatalf("rebuild %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 3000))
	}
	return benchRun{took: time.Since(start), cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		rss: cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss}
}

// sequential is the baseline: one process after another on one fresh store.
func (b batchBench) sequential() benchRun {
	s := b.store()
	defer s.Remove()
	before := machineCPU(b.t)
	var all benchRun
	for _, ref := range b.refs {
		r := b.verify(s, ref)
		all.took += r.took
		all.cpu += r.cpu
		all.rss = max(all.rss, r.rss)
	}
	all.busy = machineCPU(b.t).busySince(before)
	return all
}

// batch is one rebuild verify --jobs over every image, on a fresh store.
func (b batchBench) batch(jobs string) benchRun {
	s := b.store()
	defer s.Remove()
	before := machineCPU(b.t)
	r := b.verify(s, append([]string{"--jobs", jobs}, b.refs...)...)
	r.busy = machineCPU(b.t).busySince(before)
	return r
}

func (b batchBench) store() world.Store {
	s, err := b.w.NewStore("bench-batch-")
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

func floats(xs []float64) string {
	var out []string
	for _, x := range xs {
		out = append(out, fmt.Sprintf("%.2f", x))
	}
	return strings.Join(out, " ")
}

// cpuTimes are the machine's CPU times so far (/proc/stat's first line, in clock ticks).
type cpuTimes struct{ busy, total float64 }

func machineCPU(t *testing.T) cpuTimes {
	t.Helper()
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	var c cpuTimes
	fields := strings.Fields(line)
	if len(fields) < 9 {
		t.Fatalf("/proc/stat: %q", line)
	}
	for i, f := range fields[1:9] { // user nice system idle iowait irq softirq steal (guest is in user)
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatalf("/proc/stat: %v", err)
		}
		c.total += v
		if i != 3 && i != 4 { // idle, iowait
			c.busy += v
		}
	}
	return c
}

// busySince is how many cores were busy on average since before, the whole machine's.
func (c cpuTimes) busySince(before cpuTimes) float64 {
	return (c.busy - before.busy) / (c.total - before.total) * float64(runtime.NumCPU())
}
