package compare

import (
	"encoding/json"
	"fmt"
)

// findDrift looks for evidence that the published image was built from other inputs: the
// buildah version its labels.json (or io.buildah.version label) names, and whether its
// first layers are the base image's that the rebuild pulled.
func findDrift(pub *side, in Inputs) []Drift {
	out := []Drift{}
	if v := publishedBuildahVersion(pub); v != "" && in.BuildahVersion != "" && v != in.BuildahVersion {
		out = append(out, Drift{
			Kind: "buildah-version", Published: v, Rebuilt: in.BuildahVersion,
			Detail: fmt.Sprintf("the published image was built by buildah %s, the rebuild ran buildah %s", v, in.BuildahVersion),
		})
	}
	if b := in.Base; b != nil && !hasPrefix(pub.config.RootFS.DiffIDs, b.DiffIDs) {
		out = append(out, Drift{
			Kind: "base-image", Published: firstLayers(pub, len(b.DiffIDs)), Rebuilt: b.Name + "@" + b.Digest,
			Detail: fmt.Sprintf("the published image's first %d layer(s) are not those of %s@%s, the base image the SBOM names", len(b.DiffIDs), b.Name, b.Digest),
		})
	}
	return out
}

func publishedBuildahVersion(pub *side) string {
	if pub.labelsRaw != nil {
		var labels map[string]any
		if json.Unmarshal(pub.labelsRaw, &labels) == nil {
			if v, ok := labels["io.buildah.version"].(string); ok {
				return v
			}
		}
	}
	return pub.config.Config.Labels["io.buildah.version"]
}

func hasPrefix[T comparable](list, prefix []T) bool {
	if len(prefix) > len(list) {
		return false
	}
	for i := range prefix {
		if list[i] != prefix[i] {
			return false
		}
	}
	return true
}

func firstLayers(pub *side, n int) string {
	d := pub.config.RootFS.DiffIDs
	if n > len(d) {
		n = len(d)
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%s (layer 0 of %d)", d[0], len(d))
}
