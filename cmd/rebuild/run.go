package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
		err = rebuild(ctx, cfg, stdin, stdout, reporter{w: stderr, quiet: cfg.quiet})
	}
	return fail(stderr, interrupted(ctx, err))
}

// fail prints err as the one error line and returns its exit code.
func fail(stderr io.Writer, err error) int {
	if err != nil && !errors.Is(err, errNotIdentical) { // the verdict is already printed
		fmt.Fprintf(stderr, "rebuild: error: %v\n", err)
	}
	return exitCode(err)
}

// rebuild is the main job: read, fetch the inputs, build, print the image ID, then what
// comes after the build.
func rebuild(ctx context.Context, cfg config, stdin io.Reader, stdout io.Writer, r reporter) error {
	stdin, input := recordInput(cfg, stdin)
	recipe, err := readRecipe(cfg, stdin, r)
	if err != nil {
		return err
	}
	in, err := fetchInputs(ctx, cfg, recipe, r)
	if err != nil {
		return err
	}
	defer in.close()
	id, err := buildImage(ctx, cfg, in, r)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, id)
	return afterBuild(ctx, cfg, recipe, in, id, input, r)
}
