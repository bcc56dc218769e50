package konflux

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// ErrNoBuildTask marks a provenance in which no single build task can be chosen.
var ErrNoBuildTask = errors.New("no build task to rebuild")

// Choice is the build task a rebuild is about, among those a provenance records.
type Choice struct {
	Task *provenance.Task
	// Platforms are the PLATFORM of every build task recorded (Konflux's default for none),
	// in pipeline order; Others those of the tasks not chosen, as recorded.
	Platforms, Others []string
}

// Choose returns the build task the subjects name (the one provenance.Read picked), else,
// among several (a multi-platform matrix whose subjects name every platform), the one built
// for host. The error matches ErrNoBuildTask.
func Choose(l *provenance.Lenient, host string) (Choice, error) {
	var c Choice
	switch {
	case l.Recipe.Task.Name != "":
		c.Task = &l.Recipe.Task
	case len(l.Builds) == 0:
		return c, fmt.Errorf("%w: none recorded (buildah, build-container or build-images)", ErrNoBuildTask)
	default:
		var match []int
		for i, b := range l.Builds {
			if PlatformOf(&b) == host {
				match = append(match, i)
			}
		}
		switch len(match) {
		case 0:
			c.Task = &l.Builds[0]
		case 1:
			c.Task = &l.Builds[match[0]]
		default:
			return c, fmt.Errorf("%w: %d build tasks recorded for %s and nothing says which built the subject", ErrNoBuildTask, len(match), host)
		}
	}
	for i := range l.Builds {
		b := &l.Builds[i]
		c.Platforms = append(c.Platforms, cmpOr(b.Params.String("PLATFORM"), DefaultPlatform))
		if !sameTask(b, c.Task) {
			c.Others = append(c.Others, b.Params.String("PLATFORM"))
		}
	}
	return c, nil
}

// Describe says which of several build tasks was chosen, "" when only one was recorded.
func (c Choice) Describe() string {
	if len(c.Platforms) < 2 {
		return ""
	}
	return fmt.Sprintf("%d build tasks recorded (platforms %s): chose the one for %s",
		len(c.Platforms), strings.Join(c.Platforms, ", "), cmpOr(c.Task.Params.String("PLATFORM"), DefaultPlatform))
}

func sameTask(a, b *provenance.Task) bool {
	return a.Name == b.Name && a.Bundle == b.Bundle && a.BuilderImage == b.BuilderImage &&
		a.Results["IMAGE_DIGEST"] == b.Results["IMAGE_DIGEST"] && a.Params.String("PLATFORM") == b.Params.String("PLATFORM")
}

// PlatformOf is the os/arch a build task ran on: its PLATFORM, else Konflux's default.
func PlatformOf(t *provenance.Task) string {
	if p := t.Params.String("PLATFORM"); p != "" {
		return NormalizePlatform(p)
	}
	return DefaultPlatform
}

// Pushed is the image the build task pushed, whose SBOM names the images it was built from:
// the subject whose digest is its IMAGE_DIGEST result; else that digest in the first
// subject's repository; else the first subject. ok is false when there is no subject.
func Pushed(subjects []provenance.Subject, t *provenance.Task) (s provenance.Subject, ok bool) {
	d := t.Results["IMAGE_DIGEST"]
	for _, s := range subjects {
		if s.Digest == d {
			return s, true
		}
	}
	if len(subjects) == 0 {
		return provenance.Subject{}, false
	}
	if d != "" {
		return provenance.Subject{Name: subjects[0].Name, Digest: d}, true
	}
	return subjects[0], true
}
