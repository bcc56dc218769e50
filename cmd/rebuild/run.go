package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

// command is a subcommand: `rebuild NAME ...`. Subcommands register themselves in init.
type command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int

var commands = map[string]command{}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if cmd, ok := commands[args[0]]; ok {
			return cmd(ctx, args[1:], stdin, stdout, stderr)
		}
	}
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitDone
	}
	if err == nil {
		err = rebuildImage(ctx, cfg, stdin, stdout, cfg.log(stderr))
	}
	return fail(stderr, rebuild.Interrupted(ctx, err))
}

// fail prints err as the one error line and returns its exit code.
func fail(stderr io.Writer, err error) int {
	if err != nil && !errors.Is(err, errNotIdentical) && !errors.Is(err, errEquivalent) { // the verdict is already printed
		fmt.Fprintf(stderr, "rebuild: error: %v\n", err)
	}
	return exitCode(err)
}

// rebuildImage is the main job: read, resolve and fetch the inputs, build, print the image
// ID, then compare when asked.
func rebuildImage(ctx context.Context, cfg config, stdin io.Reader, stdout io.Writer, log *rebuild.Log) error {
	rc, err := cfg.library(log)
	if err != nil {
		return err
	}
	var v verifier
	if cfg.verify {
		if v, err = cfg.verifier(); err != nil {
			return err
		}
	}
	job, err := rebuild.Read(stdin, rc)
	if err != nil {
		return err
	}
	in, err := job.Resolve(ctx)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := in.Fetch(ctx); err != nil {
		return err
	}
	id, err := in.Build(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, id)
	if cfg.verify {
		return v.verify(ctx, in, id, log)
	}
	return nil
}
