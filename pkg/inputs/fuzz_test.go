package inputs

import (
	"os"
	"testing"
)

func FuzzParsePurl(f *testing.F) {
	f.Add("pkg:oci/ubi@sha256%3Aabc?arch=amd64&repository_url=registry.access.redhat.com/ubi9/ubi")
	f.Add("pkg:oci/builder%40sha256%3Aabc?repository_url=localhost%3A5000%2Fbuilder&tag=latest")
	f.Add("pkg:rpm/redhat/bash@5.2?arch=x86_64#sub")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePurl(s)
		if err == nil && (p.Type == "" || p.Name == "") {
			t.Errorf("parsePurl(%q) = %+v without an error", s, p)
		}
	})
}

func FuzzParseSBOM(f *testing.F) {
	konflux, err := os.ReadFile("testdata/konflux.spdx.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(konflux)
	f.Add([]byte(sbomWith("")))
	f.Fuzz(func(t *testing.T, data []byte) {
		images, err := ParseSBOM(data)
		if err != nil {
			return
		}
		for _, img := range images {
			if img.Repository == "" || len(img.Digest) != len("sha256:")+64 {
				t.Errorf("ParseSBOM returned %+v", img)
			}
		}
	})
}

func FuzzParseCycloneDX(f *testing.F) {
	konflux, err := os.ReadFile("testdata/konflux.cdx.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(konflux)
	f.Add([]byte(cdxWith(`{"type": "container", "name": "ubi", "purl": ` + purlUBIA + `, "properties": [` + propStage0 + `, ` + propBase + `]}`)))
	f.Add([]byte(cdxWith(`{"name": "b", "version": "1", "purl": "pkg:oci/b%40sha256%3Aab?tag=x", "properties": [` + propStage0 + `]}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		images, err := parseCycloneDX(data)
		if err != nil {
			return
		}
		for _, img := range images {
			if img.Repository == "" || len(img.Digest) != len("sha256:")+64 || !img.Base && len(img.Stages) == 0 {
				t.Errorf("parseCycloneDX returned %+v", img)
			}
		}
	})
}

func FuzzParseChallenge(f *testing.F) {
	f.Add(`Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`)
	f.Add(`Basic realm="x"`)
	f.Fuzz(func(t *testing.T, h string) {
		parseChallenge(h)
	})
}
