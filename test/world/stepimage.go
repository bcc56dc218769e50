package world

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// StepImage pushes a build step image in the shape of Konflux's buildah-task image, whose
// buildah is the CLI at cli (version "1.41.5" ...), as buildah-task:<version>, and returns
// <repo>@<digest>. It holds that buildah at /usr/bin/buildah, netavark (which the CLI looks
// for at start), the shared libraries both load, a policy and the files a pod would mount.
func (w *World) StepImage(ctx context.Context, version, cli string) (string, error) {
	tag := "buildah-task:" + version
	if _, ok := w.images[tag]; ok {
		return w.BaseImage(tag)
	}
	dir, err := w.TempDir("step-image-")
	if err != nil {
		return "", err
	}
	defer RemoveAll(dir)
	root := filepath.Join(dir, "rootfs")
	programs := map[string]string{"/usr/bin/buildah": cli, "/usr/libexec/podman/netavark": "/usr/lib/podman/netavark"}
	for dst, src := range programs {
		if err := copyFile(src, filepath.Join(root, dst), 0o755); err != nil {
			return "", err
		}
		libs, err := w.sharedLibraries(ctx, src)
		if err != nil {
			return "", err
		}
		for _, lib := range libs {
			if err := copyFile(lib, filepath.Join(root, lib), 0o755); err != nil {
				return "", err
			}
		}
	}
	files := map[string]string{
		"etc/containers/policy.json": `{"default":[{"type":"insecureAcceptAnything"}]}` + "\n",
		"etc/hosts":                  "127.0.0.1 localhost\n",
		"etc/resolv.conf":            "",
		"etc/passwd":                 "root:x:0:0:root:/root:/bin/sh\n",
		"etc/group":                  "root:x:0:\n",
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			return "", err
		}
		if err := WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	for _, d := range []string{"tmp", "var/tmp", "root", "proc", "dev", "sys"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return "", err
		}
	}
	containerfile := "FROM scratch\nCOPY rootfs/ /\nENV BUILDAH_ISOLATION=chroot\nLABEL name=buildah-task version=" + version + "\n"
	if err := WriteFile(filepath.Join(dir, "Containerfile"), []byte(containerfile), 0o644); err != nil {
		return "", err
	}
	if err := w.buildDirAndPush(ctx, tag, dir); err != nil {
		return "", err
	}
	return w.BaseImage(tag)
}

// sharedLibraries lists the files `ldd program` names (the loader among them).
func (w *World) sharedLibraries(ctx context.Context, program string) ([]string, error) {
	out, err := w.Run(ctx, Cmd{Path: "ldd", Args: []string{program}})
	if err != nil {
		return nil, fmt.Errorf("listing the libraries of %s: %w", program, err)
	}
	var libs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			if strings.HasPrefix(f, "/") {
				libs = append(libs, f)
			}
		}
	}
	return libs, sc.Err()
}

func copyFile(src, dst string, mode os.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return WriteFile(dst, data, mode)
}
