package build

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestIsolate runs a program as isolate starts engines: in a network namespace of its own,
// where it sees the loopback interface alone, up or down as asked.
func TestIsolate(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a network namespace needs root")
	}
	for _, loopback := range []bool{true, false} {
		cmd := exec.Command("/bin/sh", "-c", "sed -n 's/^ *\\([^:]*\\):.*/\\1/p' /proc/net/dev; grep -c 127.0.0.1 /proc/net/fib_trie || true")
		isolate(cmd, Network{Isolated: true, Loopback: loopback})
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("loopback %v: %v: %s", loopback, err, out)
		}
		lines := strings.Fields(string(out))
		if len(lines) != 2 || lines[0] != "lo" || (lines[1] != "0") == !loopback {
			t.Errorf("loopback %v: saw interfaces and 127.0.0.1 routes %q, want lo alone and routes only when up", loopback, lines)
		}
	}
}
