package vsa

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// TestAttestEnvelope checks that a signed summary reads back as rebuild --key reads
// provenance envelopes, and that keys it cannot use are bad input.
func TestAttestEnvelope(t *testing.T) {
	dir := t.TempDir()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, pemType string
		der           []byte
		ok            bool
	}{
		{"pkcs8", "PRIVATE KEY", pkcs8, true},
		{"sec1", "EC PRIVATE KEY", sec1, true},
		{"cosign encrypted", "ENCRYPTED SIGSTORE PRIVATE KEY", []byte("x"), false},
		{"garbage pkcs8", "PRIVATE KEY", []byte("x"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".key")
			if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: tc.pemType, Bytes: tc.der}), 0o600); err != nil {
				t.Fatal(err)
			}
			key, err := ReadKey(path)
			if !tc.ok {
				if !errors.Is(err, ErrKey) {
					t.Fatalf("ReadKey = %v, want ErrKey", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			env, err := signEnvelope(key, "application/vnd.in-toto+json", []byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
			if err != nil {
				t.Fatal(err)
			}
			envs, err := provenance.ReadEnvelopes(bytes.NewReader(env))
			if err != nil {
				t.Fatal(err)
			}
			kept, dropped := provenance.Verify(envs, &k.PublicKey)
			if len(kept) != 1 || len(dropped) != 0 {
				t.Errorf("provenance.Verify kept %d, dropped %v", len(kept), dropped)
			}
		})
	}
}
