package rebuild

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLogStill: a long step says, every tickEvery, that it is still going; stop ends it, and a
// quiet log says nothing.
func TestLogStill(t *testing.T) {
	defer func(d time.Duration) { tickEvery = d }(tickEvery)
	tickEvery = 10 * time.Millisecond
	var buf bytes.Buffer
	stop := (&Log{W: &buf}).Still("clone", "cloning https://git.example/app")
	time.Sleep(35 * time.Millisecond)
	stop()
	n := strings.Count(buf.String(), "rebuild: clone cloning https://git.example/app: still going (")
	if n < 2 {
		t.Errorf("%d lines, want 2 or more:\n%s", n, buf.String())
	}
	after := buf.Len()
	time.Sleep(25 * time.Millisecond)
	if buf.Len() != after {
		t.Errorf("lines after stop:\n%s", buf.String())
	}
	var quiet bytes.Buffer
	(&Log{W: &quiet, Quiet: true}).Still("clone", "x")()
	if quiet.Len() != 0 {
		t.Errorf("a quiet log said %q", quiet.String())
	}
}
