package world

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// pushIndex makes and pushes the index of refs (<repo>:<tag>@<digest>, in order) as image,
// as build-image-index 0.2's build step does, and returns its digest and IMAGES result.
// The task strips a tag with `cut -d: -f1`, which a registry's port breaks (the entry keeps
// its tag, which buildah refuses beside a digest): here the tag is taken off whole, as the
// task does for quay.io.
func (w *World) pushIndex(ctx context.Context, image string, refs []string, format string) (string, string, error) {
	s, err := w.NewStore("index-")
	if err != nil {
		return "", "", err
	}
	defer s.Remove()
	s.Driver = buildImageIndexDefaults.String("STORAGE_DRIVER")
	if _, err := w.buildah(ctx, s, "manifest", "create", image); err != nil {
		return "", "", fmt.Errorf("creating the index %s: %w", image, err)
	}
	for _, ref := range refs {
		name, digest, _ := strings.Cut(ref, "@")
		repo, _ := splitTag(name)
		if _, err := w.buildah(ctx, s, "manifest", "add", "--tls-verify=false", image, "docker://"+repo+"@"+digest, "--all"); err != nil {
			return "", "", fmt.Errorf("adding %s to the index: %w", ref, err)
		}
	}
	inspected, err := w.buildah(ctx, s, "manifest", "inspect", image)
	if err != nil {
		return "", "", err
	}
	var list struct {
		Manifests []struct{ MediaType, Digest string }
	}
	if err := json.Unmarshal(inspected, &list); err != nil {
		return "", "", fmt.Errorf("reading the index %s: %w", image, err)
	}
	incompatible := map[string]string{"oci": "vnd.docker.distribution.manifest", "docker": "vnd.oci.image.manifest"}[format]
	repo, _ := splitTag(image)
	var images []string
	for _, m := range list.Manifests {
		if strings.Contains(m.MediaType, incompatible) {
			return "", "", fmt.Errorf("the index %s is %s, an entry is %s: the task fails", image, format, m.MediaType)
		}
		images = append(images, repo+"@"+m.Digest)
	}
	digestFile := filepath.Join(filepath.Dir(s.Root), "image-digest")
	if _, err := w.buildah(ctx, s, "manifest", "push", "--signature-policy", w.Policy, "--format="+format, "--retry", "3",
		"--tls-verify=false", "--digestfile", digestFile, image, "docker://"+image); err != nil {
		return "", "", fmt.Errorf("pushing the index %s: %w", image, err)
	}
	digest, err := os.ReadFile(digestFile)
	if err != nil {
		return "", "", fmt.Errorf("reading the digest of the index %s: %w", image, err)
	}
	return strings.TrimSpace(string(digest)), strings.Join(images, ", "), nil
}

// Manifest fetches ref (<registry>/<repo>@<digest>) from the world's registry as it serves
// it, and its media type.
func (w *World) Manifest(ctx context.Context, ref string) ([]byte, string, error) {
	repo, digest, _ := strings.Cut(strings.TrimPrefix(ref, w.Registry+"/"), "@")
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+w.Registry+"/v2/"+repo+"/manifests/"+digest, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
	}, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetching %s: %w", ref, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("fetching %s: %s %v", ref, resp.Status, err)
	}
	return body, resp.Header.Get("Content-Type"), nil
}
