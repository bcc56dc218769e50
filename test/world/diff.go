package world

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// ConfigDiff pulls ref into s and returns a line diff of its OCI config against image id's
// (both indented JSON): which label, history step or layer a mismatch comes from.
func (w *World) ConfigDiff(ctx context.Context, s Store, ref, id string) (string, error) {
	if _, err := w.buildah(ctx, s, "pull", "--signature-policy", w.Policy, "--quiet", ref); err != nil {
		return "", fmt.Errorf("pulling %s: %w", ref, err)
	}
	var configs [2][]string
	for i, name := range []string{ref, id} {
		out, err := w.buildah(ctx, s, "inspect", "--type", "image", "--format", "{{json .OCIv1}}", name)
		if err != nil {
			return "", fmt.Errorf("inspecting %s: %w", name, err)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, bytes.TrimSpace(out), "", "  "); err != nil {
			return "", fmt.Errorf("indenting the config of %s: %w", name, err)
		}
		configs[i] = strings.Split(pretty.String(), "\n")
	}
	return "--- published\n+++ rebuilt\n" + lineDiff(configs[0], configs[1]), nil
}

// lineDiff lists the lines only in a ("-") or only in b ("+"), in order, by longest common
// subsequence; the configs are a few hundred lines at most.
func lineDiff(a, b []string) string {
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(&out, "-%s\n", a[i])
			i++
		default:
			fmt.Fprintf(&out, "+%s\n", b[j])
			j++
		}
	}
	return out.String()
}
