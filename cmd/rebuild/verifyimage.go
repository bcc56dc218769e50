package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

func init() { commands["verify"] = verifyImage }

const verifyUsage = `Usage: rebuild verify --key FILE [flags] IMAGE

Verifies IMAGE (a tag or a digest) by its name, as cosign verify-attestation takes it: finds
the attestations cosign attached to it in its registry (the .att image, or sigstore bundles
among its OCI referrers), keeps those signed with --key, checks that their build pushed IMAGE,
then rebuilds it and compares, as rebuild --verify does. stdout is the rebuilt image ID.

Exit codes: as rebuild's (0 identical, 1 different, 2 bad input, 3 unavailable: no
attestation attached, a registry not reached; 4 build failed, 5 equivalent).

Flags:
`

// verifyImage is `rebuild verify IMAGE`.
func verifyImage(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, rest, err := parseCommand("rebuild verify", verifyUsage, args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitDone
	}
	if err == nil {
		switch {
		case len(rest) != 1:
			err = fmt.Errorf("%w: rebuild verify takes one image, got %d arguments", errUsage, len(rest))
		case cfg.key == "":
			err = fmt.Errorf("%w: rebuild verify needs --key: attestations read from a registry count only when signed", errUsage)
		}
	}
	if err == nil {
		cfg.verify = true
		err = verifyByName(ctx, cfg, rest[0], stdout, cfg.log(stderr))
	}
	return fail(stderr, rebuild.Interrupted(ctx, err))
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
