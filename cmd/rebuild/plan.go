package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/plan"
	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

const planLong = `Reads a provenance (on stdin) as rebuild does and prints, on stdout, what a rebuild would build
as JSON (docs/plan.md), and on stderr its findings, one a line. Without --offline it also
fetches the commit (into memory), the SBOM and the image manifests, to check that they are there.

Exit codes: 0 can rebuild and expects the published image ID, 1 can rebuild but expects a
different one, 2 cannot rebuild (or bad usage or input).`

// newPlanCommand is `rebuild plan`.
func newPlanCommand(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, code *int) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan [--offline] [--allow-local-git] < attestation.json",
		Short: "Say what a rebuild of the attestation on stdin would do, and expect",
		Long:  planLong,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unexpected argument %q: the attestation is read from stdin", args[0])
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error {
			*code = planCommand(ctx, o, stdin, stdout, stderr)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&o.offline, "offline", false, "read nothing but stdin: no git, SBOM or registry checks")
	fs.BoolVar(&o.allowLocalGit, "allow-local-git", false, "plan for a git URL that is a local path or file://, as rebuild --allow-local-git")
	engineFlag(fs, &o.engineDir)
	fs.BoolVar(&o.noStepImage, "no-step-image", false, "plan as rebuild --no-step-image: refuse a buildah no engine has")
	return cmd
}

// planOptions are rebuild plan's flags.
type planOptions struct {
	offline, allowLocalGit, noStepImage bool
	engineDir                           string
}

// planCommand plans from the attestation on stdin and returns the plan's exit code.
func planCommand(ctx context.Context, o planOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	att, err := plan.ReadAttestation(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "rebuild plan: error: %v\n", err)
		return plan.ExitCannot
	}
	env := plan.Env{Platform: runtime.GOOS + "/" + runtime.GOARCH, BuildahVersion: build.Version, Now: time.Now(), AllowLocalGit: o.allowLocalGit, NoStepImage: o.noStepImage, Emulates: rebuild.Emulates}
	engines, err := build.Engines(o.engineDir)
	if err != nil {
		fmt.Fprintf(stderr, "rebuild plan: error: %v\n", err)
		return plan.ExitCannot
	}
	for _, e := range engines {
		env.Engines = append(env.Engines, e.Version)
	}
	sys := &types.SystemContext{}
	var ev plan.Evidence
	if !o.offline {
		ev = plan.Gather(ctx, att, env, sys)
	}
	p := plan.Make(att, env, ev)
	if !o.offline {
		p.CheckImages(ctx, sys)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		fmt.Fprintf(stderr, "rebuild plan: error: writing the plan: %v\n", err)
		return plan.ExitCannot
	}
	_ = p.WriteFindings(stderr)
	return p.Exit
}
