package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/plan"
)

func init() { commands["plan"] = planCommand }

const planUsage = `Usage: rebuild plan [--offline] [--allow-local-git] < attestation.json

Reads a provenance as rebuild does and prints, on stdout, what a rebuild would build as JSON
(docs/plan.md), and on stderr its findings, one a line. Without --offline it also fetches the
commit (into memory), the SBOM and the image manifests, to check that they are there.

Exit codes: 0 can rebuild and expects the published image ID, 1 can rebuild but expects a
different one, 2 cannot rebuild (or bad usage or input).

Flags:
`

// planCommand is `rebuild plan`.
func planCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rebuild plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, planUsage)
		fs.PrintDefaults()
	}
	offline := fs.Bool("offline", false, "read nothing but stdin: no git, SBOM or registry checks")
	allowLocalGit := fs.Bool("allow-local-git", false, "plan for a git URL that is a local path or file://, as rebuild --allow-local-git")
	var engineDir string
	engineFlag(fs, &engineDir)
	noStepImage := fs.Bool("no-step-image", false, "plan as rebuild --no-step-image: refuse a buildah no engine has")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return plan.ExitIdentical
		}
		return plan.ExitCannot
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rebuild plan: error: unexpected argument %q: the attestation is read from stdin\n", fs.Arg(0))
		return plan.ExitCannot
	}
	att, err := plan.ReadAttestation(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "rebuild plan: error: %v\n", err)
		return plan.ExitCannot
	}
	env := plan.Env{Platform: runtime.GOOS + "/" + runtime.GOARCH, BuildahVersion: build.Version, Now: time.Now(), AllowLocalGit: *allowLocalGit, NoStepImage: *noStepImage}
	engines, err := build.Engines(engineDir)
	if err != nil {
		fmt.Fprintf(stderr, "rebuild plan: error: %v\n", err)
		return plan.ExitCannot
	}
	for _, e := range engines {
		env.Engines = append(env.Engines, e.Version)
	}
	sys := &types.SystemContext{}
	var ev plan.Evidence
	if !*offline {
		ev = plan.Gather(ctx, att, env, sys)
	}
	p := plan.Make(att, env, ev)
	if !*offline {
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
