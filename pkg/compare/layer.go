package compare

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/pkg/compression"

	"github.com/rebuild-project/rebuild/pkg/konflux"
)

const maxLabelsJSON = 1 << 20

// paxSkip are PAX records FileMeta holds in its own fields.
var paxSkip = map[string]bool{
	"path": true, "linkpath": true, "size": true, "uid": true, "gid": true, "uname": true, "gname": true,
	"mtime": true, "atime": true, "ctime": true,
}

// openLayer returns the uncompressed tar stream of layer i of s.
func openLayer(ctx context.Context, s *side, i int) (io.ReadCloser, error) {
	rc, _, err := s.src.GetBlob(ctx, s.layers[i], none.NoCache)
	if err != nil {
		return nil, fmt.Errorf("fetching layer %d (%s): %w", i, s.layers[i].Digest, err)
	}
	dec, _, err := compression.AutoDecompress(rc)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("decompressing layer %d (%s): %w", i, s.layers[i].Digest, err)
	}
	what := fmt.Sprintf("reading layer %d of the %s image", i, s.role)
	return &closeBoth{Reader: newProgressReader(dec, s.progress, what), closers: []io.Closer{dec, rc}}, nil
}

type closeBoth struct {
	io.Reader
	closers []io.Closer
}

func (c *closeBoth) Close() error {
	var errs []error
	for _, x := range c.closers {
		errs = append(errs, x.Close())
	}
	return errors.Join(errs...)
}

// tarStream reads a layer's tar entry by entry, hashing file contents as they stream past.
// A nil stream (no such layer) is at its end from the start.
type tarStream struct {
	tr   *tar.Reader
	n    int
	keep func(name string, data []byte) // sees the start of labels.json files, when set
}

// next returns the next entry's cleaned path and metadata, or a nil meta at the end.
func (s *tarStream) next() (string, *FileMeta, error) {
	if s == nil || s.tr == nil {
		return "", nil, nil
	}
	h, err := s.tr.Next()
	if err == io.EOF {
		s.tr = nil
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	name := cleanPath(h.Name)
	m := metaOf(h, s.n)
	s.n++
	if h.Typeflag == tar.TypeReg {
		sum := sha256.New()
		body := io.TeeReader(s.tr, sum)
		if s.keep != nil && slices.Contains(konflux.LabelsPaths, "/"+name) {
			data, err := io.ReadAll(io.LimitReader(body, maxLabelsJSON))
			if err != nil {
				return "", nil, fmt.Errorf("reading %s: %w", name, err)
			}
			s.keep(name, data)
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return "", nil, fmt.Errorf("reading %s: %w", name, err)
		}
		m.Digest = "sha256:" + hex.EncodeToString(sum.Sum(nil))
	}
	return name, m, nil
}

func metaOf(h *tar.Header, index int) *FileMeta {
	m := &FileMeta{
		Type: typeName(h.Typeflag), Mode: fmt.Sprintf("%04o", h.Mode&0o7777), UID: h.Uid, GID: h.Gid,
		Uname: h.Uname, Gname: h.Gname,
		Mtime: h.ModTime.UTC(), Size: h.Size, Index: index,
	}
	if h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink {
		m.Link = h.Linkname
		if h.Typeflag == tar.TypeLink {
			m.Link = cleanPath(h.Linkname)
		}
	}
	for k, v := range h.PAXRecords {
		if paxSkip[k] {
			continue
		}
		if m.Xattrs == nil {
			m.Xattrs = map[string]string{}
		}
		m.Xattrs[k] = v
	}
	return m
}

func typeName(t byte) string {
	switch t {
	case tar.TypeReg:
		return "file"
	case tar.TypeDir:
		return "dir"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeLink:
		return "hardlink"
	case tar.TypeChar:
		return "char"
	case tar.TypeBlock:
		return "block"
	case tar.TypeFifo:
		return "fifo"
	}
	return fmt.Sprintf("type-%c", t)
}

// cleanPath is a tar entry name relative to the root, without "./" or a trailing slash.
func cleanPath(name string) string {
	p := path.Clean("/" + name)
	return strings.TrimPrefix(p, "/")
}
