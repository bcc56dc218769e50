package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/containers/buildah"
	"github.com/containers/buildah/define"
	"github.com/containers/buildah/imagebuildah"
	buildahcli "github.com/containers/buildah/pkg/cli"
	"github.com/containers/buildah/util"
	"github.com/spf13/cobra"
	"go.podman.io/storage"
	"golang.org/x/sys/unix"
)

// Options are how and where the build runs; none of them changes the image.
type Options struct {
	Store      storage.Store
	PolicyPath string    // signature policy; "" for the system's
	Arch       string    // what `uname -m` printed on the task's machine; "" for this machine's
	Progress   io.Writer // buildah's step lines; nil discards them
	Now        func() time.Time
	// ContainerSuffix names the build containers "<image>-<suffix>" (buildah's
	// "working-container" when empty), so that a caller can find what a failed build left.
	ContainerSuffix string
}

// Build replays the task: it writes the injected files, runs the build with the buildah
// library and returns the image ID. Base images must already be in the store under the
// names the Containerfile uses.
func (p *Prepared) Build(ctx context.Context, o Options) (string, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Arch == "" {
		o.Arch = unameMachine()
	}
	var base map[string]string
	if p.Task.InheritBaseImageLabels && len(p.Froms()) > 0 {
		if name := p.File.FinalBase(); name != "" {
			var err error
			if base, err = imageLabels(ctx, o.Store, name); err != nil {
				return "", err
			}
		}
	}
	inj, err := p.inject(base, o.Arch, buildah.Version, o.Now())
	if inj != nil && inj.workDir != "" {
		defer os.RemoveAll(inj.workDir)
	}
	if err != nil {
		return "", err
	}
	opts, files, err := buildOptions(p.argv(inj))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadTask, err)
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

func unameMachine() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Machine[:])
}
