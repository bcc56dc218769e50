package rebuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.podman.io/image/v5/types"
	"go.podman.io/storage"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/konflux"
)

// Inputs are a job's inputs, in place: the checkout in a work folder of its own, the SBOM,
// the parsed task and the digest every FROM image is pinned to; after Fetch, the store
// holding those images. Close removes what they hold.
type Inputs struct {
	Job      *Job
	Work     string // the work folder; TMPDIR points into it until Close
	Source   string // the checkout
	SBOM     []byte
	Prepared *konflux.Prepared
	Pins     map[string]string // FROM name -> "<repo>@sha256:<hex>"
	Engine   build.Engine      // after Fetch, the buildah that builds: the one that built the image

	store   storage.Store
	unlock  func() // releases the image name locks (see lockNames)
	restore func() // restores TMPDIR (see tempInWorkDir)
}

// Close releases the name locks, shuts the store down and removes the work folder.
func (in *Inputs) Close() {
	if in.unlock != nil {
		in.unlock()
	}
	if in.store != nil {
		// Not forced: a forced shutdown unmounts every layer the store records as mounted,
		// those of the other rebuilds using the store at the same time too (their RUN steps
		// then find an empty root, and their unmounts a mount point still in use). This run's
		// build containers were removed with their mounts (removeBuildContainers).
		_, _ = in.store.Shutdown(false)
	}
	if in.Work != "" {
		_ = os.RemoveAll(in.Work)
	}
	if in.restore != nil {
		in.restore()
	}
}

// Resolve checks the pinned commit out into a new work folder, reads the SBOM and pins
// every FROM image of the Containerfile, as the task finds it, to the digest the SBOM (or
// the Containerfile) records.
func (j *Job) Resolve(ctx context.Context) (_ *Inputs, err error) {
	in := &Inputs{Job: j}
	defer func() {
		if err != nil {
			in.Close()
		}
	}()
	if in.Work, err = os.MkdirTemp(j.cfg.WorkDir, "rebuild-"); err != nil {
		return nil, fmt.Errorf("making a working folder: %w", err)
	}
	if in.restore, err = tempInWorkDir(in.Work); err != nil {
		return nil, err
	}
	in.Source = filepath.Join(in.Work, "source")
	if err := j.checkout(ctx, in.Source); err != nil {
		return nil, err
	}
	j.checkSourceDateEpoch(in.Source)
	if err := j.resolvePublished(ctx); err != nil {
		return nil, err
	}
	if in.SBOM, err = j.readSBOM(ctx); err != nil {
		return nil, err
	}
	images, err := inputs.ParseSBOM(in.SBOM)
	if err != nil {
		return nil, err
	}
	if in.Prepared, err = konflux.Prepare(in.Source, j.Build.Task); err != nil {
		return nil, err
	}
	if in.Pins, err = inputs.Resolve(froms(in.Prepared), images); err != nil {
		return nil, err
	}
	if err := in.prefetch(ctx); err != nil {
		return nil, err
	}
	return in, nil
}

// resolvePublished sets Published to the image of the build's platform when the pushed
// digest names an index; offline (a kit's images or an SBOM file given), the user names the
// published image.
func (j *Job) resolvePublished(ctx context.Context) error {
	if j.cfg.Images != "" || j.cfg.SBOMFile != "" {
		return nil
	}
	img, err := inputs.PublishedImage(ctx, j.SystemContext(), j.Pushed, konflux.PlatformOf(&j.Recipe.Task))
	if err != nil {
		return err
	}
	if img != j.Pushed {
		j.cfg.Log.Phase("verify", "%s@%s is an index: comparing with its gzip image %s", j.Pushed.Name, j.Pushed.Digest, img.Digest)
	}
	j.Published = img
	return nil
}

// SystemContext is how the rebuild reaches registries: its signature policy and the
// registries.conf podman would read.
func (j *Job) SystemContext() *types.SystemContext {
	sys := &types.SystemContext{SignaturePolicyPath: j.cfg.PolicyPath}
	if p := j.Platform(); p != HostPlatform {
		// A base image pinned by the digest of an index resolves to the build's platform.
		sys.OSChoice, sys.ArchitectureChoice, _ = strings.Cut(p, "/")
	}
	return inputs.WithRegistriesConf(sys)
}

func froms(p *konflux.Prepared) []inputs.From {
	var out []inputs.From
	last := len(p.File.Stages) - 1
	for _, f := range p.Froms() {
		out = append(out, inputs.From{Stage: f.Stage, Name: f.Name, Last: f.Stage == last})
	}
	return out
}

// checkSourceDateEpoch warns when the epoch the build used is not the commit's time.
func (j *Job) checkSourceDateEpoch(src string) {
	log, task := j.cfg.Log, j.Build.Task
	if task.SourceDateEpoch == "" {
		log.Warn("the build set no SOURCE_DATE_EPOCH: timestamps came from its clock and will differ")
		return
	}
	ct, err := inputs.CommitTime(src)
	if err != nil {
		log.Warn("reading the commit time: %v", err)
		return
	}
	if strconv.FormatInt(ct, 10) != task.SourceDateEpoch {
		log.Warn("SOURCE_DATE_EPOCH %s is not the commit's time %d: using the recorded %s", task.SourceDateEpoch, ct, task.SourceDateEpoch)
	}
	if ts := j.Recipe.Source.CommitTimestamp; ts != "" && ts != strconv.FormatInt(ct, 10) {
		log.Warn("the clone task reported commit-timestamp %s, the commit says %d", ts, ct)
	}
}
