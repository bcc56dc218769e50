package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
)

// config is the command line.
type config struct {
	storage       string
	runRoot       string
	storageDriver string
	policy        string
	workDir       string
	quiet         bool
}

const usage = `Usage: rebuild [flags] < attestation.json

Rebuilds a Konflux-built container image from its signed SLSA provenance (the output of
cosign verify-attestation, one DSSE envelope per line) and prints the image ID, as
podman pull prints it, on stdout. Progress goes to stderr.

Exit codes: 0 done, 1 not identical (reserved), 2 bad input, 3 inputs unavailable
(git, registry, SBOM), 4 build failed.

Flags:
`

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.storage, "storage", "/var/lib/containers/storage", "container storage graph root `dir`")
	fs.StringVar(&c.runRoot, "runroot", "", "container storage run root `dir` (default: the system's, or <storage>/.runroot with --storage)")
	fs.StringVar(&c.storageDriver, "storage-driver", "", "storage `driver` (default: storage.conf's, else overlay)")
	fs.StringVar(&c.policy, "policy", "", "signature policy `file` for pulls (default: /etc/containers/policy.json)")
	fs.StringVar(&c.workDir, "workdir", "", "`dir` for the checkout and temporary files (default: $TMPDIR)")
	fs.BoolVar(&c.quiet, "q", false, "print no progress, only warnings and errors")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return c, err
		}
		return c, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected argument %q: the attestation is read from stdin", errUsage, fs.Arg(0))
	}
	storageSet := false
	fs.Visit(func(f *flag.Flag) { storageSet = storageSet || f.Name == "storage" })
	if storageSet && c.runRoot == "" {
		c.runRoot = filepath.Join(c.storage, ".runroot")
	}
	return c, nil
}
