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

// RecordedBuildah is the buildah version the published image names (its io.buildah.version
// label, else its labels.json), read from its registry; offline (Images or SBOMFile set),
// the one a kit's listing names; "" when unknown.
func (j *Job) RecordedBuildah(ctx context.Context) string {
	if j.cfg.Images != "" || j.cfg.SBOMFile != "" {
		return j.cfg.KitBuildah
	}
	v, err := inputs.RecordedBuildah(ctx, j.SystemContext(), j.Published, konflux.LabelsPaths)
	if err != nil && !errors.Is(err, inputs.ErrNoLabelsJSON) {
		j.cfg.Log.Warn("reading the buildah version from the published image: %v", err)
	}
	return v
}

// Engine picks the engine of the buildah version that built the image: recorded (as
// RecordedBuildah gives it), else the one the build step's image or the task version says.
// When no engine has it, the build step's image builds (ErrNoEngine with NoStepImage); when
// nothing says, this binary's library builds, with a warning.
func (j *Job) Engine(recorded string) (build.Engine, error) {
	log, engines := j.cfg.Log, j.cfg.Engines
	if len(engines) == 0 {
		engines = []build.Engine{build.InProcess()}
	}
	version, from := j.Build.Buildah(recorded)
	if version == "" {
		e, _ := build.Pick(engines, build.Version)
		log.Warn("the buildah that built the image is not known: building with %s", e)
		return e, nil
	}
	e, ok := build.Pick(engines, version)
	if !ok {
		var have []string
		for _, e := range engines {
			have = append(have, e.Version)
		}
		if j.cfg.NoStepImage {
			return build.Engine{}, fmt.Errorf("%w: buildah %s (%s); the engines here are %s", ErrNoEngine, version, from, strings.Join(have, ", "))
		}
		// The build step's image holds the buildah that ran: it builds, pulled by digest.
		e = build.Engine{Version: version, Image: j.Build.Record.BuilderImage}
		log.Phase("build", "buildah %s built the image (%s); no engine here has it (%s): building with %s", version, from, strings.Join(have, ", "), e)
		return e, nil
	}
	log.Phase("build", "buildah %s built the image (%s): building with %s", version, from, e)
	return e, nil
}
