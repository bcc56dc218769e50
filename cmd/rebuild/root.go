package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

// newRoot is the command line: `rebuild [flags] < attestation.json` and its subcommands. A
// command that runs sets *code; cobra's own refusals (an unknown flag, a missing argument)
// come back from Execute instead. Help goes to stderr: stdout is the image ID.
func newRoot(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, code *int) *cobra.Command {
	var c config
	root := &cobra.Command{
		Use:   "rebuild [flags] < attestation.json",
		Short: "Rebuild a Konflux-built image from its signed provenance and print its image ID",
		Long:  rootLong,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected argument %q: the attestation is read from stdin", args[0])
			}
			return nil
		},
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := c.finish(cmd.Flags())
			if err == nil {
				err = rebuildImage(ctx, c, stdin, stdout, c.log(stderr))
			}
			*code = fail(stderr, rebuild.Interrupted(ctx, err))
			return nil
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout) // `rebuild completion bash` writes the script there
	root.SetErr(stderr)
	help := root.HelpFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		cmd.SetOut(stderr)
		help(cmd, args)
	})
	rebuildFlags(root.Flags(), &c)
	root.AddCommand(
		newVerifyCommand(ctx, stdout, stderr, code),
		newPlanCommand(ctx, stdin, stdout, stderr, code),
		newKitCommand(ctx, stdin, stderr, code),
		newVersionCommand(stdout, stderr, code),
	)
	return root
}
