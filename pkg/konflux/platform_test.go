package konflux

import "testing"

func TestNormalizePlatform(t *testing.T) {
	for in, want := range map[string]string{
		"linux/x86_64": "linux/amd64", "linux/amd64": "linux/amd64", "linux-m2xlarge/arm64": "linux/arm64",
		"linux/aarch64": "linux/arm64", "linux-root/ppc64le": "linux/ppc64le", "localhost": "linux/amd64",
		"linux/arm/v7": "linux/arm/v7", "nonsense": "",
	} {
		if got := NormalizePlatform(in); got != want {
			t.Errorf("NormalizePlatform(%q) = %q, want %q", in, got, want)
		}
	}
}
