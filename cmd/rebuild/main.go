// Command rebuild rebuilds a Konflux-built container image from its signed provenance and
// prints the image ID, as `podman pull` prints it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/containers/buildah"

	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

func main() {
	if buildah.InitReexec() {
		return
	}
	rebuild.BecomeSubreaper()
	// The first SIGINT or SIGTERM cancels ctx: the build stops and what it made is removed
	// (exit 4, "interrupted"). A second one ends the process at once, without that cleanup.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
