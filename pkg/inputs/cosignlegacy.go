package inputs

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
)

// The annotations of a layer of cosign's .att image that carry a keyless signature's
// verification material (cosign's pkg/oci/static; Tekton Chains with Fulcio writes the same).
const (
	certAnnotation    = "dev.sigstore.cosign/certificate"
	chainAnnotation   = "dev.sigstore.cosign/chain"
	rekorAnnotation   = "dev.sigstore.cosign/bundle"
	rfc3161Annotation = "dev.sigstore.cosign/rfc3161timestamp"
)

// legacyBundleType is the media type of the first sigstore bundle version, the one whose
// material cosign's legacy layers hold: a certificate chain and log entries with their
// signed entry timestamps, no inclusion proof.
const legacyBundleType = "application/vnd.dev.sigstore.bundle+json;version=0.1"

// legacyBundle writes envelope, a DSSE layer of cosign's .att image, and the certificate,
// chain, Rekor entry and RFC 3161 timestamp its annotations carry as the sigstore bundle
// holding the same. ok is false for a layer with no certificate (signed with a key).
func legacyBundle(envelope []byte, annotations map[string]string) (b []byte, ok bool, err error) {
	certPEM := annotations[certAnnotation]
	if certPEM == "" {
		return nil, false, nil
	}
	var out struct {
		MediaType            string `json:"mediaType"`
		VerificationMaterial struct {
			X509CertificateChain struct {
				Certificates []rawCert `json:"certificates"`
			} `json:"x509CertificateChain"`
			TlogEntries               []tlogEntry `json:"tlogEntries,omitempty"`
			TimestampVerificationData *timestamps `json:"timestampVerificationData,omitempty"`
		} `json:"verificationMaterial"`
		DSSEEnvelope json.RawMessage `json:"dsseEnvelope"`
	}
	out.MediaType = legacyBundleType
	var compact bytes.Buffer
	if err := json.Compact(&compact, envelope); err != nil {
		return nil, false, fmt.Errorf("the envelope is not JSON: %w", err)
	}
	out.DSSEEnvelope = compact.Bytes()
	certs, err := pemCerts(certPEM + "\n" + annotations[chainAnnotation])
	if err != nil {
		return nil, false, err
	}
	out.VerificationMaterial.X509CertificateChain.Certificates = certs
	if r := annotations[rekorAnnotation]; r != "" {
		e, err := rekorEntry(r)
		if err != nil {
			return nil, false, err
		}
		out.VerificationMaterial.TlogEntries = []tlogEntry{e}
	}
	if t := annotations[rfc3161Annotation]; t != "" {
		var ts struct{ SignedRFC3161Timestamp []byte }
		if err := json.Unmarshal([]byte(t), &ts); err != nil || len(ts.SignedRFC3161Timestamp) == 0 {
			return nil, false, fmt.Errorf("%s is not an RFC 3161 timestamp: %v", rfc3161Annotation, err)
		}
		out.VerificationMaterial.TimestampVerificationData = &timestamps{RFC3161: []signedTimestamp{{ts.SignedRFC3161Timestamp}}}
	}
	b, err = json.Marshal(out)
	return b, err == nil, err
}

type rawCert struct {
	RawBytes []byte `json:"rawBytes"`
}

type tlogEntry struct {
	LogIndex string `json:"logIndex"`
	LogID    struct {
		KeyID []byte `json:"keyId"`
	} `json:"logId"`
	KindVersion struct {
		Kind    string `json:"kind"`
		Version string `json:"version"`
	} `json:"kindVersion"`
	IntegratedTime   string `json:"integratedTime"`
	InclusionPromise struct {
		SignedEntryTimestamp []byte `json:"signedEntryTimestamp"`
	} `json:"inclusionPromise"`
	CanonicalizedBody []byte `json:"canonicalizedBody"`
}

type timestamps struct {
	RFC3161 []signedTimestamp `json:"rfc3161Timestamps"`
}

type signedTimestamp struct {
	SignedTimestamp []byte `json:"signedTimestamp"`
}

// pemCerts reads the certificates of PEM text, the leaf first, as DER.
func pemCerts(text string) ([]rawCert, error) {
	var out []rawCert
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%s holds a %q PEM block, want certificates", certAnnotation, block.Type)
		}
		out = append(out, rawCert{block.Bytes})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no PEM certificate", certAnnotation)
	}
	return out, nil
}

// rekorEntry reads cosign's Rekor bundle annotation: the signed entry timestamp and the
// entry it signs (body, integrated time, index, log ID).
func rekorEntry(annotation string) (tlogEntry, error) {
	var e tlogEntry
	var rb struct {
		SignedEntryTimestamp []byte
		Payload              struct {
			Body           string `json:"body"`
			IntegratedTime int64  `json:"integratedTime"`
			LogIndex       int64  `json:"logIndex"`
			LogID          string `json:"logID"`
		}
	}
	if err := json.Unmarshal([]byte(annotation), &rb); err != nil {
		return e, fmt.Errorf("%s is not cosign's Rekor bundle: %w", rekorAnnotation, err)
	}
	body, err := base64.StdEncoding.DecodeString(rb.Payload.Body)
	if err != nil {
		return e, fmt.Errorf("%s: the entry's body: %w", rekorAnnotation, err)
	}
	logID, err := hex.DecodeString(rb.Payload.LogID)
	if err != nil {
		return e, fmt.Errorf("%s: the log ID: %w", rekorAnnotation, err)
	}
	var kind struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(body, &kind); err != nil || kind.Kind == "" {
		return e, errors.New(rekorAnnotation + ": the entry's body names no kind")
	}
	e.LogIndex = strconv.FormatInt(rb.Payload.LogIndex, 10)
	e.LogID.KeyID = logID
	e.KindVersion.Kind, e.KindVersion.Version = kind.Kind, kind.APIVersion
	e.IntegratedTime = strconv.FormatInt(rb.Payload.IntegratedTime, 10)
	e.InclusionPromise.SignedEntryTimestamp = rb.SignedEntryTimestamp
	e.CanonicalizedBody = body
	return e, nil
}
