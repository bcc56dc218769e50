package provenance

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Names Konflux gives the clone and build pipeline tasks, for pipelines whose task refs do not
// name git-clone or buildah (a custom bundle).
const (
	cloneTaskName      = "clone-repository"
	buildTaskName      = "build-container"
	buildTaskNameMulti = "build-images"
	buildStepName      = "build"
)

var (
	commitHex      = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
	unixSeconds    = regexp.MustCompile(`^[0-9]+$`)
	pinnedBySHA256 = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
)

type v02Predicate struct {
	BuildType string `json:"buildType"`
	Builder   struct {
		ID string `json:"id"`
	} `json:"builder"`
	// Invocation.Environment holds the PipelineRun's labels and annotations (Chains'
	// attest.Invocation; SLSA v1 has them in internalParameters).
	Invocation struct {
		Environment Run `json:"environment"`
	} `json:"invocation"`
	// Metadata times the PipelineRun (SLSA v1 adds its UID as the invocation ID).
	Metadata struct {
		InvocationID    string `json:"-"`
		BuildStartedOn  string `json:"buildStartedOn"`
		BuildFinishedOn string `json:"buildFinishedOn"`
	} `json:"metadata"`
	BuildConfig struct {
		Tasks []v02Task `json:"tasks"`
	} `json:"buildConfig"`
	Materials []struct {
		URI    string            `json:"uri"`
		Digest map[string]string `json:"digest"`
	} `json:"materials"`
}

type v02Task struct {
	Name      string `json:"name"`
	StartedOn string `json:"startedOn"`
	Ref       struct {
		Name   string `json:"name"`
		Bundle string `json:"bundle"`
		Params []struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		} `json:"params"`
	} `json:"ref"`
	Steps []struct {
		Environment struct {
			Container string `json:"container"`
			Image     string `json:"image"`
		} `json:"environment"`
	} `json:"steps"`
	Invocation struct {
		Parameters map[string]json.RawMessage `json:"parameters"`
	} `json:"invocation"`
	Results []struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
	} `json:"results"`
}

func decodeSLSAV02(subjects []Subject, raw json.RawMessage) (*Recipe, error) {
	var pred v02Predicate
	if err := unmarshal(raw, &pred); err != nil {
		return nil, err
	}
	if len(pred.BuildConfig.Tasks) == 0 {
		return nil, newError(ErrMissing, "no buildConfig.tasks recorded (buildType %q)", pred.BuildType)
	}
	return pred.recipe(subjects)
}

// recipe reads the clone and build tasks of pred into a Recipe for subjects.
func (pred *v02Predicate) recipe(subjects []Subject) (*Recipe, error) {
	clone, err := pickCloneTask(pred.BuildConfig.Tasks)
	if err != nil {
		return nil, err
	}
	source, err := pred.source(clone)
	if err != nil {
		return nil, fmt.Errorf("clone task %q: %w", clone.Name, err)
	}
	builds, err := pickBuildTasks(pred.BuildConfig.Tasks, subjects)
	if err != nil {
		return nil, err
	}
	r := &Recipe{Subjects: subjects, Source: source, BuilderID: pred.Builder.ID, Run: pred.Invocation.Environment}
	r.Run.ID, r.Run.Started = pred.runID()
	for _, build := range builds {
		task, err := build.task()
		if err != nil {
			return nil, fmt.Errorf("build task %q: %w", build.Name, err)
		}
		r.Platforms = append(r.Platforms, task)
	}
	r.Task = r.Platforms[0]
	if len(r.Platforms) == 1 {
		r.Platforms = nil
	}
	return r, nil
}

// refMentions reports whether the task's ref, by name or by bundle repository, contains word.
func (t *v02Task) refMentions(word string) bool {
	for _, n := range []string{t.Ref.Name, t.refParam("name"), bundleName(t.bundle())} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

func (t *v02Task) refParam(name string) string {
	for _, p := range t.Ref.Params {
		if p.Name == name {
			s, _ := jsonString(p.Value)
			return s
		}
	}
	return ""
}

func (t *v02Task) bundle() string {
	if b := t.refParam("bundle"); b != "" {
		return b
	}
	return t.Ref.Bundle
}

// bundleName returns the last path element of a bundle reference, without tag or digest.
func bundleName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	ref = ref[strings.LastIndex(ref, "/")+1:]
	ref, _, _ = strings.Cut(ref, ":")
	return ref
}

func (t *v02Task) results() map[string]string {
	res := make(map[string]string, len(t.Results))
	for _, r := range t.Results {
		if s, err := jsonString(r.Value); err == nil {
			res[r.Name] = s
		}
	}
	return res
}

func (pred *v02Predicate) source(clone *v02Task) (Source, error) {
	params, err := decodeParams(clone.Invocation.Parameters)
	if err != nil {
		return Source{}, err
	}
	res := clone.results()
	src := Source{URL: res["url"], Commit: res["commit"], CommitTimestamp: res["commit-timestamp"], CloneParams: params}
	if src.URL == "" {
		src.URL = params.String("url")
	}
	if src.URL == "" || src.Commit == "" {
		url, commit := pred.gitMaterial(src.URL, src.Commit)
		if src.URL == "" {
			src.URL = url
		}
		if src.Commit == "" {
			src.Commit = commit
		}
	}
	if src.URL == "" {
		return Source{}, newError(ErrMissing, "no git URL recorded (result url, parameter url or git+ material)")
	}
	if src.Commit == "" {
		return Source{}, newError(ErrMissing, "no commit recorded (result commit or git+ material with a sha1 digest)")
	}
	if !commitHex.MatchString(src.Commit) {
		return Source{}, fmt.Errorf("commit %q is not a full lowercase hex object name", src.Commit)
	}
	if ts := src.CommitTimestamp; ts != "" {
		if _, err := strconv.ParseInt(ts, 10, 64); err != nil || !unixSeconds.MatchString(ts) {
			return Source{}, fmt.Errorf("commit-timestamp %q is not a number of seconds", ts)
		}
	}
	if err := pred.materialsAgree(src); err != nil {
		return Source{}, err
	}
	return src, nil
}

// materialsAgree refuses a provenance whose git+ materials name a source, none of them the
// one the clone task's results name: a signed document that contradicts itself.
func (pred *v02Predicate) materialsAgree(src Source) error {
	var named []string
	for _, m := range pred.Materials {
		u, ok := strings.CutPrefix(m.URI, "git+")
		if !ok {
			continue
		}
		if sameRepository(u, src.URL) && m.Digest["sha1"] == src.Commit {
			return nil
		}
		named = append(named, u+"@"+m.Digest["sha1"])
	}
	if len(named) == 0 {
		return nil
	}
	return newError(ErrInvalidInput, "the materials name the source %s, the clone task %s@%s: the provenance contradicts itself",
		strings.Join(named, ", "), src.URL, src.Commit)
}

// sameRepository compares git URLs as forges serve them: with or without ".git" or a final "/".
func sameRepository(a, b string) bool {
	norm := func(u string) string { return strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git") }
	return norm(a) == norm(b)
}

// gitMaterial returns the git+ material consistent with what is known already, if exactly one is.
func (pred *v02Predicate) gitMaterial(url, commit string) (string, string) {
	type material struct{ url, commit string }
	found := map[material]bool{}
	var last material
	for _, m := range pred.Materials {
		u, ok := strings.CutPrefix(m.URI, "git+")
		sha1 := m.Digest["sha1"]
		if !ok || (url != "" && u != url) || (commit != "" && sha1 != commit) {
			continue
		}
		last = material{u, sha1}
		found[last] = true
	}
	if len(found) != 1 {
		return "", ""
	}
	return last.url, last.commit
}

// startedOn is when the TaskRun started, zero when not recorded.
func (t *v02Task) startedOn() (time.Time, error) {
	if t.StartedOn == "" {
		return time.Time{}, nil
	}
	at, err := time.Parse(time.RFC3339, t.StartedOn)
	if err != nil {
		return time.Time{}, fmt.Errorf("build task %q: startedOn %q is not an RFC 3339 time", t.Name, t.StartedOn)
	}
	return at, nil
}

// invocationParam is the string value of a parameter of the task, "" when it has none.
func (t *v02Task) invocationParam(name string) string {
	var v string
	if json.Unmarshal(t.Invocation.Parameters[name], &v) != nil {
		return ""
	}
	return v
}

func (t *v02Task) task() (Task, error) {
	params, err := decodeParams(t.Invocation.Parameters)
	if err != nil {
		return Task{}, err
	}
	task := Task{Name: t.Name, Bundle: t.bundle(), Params: params, Results: t.results()}
	if task.StartedOn, err = t.startedOn(); err != nil {
		return Task{}, err
	}
	for _, s := range t.Steps {
		if s.Environment.Container == buildStepName {
			task.BuilderImage = strings.TrimPrefix(s.Environment.Image, "oci://")
			break
		}
	}
	if task.BuilderImage == "" {
		return Task{}, newError(ErrMissing, "no image recorded for step %q", buildStepName)
	}
	if !pinnedBySHA256.MatchString(task.BuilderImage) {
		return Task{}, fmt.Errorf("step %q image %q is not pinned by sha256 digest", buildStepName, task.BuilderImage)
	}
	return task, nil
}
