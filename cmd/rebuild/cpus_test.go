package main

import (
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func cpuSet(cpus ...int) unix.CPUSet {
	var s unix.CPUSet
	for _, c := range cpus {
		s.Set(c)
	}
	return s
}

func TestSplitCPUs(t *testing.T) {
	for _, tc := range []struct {
		cpus []int
		jobs int
		want string // cpuList of the groups, "" for none
	}{
		{[]int{0, 1}, 2, "0; 1"},
		{[]int{0, 1}, 4, "0; 1"}, // more jobs than CPUs: slots share the groups
		{[]int{0, 1, 2, 3, 4, 5, 6, 7}, 2, "0-3; 4-7"},
		{[]int{0, 1, 2, 3, 4, 5, 6, 7}, 3, "0-1; 2-4; 5-7"},
		{[]int{0, 2, 4, 5, 9}, 2, "0,2; 4-5,9"},
		{[]int{3}, 2, ""},
		{[]int{0, 1}, 1, ""},
		{[]int{100, 101}, 2, "100; 101"},
	} {
		var got string
		if tc.jobs >= 2 {
			if groups := splitCPUs(cpuSet(tc.cpus...), tc.jobs); groups != nil {
				got = cpuList(groups)
			}
		}
		if got != tc.want {
			t.Errorf("splitCPUs(%v, %d) = %q, want %q", tc.cpus, tc.jobs, got, tc.want)
		}
	}
}

// TestStartOn: the child runs on the CPUs given, and this process's threads keep theirs.
func TestStartOn(t *testing.T) {
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Fatal(err)
	}
	one := cpuSet(cpusIn(&all)[0])
	allowed := func(set *unix.CPUSet) string {
		t.Helper()
		var out strings.Builder
		cmd := exec.Command("grep", "Cpus_allowed_list", "/proc/self/status")
		cmd.Stdout = &out
		if err := startOn(cmd, set); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(strings.TrimPrefix(out.String(), "Cpus_allowed_list:"))
	}
	if got, want := allowed(&one), cpuList([]*unix.CPUSet{&one}); got != want {
		t.Errorf("started on %s, want %s", got, want)
	}
	if got, want := allowed(nil), cpuList([]*unix.CPUSet{&all}); got != want {
		t.Errorf("started without a set on %s, want all: %s", got, want)
	}
	var now unix.CPUSet
	if err := unix.SchedGetaffinity(0, &now); err != nil || now != all {
		t.Errorf("this thread's CPUs changed: %v (%v)", cpuList([]*unix.CPUSet{&now}), err)
	}
}
