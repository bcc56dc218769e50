package world

import (
	"context"
	"fmt"
	"path/filepath"
)

// ArmBaseTag is the world's linux/arm64 base image: FROM scratch, a static program at
// /bin/tool that writes a file (test/world/writefile).
const ArmBaseTag = "armtool:latest"

// PushArmBase compiles test/world/writefile for goarch (CGO_ENABLED=0) and pushes it, in an
// image buildah builds with --platform linux/arm64, as ArmBaseTag. goarch is arm64, or, where
// this host cannot run arm64 programs, the host's: a stand-in whose RUN steps the world can
// build, in an image that still says arm64.
func (w *World) PushArmBase(ctx context.Context, goarch string) (string, error) {
	dir, err := w.TempDir("arm-base-")
	if err != nil {
		return "", err
	}
	defer RemoveAll(dir)
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + goarch}
	args := []string{"build", "-trimpath", "-o", filepath.Join(dir, "tool"), "./test/world/writefile"}
	if _, err := w.Run(ctx, Cmd{Path: "go", Args: args, Dir: w.Root, Env: env}); err != nil {
		return "", fmt.Errorf("compiling the arm base's tool: %w", err)
	}
	containerfile := "FROM scratch\nCOPY tool /bin/tool\n"
	if err := WriteFile(filepath.Join(dir, "Containerfile"), []byte(containerfile), 0o644); err != nil {
		return "", err
	}
	if err := w.buildDirAndPush(ctx, ArmBaseTag, dir, "--platform", "linux/arm64"); err != nil {
		return "", err
	}
	return w.BaseImage(ArmBaseTag)
}
