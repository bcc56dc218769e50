package inputs

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

var (
	// spdxMediaTypes are the layer media types (and referrer artifact types) of an SPDX JSON SBOM.
	spdxMediaTypes = []string{"text/spdx+json", "application/spdx+json"}
	// cyclonedxMediaTypes are those of a CycloneDX JSON SBOM, which `cosign attach sbom --type
	// cyclonedx` gives a .json file (older Konflux buildah tasks attach one).
	cyclonedxMediaTypes = []string{"application/vnd.cyclonedx+json"}
)

// ParseSBOM returns the images that Konflux marks as builder or base images in an SPDX 2.3 or
// CycloneDX JSON SBOM. Every error it returns is ErrSBOMFormat.
func ParseSBOM(data []byte) ([]Image, error) {
	images, err := parseSBOM(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSBOMFormat, err)
	}
	return images, nil
}

func parseSBOM(data []byte) ([]Image, error) {
	var head struct {
		SPDXVersion string `json:"spdxVersion"`
		BOMFormat   string `json:"bomFormat"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("parsing SBOM: %w", err)
	}
	switch {
	case head.SPDXVersion != "" && head.BOMFormat != "":
		return nil, errors.New("parsing SBOM: it has both spdxVersion and bomFormat")
	case head.SPDXVersion != "":
		return parseSPDX(data)
	case head.BOMFormat == "CycloneDX":
		return parseCycloneDX(data)
	}
	return nil, errors.New("parsing SBOM: neither SPDX (spdxVersion) nor CycloneDX (bomFormat) JSON")
}

func isSPDX(mediaType string) bool {
	return slices.Contains(spdxMediaTypes, mediaType)
}

func isCycloneDX(mediaType string) bool {
	return slices.Contains(cyclonedxMediaTypes, mediaType)
}
