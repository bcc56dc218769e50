package inputs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	spdxjson "github.com/spdx/tools-golang/json"
)

// Image is a builder or base image as the SBOM records it.
type Image struct {
	Repository string // registry/repo to pull from
	Digest     string // "sha256:<hex>"
	Tag        string // the tag it was referred to by, "" if not recorded
	Stages     []int  // stage indexes it was a builder image for
	Base       bool   // the final stage's base image
}

const (
	annotationForStage = "konflux:container:is_builder_image:for_stage"
	annotationBase     = "konflux:container:is_base_image"
)

// parseSPDX returns the images that Konflux marks as builder or base images in an SPDX 2.3
// JSON SBOM.
func parseSPDX(data []byte) ([]Image, error) {
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parsing SPDX SBOM: %w", err)
	}
	var images []Image
	for _, pkg := range doc.Packages {
		if pkg == nil {
			continue
		}
		var img Image
		for _, a := range pkg.Annotations {
			if err := readAnnotation(a.AnnotationComment, &img); err != nil {
				return nil, fmt.Errorf("parsing SPDX package %s: %w", pkg.PackageSPDXIdentifier, err)
			}
		}
		if !img.Base && len(img.Stages) == 0 {
			continue
		}
		found := false
		for _, ref := range pkg.PackageExternalReferences {
			if ref == nil || ref.RefType != "purl" || !isPackageManager(ref.Category) {
				continue
			}
			ok, err := readImagePurl(ref.Locator, &img)
			if err != nil {
				return nil, fmt.Errorf("parsing SPDX package %s: %w", pkg.PackageSPDXIdentifier, err)
			}
			if ok {
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("parsing SPDX package %s: builder or base image without an oci purl", pkg.PackageSPDXIdentifier)
		}
		if pkg.PackageVersion != "" && !strings.HasPrefix(pkg.PackageVersion, "sha256:") {
			img.Tag = pkg.PackageVersion
		}
		images = append(images, img)
	}
	return images, nil
}

func isPackageManager(category string) bool {
	return strings.ReplaceAll(strings.ToUpper(category), "_", "-") == "PACKAGE-MANAGER"
}

// readAnnotation records a Konflux annotation (a JSON comment) on img; other comments are
// not Konflux's and are ignored.
func readAnnotation(comment string, img *Image) error {
	var kv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	if json.Unmarshal([]byte(comment), &kv) != nil {
		return nil
	}
	if err := readProperty(kv.Name, kv.Value, img); err != nil {
		return fmt.Errorf("annotation %w", err)
	}
	return nil
}

// readProperty records a Konflux name/value pair (an SPDX annotation, a CycloneDX property)
// on img; other names are ignored.
func readProperty(name, value string, img *Image) error {
	switch name {
	case annotationForStage:
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return fmt.Errorf("%s: bad stage %q", name, value)
		}
		for _, s := range img.Stages {
			if s == n {
				return nil
			}
		}
		img.Stages = append(img.Stages, n)
	case annotationBase:
		img.Base = value == "true"
	}
	return nil
}

// readImagePurl fills img from a pkg:oci purl; it reports false for purls of other types.
func readImagePurl(locator string, img *Image) (bool, error) {
	p, err := parsePurl(locator)
	if err != nil {
		return false, err
	}
	if p.Type != "oci" {
		return false, nil
	}
	d, err := digest.Parse(p.Version)
	if err != nil || d.Algorithm() != digest.SHA256 {
		return false, fmt.Errorf("purl %q: version is not a sha256 digest", locator)
	}
	img.Digest = d.String()
	img.Repository = p.Qualifiers["repository_url"]
	if img.Repository == "" {
		img.Repository = p.Name
		if p.Namespace != "" {
			img.Repository = p.Namespace + "/" + p.Name
		}
	}
	img.Tag = p.Qualifiers["tag"]
	return true, nil
}
