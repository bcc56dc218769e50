// Package virtual is a Fulcio, Rekor and timestamp authority for tests, in-process and
// offline: sigstore-go's virtual sigstore (pkg/testing/ca), whose trusted root it writes as a
// file and whose signatures it writes as the bundles cosign attest --new-bundle-format makes.
// Its certificates carry no CT log timestamp (SCT).
package virtual

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"google.golang.org/protobuf/proto"
)

// Sigstore is a fresh virtual sigstore.
type Sigstore struct{ vs *ca.VirtualSigstore }

// New makes one, with keys of its own.
func New() (*Sigstore, error) {
	vs, err := ca.NewVirtualSigstore()
	return &Sigstore{vs: vs}, err
}

// TrustedRoot is its trusted root, as a trusted_root.json file holds it.
func (s *Sigstore) TrustedRoot() ([]byte, error) {
	vs := s.vs
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, vs.FulcioCertificateAuthorities(),
		rawIDs(vs.CTLogs()), vs.TimestampingAuthorities(), rawIDs(vs.RekorLogs()))
	if err != nil {
		return nil, err
	}
	return tr.MarshalJSON()
}

// Attest signs statement keyless as identity (an email certificate) issued by issuer and
// returns the sigstore bundle (v0.3, DSSE) cosign attest --new-bundle-format would write.
func (s *Sigstore) Attest(identity, issuer string, statement []byte) ([]byte, error) {
	vs := s.vs
	// Five minutes on, when the virtual CA's certificates are valid (as its Attest does), with
	// an inclusion proof, which bundles from v0.2 on must carry.
	e, err := vs.AttestAtTime(identity, issuer, statement, time.Now().Add(5*time.Minute), true)
	if err != nil {
		return nil, err
	}
	vc, err := e.VerificationContent()
	if err != nil {
		return nil, err
	}
	cert := vc.Certificate()
	sc, err := e.SignatureContent()
	if err != nil {
		return nil, err
	}
	env := sc.EnvelopeContent().RawEnvelope()
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, err
	}
	entries, err := e.TlogEntries()
	if err != nil {
		return nil, err
	}
	timestamps, err := e.Timestamps()
	if err != nil {
		return nil, err
	}
	pb := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_Certificate{
				Certificate: &protocommon.X509Certificate{RawBytes: cert.Raw},
			},
			TimestampVerificationData: &protobundle.TimestampVerificationData{},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload: payload, PayloadType: env.PayloadType,
		}},
	}
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			return nil, err
		}
		pb.GetDsseEnvelope().Signatures = append(pb.GetDsseEnvelope().Signatures, &protodsse.Signature{Sig: sig, Keyid: s.KeyID})
	}
	for _, t := range entries {
		tle, err := withPromise(vs, t.TransparencyLogEntry())
		if err != nil {
			return nil, err
		}
		pb.VerificationMaterial.TlogEntries = append(pb.VerificationMaterial.TlogEntries, tle)
	}
	for _, ts := range timestamps {
		pb.VerificationMaterial.TimestampVerificationData.Rfc3161Timestamps = append(
			pb.VerificationMaterial.TimestampVerificationData.Rfc3161Timestamps, &protocommon.RFC3161SignedTimestamp{SignedTimestamp: ts})
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, err
	}
	return b.MarshalJSON()
}

// withPromise completes the log entry the virtual log made (which keeps its kind and signed
// entry timestamp to itself) as a bundle carries it: the kind and version its body names, and
// the log's signed entry timestamp over it, signed again.
func withPromise(vs *ca.VirtualSigstore, tle *protorekor.TransparencyLogEntry) (*protorekor.TransparencyLogEntry, error) {
	tle = proto.Clone(tle).(*protorekor.TransparencyLogEntry)
	var body struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(tle.CanonicalizedBody, &body); err != nil {
		return nil, fmt.Errorf("reading the log entry's body: %w", err)
	}
	tle.KindVersion = &protorekor.KindVersion{Kind: body.Kind, Version: body.APIVersion}
	set, err := vs.RekorSignPayload(tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(tle.CanonicalizedBody),
		IntegratedTime: tle.IntegratedTime,
		LogIndex:       tle.LogIndex,
		LogID:          hex.EncodeToString(tle.LogId.KeyId),
	})
	if err != nil {
		return nil, err
	}
	tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	return tle, nil
}

// rawIDs gives the logs the IDs a trusted root file carries, the key ID's bytes: the
// virtual sigstore's are its hex string, which holds in memory only.
func rawIDs(logs map[string]*root.TransparencyLog) map[string]*root.TransparencyLog {
	out := map[string]*root.TransparencyLog{}
	for id, l := range logs {
		c := *l
		if raw, err := hex.DecodeString(string(l.ID)); err == nil {
			c.ID = raw
		}
		out[id] = &c
	}
	return out
}
