package world

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

func (w *World) generateKeys(ctx context.Context) error {
	dir := filepath.Join(w.Dir, "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating key dir: %w", err)
	}
	if _, err := w.Run(ctx, Cmd{Path: w.Tools.Cosign, Args: []string{"generate-key-pair"}, Dir: dir}); err != nil {
		return fmt.Errorf("generating cosign keys: %w", err)
	}
	w.Key = filepath.Join(dir, "cosign.key")
	w.PubKey = filepath.Join(dir, "cosign.pub")
	return nil
}

// AttachSBOM attaches sbom to ref (repo@digest) as cosign's sha256-<digest>.sbom tag.
func (w *World) AttachSBOM(ctx context.Context, ref, sbom string) error {
	args := []string{"attach", "sbom", "--type", "spdx", "--sbom", sbom, "--allow-insecure-registry", ref}
	if _, err := w.Run(ctx, Cmd{Path: w.Tools.Cosign, Args: args}); err != nil {
		return fmt.Errorf("attaching SBOM to %s: %w", ref, err)
	}
	return nil
}

// Attest signs predicate as an SLSA provenance of ref with the world's key.
func (w *World) Attest(ctx context.Context, ref, predicate string) error {
	args := []string{"attest", "--yes", "--key", w.Key, "--type", "slsaprovenance", "--predicate", predicate,
		"--tlog-upload=false", "--allow-insecure-registry", ref}
	if _, err := w.Run(ctx, Cmd{Path: w.Tools.Cosign, Args: args}); err != nil {
		return fmt.Errorf("attesting %s: %w", ref, err)
	}
	return nil
}

// SignStatement signs statement (an in-toto statement, as Chains writes it, with every
// subject of its pipeline run) with the world's key and returns the DSSE envelope, as cosign
// attest signs a predicate (cosign 2.6's attest takes no statement; attest-blob does).
func (w *World) SignStatement(ctx context.Context, statement string) ([]byte, error) {
	envelope := statement + ".dsse.json"
	args := []string{"attest-blob", "--yes", "--key", w.Key, "--statement", statement,
		"--tlog-upload=false", "--output-signature", envelope}
	if _, err := w.Run(ctx, Cmd{Path: w.Tools.Cosign, Args: args}); err != nil {
		return nil, fmt.Errorf("signing %s: %w", statement, err)
	}
	data, err := os.ReadFile(envelope)
	if err != nil {
		return nil, fmt.Errorf("reading the signed %s: %w", statement, err)
	}
	return data, nil
}

// VerifyAttestation returns what cosign verify-attestation prints on stdout for ref.
func (w *World) VerifyAttestation(ctx context.Context, ref string) ([]byte, error) {
	args := []string{"verify-attestation", "--key", w.PubKey, "--insecure-ignore-tlog", "--type", "slsaprovenance",
		"--allow-insecure-registry", ref}
	out, err := w.Run(ctx, Cmd{Path: w.Tools.Cosign, Args: args})
	if err != nil {
		return nil, fmt.Errorf("verifying attestations of %s: %w", ref, err)
	}
	return out, nil
}
