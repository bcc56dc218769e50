package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"

	"github.com/spf13/cobra"

	"github.com/rebuild-project/rebuild/pkg/kit"
	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

// maxAttestationSize bounds the attestation lines the kit command keeps.
const maxAttestationSize = 64 << 20

const kitLong = `Writes into DIR (absent or empty) everything a rebuild of the attested image needs, for a
host with no network: the attestation lines (attestation.jsonl), the SBOM (sbom.spdx.json),
the source at the pinned commit with its submodules as a git bundle (source.bundle), every
builder and base image by digest in an OCI layout (images/), and a listing of them with
their sha256 digests and sizes (manifest.json, which also names the buildah that built the
image; when no engine --engines lists has it, the build step's image goes into images/ too).
Then, offline:

    rebuild --kit DIR < attestation.json

Exit codes as rebuild's: 0 done, 2 bad input, 3 inputs unavailable.`

type kitConfig struct {
	dir  string
	base config // the rebuild's flags the kit command shares: --key, --policy, --workdir, -q
}

// newKitCommand is `rebuild kit DIR`.
func newKitCommand(ctx context.Context, stdin io.Reader, stderr io.Writer, code *int) *cobra.Command {
	var c kitConfig
	cmd := &cobra.Command{
		Use:   "kit [flags] DIR < attestation.json",
		Short: "Gather what an offline rebuild needs into DIR",
		Long:  kitLong,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("rebuild kit takes one argument, the kit's folder; the attestation is read from stdin")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			c.dir = args[0]
			*code = fail(stderr, rebuild.Interrupted(ctx, makeKit(ctx, c, stdin, c.base.log(stderr))))
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&c.base.key, "key", "", "PEM public key `file` the envelopes must be signed with, as for rebuild")
	keylessFlags(fs, &c.base.keyless)
	fs.BoolVar(&c.base.allowLocalGit, "allow-local-git", false, "allow a git URL that is a local path or file://, as for rebuild")
	fs.StringVar(&c.base.policy, "policy", "", "signature policy `file` for the image copies (default: /etc/containers/policy.json)")
	fs.StringVar(&c.base.workDir, "workdir", "", "`dir` for the checkout (default: $TMPDIR)")
	fs.BoolVarP(&c.base.quiet, "quiet", "q", false, "print no progress, only warnings and errors")
	engineFlag(fs, &c.base.engines)
	expectFlags(fs, &c.base.expect)
	fs.BoolVar(&c.base.noStepImage, "no-step-image", false, "leave the build step's image out even when no engine has the buildah that built the image")
	return cmd
}

// makeKit resolves the inputs as a rebuild does (the checkout, the SBOM, the pinned images)
// and writes them as a kit.
func makeKit(ctx context.Context, c kitConfig, stdin io.Reader, log *rebuild.Log) error {
	attestation, err := io.ReadAll(io.LimitReader(stdin, maxAttestationSize+1))
	if err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	if len(attestation) > maxAttestationSize {
		return fmt.Errorf("%w: the attestation on stdin is over %d bytes", errUsage, maxAttestationSize)
	}
	rc, err := c.base.library(log)
	if err != nil {
		return err
	}
	job, err := rebuild.Read(ctx, bytes.NewReader(attestation), rc)
	if err != nil {
		return err
	}
	if job.Recipe.Task.Results["SBOM_BLOB_URL"] == "" {
		log.Warn("the provenance records no SBOM_BLOB_URL: rebuild --kit cannot check this kit's SBOM and will refuse it")
	}
	in, err := job.Resolve(ctx)
	if err != nil {
		return err
	}
	defer in.Close()
	// The buildah that built, for the offline rebuild to pick its engine; and, when no engine
	// here has it, the build step's image whose buildah then builds.
	pins := in.Pins
	recorded := job.RecordedBuildah(ctx)
	if e, err := job.Engine(recorded); err == nil && e.Image != "" {
		pins = maps.Clone(pins)
		pins[e.Image] = e.Image
	}
	log.Phase("kit", "writing the source bundle and %d image(s) into %s", len(pins), c.dir)
	m, err := kit.Write(ctx, c.dir, kit.Contents{
		Attestation: attestation,
		SBOM:        in.SBOM,
		Checkout:    in.Source,
		URL:         job.Recipe.Source.URL,
		Commit:      job.Recipe.Source.Commit,
		Pins:        pins,
		Buildah:     recorded,
		Prefetched:  job.Build.Task.Cachi2Artifact,
		Sys:         job.SystemContext(),
		PolicyPath:  c.base.policy,
		Progress:    log.Detail(),
	})
	if err != nil {
		return err
	}
	s := m.Sizes
	log.Phase("kit", "%s: %d files, %d bytes; the parts: %d (attestation %d, SBOM %d, source files %d as a %d-byte bundle, images %d as a %d-byte layout)",
		c.dir, len(m.Files)+1, s.Kit, s.Parts, s.Attestation, s.SBOM, s.SourceFiles, s.Bundle, s.Images, s.Layout)
	return nil
}
