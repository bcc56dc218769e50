package main

import (
	"fmt"
	"io"
)

// reporter writes what a person reads to stderr: phase lines unless quiet, warnings always.
type reporter struct {
	w     io.Writer
	quiet bool
}

func (r reporter) phase(name, format string, args ...any) {
	if !r.quiet {
		fmt.Fprintf(r.w, "rebuild: %-5s %s\n", name, fmt.Sprintf(format, args...))
	}
}

func (r reporter) warn(format string, args ...any) {
	fmt.Fprintf(r.w, "rebuild: warning: %s\n", fmt.Sprintf(format, args...))
}

// detail is where buildah's and the clone's own lines go.
func (r reporter) detail() io.Writer {
	if r.quiet {
		return io.Discard
	}
	return r.w
}
