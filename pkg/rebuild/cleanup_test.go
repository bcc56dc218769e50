package rebuild

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
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

// TestHoldNames: rebuilds pinning a name to the same digest hold it side by side; one
// pinning it elsewhere waits until no one holds it, then pulls it and holds it in turn.
func TestHoldNames(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	var mu sync.Mutex
	store := map[string]string{} // name -> the pin it resolves to
	var pulls []string
	holder := func(t *testing.T) *nameHolder {
		h, err := newNameHolder(root, func(name, pin string) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			return store[lockKey(name)] == pin, nil
		}, func(name, pin string) error {
			mu.Lock()
			defer mu.Unlock()
			store[lockKey(name)] = pin
			pulls = append(pulls, name+"="+pin)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	first := holder(t)
	if err := first.hold(ctx, map[string]string{"example.com/builder:latest": "b@sha256:1", "busybox": "bb@sha256:1"}); err != nil {
		t.Fatal(err)
	}
	if len(pulls) != 2 {
		t.Fatalf("pulls %v, want both names pulled", pulls)
	}
	for _, tc := range []struct {
		name    string
		pins    map[string]string
		blocked bool
	}{
		{"same name, same digest", map[string]string{"example.com/builder:latest": "b@sha256:1"}, false},
		{"same name spelled otherwise, same digest", map[string]string{"docker.io/library/busybox:latest": "bb@sha256:1"}, false},
		{"same name, another digest", map[string]string{"example.com/builder:latest": "b@sha256:2"}, true},
		{"same name spelled otherwise, another digest", map[string]string{"docker.io/library/busybox:latest": "bb@sha256:2"}, true},
		{"other name", map[string]string{"example.com/builder:2": "b@sha256:2"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			other := holder(t)
			defer other.release()
			err := other.hold(ctx, tc.pins)
			if tc.blocked != (err != nil) {
				t.Fatalf("blocked = %v (%v), want %v", err != nil, err, tc.blocked)
			}
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want a deadline error", err)
			}
		})
	}
	if len(pulls) != 3 {
		t.Fatalf("pulls %v: want the one other name pulled, nothing pulled while held for another digest", pulls)
	}
	done := make(chan error, 1)
	go func() {
		next := holder(t)
		defer next.release()
		done <- next.hold(ctx, map[string]string{"busybox": "bb@sha256:2"})
	}()
	time.Sleep(3 * lockInterval)
	first.release()
	if err := <-done; err != nil {
		t.Fatalf("after the release: %v", err)
	}
	if got := pulls[len(pulls)-1]; got != "busybox=bb@sha256:2" {
		t.Errorf("last pull %q, want busybox moved to its new digest", got)
	}
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
