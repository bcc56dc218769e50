package inputs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// Where cosign keeps an image's attestations: each a layer of this type in the image tagged
// "sha256-<hex>.att" (cosign attest), or a sigstore bundle, an OCI referrer of the image
// whose artifact type starts with provenance.BundleMediaType (cosign's new bundle format).
const (
	dsseLayerType = "application/vnd.dsse.envelope.v1+json"
	emptyType     = "application/vnd.oci.empty.v1+json"
)

// ErrNoAttestations marks an image with no attestation attached in its registry.
var ErrNoAttestations = errors.New("no attestation attached to the image")

// ResolveImage names the image ref (a tag or a digest, as podman takes it) by its manifest
// digest, as a provenance's subject does.
func ResolveImage(ctx context.Context, sys *types.SystemContext, ref string) (provenance.Subject, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return provenance.Subject{}, fmt.Errorf("%w: image %q: %w", provenance.ErrInvalidInput, ref, err)
	}
	named = reference.TagNameOnly(named)
	s := provenance.Subject{Name: reference.TrimNamed(named).String()}
	if c, ok := named.(reference.Canonical); ok {
		s.Digest = c.Digest().String()
		return s, nil
	}
	dref, err := docker.NewReference(named)
	if err != nil {
		return s, fmt.Errorf("%w: image %q: %w", provenance.ErrInvalidInput, ref, err)
	}
	d, err := docker.GetDigest(ctx, WithRegistriesConf(sys), dref)
	if err != nil {
		return s, fmt.Errorf("%w: resolving %s: %w", ErrUnavailable, named, err)
	}
	s.Digest = d.String()
	return s, nil
}

// FetchAttestations reads the SLSA provenance envelopes attached to s, as cosign attaches
// them (the layers of its ".att" image, and sigstore bundles among its OCI referrers), and
// returns them one compact JSON value a line: DSSE envelopes as `cosign verify-attestation
// --type slsaprovenance` prints them, and whole sigstore bundles. Their signatures are not
// checked here.
func FetchAttestations(ctx context.Context, sys *types.SystemContext, s provenance.Subject) ([]byte, error) {
	sys = WithRegistriesConf(sys)
	named, err := reference.ParseNormalizedNamed(s.Name)
	if err != nil {
		return nil, fmt.Errorf("%w: image %q: %w", provenance.ErrInvalidInput, s.Name, err)
	}
	named = reference.TrimNamed(named)
	d, err := digest.Parse(s.Digest)
	if err != nil {
		return nil, fmt.Errorf("%w: image %s: %w", provenance.ErrInvalidInput, s.Name, err)
	}
	var lines []byte
	err = retry(ctx, retries.requestTimeout, func(ctx context.Context) error {
		var errTag, errReferrers error
		var byTag, byReferrers []json.RawMessage
		byTag, errTag = attestationsByTag(ctx, sys, named, d)
		byReferrers, errReferrers = attestationsByReferrers(ctx, sys, named, d)
		envs := provenanceOnly(append(byTag, byReferrers...))
		if len(envs) == 0 {
			return finalError{fmt.Errorf("%w: %w: %s@%s (the .att tag: %v; referrers: %v)", ErrUnavailable, ErrNoAttestations, named, d, errTag, errReferrers)}
		}
		lines = nil
		for _, e := range envs {
			var buf bytes.Buffer
			if err := json.Compact(&buf, e); err != nil {
				return finalError{fmt.Errorf("an attestation of %s@%s is not JSON: %w", named, d, err)}
			}
			lines = append(append(lines, buf.Bytes()...), '\n')
		}
		return nil
	})
	return lines, err
}

// attestationsByTag reads the DSSE envelope layers of cosign's "sha256-<hex>.att" image.
func attestationsByTag(ctx context.Context, sys *types.SystemContext, named reference.Named, d digest.Digest) ([]json.RawMessage, error) {
	tagged, err := reference.WithTag(named, d.Algorithm().String()+"-"+d.Encoded()+".att")
	if err != nil {
		return nil, err
	}
	var out []json.RawMessage
	err = readLayers(ctx, sys, tagged, func(l layerDesc, blob []byte) error {
		if l.MediaType != dsseLayerType {
			return nil
		}
		// Signed keyless, the layer's annotations carry the certificate: the two make the
		// sigstore bundle that verifies it.
		b, ok, err := legacyBundle(blob, l.Annotations)
		switch {
		case err != nil:
			return fmt.Errorf("reading the certificate of a layer of %s: %w", tagged, err)
		case ok:
			out = append(out, b)
		default:
			out = append(out, blob)
		}
		return nil
	})
	return out, err
}

// attestationsByReferrers reads the sigstore bundles among d's referrers that hold a DSSE
// envelope.
func attestationsByReferrers(ctx context.Context, sys *types.SystemContext, named reference.Named, d digest.Digest) ([]json.RawMessage, error) {
	descs, err := findReferrers(ctx, sys, named, d)
	if err != nil {
		return nil, err
	}
	var out []json.RawMessage
	for _, desc := range descs {
		// A registry without the referrers API leaves the index to clients, and
		// go-containerregistry (cosign's) lists a referrer there by its config's type, the
		// empty one, not by its artifact type: such a referrer's layers tell.
		if !strings.HasPrefix(desc.ArtifactType, provenance.BundleMediaType) && desc.ArtifactType != emptyType && desc.ArtifactType != "" {
			continue
		}
		ref, err := reference.WithDigest(named, desc.Digest)
		if err != nil {
			return nil, err
		}
		err = readLayers(ctx, sys, ref, func(l layerDesc, blob []byte) error {
			if !strings.HasPrefix(l.MediaType, provenance.BundleMediaType) {
				return nil
			}
			var b struct {
				DSSEEnvelope json.RawMessage `json:"dsseEnvelope"`
			}
			if err := json.Unmarshal(blob, &b); err != nil {
				return fmt.Errorf("reading the sigstore bundle %s: %w", desc.Digest, err)
			}
			if len(b.DSSEEnvelope) > 0 { // the whole bundle: its certificate verifies it keyless
				out = append(out, blob)
			}
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// readLayers calls each with the descriptor and content of each layer of the manifest at ref.
func readLayers(ctx context.Context, sys *types.SystemContext, ref reference.Named, each func(l layerDesc, blob []byte) error) error {
	src, err := openSource(ctx, sys, ref)
	if err != nil {
		return err
	}
	defer src.Close()
	layers, err := manifestLayers(ctx, src, ref)
	if err != nil {
		return err
	}
	for _, l := range layers {
		blob, err := readBlob(ctx, src, l.Digest, l.Size)
		if err != nil {
			return fmt.Errorf("reading a layer of %s: %w", ref, err)
		}
		if err := each(l, blob); err != nil {
			return err
		}
	}
	return nil
}

// provenanceOnly drops the envelopes whose statement is not SLSA provenance (a verification
// summary attached beside it, say); an envelope it cannot read is kept, for the reader to
// refuse.
func provenanceOnly(envs []json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	for _, e := range envs {
		var env struct {
			Payload []byte `json:"payload"`
			Bundled struct {
				Payload []byte `json:"payload"`
			} `json:"dsseEnvelope"`
		}
		var st struct {
			PredicateType string `json:"predicateType"`
		}
		if json.Unmarshal(e, &env) == nil && env.Payload == nil {
			env.Payload = env.Bundled.Payload
		}
		if json.Unmarshal(env.Payload, &st) == nil && st.PredicateType != "" &&
			st.PredicateType != provenance.PredicateSLSAV02 && st.PredicateType != provenance.PredicateSLSAV1 {
			continue
		}
		out = append(out, e)
	}
	return out
}

// layerDesc is a layer as an artifact's manifest lists it.
type layerDesc struct {
	MediaType   string            `json:"mediaType"`
	Digest      digest.Digest     `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations"`
}

// manifestLayers lists the layers of the manifest src serves for ref.
func manifestLayers(ctx context.Context, src types.ImageSource, ref reference.Named) ([]layerDesc, error) {
	raw, _, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: reading manifest of %s: %w", ErrUnavailable, ref, err)
	}
	var m struct {
		Layers []layerDesc `json:"layers"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parsing manifest of %s: %w", ref, err)
	}
	return m.Layers, nil
}
