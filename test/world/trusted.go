package world

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// packTrustedArtifact packs dir as build-trusted-artifacts' create does,
// `tar --create --use-compress-program='gzip -n' --directory=DIR .`: entries "./", "./a",
// "./a/b" (in name order here, GNU tar's are in directory order), gzip with no name and no time.
func packTrustedArtifact(dir string) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h.Name = "./" + filepath.ToSlash(rel)
		if rel == "." {
			h.Name = "./"
		} else if d.IsDir() {
			h.Name += "/"
		}
		h.Uname, h.Gname, h.Format = "root", "root", tar.FormatGNU
		h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("packing %s: %w", dir, err)
	}
	return buf.Bytes(), nil
}

// archive is one file `oras push` pushes: its name and its content.
type archive struct {
	title string
	blob  []byte
}

// pushTrustedArtifacts pushes archives as `oras push STORE NAME...` does from their folder:
// one manifest tagged store, one layer a file in the order given, of oras's default media
// type whatever the content, titled with the file's name; an empty config.
func (w *World) pushTrustedArtifacts(ctx context.Context, store string, archives []archive) error {
	tag, err := name.NewTag(store, name.Insecure)
	if err != nil {
		return err
	}
	opts := []remote.Option{remote.WithContext(ctx)}
	m := referrerManifest{Manifest: v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Annotations:   map[string]string{"org.opencontainers.image.created": time.Now().UTC().Format(time.RFC3339)},
	}, ArtifactType: "application/vnd.unknown.artifact.v1"}
	config := static.NewLayer([]byte("{}"), "application/vnd.oci.empty.v1+json")
	layers := []v1.Layer{config}
	for _, a := range archives {
		layers = append(layers, static.NewLayer(a.blob, types.OCILayer))
	}
	for i, l := range layers {
		if err := remote.WriteLayer(tag.Context(), l, opts...); err != nil {
			return fmt.Errorf("pushing the trusted artifacts to %s: %w", store, err)
		}
		desc, err := partial.Descriptor(l)
		if err != nil {
			return err
		}
		if i == 0 {
			m.Config = *desc
			continue
		}
		desc.Annotations = map[string]string{"org.opencontainers.image.title": archives[i-1].title}
		m.Layers = append(m.Layers, *desc)
	}
	if err := remote.Put(tag, m, opts...); err != nil {
		return fmt.Errorf("pushing the trusted artifacts to %s: %w", store, err)
	}
	return nil
}

// FetchTrustedArtifact returns the blob a trusted artifact URI (oci:<repo>@sha256:<hex>)
// names, as `oras blob fetch` does.
func (w *World) FetchTrustedArtifact(ctx context.Context, uri string) ([]byte, error) {
	ref, ok := strings.CutPrefix(uri, "oci:")
	if !ok {
		return nil, fmt.Errorf("trusted artifact %q: not oci:<repo>@sha256:<hex>", uri)
	}
	d, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		return nil, err
	}
	l, err := remote.Layer(d, remote.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", uri, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", uri, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", uri, err)
	}
	if got := "sha256:" + sha256Hex(data); got != d.DigestStr() {
		return nil, fmt.Errorf("fetching %s: the blob has %s", uri, got)
	}
	return data, nil
}

// restoreTrustedArtifact unpacks the blob uri names into dest, as the trusted artifacts' use
// does: `oras blob fetch URI --output - | tar -C DEST -zxpf -`.
func (w *World) restoreTrustedArtifact(ctx context.Context, uri, dest string) error {
	blob, err := w.FetchTrustedArtifact(ctx, uri)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	if err := UnpackTarGz(blob, dest); err != nil {
		return fmt.Errorf("restoring %s: %w", uri, err)
	}
	return nil
}

// UnpackTarGz extracts a tar.gz of directories, regular files and symlinks into dest,
// keeping modes and modification times.
func UnpackTarGz(blob []byte, dest string) error {
	gz, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	var dirs []*tar.Header
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rel := filepath.Clean(filepath.FromSlash(h.Name))
		if !filepath.IsLocal(rel) && rel != "." {
			return fmt.Errorf("entry %q is outside the archive's root", h.Name)
		}
		target := filepath.Join(dest, rel)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			dirs = append(dirs, h)
			continue
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			if err := WriteFile(target, data, h.FileInfo().Mode().Perm()); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, target); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("entry %q: unsupported type %q", h.Name, h.Typeflag)
		}
		if err := os.Chtimes(target, h.ModTime, h.ModTime); err != nil {
			return err
		}
	}
	// Directory modes and times last, once nothing more is written into them.
	for i := len(dirs) - 1; i >= 0; i-- {
		target := filepath.Join(dest, filepath.FromSlash(dirs[i].Name))
		if err := os.Chmod(target, dirs[i].FileInfo().Mode().Perm()); err != nil {
			return err
		}
		if err := os.Chtimes(target, dirs[i].ModTime, dirs[i].ModTime); err != nil {
			return err
		}
	}
	return nil
}
