package konflux

import (
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultPlatform is where Konflux runs a build task that records no PLATFORM.
const DefaultPlatform = "linux/amd64"

// NormalizePlatform turns a Konflux PLATFORM value ("linux/x86_64", "linux-m2xlarge/arm64",
// "localhost") into os/arch as Go and OCI name them; "" when it cannot.
func NormalizePlatform(recorded string) string {
	if recorded == "localhost" || recorded == "local" {
		return DefaultPlatform
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

// UnameArch is `uname -m` on a host of the platform: the task's architecture label.
func UnameArch(platform string) string {
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

// HostArch is `uname -m` of this machine: the architecture label a build here gives.
func HostArch() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Machine[:])
}
