package rebuild

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/konflux"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

var (
	// ErrNoPlatform marks a platform asked for that the provenance built no image for: bad input.
	ErrNoPlatform = errors.New("no build for the platform")
	// ErrEmulation marks a build for another architecture whose RUN steps this host cannot run.
	ErrEmulation = errors.New("cannot run the build's RUN steps here")
)

// HostPlatform is this host's os/arch, the platform `podman pull` picks here.
var HostPlatform = runtime.GOOS + "/" + runtime.GOARCH

// pickPlatform makes the build task for platform the recipe's, among those of a
// multi-platform pipeline its attestation names: by default the one that pushed the image
// being verified (verified, a digest; "" when none), else this host's. A platform asked for
// that the provenance did not build is bad input.
func pickPlatform(r *provenance.Recipe, platform, verified string, log *Log) error {
	want := platform
	if want == "" {
		if len(r.Platforms) == 0 {
			return nil
		}
		want = HostPlatform
		for i := range r.Platforms {
			if d := r.Platforms[i].Results["IMAGE_DIGEST"]; d != "" && d == verified {
				want = konflux.PlatformOf(&r.Platforms[i])
			}
		}
	}
	if r.PickPlatform(konflux.NormalizePlatform(want), konflux.PlatformOf) {
		if len(r.Platforms) > 0 {
			log.Phase("read", "%d build tasks recorded (platforms %s): rebuilding the one for %s", len(r.Platforms), strings.Join(platformsOf(r), ", "), want)
		}
		return nil
	}
	return fmt.Errorf("%w: the provenance records builds for %s; none for %s (--platform)", ErrNoPlatform, strings.Join(platformsOf(r), ", "), want)
}

func platformsOf(r *provenance.Recipe) []string {
	if len(r.Platforms) == 0 {
		return []string{konflux.PlatformOf(&r.Task)}
	}
	var out []string
	for i := range r.Platforms {
		out = append(out, konflux.PlatformOf(&r.Platforms[i]))
	}
	return out
}

// checkEmulation says why a build for platform cannot run here, nil when it can: its RUN
// steps run the platform's binaries, which take qemu-user-static registered with binfmt_misc
// on another architecture.
func checkEmulation(platform string, runs bool) error {
	if platform == HostPlatform || !runs {
		return nil
	}
	arch := konflux.UnameArch(platform)
	if Emulates(platform) {
		return nil
	}
	return fmt.Errorf("%w: needs emulation for %s: its RUN steps run %s binaries and no qemu-%s is registered in /proc/sys/fs/binfmt_misc (install qemu-user-static)", ErrEmulation, platform, arch, arch)
}

// Platform is the os/arch the chosen build task built for.
func (j *Job) Platform() string { return konflux.PlatformOf(&j.Recipe.Task) }

// Platforms are the platforms of the build tasks the attestation names, in pipeline order:
// one, or one per platform of a multi-platform pipeline.
func (j *Job) Platforms() []string { return platformsOf(j.Recipe) }

// ForPlatform is the job that rebuilds the build task for platform, among those of j's
// attestation, as Read would have decided it with --platform.
func (j *Job) ForPlatform(platform string) (*Job, error) {
	r := *j.Recipe
	if err := pickPlatform(&r, platform, "", nil); err != nil {
		return nil, err
	}
	b, err := konflux.Resolve(&r.Task)
	if err != nil {
		return nil, err
	}
	pushed, _ := konflux.Pushed(r.Subjects, &r.Task)
	o := *j
	o.Recipe, o.Build, o.Pushed, o.Published = &r, b, pushed, pushed
	return &o, nil
}

// Emulates reports whether this host runs platform's binaries: its own, or another's through
// qemu-user-static registered (and enabled) with binfmt_misc.
func Emulates(platform string) bool {
	if platform == HostPlatform {
		return true
	}
	data, err := os.ReadFile("/proc/sys/fs/binfmt_misc/qemu-" + konflux.UnameArch(platform))
	return err == nil && strings.HasPrefix(string(data), "enabled")
}
