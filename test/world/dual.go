package world

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PushDual pushes image from s as konflux-build-cli does for COMPRESSION_FORMAT=dual (task
// 0.13; pushImageDual in pkg/commands/build.go at 1097e91): the image twice, with gzip and then
// zstd:chunked layers (`buildah push --compression-format`), to temporary tags; a local index
// of the two pushed images, gzip first, the zstd entry annotated
// io.github.containers.compression.zstd=true (`buildah manifest create`, `add`, `annotate`);
// that index pushed to dest. It returns the index's digest, IMAGE_DIGEST.
//
// Where it may differ from konflux-build-cli: the world's buildah CLI pushes (the task's is the
// build step's), and `manifest add` gets --tls-verify=false for the world's plain-HTTP registry.
func (w *World) PushDual(ctx context.Context, s Store, image, dest string) (string, error) {
	repo, tag, ok := strings.Cut(dest[strings.LastIndex(dest, "/")+1:], ":")
	if !ok {
		return "", fmt.Errorf("dual push: %s has no tag", dest)
	}
	repo = dest[:strings.LastIndex(dest, "/")+1] + repo
	digestFile := filepath.Join(filepath.Dir(s.Root), "digest")
	var children []string
	for _, v := range [][2]string{{"gzip", "gzip"}, {"zstd", "zstd:chunked"}} {
		tagRef := fmt.Sprintf("%s:%s-%s-%s", repo, tag, v[0], "0a1b2c3d")
		if _, err := w.buildah(ctx, s, "push", "--signature-policy", w.Policy, "--digestfile", digestFile,
			"--tls-verify=false", "--compression-format="+v[1], image, "docker://"+tagRef); err != nil {
			return "", fmt.Errorf("pushing the %s variant of %s: %w", v[0], image, err)
		}
		d, err := os.ReadFile(digestFile)
		if err != nil {
			return "", err
		}
		children = append(children, strings.TrimSpace(string(d)))
	}
	index := "localhost/kbc-dual-index-0a1b2c3d"
	steps := [][]string{
		{"manifest", "create", index},
		{"manifest", "add", "--tls-verify=false", index, "docker://" + repo + "@" + children[0]},
		{"manifest", "add", "--tls-verify=false", index, "docker://" + repo + "@" + children[1]},
		{"manifest", "annotate", "--annotation", "io.github.containers.compression.zstd=true", index, children[1]},
		{"manifest", "push", "--signature-policy", w.Policy, "--digestfile", digestFile, "--tls-verify=false", index, "docker://" + dest},
		{"manifest", "rm", index},
	}
	for _, args := range steps {
		if _, err := w.buildah(ctx, s, args...); err != nil {
			return "", fmt.Errorf("dual push of %s: buildah %s: %w", image, strings.Join(args, " "), err)
		}
	}
	d, err := os.ReadFile(digestFile)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(d)), nil
}
