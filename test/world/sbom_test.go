package world

import "testing"

func TestPurl(t *testing.T) {
	for _, tc := range []struct{ repo, digest, want string }{
		{"127.0.0.1:5000/busybox", "sha256:ab", "pkg:oci/busybox@sha256:ab?repository_url=127.0.0.1:5000%2Fbusybox"},
		{"quay.io/org/sub/app", "sha256:cd", "pkg:oci/app@sha256:cd?repository_url=quay.io%2Forg%2Fsub%2Fapp"},
	} {
		if got := Purl(tc.repo, tc.digest); got != tc.want {
			t.Errorf("Purl(%q, %q) = %q, want %q", tc.repo, tc.digest, got, tc.want)
		}
	}
}

func TestSplitTag(t *testing.T) {
	for _, tc := range []struct{ ref, repo, tag string }{
		{"127.0.0.1:5000/busybox:latest", "127.0.0.1:5000/busybox", "latest"},
		{"127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox", ""},
		{"busybox", "busybox", ""},
	} {
		repo, tag := splitTag(tc.ref)
		if repo != tc.repo || tag != tc.tag {
			t.Errorf("splitTag(%q) = %q, %q, want %q, %q", tc.ref, repo, tag, tc.repo, tc.tag)
		}
	}
}
