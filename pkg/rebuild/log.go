package rebuild

import (
	"fmt"
	"io"
	"time"
)

// Log is where a rebuild tells a person what it does: phase lines unless Quiet, warnings
// unless NoWarnings, each prefixed "rebuild: ". A nil *Log, or one with no writer, tells
// nothing.
type Log struct {
	W          io.Writer
	Quiet      bool
	NoWarnings bool
	// LogLevel is buildah's (logrus) level for the engines run as processes: "" for theirs.
	LogLevel string
}

// Phase tells what the rebuild starts doing.
func (l *Log) Phase(name, format string, args ...any) {
	if l != nil && l.W != nil && !l.Quiet {
		fmt.Fprintf(l.W, "rebuild: %-5s %s\n", name, fmt.Sprintf(format, args...))
	}
}

// Warn tells what may surprise: a check skipped, a value that differs from another.
func (l *Log) Warn(format string, args ...any) {
	if l != nil && l.W != nil && !l.NoWarnings {
		fmt.Fprintf(l.W, "rebuild: warning: %s\n", fmt.Sprintf(format, args...))
	}
}

// Detail is where buildah's, the clone's and the pulls' own lines go.
func (l *Log) Detail() io.Writer {
	if l == nil || l.W == nil || l.Quiet {
		return io.Discard
	}
	return l.W
}

// tickEvery is how often a long step says it is still going.
var tickEvery = 5 * time.Second

// Still tells, every tickEvery until stop is called, that the step what of phase is still
// going and for how long: a clone prints nothing of its own for minutes when the server sends
// no progress, and no terminal shows a spinner.
func (l *Log) Still(phase, what string) (stop func()) {
	if l == nil || l.W == nil || l.Quiet {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(tickEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				l.Phase(phase, "%s: still going (%s)", what, now.Sub(start).Round(time.Second))
			}
		}
	}()
	return func() { close(done); <-finished }
}
