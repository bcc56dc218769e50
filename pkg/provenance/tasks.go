package provenance

import (
	"errors"
	"fmt"
)

// pickCloneTask picks the clone task: the one git-clone task, or the one named as Konflux
// names it.
func pickCloneTask(tasks []v02Task) (*v02Task, error) {
	var found []*v02Task
	for i := range tasks {
		if t := &tasks[i]; t.Name == cloneTaskName || t.refMentions("git-clone") {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, newError(ErrMissing, "no clone task recorded (git-clone or %s)", cloneTaskName)
	case 1:
		return found[0], nil
	}
	var named []*v02Task
	for _, t := range found {
		if t.Name == cloneTaskName {
			named = append(named, t)
		}
	}
	if len(named) == 1 {
		return named[0], nil
	}
	return nil, newError(ErrAmbiguous, "%d clone tasks recorded and not exactly one is named %s", len(found), cloneTaskName)
}

// pickBuildTasks picks the build task; several are recorded for a multi-platform matrix, and
// then the one whose IMAGE_DIGEST is a subject is the one this attestation is about. When the
// attestation names several such images, each built for another PLATFORM, they all are, in
// pipeline order, for the caller to pick one by platform.
func pickBuildTasks(tasks []v02Task, subjects []Subject) ([]*v02Task, error) {
	one, err := pickBuildTask(tasks, subjects)
	var several severalBuilds
	if errors.As(err, &several) && distinctPlatforms(several) {
		return several, nil
	}
	if err != nil {
		return nil, err
	}
	return []*v02Task{one}, nil
}

// severalBuilds is pickBuildTask's error when several build tasks have a subject's digest.
type severalBuilds []*v02Task

func (s severalBuilds) Error() string {
	return fmt.Sprintf("%d build tasks have a subject's digest as IMAGE_DIGEST", len(s))
}

func (s severalBuilds) Unwrap() error { return ErrAmbiguous }

func distinctPlatforms(tasks []*v02Task) bool {
	seen := map[string]bool{}
	for _, t := range tasks {
		p := t.invocationParam("PLATFORM")
		if p == "" || seen[p] {
			return false
		}
		seen[p] = true
	}
	return true
}

func pickBuildTask(tasks []v02Task, subjects []Subject) (*v02Task, error) {
	var found []*v02Task
	for i := range tasks {
		t := &tasks[i]
		if t.Name == buildTaskName || t.Name == buildTaskNameMulti || t.refMentions("buildah") {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, newError(ErrMissing, "no build task recorded (buildah, %s or %s)", buildTaskName, buildTaskNameMulti)
	case 1:
		return found[0], nil
	}
	var matching []*v02Task
	var digests []string
	for _, t := range found {
		d := t.results()["IMAGE_DIGEST"]
		digests = append(digests, d)
		for _, s := range subjects {
			if d != "" && d == s.Digest {
				matching = append(matching, t)
				break
			}
		}
	}
	if len(matching) == 1 {
		return matching[0], nil
	}
	if len(matching) == 0 {
		return nil, newError(ErrAmbiguous, "%d build tasks recorded and no IMAGE_DIGEST of theirs %q is a subject's digest",
			len(found), digests)
	}
	return nil, severalBuilds(matching)
}
