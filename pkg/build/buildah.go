package build

import (
	"context"
	"fmt"
	"io"

	"github.com/containers/buildah"
	"github.com/containers/buildah/define"
	"github.com/containers/buildah/imagebuildah"
	buildahcli "github.com/containers/buildah/pkg/cli"
	"github.com/containers/buildah/util"
	"github.com/spf13/cobra"
	"go.podman.io/storage"
)

// Version is the buildah library version this binary builds with.
const Version = buildah.Version

// Options are how and where the build runs; none of them changes the image.
type Options struct {
	Store      storage.Store
	PolicyPath string    // signature policy; "" for the system's
	Progress   io.Writer // buildah's step lines; nil discards them
	// ContainerSuffix names the build containers "<image>-<suffix>" (buildah's
	// "working-container" when empty), so that a caller can find what a failed build left.
	ContainerSuffix string
	// LogLevel is passed to an engine or a step image's buildah run as a process
	// (--log-level); "" for theirs. In-process, logrus's global level applies.
	LogLevel string
	// Network is what the build's steps see of the network (isolate.go).
	Network Network
}

// Run runs `buildah build` with the command line argv (flags, then the context folder) with
// the buildah library and returns the image ID. Images are never pulled: the ones the build
// starts from must be in the store under the names the Containerfile uses.
func Run(ctx context.Context, argv []string, o Options) (string, error) {
	return InProcess().Run(ctx, argv, o)
}

// runInProcess is Run in this process, with its network.
func runInProcess(ctx context.Context, argv []string, o Options) (string, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	opts, files, err := buildOptions(argv)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadArgs, err)
	}
	opts.Out, opts.Err, opts.ReportWriter = o.Progress, o.Progress, o.Progress
	opts.In = nil
	opts.PullPolicy = define.PullNever
	opts.SignaturePolicyPath = o.PolicyPath
	opts.NetworkInterface = noNetwork{} // chroot isolation: no netavark needed (network.go)
	opts.ContainerSuffix = o.ContainerSuffix
	id, _, err := imagebuildah.BuildDockerfiles(ctx, o.Store, opts, files...)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBuild, err)
	}
	return id, nil
}

// buildOptions parses argv with buildah's own command-line code, so that every default the
// buildah CLI applies applies here too.
func buildOptions(argv []string) (define.BuildOptions, []string, error) {
	var (
		layer  buildahcli.LayerResults
		bud    buildahcli.BudResults
		fab    buildahcli.FromAndBudResults
		userns buildahcli.UserNSResults
		ns     buildahcli.NameSpaceResults
	)
	cmd := &cobra.Command{Use: "build"}
	flags := cmd.Flags()
	flags.SetInterspersed(false)
	budFlags := buildahcli.GetBudFlags(&bud)
	budFlags.StringVar(&bud.Runtime, "runtime", util.Runtime(), "")
	layerFlags := buildahcli.GetLayerFlags(&layer)
	fabFlags, err := buildahcli.GetFromAndBudFlags(&fab, &userns, &ns)
	if err != nil {
		return define.BuildOptions{}, nil, err
	}
	flags.AddFlagSet(&budFlags)
	flags.AddFlagSet(&layerFlags)
	flags.AddFlagSet(&fabFlags)
	flags.SetNormalizeFunc(buildahcli.AliasFlags)
	if err := flags.Parse(argv); err != nil {
		return define.BuildOptions{}, nil, err
	}
	iopts := buildahcli.BuildOptions{LayerResults: &layer, BudResults: &bud, UserNSResults: &userns, FromAndBudResults: &fab, NameSpaceResults: &ns}
	opts, files, _, err := buildahcli.GenBuildOptions(cmd, flags.Args(), iopts)
	return opts, files, err
}
