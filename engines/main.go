// Command engine runs a `buildah build` command line with one version of the buildah library,
// as rebuild's in-process build does (package build): no network backend, no pulls, build
// containers named with a suffix the caller gives. One binary is built per buildah version
// (scripts/build-engines.sh) from this source and the go.mod of that version:
//
//	engine --root DIR --runroot DIR --storage-driver NAME --policy FILE --suffix S -- ARGV...
//	engine version
//
// It prints the image ID on stdout; buildah's own lines go to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

func main() {
	if initReexec() {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && args[0] == "version" {
		fmt.Fprintln(stdout, buildahVersion)
		return 0
	}
	var root, runRoot, driver, policy, suffix string
	fs := flag.NewFlagSet("engine", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&root, "root", "", "storage graph root")
	fs.StringVar(&runRoot, "runroot", "", "storage run root")
	fs.StringVar(&driver, "storage-driver", "", "storage driver")
	fs.StringVar(&policy, "policy", "", "signature policy file")
	fs.StringVar(&suffix, "suffix", "", "suffix of the build containers' names")
	level := fs.String("log-level", "", "buildah's log level (logrus: error, warn, info, debug)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *level != "" {
		l, err := logrus.ParseLevel(*level)
		if err != nil {
			fmt.Fprintf(stderr, "engine: error: --log-level: %v\n", err)
			return 2
		}
		logrus.SetLevel(l)
	}
	id, err := build(ctx, root, runRoot, driver, policy, suffix, fs.Args(), stderr)
	if err != nil {
		fmt.Fprintf(stderr, "engine: error: %v\n", err)
		if errors.Is(err, errArgs) {
			return 2
		}
		return 4
	}
	fmt.Fprintln(stdout, id)
	return 0
}

var errArgs = errors.New("buildah refuses the command line")

func build(ctx context.Context, root, runRoot, driver, policy, suffix string, argv []string, progress io.Writer) (string, error) {
	opts, err := defaultStoreOptions()
	if err != nil {
		return "", fmt.Errorf("reading storage configuration: %w", err)
	}
	if root != "" {
		opts.GraphRoot = root
	}
	if runRoot != "" {
		opts.RunRoot = runRoot
	}
	if driver != "" {
		opts.GraphDriverName = driver
	}
	store, err := getStore(opts)
	if err != nil {
		return "", fmt.Errorf("opening storage at %s: %w", opts.GraphRoot, err)
	}
	defer func() { _, _ = store.Shutdown(false) }()

	bo, files, err := parseArgs(argv)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errArgs, err)
	}
	bo.Out, bo.Err, bo.ReportWriter = progress, progress, progress
	bo.In = nil
	bo.PullPolicy = pullNever
	bo.SignaturePolicyPath = policy
	bo.NetworkInterface = noNetwork{} // chroot isolation: no netavark needed
	bo.ContainerSuffix = suffix
	id, _, err := buildDockerfiles(ctx, store, bo, files...)
	return id, err
}

// parseArgs parses argv with this buildah version's own command-line code, so that every
// default its CLI applies applies here too.
func parseArgs(argv []string) (buildOptions, []string, error) {
	var (
		layer  layerResults
		bud    budResults
		fab    fromAndBudResults
		userns userNSResults
		ns     nameSpaceResults
	)
	cmd := &cobra.Command{Use: "build"}
	flags := cmd.Flags()
	flags.SetInterspersed(false)
	budFlags := getBudFlags(&bud)
	budFlags.StringVar(&bud.Runtime, "runtime", runtimePath(), "")
	layerFlags := getLayerFlags(&layer)
	fabFlags, err := getFromAndBudFlags(&fab, &userns, &ns)
	if err != nil {
		return buildOptions{}, nil, err
	}
	flags.AddFlagSet(&budFlags)
	flags.AddFlagSet(&layerFlags)
	flags.AddFlagSet(&fabFlags)
	flags.SetNormalizeFunc(aliasFlags)
	if err := flags.Parse(argv); err != nil {
		return buildOptions{}, nil, err
	}
	iopts := cliBuildOptions{LayerResults: &layer, BudResults: &bud, UserNSResults: &userns, FromAndBudResults: &fab, NameSpaceResults: &ns}
	opts, files, _, err := genBuildOptions(cmd, flags.Args(), iopts)
	return opts, files, err
}
