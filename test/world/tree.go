package world

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"
)

// TreeDiff mounts ref (pulled by ConfigDiff) and image id from s and returns a line diff of
// their file trees: path, type and mode, owner, size, mtime, link count, symlink target and
// content digest of every file, and the text of small text files.
func (w *World) TreeDiff(ctx context.Context, s Store, ref, id string) (string, error) {
	var trees [2][]string
	for i, image := range []string{ref, id} {
		out, err := w.buildah(ctx, s, "from", "--pull=never", "--signature-policy", w.Policy, "--quiet", image)
		if err != nil {
			return "", fmt.Errorf("creating a container of %s: %w", image, err)
		}
		ctr := strings.TrimSpace(string(out))
		defer w.buildah(context.WithoutCancel(ctx), s, "rm", ctr)
		out, err = w.buildah(ctx, s, "mount", ctr)
		if err != nil {
			return "", fmt.Errorf("mounting %s: %w", image, err)
		}
		if trees[i], err = listTree(strings.TrimSpace(string(out))); err != nil {
			return "", err
		}
	}
	return "--- published\n+++ rebuilt\n" + lineDiff(trees[0], trees[1]), nil
}

func listTree(root string) ([]string, error) {
	var lines []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st, _ := info.Sys().(*syscall.Stat_t)
		if st == nil {
			return fmt.Errorf("no stat for %s", path)
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." {
			return nil // the mount point: its mtime is the container's
		}
		line := fmt.Sprintf("/%s %s %d:%d size=%d mtime=%d nlink=%d", strings.TrimPrefix(rel, "."), info.Mode(), st.Uid, st.Gid, info.Size(), info.ModTime().Unix(), st.Nlink)
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			line += " -> " + target
		case info.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += " sha256=" + hex.EncodeToString(sum[:8])
			if len(data) <= 2048 && utf8.Valid(data) && !bytes.ContainsRune(data, 0) {
				lines = append(lines, line)
				for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
					lines = append(lines, "    | "+l)
				}
				return nil
			}
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", root, err)
	}
	return lines, nil
}
