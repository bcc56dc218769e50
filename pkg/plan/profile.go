package plan

import (
	"regexp"
	"slices"
	"strings"
)

// Profile is the replay of one task family over the versions it covers.
type profile struct {
	name     string
	tasks    []string // the bundles' repository names
	versions []string // major.minor versions covered
}

// profiles are the task replays this binary has. buildah-oci-ta 0.7 (from 0.7.1) passes the
// same labels, annotations and injections as 0.8; 0.8 added ENV_VARS, which 0.7 lacks and
// so never sets. 0.6 and older set the timestamp labels otherwise, and 0.10 builds with
// konflux-build-cli: no profile yet.
var profiles = []profile{
	{
		name: "buildah-oci-ta/0.8",
		// buildah-remote-oci-ta, which multi-platform pipelines run on a VM per platform, is
		// generated from buildah-oci-ta and runs the same build script.
		tasks:    []string{"task-buildah-oci-ta", "task-buildah-remote-oci-ta"},
		versions: []string{"0.7", "0.8"},
	},
}

var majorMinor = regexp.MustCompile(`^v?([0-9]+\.[0-9]+)`)

// parseBundle splits ".../task-buildah-oci-ta:0.8@sha256:<hex>" into its parts.
func parseBundle(ref string) (task, version, digest string) {
	ref, digest, _ = strings.Cut(ref, "@")
	ref = ref[strings.LastIndex(ref, "/")+1:]
	task, version, _ = strings.Cut(ref, ":")
	return task, version, digest
}

// profileFor returns the profile covering task at version, or "".
func profileFor(task, version string) string {
	m := majorMinor.FindStringSubmatch(version)
	if m == nil {
		return ""
	}
	for _, p := range profiles {
		if slices.Contains(p.tasks, task) && slices.Contains(p.versions, m[1]) {
			return p.name
		}
	}
	return ""
}
