package world

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// bundleType is a sigstore bundle's media type, as cosign attest --new-bundle-format writes it.
const bundleType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// AttachBundle pushes a sigstore bundle to the world's registry as an OCI referrer of ref
// (repo@digest), as cosign 3's attest --new-bundle-format does (ociremote's
// WriteAttestationNewBundleFormat; cosign 2.6.5, the world's, cannot attach a bundle): a
// manifest of artifact type bundleType with the bundle as its one layer, annotated with its
// content and predicate type, an empty config, and the image as its subject. The world's
// registry has no referrers API, so go-containerregistry tags the referrers index
// sha256-<hex> as OCI 1.1 says.
func (w *World) AttachBundle(ctx context.Context, ref string, bundle []byte, predicateType string) error {
	d, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		return err
	}
	opts := []remote.Option{remote.WithContext(ctx)}
	subject, err := remote.Head(d, opts...)
	if err != nil {
		return fmt.Errorf("reading %s: %w", ref, err)
	}
	config := static.NewLayer([]byte("{}"), "application/vnd.oci.empty.v1+json")
	layer := static.NewLayer(bundle, types.MediaType(bundleType))
	m := referrerManifest{Manifest: v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations: map[string]string{
			"org.opencontainers.image.created":  time.Now().UTC().Format(time.RFC3339),
			"dev.sigstore.bundle.content":       "dsse-envelope",
			"dev.sigstore.bundle.predicateType": predicateType,
		},
	}, ArtifactType: bundleType}
	for i, l := range []v1.Layer{config, layer} {
		if err := remote.WriteLayer(d.Context(), l, opts...); err != nil {
			return fmt.Errorf("attaching a bundle to %s: %w", ref, err)
		}
		desc, err := partial.Descriptor(l)
		if err != nil {
			return err
		}
		if i == 0 {
			m.Config = *desc
		} else {
			m.Layers = []v1.Descriptor{*desc}
		}
	}
	raw, err := m.RawManifest()
	if err != nil {
		return err
	}
	digest, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	if err := remote.Put(d.Context().Digest(digest.String()), m, opts...); err != nil {
		return fmt.Errorf("attaching a bundle to %s: %w", ref, err)
	}
	return nil
}

// referrerManifest is an OCI image manifest with the artifactType field go-containerregistry's
// lacks.
type referrerManifest struct {
	v1.Manifest
	ArtifactType string `json:"artifactType,omitempty"`
}

func (m referrerManifest) RawManifest() ([]byte, error) { return json.Marshal(m) }

func (m referrerManifest) MediaType() (types.MediaType, error) { return m.Manifest.MediaType, nil }

// AttachLegacy adds a layer holding envelope, with annotations, to the "sha256-<hex>.att"
// image of ref (repo@digest), as cosign attest does without --new-bundle-format (a keyless
// signature's certificate, chain and Rekor entry ride in the layer's annotations), and as
// Tekton Chains does for each subject: an empty OCI image when ref has none yet.
func (w *World) AttachLegacy(ctx context.Context, ref string, envelope []byte, annotations map[string]string) error {
	d, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		return err
	}
	tag := d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + ".att")
	opts := []remote.Option{remote.WithContext(ctx)}
	img, err := remote.Image(tag, opts...)
	var terr *transport.Error
	switch {
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
		img = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	case err != nil:
		return fmt.Errorf("reading %s: %w", tag, err)
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:       static.NewLayer(envelope, "application/vnd.dsse.envelope.v1+json"),
		Annotations: annotations,
	})
	if err != nil {
		return err
	}
	if err := remote.Write(tag, img, opts...); err != nil {
		return fmt.Errorf("pushing %s: %w", tag, err)
	}
	return nil
}
