package rebuild

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// RUN steps run as descendants of this process (chroot isolation: no PID namespace to end
// them). When a build is cancelled, buildah kills its direct child and the step's own
// processes are orphaned; as a child subreaper this process inherits them, and killStrays
// ends them.

// BecomeSubreaper makes this process the parent of its descendants' orphans.
func BecomeSubreaper() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// maxStrayRounds bounds killStrays: each round kills the current children, whose own
// children then become this process's.
const maxStrayRounds = 100

// killStrays kills and reaps every child process left once the build has returned (none
// should be) and returns how many there were.
func killStrays() int {
	killed := 0
	for range maxStrayRounds {
		kids := children(os.Getpid())
		if len(kids) == 0 {
			break
		}
		for _, pid := range kids {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		for _, pid := range kids {
			var ws unix.WaitStatus
			_, _ = unix.Wait4(pid, &ws, 0, nil)
		}
		killed += len(kids)
	}
	return killed
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		end := strings.LastIndexByte(string(data), ')')
		if end < 0 {
			continue
		}
		fields := strings.Fields(string(data[end+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(pid) {
			continue
		}
		if child, err := strconv.Atoi(filepath.Base(filepath.Dir(path))); err == nil {
			out = append(out, child)
		}
	}
	return out
}
