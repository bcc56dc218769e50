package inputs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestReadSBOMFile(t *testing.T) {
	dir := t.TempDir()
	sbom := []byte(`{"spdxVersion":"SPDX-2.3"}`)
	path := filepath.Join(dir, "sbom.spdx.json")
	if err := os.WriteFile(path, sbom, 0o644); err != nil {
		t.Fatal(err)
	}
	good := "registry.example/app@" + digest.FromBytes(sbom).String()
	for _, c := range []struct {
		name, path, blobURL string
		want                []error
	}{
		{"matches", path, good, nil},
		{"changed", path, "registry.example/app@" + digest.FromString("other").String(), []error{ErrTampered, ErrSBOMMismatch}},
		{"no blob URL", path, "", []error{ErrSBOMMismatch}},
		{"missing", filepath.Join(dir, "absent.json"), good, []error{ErrUnavailable}},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := ReadSBOMFile(c.path, c.blobURL)
			if c.want == nil {
				if err != nil || string(data) != string(sbom) {
					t.Errorf("got %q, %v; want the SBOM", data, err)
				}
				return
			}
			for _, want := range c.want {
				if !errors.Is(err, want) {
					t.Errorf("got %v, want %v", err, want)
				}
			}
		})
	}
}

func TestLocalSourcesUnavailable(t *testing.T) {
	ctx := context.Background()
	absent := filepath.Join(t.TempDir(), "absent")
	err := CheckoutFrom(ctx, absent, "https://example.test/r.git", "0123456789012345678901234567890123456789", filepath.Join(t.TempDir(), "src"), CheckoutOptions{})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("CheckoutFrom a missing path: got %v, want ErrUnavailable", err)
	}
	err = PullFromLayout(ctx, nil, absent, "", map[string]string{"a": "registry.example/a@" + digest.FromString("a").String()}, nil)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("PullFromLayout from a missing layout: got %v, want ErrUnavailable", err)
	}
}

func FuzzBundleHeader(f *testing.F) {
	f.Add([]byte("# v2 git bundle\n-0123456789012345678901234567890123456789 parent\n0123456789012345678901234567890123456789 HEAD\n\nPACK"))
	f.Add([]byte("# v3 git bundle\n@object-format=sha1\n\n"))
	f.Add([]byte("# v3 git bundle\n@object-format=sha256\n\n"))
	f.Add([]byte("# v2 git bundle\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		if err := skipBundleHeader(br); err == nil && !bytes.Contains(data, []byte("\n\n")) {
			t.Errorf("a header with no empty line was taken: %q", data)
		}
	})
}
