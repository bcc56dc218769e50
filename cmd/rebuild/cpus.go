package main

import (
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// cpuGroups divides the CPUs this process may run on among jobs: min(jobs, CPUs) groups of
// adjacent CPUs, as even as they can be. Nil when there is nothing to divide (one job, one
// CPU, or the affinity cannot be read): the jobs then run where the kernel puts them.
//
// A rebuild's CPU goes mostly to buildah's helper processes (a copier or chroot re-execution
// for each file operation, about 40 an image), and starting processes is what scales worst
// where wakeups and page faults cross CPUs: on a virtual machine of 2 CPUs, a batch of
// --jobs 2 free to run anywhere took 1.2x the time of one with each job on its own CPU, and
// 1.2x its CPU (farm-bench, 6 images).
func cpuGroups(jobs int) []*unix.CPUSet {
	var all unix.CPUSet
	if jobs < 2 || unix.SchedGetaffinity(0, &all) != nil {
		return nil
	}
	return splitCPUs(all, jobs)
}

func splitCPUs(all unix.CPUSet, jobs int) []*unix.CPUSet {
	cpus := cpusIn(&all)
	n := min(jobs, len(cpus))
	if n < 2 {
		return nil
	}
	groups := make([]*unix.CPUSet, n)
	for g := range groups {
		groups[g] = new(unix.CPUSet)
		for _, c := range cpus[g*len(cpus)/n : (g+1)*len(cpus)/n] {
			groups[g].Set(c)
		}
	}
	return groups
}

// startOn starts cmd on the CPUs of set (all of them when set is nil): it is started from a
// thread of its own whose affinity is set, which the child inherits, and which ends with the
// goroutine, so no other goroutine of this process runs on it afterwards.
func startOn(cmd *exec.Cmd, set *unix.CPUSet) error {
	if set == nil {
		return cmd.Start()
	}
	started := make(chan error)
	go func() {
		runtime.LockOSThread()            // never unlocked: the thread exits with this goroutine
		_ = unix.SchedSetaffinity(0, set) // if refused, the job runs anywhere, as without groups
		started <- cmd.Start()
	}()
	return <-started
}

// cpusIn lists the CPUs of set, lowest first.
func cpusIn(set *unix.CPUSet) []int {
	var cpus []int
	for c := range len(set) * 64 {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// cpuList names each group's CPUs as the kernel's lists do: "0; 1" or "0-3; 4-7,12".
func cpuList(groups []*unix.CPUSet) string {
	var out []string
	for _, g := range groups {
		var ranges []string
		cpus := cpusIn(g)
		for i := 0; i < len(cpus); {
			j := i // cpus[i..j] are consecutive
			for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
				j++
			}
			if j == i {
				ranges = append(ranges, strconv.Itoa(cpus[i]))
			} else {
				ranges = append(ranges, fmt.Sprintf("%d-%d", cpus[i], cpus[j]))
			}
			i = j + 1
		}
		out = append(out, strings.Join(ranges, ","))
	}
	return strings.Join(out, "; ")
}
