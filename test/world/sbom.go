package world

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// StageImage is an image a stage of the Containerfile was built FROM, as the build pulled it.
type StageImage struct {
	Stage  int    // index of the stage in the Containerfile
	Ref    string // as written after FROM (build args expanded): <repo>[:tag]
	Digest string // manifest digest the build used, sha256:<hex>
	Base   bool   // the root of the final stage: the image's base, not a builder
}

type spdxDoc struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreation       `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	SPDXID           string           `json:"SPDXID"`
	Name             string           `json:"name"`
	VersionInfo      string           `json:"versionInfo,omitempty"`
	DownloadLocation string           `json:"downloadLocation"`
	LicenseConcluded string           `json:"licenseConcluded"`
	Supplier         string           `json:"supplier"`
	ExternalRefs     []spdxRef        `json:"externalRefs"`
	Checksums        []spdxChecksum   `json:"checksums,omitempty"`
	Annotations      []spdxAnnotation `json:"annotations,omitempty"`
}

type spdxRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type spdxChecksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type spdxAnnotation struct {
	Annotator      string `json:"annotator"`
	AnnotationDate string `json:"annotationDate"`
	AnnotationType string `json:"annotationType"`
	Comment        string `json:"comment"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// SBOM writes an SPDX 2.3 document in the shape Konflux attaches to image repo@digest (tag
// is the pushed tag): the image, and a package per image the stages were built FROM, marked
// with Konflux's JSON-encoded annotations and BUILD_TOOL_OF / DESCENDANT_OF relationships.
func SBOM(repo, tag, digest string, images []StageImage, now time.Time) ([]byte, error) {
	created := now.UTC().Format(time.RFC3339)
	doc := spdxDoc{
		SPDXVersion:       "SPDX-2.3",
		DataLicense:       "CC0-1.0",
		SPDXID:            "SPDXRef-DOCUMENT",
		Name:              repo + "@" + digest,
		DocumentNamespace: "https://konflux-ci.dev/spdxdocs/" + lastPath(repo) + "-" + strings.TrimPrefix(digest, "sha256:"),
		CreationInfo:      spdxCreation{Created: created, Creators: []string{"Tool: Konflux", "Organization: rebuild e2e"}},
		Packages:          []spdxPackage{imagePackage("SPDXRef-image", repo, tag, digest)},
		Relationships:     []spdxRelationship{{"SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-image"}},
	}
	byRef := map[string]int{}
	for _, im := range images {
		repoOf, tagOf := splitTag(im.Ref)
		key := im.Ref + "@" + im.Digest
		i, ok := byRef[key]
		if !ok {
			i = len(doc.Packages)
			byRef[key] = i
			doc.Packages = append(doc.Packages, imagePackage("SPDXRef-image-"+strconv.Itoa(i), repoOf, tagOf, im.Digest))
		}
		p := &doc.Packages[i]
		comment := map[string]string{"name": "konflux:container:is_builder_image:for_stage", "value": strconv.Itoa(im.Stage)}
		relationship := spdxRelationship{p.SPDXID, "BUILD_TOOL_OF", "SPDXRef-image"}
		if im.Base {
			comment = map[string]string{"name": "konflux:container:is_base_image", "value": "true"}
			relationship = spdxRelationship{"SPDXRef-image", "DESCENDANT_OF", p.SPDXID}
		}
		encoded, err := json.Marshal(comment)
		if err != nil {
			return nil, fmt.Errorf("encoding annotation: %w", err)
		}
		p.Annotations = append(p.Annotations, spdxAnnotation{
			Annotator: "Tool: konflux:jsonencoded", AnnotationDate: created, AnnotationType: "OTHER", Comment: string(encoded),
		})
		if !hasRelationship(doc.Relationships, relationship) {
			doc.Relationships = append(doc.Relationships, relationship)
		}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding SBOM: %w", err)
	}
	return append(out, '\n'), nil
}

func imagePackage(id, repo, tag, digest string) spdxPackage {
	return spdxPackage{
		SPDXID:           id,
		Name:             lastPath(repo),
		VersionInfo:      tag,
		DownloadLocation: "NOASSERTION",
		LicenseConcluded: "NOASSERTION",
		Supplier:         "NOASSERTION",
		ExternalRefs:     []spdxRef{{"PACKAGE-MANAGER", "purl", Purl(repo, digest)}},
		Checksums:        []spdxChecksum{{"SHA256", strings.TrimPrefix(digest, "sha256:")}},
	}
}

// Purl is the package URL of repo@digest, encoded as packageurl-python does: every
// reserved character but ':' percent-encoded.
func Purl(repo, digest string) string {
	return "pkg:oci/" + purlEscape(lastPath(repo)) + "@" + purlEscape(digest) + "?repository_url=" + purlEscape(repo)
}

func purlEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%3A", ":")
}

func hasRelationship(rs []spdxRelationship, r spdxRelationship) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func lastPath(repo string) string {
	return repo[strings.LastIndex(repo, "/")+1:]
}

// splitTag splits <repo>[:tag] (a port in repo is not a tag).
func splitTag(ref string) (repo, tag string) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, ""
	}
	return ref[:i], ref[i+1:]
}
