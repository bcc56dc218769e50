package vsa

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// cosignKeyTypes are the PEM types of the private keys `cosign generate-key-pair` writes:
// encrypted with a password (COSIGN_PASSWORD, or prompted), the older name second.
var cosignKeyTypes = []string{"ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"}

// encryptedKey is the body of such a key: secure-systems-lab's "encrypted" JSON, a PKCS#8 key
// sealed with nacl/secretbox under a key scrypt derives from the password.
type encryptedKey struct {
	KDF struct {
		Name   string `json:"name"`
		Params struct {
			N int `json:"N"`
			R int `json:"r"`
			P int `json:"p"`
		} `json:"params"`
		Salt []byte `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

// maxScryptN bounds the work a key file can ask for (cosign writes N = 32768).
const maxScryptN = 1 << 20

// decryptCosignKey opens a cosign private key's body with the password in COSIGN_PASSWORD
// (empty when unset, as cosign takes it) and returns the PKCS#8 DER key.
func decryptCosignKey(body []byte) ([]byte, error) {
	var k encryptedKey
	if err := json.Unmarshal(body, &k); err != nil {
		return nil, fmt.Errorf("reading the encrypted key: %w", err)
	}
	p := k.KDF.Params
	switch {
	case k.KDF.Name != "scrypt" || k.Cipher.Name != "nacl/secretbox":
		return nil, fmt.Errorf("encrypted with %s and %s; want scrypt and nacl/secretbox", k.KDF.Name, k.Cipher.Name)
	case p.N <= 1 || p.N > maxScryptN || p.R < 1 || p.P < 1 || p.R*p.P >= 1<<30:
		return nil, fmt.Errorf("scrypt parameters N=%d r=%d p=%d out of bounds", p.N, p.R, p.P)
	case len(k.Cipher.Nonce) != 24:
		return nil, fmt.Errorf("a %d-byte nonce; want 24", len(k.Cipher.Nonce))
	}
	key, err := scrypt.Key([]byte(os.Getenv("COSIGN_PASSWORD")), k.KDF.Salt, p.N, p.R, p.P, 32)
	if err != nil {
		return nil, fmt.Errorf("deriving the key: %w", err)
	}
	var secret [32]byte
	var nonce [24]byte
	copy(secret[:], key)
	copy(nonce[:], k.Cipher.Nonce)
	der, ok := secretbox.Open(nil, k.Ciphertext, &nonce, &secret)
	if !ok {
		return nil, errors.New("it does not open with the password in COSIGN_PASSWORD")
	}
	return der, nil
}

func isCosignKey(pemType string) bool { return slices.Contains(cosignKeyTypes, pemType) }
