package build

import (
	"fmt"
	"os"
	"strconv"

	securejoin "github.com/cyphar/filepath-securejoin"
	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"
)

// stepImageCommand is the name this binary re-executes itself under to enter a step image.
const stepImageCommand = "rebuild-enter-step-image"

func init() {
	reexec.Register(stepImageCommand, enterStepImage)
}

// enterStepImage runs in a child started in a mount namespace of its own, with the
// arguments ROOT N (SOURCE TARGET)... PROGRAM ARG...: it binds /proc, /dev, /sys and each
// SOURCE onto TARGET under ROOT, in order, chroots into ROOT and executes PROGRAM. It never
// returns.
func enterStepImage() {
	err := enter(os.Args[1:])
	fmt.Fprintf(os.Stderr, "rebuild: entering the step image: %v\n", err)
	os.Exit(125)
}

func enter(args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("%d arguments", len(args))
	}
	root := args[0]
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 0 || len(args) < 3+2*n {
		return fmt.Errorf("bad bind count %q", args[1])
	}
	binds, program := args[2:2+2*n], args[2+2*n:]
	// Nothing mounted here may reach the parent namespace.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	for _, dir := range []string{"/proc", "/dev", "/sys"} {
		if err := bind(root, dir, dir, unix.MS_REC); err != nil {
			return err
		}
	}
	for i := 0; i < len(binds); i += 2 {
		if err := bind(root, binds[i], binds[i+1], 0); err != nil {
			return err
		}
	}
	if err := unix.Chroot(root); err != nil {
		return fmt.Errorf("chroot %s: %w", root, err)
	}
	if err := os.Chdir("/"); err != nil {
		return err
	}
	return unix.Exec(program[0], program, os.Environ())
}

// bind mounts dir onto path under root, making the mount point if needed; the image's
// symbolic links are followed within root, never out of it.
func bind(root, dir, path string, flags uintptr) error {
	target, err := securejoin.SecureJoin(root, path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("making %s: %w", target, err)
	}
	if err := unix.Mount(dir, target, "", unix.MS_BIND|flags, ""); err != nil {
		return fmt.Errorf("binding %s: %w", dir, err)
	}
	return nil
}
