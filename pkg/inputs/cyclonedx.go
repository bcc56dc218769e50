package inputs

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// cdxBOM is the part of a CycloneDX JSON SBOM that records Konflux's builder and base images.
// Konflux's buildah tasks (base_images_sbom_script.py, later Mobster) append them as
// formulation[].components[] with properties named as the SPDX annotations; the top-level
// components are the image's contents and carry none of them.
type cdxBOM struct {
	Formulation []struct {
		Components []cdxComponent `json:"components"`
	} `json:"formulation"`
}

type cdxComponent struct {
	Name       string        `json:"name"`
	Version    string        `json:"version"` // the tag, when recorded
	Purl       string        `json:"purl"`
	Properties []cdxProperty `json:"properties"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

var errNoOCIPurl = errors.New("builder or base image without an oci purl")

// parseCycloneDX returns the images that Konflux marks as builder or base images in a
// CycloneDX JSON SBOM.
func parseCycloneDX(data []byte) ([]Image, error) {
	var bom cdxBOM
	if err := json.Unmarshal(data, &bom); err != nil {
		return nil, fmt.Errorf("parsing CycloneDX SBOM: %w", err)
	}
	var images []Image
	for i, f := range bom.Formulation {
		for j, c := range f.Components {
			img, ok, err := readCDXComponent(c)
			if err != nil {
				return nil, fmt.Errorf("parsing CycloneDX component formulation[%d].components[%d] %q: %w", i, j, c.Name, err)
			}
			if ok {
				images = append(images, img)
			}
		}
	}
	return images, nil
}

// readCDXComponent reports false for a component without Konflux's builder or base properties.
func readCDXComponent(c cdxComponent) (Image, bool, error) {
	var img Image
	for _, p := range c.Properties {
		if err := readProperty(p.Name, p.Value, &img); err != nil {
			return Image{}, false, fmt.Errorf("property %w", err)
		}
	}
	if !img.Base && len(img.Stages) == 0 {
		return Image{}, false, nil
	}
	if c.Purl == "" {
		return Image{}, false, errNoOCIPurl
	}
	ok, err := readImagePurl(c.Purl, &img)
	if err != nil {
		return Image{}, false, err
	}
	if !ok {
		return Image{}, false, fmt.Errorf("%w: %q", errNoOCIPurl, c.Purl)
	}
	if c.Version != "" && !strings.HasPrefix(c.Version, "sha256:") {
		img.Tag = c.Version
	}
	return img, true, nil
}
