package virtual

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"google.golang.org/protobuf/encoding/protojson"
)

// Legacy is a keyless attestation as cosign attest writes it without --new-bundle-format,
// and Tekton Chains with Fulcio: the DSSE envelope, a layer of the image's .att image, and
// the layer's annotations carrying the certificate, its chain and the Rekor entry's signed
// entry timestamp (cosign's pkg/oci/static and pkg/cosign/bundle).
type Legacy struct {
	Envelope    json.RawMessage   `json:"envelope"`
	Annotations map[string]string `json:"annotations"`
}

// Legacy writes a bundle this sigstore made (Attest) in cosign's legacy form.
func (s *Sigstore) Legacy(bundleJSON []byte, predicateType string) (*Legacy, error) {
	var b protobundle.Bundle
	if err := protojson.Unmarshal(bundleJSON, &b); err != nil {
		return nil, err
	}
	vm := b.GetVerificationMaterial()
	env := b.GetDsseEnvelope()
	if env == nil || vm.GetCertificate() == nil || len(vm.GetTlogEntries()) != 1 {
		return nil, errors.New("not a bundle of one DSSE envelope, one certificate and one log entry")
	}
	// The envelope as the virtual log hashed it (go-securesystemslib's dsse.Envelope, in its
	// field order): cosign matches the entry's envelope hash against the layer's bytes.
	type signature struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	}
	e := struct {
		PayloadType string      `json:"payloadType"`
		Payload     string      `json:"payload"`
		Signatures  []signature `json:"signatures"`
	}{PayloadType: env.GetPayloadType(), Payload: base64.StdEncoding.EncodeToString(env.GetPayload())}
	for _, sig := range env.GetSignatures() {
		e.Signatures = append(e.Signatures, signature{KeyID: sig.GetKeyid(), Sig: base64.StdEncoding.EncodeToString(sig.GetSig())})
	}
	envJSON, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	tle := vm.GetTlogEntries()[0]
	rekor, err := json.Marshal(map[string]any{
		"SignedEntryTimestamp": tle.GetInclusionPromise().GetSignedEntryTimestamp(),
		"Payload": map[string]any{
			"body":           base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody()),
			"integratedTime": tle.GetIntegratedTime(),
			"logIndex":       tle.GetLogIndex(),
			"logID":          hex.EncodeToString(tle.GetLogId().GetKeyId()),
		},
	})
	if err != nil {
		return nil, err
	}
	ca, ok := s.vs.FulcioCertificateAuthorities()[0].(*root.FulcioCertificateAuthority)
	if !ok {
		return nil, errors.New("the virtual sigstore's CA is not a Fulcio CA")
	}
	var chain []byte
	for _, c := range append(ca.Intermediates, ca.Root) {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return &Legacy{Envelope: envJSON, Annotations: map[string]string{
		"dev.cosignproject.cosign/signature": "",
		"dev.sigstore.cosign/certificate":    string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: vm.GetCertificate().GetRawBytes()})),
		"dev.sigstore.cosign/chain":          string(chain),
		"dev.sigstore.cosign/bundle":         string(rekor),
		"predicateType":                      predicateType,
	}}, nil
}
