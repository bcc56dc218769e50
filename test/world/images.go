package world

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// SetupImages pushes the images the cases build FROM (the build step images are pushed by
// Publish, StepImage): busybox bases from scripts/make-base-image.sh, with labels for the
// cases to inherit, and a second, different builder derived from one of them.
func (w *World) SetupImages(ctx context.Context) error {
	s, err := w.NewStore("images-")
	if err != nil {
		return err
	}
	defer s.Remove()
	for _, im := range []struct {
		tags   []string
		labels []string
	}{
		{[]string{"busybox:latest"}, []string{"name=busybox-base", "vendor=Rebuild e2e", "description=a <tiny> base & more"}},
		{[]string{"builder:latest"}, []string{"name=builder", "role=builder"}},
		{[]string{"moving:latest", "moving-base:latest"}, []string{"name=moving", "summary=pushed again after publishing"}},
	} {
		local := "localhost/rebuild-e2e-" + strings.ReplaceAll(im.tags[0], ":", "-")
		if err := w.makeBaseImage(ctx, s, local, im.labels); err != nil {
			return err
		}
		for _, tag := range im.tags {
			digest, err := w.Push(ctx, s, local, w.Registry+"/"+tag)
			if err != nil {
				return err
			}
			w.setImage(tag, digest)
		}
	}
	tools := "FROM " + w.Registry + "/busybox:latest\n" +
		"COPY tools-release /etc/tools-release\n" +
		"LABEL name=tools version=1.0 org.example.builder=second\n"
	return w.BuildAndPush(ctx, "tools:1.0", tools, map[string]string{"tools-release": "tools 1.0, the second builder\n"})
}

// MoveTag pushes other content to tag (name:tag in the world's registry).
func (w *World) MoveTag(ctx context.Context, tag string) error {
	before := w.images[tag]
	containerfile := "FROM " + w.Registry + "/" + tag + "\nCOPY moved /etc/moved\nLABEL moved=true\n"
	if err := w.BuildAndPush(ctx, tag, containerfile, map[string]string{"moved": "the tag moved after publishing\n"}); err != nil {
		return err
	}
	if w.images[tag] == before {
		return fmt.Errorf("moving %s: still %s", tag, before)
	}
	return nil
}

// BuildAndPush builds containerfile with files as its context and pushes it as tag.
func (w *World) BuildAndPush(ctx context.Context, tag, containerfile string, files map[string]string) error {
	ctxDir, err := w.TempDir("context-")
	if err != nil {
		return err
	}
	defer RemoveAll(ctxDir)
	files["Containerfile"] = containerfile
	for name, content := range files {
		if err := WriteFile(filepath.Join(ctxDir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return w.buildDirAndPush(ctx, tag, ctxDir)
}

// buildDirAndPush builds the Containerfile in ctxDir, with flags, and pushes it as tag.
func (w *World) buildDirAndPush(ctx context.Context, tag, ctxDir string, flags ...string) error {
	s, err := w.NewStore("image-")
	if err != nil {
		return err
	}
	defer s.Remove()
	local := "localhost/rebuild-e2e-" + strings.ReplaceAll(tag, ":", "-")
	args := append([]string{"build", "--signature-policy", w.Policy, "--isolation", "chroot", "--format", "oci", "--no-cache"}, flags...)
	if _, err := w.buildah(ctx, s, append(args, "-t", local, ctxDir)...); err != nil {
		return fmt.Errorf("building %s: %w", tag, err)
	}
	digest, err := w.Push(ctx, s, local, w.Registry+"/"+tag)
	if err != nil {
		return err
	}
	w.setImage(tag, digest)
	return nil
}

// BaseImage is <registry>/<repo>@<digest> of what the world last pushed as tag.
func (w *World) BaseImage(tag string) (string, error) {
	digest, ok := w.images[tag]
	if !ok {
		return "", fmt.Errorf("no image %s in the world", tag)
	}
	repo, _ := splitTag(w.Registry + "/" + tag)
	return repo + "@" + digest, nil
}

func (w *World) setImage(tag, digest string) {
	if w.images == nil {
		w.images = map[string]string{}
	}
	w.images[tag] = digest
}

func (w *World) makeBaseImage(ctx context.Context, s Store, name string, labels []string) error {
	script := filepath.Join(w.Root, "scripts", "make-base-image.sh")
	env := []string{"BUILDAH=" + w.Tools.Buildah, "BUILDAH_ROOT=" + s.Root, "BUILDAH_RUNROOT=" + s.RunRoot, "SIGNATURE_POLICY=" + w.Policy}
	if _, err := w.Run(ctx, Cmd{Path: script, Args: append([]string{name}, labels...), Env: env}); err != nil {
		return fmt.Errorf("making the base image: %w", err)
	}
	return nil
}

// PullAs pulls pinned (<repo>@sha256:<hex>) into s and names it name, as a manual rebuild
// must before building with the names the Containerfile writes.
func (w *World) PullAs(ctx context.Context, s Store, pinned, name string) error {
	if _, err := w.buildah(ctx, s, "pull", "--quiet", "--signature-policy", w.Policy, pinned); err != nil {
		return err
	}
	_, err := w.buildah(ctx, s, "tag", pinned, name)
	return err
}
