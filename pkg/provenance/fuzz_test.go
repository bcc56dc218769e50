package provenance

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzRead(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json*")
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
	// Small inputs as well: the fuzzer minimizes whatever it finds, and that is slow from 30 KiB seeds.
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"k","sig":"AA=="}]}`))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v0.2",` +
		`"subject":[{"name":"a","digest":{"sha256":"` + strings.Repeat("0", 64) + `"}}],"predicate":{"buildConfig":{"tasks":[` +
		`{"name":"clone-repository","results":[{"name":"url","value":"u"},{"name":"commit","value":"` + strings.Repeat("1", 40) + `"}]},` +
		`{"name":"build-container","invocation":{"parameters":{"A":["x"],"B":{"k":"v"}}},` +
		`"steps":[{"environment":{"container":"build","image":"oci://b@sha256:` + strings.Repeat("2", 64) + `"}}]}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if envs, err := ReadEnvelopes(bytes.NewReader(data)); err == nil {
			for _, e := range envs {
				e.PAE()
			}
		}
		rec, err := Read(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error %v does not match ErrInvalidInput", err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if rec.Source.URL == "" || rec.Source.Commit == "" || len(rec.Subjects) == 0 {
			t.Fatalf("recipe without URL, commit or subject: %+v", rec)
		}
		if !pinnedBySHA256.MatchString(rec.Task.BuilderImage) {
			t.Fatalf("builder image %q not pinned", rec.Task.BuilderImage)
		}
	})
}
