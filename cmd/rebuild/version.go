package main

import (
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/keyless"
	"github.com/rebuild-project/rebuild/pkg/konflux"
)

// newVersionCommand is `rebuild version`: this binary, its Go, the build engines (one per
// buildah version) and the Konflux task versions it replays.
func newVersionCommand(stdout, stderr io.Writer, code *int) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "This binary's version, Go's, the build engines' and the task versions it replays",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			*code = versionCommand(dir, stdout, stderr)
			return nil
		},
	}
	engineFlag(cmd.Flags(), &dir)
	return cmd
}

func versionCommand(dir string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "rebuild %s\ngo      %s %s/%s\n", rebuildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	engines, err := build.Engines(dir)
	if err != nil {
		return fail(stderr, err)
	}
	for _, e := range engines {
		fmt.Fprintf(stdout, "engine  %s\n", e)
	}
	fmt.Fprintln(stdout, "engine  any other buildah: the build step's own image, pulled by digest (unless --no-step-image)")
	fmt.Fprintf(stdout, "keyless %s\n", keylessVersion(dir))
	for _, p := range konflux.Profiles() {
		fmt.Fprintf(stdout, "replays %s %s (%s)\n", strings.Join(p.Tasks, ", "), strings.Join(p.Versions, ", "), p.Name)
	}
	return exitDone
}

// keylessVersion names the keyless verification helper in dir and the sigstore-go it links.
func keylessVersion(dir string) string {
	helper := filepath.Join(dir, keyless.HelperName)
	out, err := exec.Command(helper, "version").Output()
	if err != nil {
		return "none: no " + helper + " (keyless verification is refused)"
	}
	return strings.TrimSpace(string(out)) + " (" + helper + ")"
}

// rebuildVersion is this binary's module version, else the commit it was built from (and
// "+dirty" for uncommitted changes), else "(devel)".
func rebuildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "+dirty"
		}
	}
	if rev == "" {
		return "(devel)"
	}
	return rev[:min(len(rev), 12)] + dirty
}
