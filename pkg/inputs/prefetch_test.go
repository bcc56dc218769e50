package inputs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

func prefetchArchive(t *testing.T, entries ...tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, h := range entries {
		body := []byte(h.Linkname)
		if h.Typeflag == tar.TypeReg {
			h.Linkname, h.Size = "", int64(len(body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPrefetchedFromLayout(t *testing.T) {
	// Linkname holds a regular file's content here.
	good := prefetchArchive(t,
		tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755},
		tar.Header{Name: "./cachi2.env", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "\n"},
		tar.Header{Name: "./output/deps/generic/../../escape.txt", Typeflag: tar.TypeReg, Mode: 0o600, Linkname: "kept inside\n"},
		tar.Header{Name: "../../../outside.txt", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "kept inside too\n"},
	)
	link := prefetchArchive(t, tar.Header{Name: "./output/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
	for name, tc := range map[string]struct {
		blob   []byte
		digest digest.Digest
		want   error
	}{
		"good":           {blob: good, digest: digest.FromBytes(good)},
		"another digest": {blob: good, digest: digest.FromString("other"), want: ErrPrefetched},
		"a symlink":      {blob: link, digest: digest.FromBytes(link), want: ErrPrefetched},
		"not gzip":       {blob: []byte("plain"), digest: digest.FromString("plain"), want: ErrPrefetched},
	} {
		t.Run(name, func(t *testing.T) {
			layout := t.TempDir()
			blobs := filepath.Join(layout, "blobs", "sha256")
			if err := os.MkdirAll(blobs, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(blobs, tc.digest.Encoded()), tc.blob, 0o644); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "cachi2")
			err := PrefetchedFromLayout(layout, "oci:registry.example/app@"+tc.digest.String(), dir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("PrefetchedFromLayout: %v, want %v", err, tc.want)
			}
			if tc.want != nil {
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Errorf("%s left behind after %v", dir, err)
				}
				return
			}
			for file, body := range map[string]string{"cachi2.env": "\n", "output/escape.txt": "kept inside\n", "outside.txt": "kept inside too\n"} {
				if data, err := os.ReadFile(filepath.Join(dir, file)); err != nil || string(data) != body {
					t.Errorf("%s: %q, %v", file, data, err)
				}
			}
		})
	}
	err := PrefetchedFromLayout(t.TempDir(), "oci:registry.example/app@"+digest.FromString("x").String(), t.TempDir())
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "is not in") {
		t.Errorf("a blob the layout lacks: %v, want ErrUnavailable", err)
	}
}
