package inputs

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/types"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// Bounds on what RecordedBuildah reads of the published image.
const (
	labelsLayers   = 3        // the injected COPY lines are the last layers
	maxLabelsLayer = 16 << 20 // compressed size of a layer worth opening
	maxLabelsJSON  = 1 << 20
)

// ErrNoLabelsJSON marks a published image with no labels.json in its last layers.
var ErrNoLabelsJSON = errors.New("the published image has no labels.json naming io.buildah.version in its last layers")

// RecordedBuildah reads io.buildah.version from the published image: its config's label
// (buildah sets it when no SOURCE_DATE_EPOCH is given), else the labels.json the task
// injected at one of paths, looking only at its last few small layers.
func RecordedBuildah(ctx context.Context, sys *types.SystemContext, s provenance.Subject, paths []string) (string, error) {
	sys = WithRegistriesConf(sys)
	ref, err := docker.ParseReference("//" + s.Name + "@" + s.Digest)
	if err != nil {
		return "", err
	}
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return "", err
	}
	defer src.Close()
	blob, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return "", err
	}
	if len(blob) > maxManifestSize || manifest.MIMETypeIsMultiImage(mt) {
		return "", fmt.Errorf("%s is not one image's manifest", s.Digest)
	}
	m, err := manifest.FromBlob(blob, mt)
	if err != nil {
		return "", err
	}
	if v, err := configBuildah(ctx, src, m.ConfigInfo()); err != nil || v != "" {
		return v, err
	}
	layers := m.LayerInfos()
	for i := len(layers) - 1; i >= 0 && i >= len(layers)-labelsLayers; i-- {
		l := layers[i]
		if l.Size > maxLabelsLayer || l.Size < 0 {
			continue
		}
		data, err := labelsFromLayer(ctx, src, l.BlobInfo, paths)
		if errors.Is(err, ErrNoLabelsJSON) {
			continue
		}
		if err != nil {
			return "", err
		}
		var labels map[string]string
		if err := json.Unmarshal(data, &labels); err != nil {
			return "", fmt.Errorf("reading labels.json: %w", err)
		}
		return labels["io.buildah.version"], nil
	}
	return "", ErrNoLabelsJSON
}

// configBuildah is the io.buildah.version label of the image config info names, "" when none.
func configBuildah(ctx context.Context, src types.ImageSource, info types.BlobInfo) (string, error) {
	rc, _, err := src.GetBlob(ctx, info, none.NoCache)
	if err != nil {
		return "", fmt.Errorf("reading the published config: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxLabelsJSON+1))
	if err != nil {
		return "", fmt.Errorf("reading the published config: %w", err)
	}
	var config struct {
		Config struct{ Labels map[string]string } `json:"config"`
	}
	if len(data) > maxLabelsJSON || json.Unmarshal(data, &config) != nil {
		return "", nil // not for this to judge: the comparison reads the config
	}
	return config.Config.Labels["io.buildah.version"], nil
}

func labelsFromLayer(ctx context.Context, src types.ImageSource, info types.BlobInfo, paths []string) ([]byte, error) {
	rc, _, err := src.GetBlob(ctx, info, none.NoCache)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	plain, _, err := compression.AutoDecompress(io.LimitReader(rc, maxLabelsLayer))
	if err != nil {
		return nil, err
	}
	defer plain.Close()
	tr := tar.NewReader(plain)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, ErrNoLabelsJSON
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg && slices.Contains(paths, path.Clean("/"+h.Name)) {
			return io.ReadAll(io.LimitReader(tr, maxLabelsJSON))
		}
	}
}
