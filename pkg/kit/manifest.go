package kit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Manifest is the kit's listing: a convenience for people and tools, not trusted by
// `rebuild --kit`, which checks every item against the signed provenance and the SBOM.
type Manifest struct {
	Note   string `json:"note"`
	Source Source `json:"source"`
	// Buildah is the buildah version the published image named when the kit was made: a
	// hint that picks the engine offline, where the published image cannot be read (a wrong
	// one can only make the rebuild differ; the image IDs decide).
	Buildah string  `json:"buildah,omitempty"`
	Files   []File  `json:"files"`
	Images  []Image `json:"images"`
	Sizes   Sizes   `json:"sizes"`
}

// Source is the pinned source the bundle holds.
type Source struct {
	URL    string `json:"url"`
	Commit string `json:"commit"`
}

// File is one file of the kit, by its slash path in the kit.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Sizes compares the kit with the sum of its parts: the attestation, the SBOM, the
// source's files (the checkout without .git), and each image as a registry serves it.
type Sizes struct {
	Kit         int64 `json:"kit"`
	Parts       int64 `json:"parts"`
	Attestation int64 `json:"attestation"`
	SBOM        int64 `json:"sbom"`
	SourceFiles int64 `json:"sourceFiles"`
	Bundle      int64 `json:"bundle"`
	Images      int64 `json:"images"`
	Layout      int64 `json:"layout"`
}

// ReadManifest reads the listing of the kit in dir.
func ReadManifest(dir string) (*Manifest, error) {
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(f, 64<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("reading %s: %w", ManifestFile, err)
	}
	return &m, nil
}

func listKit(dir string, c Contents, images []Image) (*Manifest, error) {
	m := &Manifest{
		Note:   "a listing for convenience: rebuild --kit checks each item against the signed provenance and the SBOM, not against this file",
		Source: Source{URL: c.URL, Commit: c.Commit},
		Images: images, Buildah: c.Buildah,
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		f, err := hashFile(p)
		if err != nil {
			return err
		}
		f.Path = filepath.ToSlash(rel)
		m.Files = append(m.Files, f)
		m.Sizes.Kit += f.Size
		if filepath.Dir(f.Path) != "." {
			m.Sizes.Layout += f.Size
		}
		switch f.Path {
		case AttestationFile:
			m.Sizes.Attestation = f.Size
		case SBOMFile:
			m.Sizes.SBOM = f.Size
		case SourceFile:
			m.Sizes.Bundle = f.Size
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the kit: %w", err)
	}
	if m.Sizes.SourceFiles, err = treeSize(c.Checkout); err != nil {
		return nil, fmt.Errorf("measuring the source: %w", err)
	}
	for _, img := range images {
		m.Sizes.Images += img.Size
	}
	m.Sizes.Parts = m.Sizes.Attestation + m.Sizes.SBOM + m.Sizes.SourceFiles + m.Sizes.Images
	return m, nil
}

func (m *Manifest) write(path string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the kit's manifest: %w", err)
	}
	return nil
}

func hashFile(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// treeSize is the size of the regular files under dir, .git folders and files left out.
func treeSize(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == ".git" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			total += fi.Size()
		}
		return nil
	})
	return total, err
}
