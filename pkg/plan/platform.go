package plan

import "strings"

// defaultPlatform is where Konflux runs a build task that records no PLATFORM.
const defaultPlatform = "linux/amd64"

// normalizePlatform turns a Konflux PLATFORM value ("linux/x86_64", "linux-m2xlarge/arm64",
// "localhost") into os/arch as Go and OCI name them; "" when it cannot.
func normalizePlatform(recorded string) string {
	if recorded == "localhost" || recorded == "local" {
		return defaultPlatform
	}
	os, arch, ok := strings.Cut(recorded, "/")
	if !ok || os == "" || arch == "" {
		return ""
	}
	os, _, _ = strings.Cut(os, "-")
	arch, variant, _ := strings.Cut(arch, "/")
	switch arch {
	case "x86_64":
		arch = "amd64"
	case "aarch64":
		arch = "arm64"
	}
	if variant != "" && arch != "arm64" {
		arch += "/" + variant
	}
	return os + "/" + arch
}

// unameArch is `uname -m` on a host of the platform: the task's architecture label.
func unameArch(platform string) string {
	_, arch, _ := strings.Cut(platform, "/")
	arch, _, _ = strings.Cut(arch, "/")
	switch arch {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "386":
		return "i686"
	case "arm":
		return "armv7l"
	}
	return arch
}
