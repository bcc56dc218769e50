package rebuild

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/konflux"
)

// Build replays the task's build with the images Fetch put in the store and returns the
// image ID, as `podman pull` prints it. The build's containers are removed, and processes
// its RUN steps left running are ended (see killStrays), whether it succeeds or not.
func (in *Inputs) Build(ctx context.Context) (string, error) {
	if in.store == nil || in.Engine.Version == "" {
		return "", errors.New("building before the images are fetched")
	}
	cfg, p := in.Job.cfg, in.Prepared
	log := cfg.Log
	var base map[string]string
	if name := p.InheritedLabelsFrom(); name != "" {
		var err error
		if base, err = build.ImageLabels(ctx, in.store, name); err != nil {
			return "", err
		}
	}
	replay := konflux.ReplayInput{Arch: konflux.HostArch(), BuildahVersion: in.Engine.Version, Now: now()}
	platform := in.Job.Platform()
	if platform != HostPlatform {
		if err := checkEmulation(platform, p.HasRun()); err != nil {
			return "", err
		}
		replay.Arch = konflux.UnameArch(platform)
		log.Phase("build", "building for %s on this %s host", platform, HostPlatform)
	}
	inv, err := p.Invoke(in.Job.Build, base, replay)
	if err != nil {
		return "", err
	}
	defer inv.Close()
	if platform != HostPlatform {
		inv.Argv = append([]string{"--platform=" + platform}, inv.Argv...)
	}
	log.Phase("build", "building %s in %s with %s", filepath.Base(p.Containerfile), p.Task.Context, in.Engine)
	network := build.Network(inv.Network)
	if network.Isolated {
		log.Phase("build", "%s for its steps, as the task's `unshare --net`", network)
	}
	suffix := newContainerSuffix()
	id, err := in.Engine.Run(ctx, inv.Argv, build.Options{Store: in.store, PolicyPath: cfg.PolicyPath, Progress: log.Detail(),
		ContainerSuffix: suffix, LogLevel: log.LogLevel, Network: network})
	if n := killStrays(); n > 0 {
		log.Warn("ended %d process(es) the build left running", n)
	}
	if cerr := removeBuildContainers(in.store, suffix); cerr != nil {
		log.Warn("%v", cerr)
	}
	return id, explainShortWrite(err, in.store.GraphRoot(), in.Work)
}

// now stands for the task's clock when the task recorded no timestamp.
var now = time.Now
