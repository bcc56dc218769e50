package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	code := -1
	root := newRoot(ctx, stdin, stdout, stderr, &code)
	root.SetArgs(args)
	err := root.Execute()
	switch {
	case code >= 0: // the command ran and set its own code
		return code
	case err != nil: // cobra refused the command line
		prefix := "rebuild"
		if c, _, ferr := root.Find(args); ferr == nil && c != root && c.Name() != "help" {
			prefix = "rebuild " + c.Name()
		}
		fmt.Fprintf(stderr, "%s: error: %v\n", prefix, fmt.Errorf("%w: %w", errUsage, err))
		return exitBadInput
	}
	return exitDone // help, completion
}

// fail prints err as the one error line and returns its exit code.
func fail(stderr io.Writer, err error) int {
	if err != nil && !errors.Is(err, errNotIdentical) && !errors.Is(err, errEquivalent) { // the verdict is already printed
		fmt.Fprintf(stderr, "rebuild: error: %v\n", err)
	}
	return exitCode(err)
}

// rebuildImage is the main job: read, resolve and fetch the inputs, build, print the image
// ID, then compare when asked. --platform all does it for every platform's build.
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
	job, err := rebuild.Read(ctx, stdin, rc)
	if err != nil {
		return err
	}
	if cfg.platform == allPlatforms {
		return rebuildEveryPlatform(ctx, cfg, v, job, stdout, log)
	}
	return rebuildJob(ctx, cfg, v, job, func(id string) { fmt.Fprintln(stdout, id) }, log)
}

// rebuildJob rebuilds one job, prints its ID with printID, and compares when asked.
func rebuildJob(ctx context.Context, cfg config, v verifier, job *rebuild.Job, printID func(string), log *rebuild.Log) error {
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
	printID(id)
	if cfg.verify {
		return v.verify(ctx, in, id, log)
	}
	return nil
}
