package world

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Cmd describes one child process.
type Cmd struct {
	Path  string
	Args  []string
	Dir   string
	Env   []string // added to the world's environment
	Stdin io.Reader
}

// Run runs c with the world's environment and returns its stdout; stderr goes to the log
// and, trimmed, into the error when the command fails.
func (w *World) Run(ctx context.Context, c Cmd) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = append(w.Env(), c.Env...)
	cmd.Stdin = c.Stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(&stderr, w.log)
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("running %s %s: %w: %s", c.Path, strings.Join(c.Args, " "), err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes(), nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
