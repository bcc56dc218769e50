package rebuild

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/konflux"
)

// ErrNoEngine marks an image built by a buildah version no engine here has.
var ErrNoEngine = errors.New("no build engine for the buildah that built the image")

// chooseEngine picks the engine of the buildah version that built the image: the one the
// published image's labels.json names (online), else the one the task version shipped. When
// neither says, this binary's library builds, with a warning.
func (j *Job) chooseEngine(ctx context.Context) (build.Engine, error) {
	log, engines := j.cfg.Log, j.cfg.Engines
	if len(engines) == 0 {
		engines = []build.Engine{build.InProcess()}
	}
	version, from := "", ""
	if j.cfg.Images == "" && j.cfg.SBOMFile == "" {
		v, err := inputs.RecordedBuildah(ctx, j.SystemContext(), j.Pushed, konflux.LabelsPaths)
		switch {
		case err == nil && v != "":
			version, from = v, "the published image's labels.json names it"
		case err != nil && !errors.Is(err, inputs.ErrNoLabelsJSON):
			log.Warn("reading the buildah version from the published image: %v", err)
		}
	}
	if version == "" {
		if v := j.Build.DefaultBuildah(); v != "" {
			version, from = v, "task "+j.Build.Bundle.Task+" "+j.Build.Bundle.Version+" shipped it"
		}
	}
	if version == "" {
		log.Warn("the buildah that built the image is not known: building with %s", engines[0])
		e, _ := build.Pick(engines, build.Version)
		return e, nil
	}
	e, ok := build.Pick(engines, version)
	if !ok {
		var have []string
		for _, e := range engines {
			have = append(have, e.Version)
		}
		return build.Engine{}, fmt.Errorf("%w: buildah %s (%s); the engines here are %s", ErrNoEngine, version, from, strings.Join(have, ", "))
	}
	log.Phase("build", "buildah %s built the image (%s): building with %s", version, from, e)
	return e, nil
}
