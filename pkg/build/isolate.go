package build

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"
)

// Network is what the build's steps see of the network.
type Network struct {
	// Isolated: a network namespace of the build's own, as the task's `unshare --net` made
	// for hermetic builds; chroot isolation cannot make one for a RUN step, so the whole
	// build (ADD of URLs too) runs in a child process in it.
	Isolated bool
	// Loopback: its loopback interface is up (`ip link set lo up`); without, it is down,
	// as a new namespace starts.
	Loopback bool
}

func (n Network) String() string {
	switch {
	case !n.Isolated:
		return "this host's network"
	case n.Loopback:
		return "no network but loopback"
	default:
		return "no network"
	}
}

const (
	// noNetworkCommand is the name this binary re-executes itself under, in a new network
	// namespace, to set its loopback interface and execute another program there:
	// LOOPBACK PATH ARG0 ARG....
	noNetworkCommand = "rebuild-no-network"
	// childBuildCommand is the name it re-executes itself under to run an in-process build
	// in a child process, taking an engine's command line (engines/main.go).
	childBuildCommand = "rebuild-child-build"
)

func init() {
	reexec.Register(noNetworkCommand, enterNoNetwork)
	reexec.Register(childBuildCommand, childBuild)
}

// isolate makes cmd run in a network namespace of its own, by way of this binary
// re-executed as noNetworkCommand.
func isolate(cmd *exec.Cmd, n Network) {
	if !n.Isolated {
		return
	}
	args := append([]string{noNetworkCommand, strconv.FormatBool(n.Loopback), cmd.Path}, cmd.Args...)
	cmd.Path, cmd.Args = reexec.Self(), args
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Unshareflags |= syscall.CLONE_NEWNET
}

func enterNoNetwork() {
	err := noNetworkExec(os.Args[1:])
	fmt.Fprintf(os.Stderr, "rebuild: entering a network namespace: %v\n", err)
	os.Exit(125)
}

func noNetworkExec(args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("%d arguments", len(args))
	}
	loopback, err := strconv.ParseBool(args[0])
	if err != nil {
		return fmt.Errorf("bad loopback flag %q", args[0])
	}
	if loopback {
		if err := loopbackUp(); err != nil {
			return err
		}
	}
	return unix.Exec(args[1], args[2:], os.Environ())
}

// loopbackUp sets the IFF_UP flag of this network namespace's "lo".
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("a socket to set loopback up: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("reading lo's flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("setting lo up: %w", err)
	}
	return nil
}

// engineArgs is an engine's command line for argv under o (engines/main.go).
func engineArgs(argv []string, o Options) []string {
	args := []string{"--root", o.Store.GraphRoot(), "--runroot", o.Store.RunRoot(),
		"--storage-driver", o.Store.GraphDriverName(), "--policy", o.PolicyPath, "--suffix", o.ContainerSuffix}
	if o.LogLevel != "" {
		args = append(args, "--log-level", o.LogLevel)
	}
	return append(append(args, "--"), argv...)
}

// childBuild is the in-process build in a child process: it reads an engine's command line
// and exits as an engine does (0 and the image ID on stdout, 2 for a command line buildah
// refuses, 4 for a failed build).
func childBuild() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	id, err := childBuildRun(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		// The parent names the failure (ErrBuild, ErrBadArgs) from the exit code.
		code, msg := 4, strings.TrimPrefix(err.Error(), ErrBuild.Error()+": ")
		if errors.Is(err, ErrBadArgs) {
			code, msg = 2, strings.TrimPrefix(err.Error(), ErrBadArgs.Error()+": ")
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(code)
	}
	fmt.Println(id)
	os.Exit(0)
}

func childBuildRun(ctx context.Context, args []string, progress io.Writer) (string, error) {
	var root, runRoot, driver, policy, suffix, level string
	fs := flag.NewFlagSet(childBuildCommand, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&root, "root", "", "")
	fs.StringVar(&runRoot, "runroot", "", "")
	fs.StringVar(&driver, "storage-driver", "", "")
	fs.StringVar(&policy, "policy", "", "")
	fs.StringVar(&suffix, "suffix", "", "")
	fs.StringVar(&level, "log-level", "", "")
	if err := fs.Parse(args); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadArgs, err)
	}
	if level != "" {
		l, err := logrus.ParseLevel(level)
		if err != nil {
			return "", fmt.Errorf("%w: --log-level: %w", ErrBadArgs, err)
		}
		logrus.SetLevel(l)
	}
	opts, err := storage.DefaultStoreOptions()
	if err != nil {
		return "", fmt.Errorf("reading storage configuration: %w", err)
	}
	opts.GraphRoot, opts.RunRoot, opts.GraphDriverName = root, runRoot, driver
	store, err := storage.GetStore(opts)
	if err != nil {
		return "", fmt.Errorf("opening storage at %s: %w", root, err)
	}
	defer func() { _, _ = store.Shutdown(false) }()
	return runInProcess(ctx, fs.Args(), Options{Store: store, PolicyPath: policy, Progress: progress, ContainerSuffix: suffix})
}
