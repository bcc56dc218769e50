package test

import (
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
)

// TestBenchmarkBatch measures the throughput of rebuild verify over the e2e world's images:
// one after another in separate processes (the baseline), then as one batch with --jobs 1, 2
// and 4, each on a fresh store, and prints images per minute, the ratios to the baseline and
// the peak RSS of the largest process. It runs only with REBUILD_BENCH_BATCH=1
// (scripts/bench-batch.sh). Target: --jobs 2 at least 1.6x the baseline.
func TestBenchmarkBatch(t *testing.T) {
	if os.Getenv("REBUILD_BENCH_BATCH") != "1" {
		t.Skip("set REBUILD_BENCH_BATCH=1 (scripts/bench-batch.sh) to run the benchmark")
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
	run := func(args ...string) (time.Duration, int64, float64) {
		s, err := w.NewStore("bench-batch-")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Remove()
		argv := append([]string{"verify", "--storage", s.Root, "--runroot", s.RunRoot, "--policy", w.Policy, "--key", w.PubKey, "-q"}, args...)
		cmd := exec.CommandContext(ctx, rebuildBin, argv...)
		cmd.Env = w.Env()
		before := machineCPU(t)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		if err != nil {
			t.Fatalf("rebuild %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 3000))
		}
		return took, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, machineCPU(t).busySince(before)
	}
	var seq, seqCPU time.Duration
	var seqRSS int64
	s, err := w.NewStore("bench-seq-")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Remove()
	seqBefore := machineCPU(t)
	for _, ref := range refs { // the baseline: one process after another on one store
		cmd := exec.CommandContext(ctx, rebuildBin, "verify", "--storage", s.Root, "--runroot", s.RunRoot, "--policy", w.Policy, "--key", w.PubKey, "-q", ref)
		cmd.Env = w.Env()
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rebuild verify %s: %v\n%s", ref, err, tail(string(out), 3000))
		}
		seq += time.Since(start)
		seqCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		seqRSS = max(seqRSS, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	}
	seqMachine := machineCPU(t).busySince(seqBefore)
	perMin := func(d time.Duration) float64 { return float64(len(refs)) / d.Minutes() }
	report := fmt.Sprintf("%d images\nsequential (separate processes): %s, %.1f images/min, peak RSS %d MiB, CPU %s (%.2f cores busy; the machine %.2f of %d)\n",
		len(refs), seq.Round(time.Millisecond), perMin(seq), seqRSS/1024, seqCPU.Round(time.Millisecond), float64(seqCPU)/float64(seq), seqMachine, runtime.NumCPU())
	for _, jobs := range []string{"1", "2", "4"} {
		d, rss, busy := run(append([]string{"--jobs", jobs}, refs...)...)
		report += fmt.Sprintf("batch --jobs %s: %s, %.1f images/min, ratio %.2f to sequential, peak RSS %d MiB, the machine %.2f of %d cores busy\n",
			jobs, d.Round(time.Millisecond), perMin(d), float64(seq)/float64(d), rss/1024, busy, runtime.NumCPU())
	}
	report += "target: --jobs 2 at least 1.6x the sequential throughput\n"
	fmt.Fprint(os.Stderr, report)
	t.Log("\n" + report)
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
