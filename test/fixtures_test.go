package test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// pinnedPackages builds the Debian packages the packages case installs (with dpkg-deb, their
// bytes fixed by SOURCE_DATE_EPOCH and pinned file times) and packages/packages.lock, their
// sha256 sums, into the fixture repository at dir: packages a build fetches, pinned by digest.
func pinnedPackages(dir string) error {
	out := filepath.Join(dir, "packages")
	pkgs := []struct{ name, version, path, content string }{
		{"hello-data", "2.1", "usr/share/hello/greeting", "hello from a pinned package\n"},
		{"hello-tool", "1.0", "usr/bin/hello-tool", "#!/bin/sh\ncat /usr/share/hello/greeting\n"},
	}
	epoch := time.Unix(1767225600, 0)
	var lock strings.Builder
	for _, p := range pkgs {
		root := filepath.Join(dir, ".build-"+p.name)
		control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: rebuild e2e <e2e@example.test>\nDescription: a pinned package\n", p.name, p.version)
		for name, data := range map[string]string{"DEBIAN/control": control, p.path: p.content} {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
				return err
			}
			if err := world.WriteFile(filepath.Join(root, name), []byte(data), 0o755); err != nil {
				return err
			}
		}
		if err := filepath.Walk(root, func(path string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Chtimes(path, epoch, epoch)
		}); err != nil {
			return err
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		deb := fmt.Sprintf("%s_%s_all.deb", p.name, p.version)
		cmd := exec.Command("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, filepath.Join(out, deb))
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1767225600")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("dpkg-deb --build %s: %w: %s", p.name, err, msg)
		}
		if err := os.RemoveAll(root); err != nil {
			return err
		}
		data, err := os.ReadFile(filepath.Join(out, deb))
		if err != nil {
			return err
		}
		fmt.Fprintf(&lock, "%x  %s\n", sha256.Sum256(data), deb)
	}
	return world.WriteFile(filepath.Join(out, "packages.lock"), []byte(lock.String()), 0o644)
}
