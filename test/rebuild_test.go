package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/rebuild-project/rebuild/test/world"
)

type rebuildResult struct {
	stdout, stderr string
	exit           int
	store          world.Store // the rebuild's store, for diagnosis; the caller removes it
}

// runRebuild runs the rebuild command on attestation with a store of its own, as a user
// would, with args after the store and policy flags.
func runRebuild(ctx context.Context, w *world.World, attestation []byte, args ...string) (rebuildResult, error) {
	return runSubcommand(ctx, w, attestation, "", args...)
}

// runSubcommand is runRebuild for `rebuild COMMAND` ("" for none).
func runSubcommand(ctx context.Context, w *world.World, attestation []byte, command string, args ...string) (rebuildResult, error) {
	store, err := w.NewStore("rebuild-")
	if err != nil {
		return rebuildResult{}, err
	}
	res := rebuildResult{store: store}
	argv := append([]string{"--storage", store.Root, "--runroot", store.RunRoot, "--policy", w.Policy}, args...)
	if command != "" {
		argv = append([]string{command}, argv...)
	}
	cmd := exec.CommandContext(ctx, rebuildBin, argv...)
	cmd.Env = w.Env()
	cmd.Stdin = bytes.NewReader(attestation)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	res.stdout, res.stderr = stdout.String(), stderr.String()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.exit = exit.ExitCode()
	case err != nil:
		_ = store.Remove()
		return rebuildResult{}, fmt.Errorf("running rebuild: %w", err)
	}
	return res, nil
}
