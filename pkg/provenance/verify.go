package provenance

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
)

// ErrUnverified: no signature of an envelope verifies with the given key.
var ErrUnverified error = inputError("signature not verified")

// LoadPublicKey reads a PEM public key as cosign and Tekton Chains write it ("PUBLIC KEY",
// PKIX): ECDSA (P-256, cosign's default; P-384, P-521), RSA or Ed25519. A PKCS#1
// "RSA PUBLIC KEY" block is accepted too.
func LoadPublicKey(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	var key crypto.PublicKey
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is a %q, want a \"PUBLIC KEY\"", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if curveHash(k.Curve) == nil {
			return nil, fmt.Errorf("ECDSA curve %s is not supported (want P-256, P-384 or P-521)", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA key of %d bits is too short (want 2048 or more)", k.N.BitLen())
		}
	case ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("unsupported public key type %T (want ECDSA, RSA or Ed25519)", key)
	}
	return key, nil
}

// Verify checks every envelope's signatures over its DSSE pre-authentication encoding (PAE)
// with key, as cosign does: ECDSA (ASN.1 signature) and RSA (PKCS#1 v1.5) over SHA-256 of
// the PAE; Ed25519 over the PAE itself, or Ed25519ph over its SHA-512 (cosign's choice). An envelope is kept when any of its signatures
// verifies; for each one dropped, dropped holds an error naming its line that matches
// ErrUnverified. Nothing of the payload is read.
func Verify(envs []Envelope, key crypto.PublicKey) (kept []Envelope, dropped []error) {
	for _, env := range envs {
		if err := verifyEnvelope(env, key); err != nil {
			dropped = append(dropped, fmt.Errorf("line %d: %w", env.Line, err))
			continue
		}
		kept = append(kept, env)
	}
	return kept, dropped
}

func verifyEnvelope(env Envelope, key crypto.PublicKey) error {
	if len(env.Signatures) == 0 {
		return newError(ErrUnverified, "envelope has no signature")
	}
	pae := env.PAE()
	for _, s := range env.Signatures {
		if verifySignature(key, pae, s.Sig) {
			return nil
		}
	}
	if len(env.Signatures) == 1 {
		return newError(ErrUnverified, "its signature does not verify with the key")
	}
	return newError(ErrUnverified, "none of its %d signatures verifies with the key", len(env.Signatures))
}

func verifySignature(key crypto.PublicKey, msg, sig []byte) bool {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		// cosign hashes with SHA-256 whatever the curve; sigstore's default verifier uses the
		// curve's own hash. Either is accepted.
		hashes := []hash.Hash{sha256.New()}
		if k.Curve != elliptic.P256() {
			hashes = append(hashes, curveHash(k.Curve))
		}
		for _, h := range hashes {
			h.Write(msg)
			if ecdsa.VerifyASN1(k, h.Sum(nil), sig) {
				return true
			}
		}
	case *rsa.PublicKey:
		sum := sha256.Sum256(msg)
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig) == nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return false
		}
		// Pure Ed25519 over the PAE (DSSE, Tekton Chains), or Ed25519ph over its SHA-512,
		// which is what cosign signs with an Ed25519 key.
		sum := sha512.Sum512(msg)
		return ed25519.Verify(k, msg, sig) ||
			ed25519.VerifyWithOptions(k, sum[:], sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
	}
	return false
}

func curveHash(c elliptic.Curve) hash.Hash {
	switch c {
	case elliptic.P256():
		return sha256.New()
	case elliptic.P384():
		return sha512.New384()
	case elliptic.P521():
		return sha512.New()
	}
	return nil
}

// FromEnvelopes decodes envelopes (already verified, or trusted as given) into one recipe, as
// Read does. Every error matches ErrInvalidInput.
func FromEnvelopes(envs []Envelope) (*Recipe, error) {
	rec, err := decodeAll(envs)
	return rec, mark(ErrInvalidInput, err)
}
