package rebuild

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestNamedWithSuffix(t *testing.T) {
	const suffix = "rebuild-0123456789ab"
	for _, tc := range []struct {
		names []string
		want  bool
	}{
		{[]string{"busybox-" + suffix}, true},
		{[]string{"other", "localhost-builder-" + suffix + "-2"}, true},
		{[]string{"busybox-working-container"}, false},
		{[]string{"busybox-rebuild-ffffffffffff"}, false},
		{[]string{"busybox-" + suffix + "-x"}, false},
		{nil, false},
	} {
		if got := namedWithSuffix(tc.names, suffix); got != tc.want {
			t.Errorf("namedWithSuffix(%q) = %v, want %v", tc.names, got, tc.want)
		}
	}
}

func TestLockNames(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	unlock, err := lockNames(ctx, root, map[string]string{"example.com/builder:latest": "", "busybox": ""})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		pins    map[string]string
		blocked bool
	}{
		{"same name", map[string]string{"example.com/builder:latest": ""}, true},
		{"same name, spelled otherwise", map[string]string{"docker.io/library/busybox:latest": ""}, true},
		{"other name", map[string]string{"example.com/builder:2": ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			other, err := lockNames(ctx, root, tc.pins)
			if tc.blocked != (err != nil) {
				t.Fatalf("blocked = %v (%v), want %v", err != nil, err, tc.blocked)
			}
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want a deadline error", err)
			}
			if other != nil {
				other()
			}
		})
	}
	unlock()
	again, err := lockNames(ctx, root, map[string]string{"busybox": ""})
	if err != nil {
		t.Fatalf("locking after the release: %v", err)
	}
	again()
}

// TestKillStrays orphans a process the way a cancelled RUN step does (its parent dies) and
// checks that killStrays ends it.
func TestKillStrays(t *testing.T) {
	BecomeSubreaper()
	out, err := exec.Command("sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $!").Output()
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the orphan %d is not running: %v", pid, err)
	}
	if n := killStrays(); n < 1 {
		t.Errorf("killStrays ended %d processes, want the orphan", n)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("the orphan %d still exists", pid)
	}
}
