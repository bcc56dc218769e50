package compare

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// extractLayerPair writes the regular files among files, as each side's layer i holds them,
// to dir/published and dir/rebuilt (paths kept; a later layer's file replaces an earlier one's).
func extractLayerPair(ctx context.Context, pub, reb *side, i int, files []FileDiff, dir string) error {
	want := map[string]bool{}
	for _, f := range files {
		want[strings.TrimPrefix(f.Path, "/")] = true
	}
	for _, s := range []struct {
		side *side
		name string
	}{{pub, "published"}, {reb, "rebuilt"}} {
		if i >= len(s.side.layers) {
			continue
		}
		if err := extractLayer(ctx, s.side, i, want, filepath.Join(dir, s.name)); err != nil {
			return fmt.Errorf("extracting the differing files of %s layer %d: %w", s.name, i, err)
		}
	}
	return nil
}

func extractLayer(ctx context.Context, s *side, i int, want map[string]bool, root string) error {
	rc, err := openLayer(ctx, s, i)
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := cleanPath(h.Name)
		if h.Typeflag != tar.TypeReg || !want[name] || name == "" {
			continue
		}
		if err := writeFile(filepath.Join(root, filepath.FromSlash(name)), tr); err != nil {
			return err
		}
	}
}

func writeFile(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating the folder of %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
