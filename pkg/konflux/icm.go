package konflux

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// icmSpec is the schema URL inject-icm.sh writes into content-sets.json.
const icmSpec = "https://raw.githubusercontent.com/containerbuildsystem/atomic-reactor/master/atomic_reactor/schemas/content_manifest.json"

// icmTemplate is content-sets.json as inject-icm.sh's heredoc writes it (konflux-ci/
// buildah-container, scripts/icm-injection-scripts/inject-icm.sh): tabs, a blank last line.
const icmTemplate = "{\n    \"metadata\": {\n\t\"icm_version\": 1,\n\t\"icm_spec\": \"" + icmSpec + "\",\n\t\"image_layer_index\": 0\n    },\n    \"from_dnf_hint\": true,\n    \"content_sets\": []\n}\n\n"

// writeICM does what inject-icm-to-containerfile does with the prefetch task's SBOM
// (output/bom.json): content-sets.json into the context, and the lines it appends to the
// Containerfile copy (returned), the /root/buildinfo one with compat (its -c), each between
// blank lines with blankLines. Nothing when there is no such SBOM.
func (p *Prepared) writeICM(compat, blankLines bool) (string, error) {
	bom, err := os.ReadFile(filepath.Join(p.Prefetched, "output", "bom.json"))
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	sets, err := contentSets(bom)
	if err != nil {
		return "", fmt.Errorf("%w: the prefetch SBOM: %w", ErrBadTask, err)
	}
	data := []byte(icmTemplate)
	if len(sets) > 0 {
		if data, err = icmAsJQ(sets); err != nil {
			return "", err
		}
	}
	if err := writeNewFile(filepath.Join(p.ContextDir, "content-sets.json"), data); err != nil {
		return "", err
	}
	if !blankLines {
		return "COPY content-sets.json /usr/share/buildinfo/content-sets.json\n", nil
	}
	lines := "\nCOPY content-sets.json /usr/share/buildinfo/content-sets.json\n\n"
	if compat {
		lines += "COPY content-sets.json /root/buildinfo/content_manifests/content-sets.json\n\n"
	}
	return lines, nil
}

// contentSets are the repository_id values of the SBOM's purls, as the script's jq, `grep -o
// -P '(?<=repository_id=).*(?=(&|$))'` (greedy: to the end of the purl) and `sort -u` find
// them.
func contentSets(bom []byte) ([]string, error) {
	purls, err := sbomPurls(bom)
	if err != nil {
		return nil, err
	}
	var sets []string
	for _, purl := range purls {
		for _, line := range strings.Split(purl, "\n") {
			if _, set, ok := strings.Cut(line, "repository_id="); ok && set != "" {
				sets = append(sets, set)
			}
		}
	}
	slices.Sort(sets)
	return slices.Compact(sets), nil
}

// sbomPurls are the purls of a CycloneDX SBOM's components or of an SPDX SBOM's packages'
// purl references.
func sbomPurls(bom []byte) ([]string, error) {
	var doc struct {
		BOMFormat  string `json:"bomFormat"`
		Components []struct {
			Purl string `json:"purl"`
		} `json:"components"`
		Packages []struct {
			ExternalRefs []struct {
				ReferenceType    string `json:"referenceType"`
				ReferenceLocator string `json:"referenceLocator"`
			} `json:"externalRefs"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(bom, &doc); err != nil {
		return nil, err
	}
	var purls []string
	if doc.BOMFormat == "CycloneDX" {
		for _, c := range doc.Components {
			purls = append(purls, c.Purl)
		}
	} else {
		for _, p := range doc.Packages {
			for _, r := range p.ExternalRefs {
				if r.ReferenceType == "purl" {
					purls = append(purls, r.ReferenceLocator)
				}
			}
		}
	}
	return purls, nil
}

// icmAsJQ is content-sets.json once the script's jq has added the content sets: jq's
// two-space indentation, keys in their order.
func icmAsJQ(sets []string) ([]byte, error) {
	doc := struct {
		Metadata struct {
			ICMVersion      int    `json:"icm_version"`
			ICMSpec         string `json:"icm_spec"`
			ImageLayerIndex int    `json:"image_layer_index"`
		} `json:"metadata"`
		FromDNFHint bool     `json:"from_dnf_hint"`
		ContentSets []string `json:"content_sets"`
	}{FromDNFHint: true, ContentSets: sets}
	doc.Metadata.ICMVersion, doc.Metadata.ICMSpec = 1, icmSpec
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
