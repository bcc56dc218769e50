package provenance

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// The cosign-*.jsonl files are what cosign 2.6.5 attest-blob --statement statement-v02.json
// printed, signed with a cosign key pair (ECDSA P-256, from generate-key-pair) and with RSA
// 2048 and Ed25519 keys brought in with import-key-pair; cosign-*.pub are their public keys.
var cosignKeys = []string{"ecdsa", "rsa", "ed25519"}

func TestVerifyCosignOutput(t *testing.T) {
	keys := map[string]crypto.PublicKey{}
	for _, kt := range cosignKeys {
		keys[kt] = loadKeyFile(t, "testdata/cosign-"+kt+".pub")
	}
	for _, kt := range cosignKeys {
		for _, other := range cosignKeys {
			t.Run(kt+" envelope, "+other+" key", func(t *testing.T) {
				envs := readEnvelopeFile(t, "testdata/cosign-"+kt+".jsonl")
				kept, dropped := Verify(envs, keys[other])
				if kt == other {
					if len(kept) != 1 || len(dropped) != 0 {
						t.Fatalf("kept %d, dropped %v; want the envelope kept", len(kept), dropped)
					}
					rec, err := FromEnvelopes(kept)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(rec, exampleRecipe()) {
						t.Errorf("FromEnvelopes() = %+v, want the example recipe", rec)
					}
					return
				}
				if len(kept) != 0 || len(dropped) != 1 || !errors.Is(dropped[0], ErrUnverified) || !errors.Is(dropped[0], ErrInvalidInput) {
					t.Fatalf("kept %d, dropped %v; want it dropped with ErrUnverified", len(kept), dropped)
				}
				if want := "line 1: its signature does not verify with the key"; dropped[0].Error() != want {
					t.Errorf("dropped %q, want %q", dropped[0], want)
				}
			})
		}
	}
}

// signer signs a PAE as cosign does for its key type.
type signer struct {
	name string
	pub  crypto.PublicKey
	sign func(pae []byte) []byte
}

// testSigners returns one signer per key type; keys are made once per test binary (RSA key
// generation is slow).
func testSigners(t *testing.T) []signer {
	t.Helper()
	signersOnce.Do(func() { signers = makeSigners(t) })
	return signers
}

var (
	signersOnce sync.Once
	signers     []signer
)

func makeSigners(t *testing.T) []signer {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecSign := func(k *ecdsa.PrivateKey) func([]byte) []byte {
		return func(pae []byte) []byte {
			sum := sha256.Sum256(pae)
			sig, err := ecdsa.SignASN1(rand.Reader, k, sum[:])
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
	}
	return []signer{
		{"ECDSA P-256", &ec.PublicKey, ecSign(ec)},
		{"ECDSA P-384", &ec384.PublicKey, ecSign(ec384)},
		{"RSA", &rk.PublicKey, func(pae []byte) []byte {
			sum := sha256.Sum256(pae)
			sig, err := rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, sum[:])
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}},
		{"Ed25519", edPub, func(pae []byte) []byte { return ed25519.Sign(edPriv, pae) }},
	}
}

func TestVerify(t *testing.T) {
	base := readEnvelopeFile(t, "testdata/envelope-v02.jsonl")[0]
	signers := testSigners(t)
	for i, s := range signers {
		other := signers[(i+1)%len(signers)]
		t.Run(s.name, func(t *testing.T) {
			good := base
			good.Signatures = []Signature{{KeyID: "k", Sig: s.sign(base.PAE())}}
			tampered := good
			tampered.Payload = bytes.Replace(bytes.Clone(base.Payload), []byte("VERSION=1.2"), []byte("VERSION=6.6"), 1)
			retyped := good
			retyped.PayloadType = "application/vnd.in-toto+jsox"
			wrongKey := base
			wrongKey.Signatures = []Signature{{Sig: other.sign(base.PAE())}}
			second := base
			second.Signatures = []Signature{{Sig: []byte("junk")}, {Sig: other.sign(base.PAE())}, {Sig: s.sign(base.PAE())}}
			unsigned := base
			unsigned.Signatures = nil
			envs := []Envelope{good, tampered, retyped, wrongKey, second, unsigned}
			for j := range envs {
				envs[j].Line = j + 1
			}
			kept, dropped := Verify(envs, s.pub)
			var keptLines []int
			for _, e := range kept {
				keptLines = append(keptLines, e.Line)
			}
			if want := []int{1, 5}; !reflect.DeepEqual(keptLines, want) {
				t.Errorf("kept lines %v, want %v", keptLines, want)
			}
			var msgs []string
			for _, err := range dropped {
				if !errors.Is(err, ErrUnverified) {
					t.Errorf("%v does not match ErrUnverified", err)
				}
				msgs = append(msgs, err.Error())
			}
			want := []string{
				"line 2: its signature does not verify with the key",
				"line 3: its signature does not verify with the key",
				"line 4: its signature does not verify with the key",
				"line 6: envelope has no signature",
			}
			if !reflect.DeepEqual(msgs, want) {
				t.Errorf("dropped:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestLoadPublicKey(t *testing.T) {
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pkix := func(k crypto.PublicKey) []byte {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	rsaKey := testSigners(t)[2].pub.(*rsa.PublicKey)
	tests := []struct {
		name, pem, wantErr string
	}{
		{name: "cosign ECDSA", pem: string(readFile(t, "testdata/cosign-ecdsa.pub"))},
		{name: "PKCS#1 RSA", pem: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rsaKey)}))},
		{name: "not PEM", pem: "hello", wantErr: "no PEM block found"},
		{name: "private key", pem: "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", wantErr: `PEM block is a "EC PRIVATE KEY", want a "PUBLIC KEY"`},
		{name: "garbage", pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", wantErr: "parsing public key: "},
		{name: "P-224", pem: string(pkix(&p224.PublicKey)), wantErr: "ECDSA curve P-224 is not supported (want P-256, P-384 or P-521)"},
		{name: "short RSA", pem: string(pkix(&short.PublicKey)), wantErr: "RSA key of 1024 bits is too short (want 2048 or more)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := LoadPublicKey([]byte(tt.pem))
			if tt.wantErr == "" {
				if err != nil || key == nil {
					t.Fatalf("LoadPublicKey() = %v, %v", key, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("LoadPublicKey() error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestFromEnvelopesErrors(t *testing.T) {
	envs := readEnvelopeFile(t, "testdata/disagree.jsonl")
	_, err := FromEnvelopes(envs)
	checkErr(t, err, ErrDisagree, `envelopes on lines 1 and 3 disagree on parameter BUILD_ARGS: ["VERSION=1.2"] vs ["VERSION=1.3"]`)
	_, err = FromEnvelopes(readEnvelopeFile(t, "testdata/wrong-payload-type.jsonl"))
	checkErr(t, err, ErrUnsupported, `line 1: unsupported payload type "text/plain" (want "application/vnd.in-toto+json")`)
	_, err = FromEnvelopes(nil)
	checkErr(t, err, ErrMissing, "no envelope in input")
}

func loadKeyFile(t *testing.T, name string) crypto.PublicKey {
	t.Helper()
	key, err := LoadPublicKey(readFile(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return key
}

func readEnvelopeFile(t *testing.T, name string) []Envelope {
	t.Helper()
	envs, err := ReadEnvelopes(bytes.NewReader(readFile(t, name)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return envs
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
