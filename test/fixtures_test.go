package test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// oddMetadata adds what this project's own tree should not hold: symlinks committed to the
// fixture repository, and a tar.gz with a hard link, symlinks, owners and odd modes.
func oddMetadata(dir string) error {
	links := filepath.Join(dir, "links")
	if err := os.MkdirAll(links, 0o755); err != nil {
		return fmt.Errorf("creating links: %w", err)
	}
	for name, target := range map[string]string{
		"relative":     "../data/a.txt",
		"relative-dir": "../unicode",
		"absolute":     "/etc/hostname",
		"dangling":     "/nonexistent/target",
	} {
		if err := os.Symlink(target, filepath.Join(links, name)); err != nil {
			return fmt.Errorf("creating symlink %s: %w", name, err)
		}
	}
	payload, err := payloadTarGz()
	if err != nil {
		return err
	}
	return world.WriteFile(filepath.Join(dir, "payload.tar.gz"), payload, 0o644)
}

func payloadTarGz() ([]byte, error) {
	old := time.Date(2020, 2, 2, 2, 2, 2, 0, time.UTC)
	future := time.Date(2030, 3, 3, 3, 3, 3, 0, time.UTC)
	entries := []tar.Header{
		{Name: "payload/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: old},
		{Name: "payload/file.txt", Typeflag: tar.TypeReg, Mode: 0o640, Uid: 1000, Gid: 1000, ModTime: old},
		{Name: "payload/hard.txt", Typeflag: tar.TypeLink, Linkname: "payload/file.txt", Mode: 0o640, Uid: 1000, Gid: 1000, ModTime: old},
		{Name: "payload/relative-link", Typeflag: tar.TypeSymlink, Linkname: "file.txt", Mode: 0o777, ModTime: old},
		{Name: "payload/absolute-link", Typeflag: tar.TypeSymlink, Linkname: "/usr/bin/env", Mode: 0o777, ModTime: old},
		{Name: "payload/ñandú-🙂.txt", Typeflag: tar.TypeReg, Mode: 0o644, ModTime: old},
		{Name: "payload/setuid-tool", Typeflag: tar.TypeReg, Mode: 0o4755, ModTime: old},
		{Name: "payload/sub/", Typeflag: tar.TypeDir, Mode: 0o700, Uid: 7, Gid: 8, ModTime: future},
		{Name: "payload/sub/from-the-future.txt", Typeflag: tar.TypeReg, Mode: 0o444, ModTime: future},
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, h := range entries {
		var body []byte
		if h.Typeflag == tar.TypeReg {
			body = []byte("content of " + h.Name + "\n")
			h.Size = int64(len(body))
		}
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			return nil, fmt.Errorf("writing tar header %s: %w", h.Name, err)
		}
		if _, err := tw.Write(body); err != nil {
			return nil, fmt.Errorf("writing tar entry %s: %w", h.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing tar: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("closing gzip: %w", err)
	}
	return buf.Bytes(), nil
}
