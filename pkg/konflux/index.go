package konflux

import (
	"encoding/json"
)

// IndexChild is one image build-image-index adds to the index (`buildah manifest add
// --all`): its manifest as the registry serves it, and the platform its config names.
type IndexChild struct {
	MediaType string
	Digest    string // sha256 of the manifest's bytes
	Size      int64  // their length
	// From the child's config.
	Architecture, OS, OSVersion, Variant string
	OSFeatures                           []string
	// Zstd: the child's layers are zstd, which `manifest push` annotates on its entry.
	Zstd bool
}

// Media types of the index build-image-index pushes: OCI, or a Docker list when
// BUILDAH_FORMAT=docker (`manifest push --format docker`).
const (
	OCIIndexMediaType   = "application/vnd.oci.image.index.v1+json"
	DockerListMediaType = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// The shapes buildah serializes (image-spec's v1.Index and containers/image's Schema2List),
// in their field order: Go's json.Marshal, compact, no trailing newline.
type (
	ociIndex struct {
		SchemaVersion int        `json:"schemaVersion"`
		MediaType     string     `json:"mediaType"`
		Manifests     []ociEntry `json:"manifests"`
	}
	ociEntry struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Size        int64             `json:"size"`
		Annotations map[string]string `json:"annotations,omitempty"`
		Platform    *ociPlatform      `json:"platform,omitempty"`
	}
	ociPlatform struct {
		Architecture string   `json:"architecture"`
		OS           string   `json:"os"`
		OSVersion    string   `json:"os.version,omitempty"`
		OSFeatures   []string `json:"os.features,omitempty"`
		Variant      string   `json:"variant,omitempty"`
	}
	dockerList struct {
		SchemaVersion int           `json:"schemaVersion"`
		MediaType     string        `json:"mediaType"`
		Manifests     []dockerEntry `json:"manifests"`
	}
	dockerEntry struct {
		MediaType string      `json:"mediaType"`
		Size      int64       `json:"size"`
		Digest    string      `json:"digest"`
		Platform  ociPlatform `json:"platform"`
	}
)

// IndexManifest is the index build-image-index pushes for children, in the order it added
// them (its IMAGES parameter: the build tasks' order): no annotations of its own, each
// entry's platform from the child's config.
func IndexManifest(children []IndexChild, docker bool) ([]byte, error) {
	if docker {
		l := dockerList{SchemaVersion: 2, MediaType: DockerListMediaType, Manifests: []dockerEntry{}}
		for _, c := range children {
			l.Manifests = append(l.Manifests, dockerEntry{MediaType: c.MediaType, Size: c.Size, Digest: c.Digest, Platform: c.platform()})
		}
		return json.Marshal(l)
	}
	ix := ociIndex{SchemaVersion: 2, MediaType: OCIIndexMediaType, Manifests: []ociEntry{}}
	for _, c := range children {
		e := ociEntry{MediaType: c.MediaType, Digest: c.Digest, Size: c.Size}
		if c.Zstd {
			e.Annotations = map[string]string{"io.github.containers.compression.zstd": "true"}
		}
		if p := c.platform(); p.Architecture != "" || p.OS != "" || p.OSVersion != "" || p.Variant != "" || len(p.OSFeatures) > 0 {
			e.Platform = &p
		}
		ix.Manifests = append(ix.Manifests, e)
	}
	return json.Marshal(ix)
}

func (c IndexChild) platform() ociPlatform {
	return ociPlatform{Architecture: c.Architecture, OS: c.OS, OSVersion: c.OSVersion, OSFeatures: c.OSFeatures, Variant: c.Variant}
}
