package main

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

const verifyLong = `Verifies IMAGE (a tag or a digest) by its name, as cosign verify-attestation takes it: finds
the attestations cosign attached to it in its registry (the .att image, or sigstore bundles
among its OCI referrers), keeps those signed with --key or, keyless, by a certificate of the
--certificate-identity and --certificate-oidc-issuer that the --trusted-root's Fulcio issued
and its Rekor logged (sigstore bundles only; checked offline), checks that their build pushed IMAGE,
then rebuilds it and compares, as rebuild --verify does. stdout is the rebuilt image ID.

Several images (arguments, --images-from, --snapshot) are a batch: each is verified in a run
of its own, started in the order given, --jobs at a time on the one store and each on CPUs of
its own, a line on stderr as each ends, a table at the end, stdout "ID IMAGE" a line,
--report one JSON for all, --attest one summary per image (--attest-out with -N before
.json). An image that fails gets the verdict "error"; the others go on.

Exit codes: as rebuild's (0 identical, 1 different, 2 bad input, 3 unavailable: no
attestation attached, a registry not reached; 4 build failed, 5 equivalent). A batch: 0 when
every image is identical (or equivalent and --accept timestamps), 1 when any differs, else
the first failed image's code.`

// newVerifyCommand is `rebuild verify IMAGE`.
func newVerifyCommand(ctx context.Context, stdout, stderr io.Writer, code *int) *cobra.Command {
	var c config
	var b batchOptions
	cmd := &cobra.Command{
		Use:   "verify (--key FILE | --certificate-identity ID --certificate-oidc-issuer URL --trusted-root FILE) [flags] IMAGE...",
		Short: "Find IMAGE's attestations in its registry, rebuild it and compare",
		Long:  verifyLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := c.finish(cmd.Flags())
			if err == nil && !c.signed() {
				err = fmt.Errorf("%w: rebuild verify needs --key, or --certificate-identity and the other keyless flags: attestations read from a registry count only when signed", errUsage)
			}
			var images []string
			if err == nil {
				images, err = batchImages(args, b)
			}
			if err == nil && (len(images) > 1 || b.imagesFrom != "" || b.snapshot != "") {
				*code = runBatch(ctx, cmd.Flags(), c, b, images, stdout, stderr)
				return nil
			}
			if err == nil {
				c.verify = true
				err = verifyByName(ctx, c, images[0], stdout, c.log(stderr))
			}
			*code = fail(stderr, rebuild.Interrupted(ctx, err))
			return nil
		},
	}
	rebuildFlags(cmd.Flags(), &c)
	batchFlags(cmd.Flags(), &b)
	return cmd
}

// verifyByName reads the attestations attached to image and rebuilds from them.
func verifyByName(ctx context.Context, cfg config, image string, stdout io.Writer, log *rebuild.Log) error {
	sys := inputs.WithRegistriesConf(&types.SystemContext{SignaturePolicyPath: cfg.policy})
	subject, err := inputs.ResolveImage(ctx, sys, image)
	if err != nil {
		return err
	}
	log.Phase("read", "reading the attestations attached to %s@%s", subject.Name, subject.Digest)
	lines, err := inputs.FetchAttestations(ctx, sys, subject)
	if err != nil {
		return err
	}
	cfg.expect.Image = subject
	return rebuildImage(ctx, cfg, bytes.NewReader(lines), stdout, log)
}
