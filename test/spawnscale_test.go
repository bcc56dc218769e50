package test

import (
	"fmt"
	"os/exec"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// spawnScaling measures how process starts scale on this machine, to be read beside the
// batch's ratios: a rebuild of the e2e world's images starts about 44 processes each (buildah's
// re-executed helpers), and that part of a batch runs in parallel no better than process
// starts do. It runs n starts of /bin/true (fork, exec, exit) in one loop, then in two loops at
// once, each on a CPU of its own (as a batch's two jobs are), and says how many starts a second
// each way and their ratio.
func spawnScaling(t *testing.T, n int) string {
	t.Helper()
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Fatal(err)
	}
	var cpus []int
	for c := 0; c < len(all)*64 && len(cpus) < 2; c++ {
		if all.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) < 2 {
		return "process starts: one CPU, nothing to compare\n"
	}
	alone := spawnLoops(t, cpus[:1], n)
	together := spawnLoops(t, cpus, n)
	perSec := func(loops int, d time.Duration) float64 { return float64(loops*n) / d.Seconds() }
	a, b := perSec(1, alone), perSec(2, together)
	return fmt.Sprintf("process starts (/bin/true, %d a loop): %.0f/s in one loop on CPU %d, %.0f/s in two loops at once on CPUs %d and %d: %.2fx\n",
		n, a, cpus[0], b, cpus[0], cpus[1], b/a)
}

// spawnLoops runs a loop of n starts of /bin/true on each of cpus, all at once, and returns
// how long they took together.
func spawnLoops(t *testing.T, cpus []int, n int) time.Duration {
	t.Helper()
	errs := make(chan error, len(cpus))
	var wg sync.WaitGroup
	start := time.Now()
	for _, cpu := range cpus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // the thread ends with the goroutine: the pin goes with it
			var set unix.CPUSet
			set.Set(cpu)
			if err := unix.SchedSetaffinity(0, &set); err != nil {
				errs <- err
				return
			}
			for range n {
				if err := exec.Command("/bin/true").Run(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	for err := range errs {
		t.Fatalf("process starts on CPUs %v: %v", cpus, err)
	}
	return took
}
