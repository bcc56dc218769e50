package inputs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// TestLegacyBundle: a .att layer signed keyless (its certificate, chain and Rekor entry in
// the annotations, as cosign writes them) becomes the v0.1 sigstore bundle holding the same;
// a layer signed with a key is left as it is; broken annotations are refused.
func TestLegacyBundle(t *testing.T) {
	env := []byte(`{"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": [{"keyid": "", "sig": "c2ln"}]}`)
	cert := testCertPEM(t)
	body := base64.StdEncoding.EncodeToString([]byte(`{"apiVersion":"0.0.1","kind":"dsse","spec":{}}`))
	rekor := `{"SignedEntryTimestamp":"c2V0","Payload":{"body":"` + body + `","integratedTime":1700000000,"logIndex":7,"logID":"0a0b"}}`
	ann := map[string]string{certAnnotation: cert, chainAnnotation: cert + cert, rekorAnnotation: rekor,
		rfc3161Annotation: `{"SignedRFC3161Timestamp":"dHNy"}`}

	if _, ok, err := legacyBundle(env, map[string]string{"predicateType": "x"}); ok || err != nil {
		t.Fatalf("a layer signed with a key: ok %v, %v; want it left as it is", ok, err)
	}
	b, ok, err := legacyBundle(env, ann)
	if !ok || err != nil {
		t.Fatalf("legacyBundle: %v", err)
	}
	var got struct {
		MediaType            string
		VerificationMaterial struct {
			X509CertificateChain struct{ Certificates []struct{ RawBytes []byte } }
			TlogEntries          []struct {
				LogIndex, IntegratedTime string
				LogID                    struct{ KeyID []byte }
				KindVersion              struct{ Kind, Version string }
				InclusionPromise         struct{ SignedEntryTimestamp []byte }
			}
			TimestampVerificationData struct {
				RFC3161Timestamps []struct{ SignedTimestamp []byte }
			}
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	vm := got.VerificationMaterial
	if got.MediaType != legacyBundleType || len(vm.X509CertificateChain.Certificates) != 3 || len(vm.TlogEntries) != 1 ||
		len(vm.TimestampVerificationData.RFC3161Timestamps) != 1 || string(vm.TimestampVerificationData.RFC3161Timestamps[0].SignedTimestamp) != "tsr" {
		t.Fatalf("bundle:\n%s", b)
	}
	e := vm.TlogEntries[0]
	if e.LogIndex != "7" || e.IntegratedTime != "1700000000" || !bytes.Equal(e.LogID.KeyID, []byte{0x0a, 0x0b}) ||
		e.KindVersion.Kind != "dsse" || e.KindVersion.Version != "0.0.1" || string(e.InclusionPromise.SignedEntryTimestamp) != "set" {
		t.Errorf("log entry %+v", e)
	}
	envs, err := provenance.ReadEnvelopes(bytes.NewReader(b))
	if err != nil || len(envs) != 1 || !envs[0].Bundle || string(envs[0].Payload) != "{}" {
		t.Errorf("ReadEnvelopes: %+v, %v", envs, err)
	}

	for name, broken := range map[string]map[string]string{
		"not PEM":           {certAnnotation: "nope"},
		"a key, not a cert": {certAnnotation: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}))},
		"rekor not JSON":    {certAnnotation: cert, rekorAnnotation: "{"},
		"rekor body":        {certAnnotation: cert, rekorAnnotation: strings.Replace(rekor, body, "%%", 1)},
		"timestamp":         {certAnnotation: cert, rfc3161Annotation: "{}"},
	} {
		if _, _, err := legacyBundle(env, broken); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, _, err := legacyBundle([]byte("not json"), ann); err == nil {
		t.Errorf("an envelope that is not JSON: %v", err)
	}
}

func testCertPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
