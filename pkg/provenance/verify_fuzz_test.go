package provenance

import (
	"bytes"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary input through what rebuild --key does: read the envelopes,
// verify them with each of the cosign keys in testdata, decode what verifies.
func FuzzVerify(f *testing.F) {
	files, err := filepath.Glob("testdata/cosign-*.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"k","sig":"MEUCIQ=="},{"sig":""}]}`))
	var keys []crypto.PublicKey
	for _, kt := range cosignKeys {
		data, err := os.ReadFile("testdata/cosign-" + kt + ".pub")
		if err != nil {
			f.Fatal(err)
		}
		key, err := LoadPublicKey(data)
		if err != nil {
			f.Fatal(err)
		}
		keys = append(keys, key)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		envs, err := ReadEnvelopes(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, key := range keys {
			kept, dropped := Verify(envs, key)
			if len(kept)+len(dropped) != len(envs) {
				t.Fatalf("kept %d and dropped %d of %d envelopes", len(kept), len(dropped), len(envs))
			}
			for _, err := range dropped {
				if !errors.Is(err, ErrUnverified) || strings.ContainsAny(err.Error(), "\n\r") {
					t.Fatalf("dropped with %q", err)
				}
			}
			if len(kept) == 0 {
				continue
			}
			if _, err := FromEnvelopes(kept); err != nil && !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error %v does not match ErrInvalidInput", err)
			}
		}
	})
}
