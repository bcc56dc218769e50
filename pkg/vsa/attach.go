package vsa

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	imagetypes "go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// ErrAttach marks a summary that could not be pushed to the image's registry.
var ErrAttach = errors.New("attaching the verification summary")

// dsseLayerType is the layer type cosign gives an attestation.
const dsseLayerType types.MediaType = "application/vnd.dsse.envelope.v1+json"

// Attach pushes envelope, a signed verification summary, to subject's registry as cosign
// attests: one more layer of the image tagged "sha256-<hex>.att" (made when there is none),
// annotated with its predicate type, so that `cosign verify-attestation --type
// https://slsa.dev/verification_summary/v1` finds it. Registries marked insecure in sys's
// registries.conf are spoken to over plain HTTP; credentials are docker's and podman's.
func Attach(ctx context.Context, sys *imagetypes.SystemContext, subject provenance.Subject, envelope []byte) error {
	var opts []name.Option
	if reg, err := sysregistriesv2.FindRegistry(sys, subject.Name); err != nil {
		return fmt.Errorf("%w: reading registries configuration: %w", ErrAttach, err)
	} else if reg != nil && reg.Insecure {
		opts = append(opts, name.Insecure)
	}
	alg, hex, _ := cutDigest(subject.Digest)
	tag, err := name.NewTag(subject.Name+":"+alg+"-"+hex+".att", opts...)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAttach, err)
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	img, err := remote.Image(tag, ropts...)
	var terr *transport.Error
	switch {
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
		img = empty.Image
	case err != nil:
		return fmt.Errorf("%w: reading %s: %w", ErrAttach, tag, err)
	}
	layer := static.NewLayer(envelope, dsseLayerType)
	if img, err = mutate.Append(img, mutate.Addendum{Layer: layer, Annotations: map[string]string{
		"dev.cosignproject.cosign/signature": "",
		"predicateType":                      vsaType,
	}}); err != nil {
		return fmt.Errorf("%w: %w", ErrAttach, err)
	}
	if err := remote.Write(tag, img, ropts...); err != nil {
		return fmt.Errorf("%w: pushing %s: %w", ErrAttach, tag, err)
	}
	return nil
}

func cutDigest(d string) (alg, hex string, ok bool) {
	h, err := v1.NewHash(d)
	if err != nil {
		return "", "", false
	}
	return h.Algorithm, h.Hex, true
}
