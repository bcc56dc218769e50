package provenance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Lenient is what ReadLenient makes of a provenance: as much of the recipe as is recorded,
// every build task recorded, and what a rebuild would miss.
type Lenient struct {
	// Recipe holds what was found; a field left empty is named in Gaps.
	Recipe Recipe
	// Builds are all the build tasks recorded, in pipeline order: one, or one per platform of
	// a multi-platform matrix. Recipe.Task is one of them when one alone fits the subjects.
	Builds []Task
	// Gaps are what is missing or unclear, one per problem, in the order found.
	Gaps []Gap
	// Strict is the error Read returns for the same input (nil when Read reads it): whether
	// a rebuild would start at all.
	Strict error
	// Runs are the pipeline runs the envelopes attest (Run.ID), oldest first: Recipe is the
	// newest's.
	Runs []string
}

// Gap is one thing a rebuild needs that the provenance does not record (or records badly).
type Gap struct {
	// Field names what is missing: one of the Field* constants.
	Field string
	// Err says what is wrong; it matches ErrMissing, ErrAmbiguous, ErrDisagree or
	// ErrInvalidInput (a value recorded in the wrong shape).
	Err error
}

// Fields a Gap names.
const (
	FieldCloneTask    = "clone-task"
	FieldURL          = "source.url"
	FieldCommit       = "source.commit"
	FieldTimestamp    = "source.commit-timestamp"
	FieldBuildTask    = "build-task"
	FieldBuilderImage = "task.builder-image"
	FieldStartedOn    = "task.started-on"
	FieldParam        = "param"     // a parameter whose value could not be read
	FieldEnvelopes    = "envelopes" // several envelopes that disagree
	FieldPredicate    = "predicate" // a predicate whose shape could not be read
)

// ReadLenient reads what Read reads, but records a missing clone task, URL, commit, build
// task or builder image, an unreadable parameter, or disagreeing envelopes as a Gap rather
// than failing; it also says what Read would return, reading the input once. It fails
// (matching ErrInvalidInput) only on input that is not a provenance at all: not JSON, not an
// in-toto statement, a predicate type neither it nor Read knows, no subject. For a predicate
// Read knows and it does not, the result is Read's recipe with no gaps.
func ReadLenient(r io.Reader) (*Lenient, error) {
	l, err := readLenient(r)
	return l, mark(ErrInvalidInput, err)
}

func readLenient(r io.Reader) (*Lenient, error) {
	envs, err := readEnvelopes(r)
	if err != nil {
		return nil, err
	}
	type result struct {
		recipe *Recipe
		err    error
	}
	strict := make(chan result, 1)
	go func() {
		rec, err := decodeAll(envs)
		strict <- result{rec, mark(ErrInvalidInput, err)}
	}()
	out, err := lenientRecipe(envs)
	s := <-strict
	switch {
	case err == nil:
		out.Strict = s.err
		return out, nil
	case s.err == nil && errors.Is(err, ErrUnsupported):
		// A predicate Read knows and the lenient reader does not: what Read found is all.
		return &Lenient{Recipe: *s.recipe, Builds: []Task{s.recipe.Task}}, nil
	}
	return nil, err
}

func lenientRecipe(envs []Envelope) (*Lenient, error) {
	type run struct {
		first   *Lenient
		recipes []lineRecipe
	}
	runs := map[string]*run{}
	var order []*run
	var ids []string
	for _, env := range envs {
		l, err := decodeLenientEnvelope(env)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", env.Line, err)
		}
		id := l.Recipe.Run.ID
		r, ok := runs[id]
		if !ok {
			r = &run{first: l}
			runs[id] = r
			order, ids = append(order, r), append(ids, id)
		} else {
			for _, s := range l.Recipe.Subjects {
				if !slices.Contains(r.first.Recipe.Subjects, s) {
					r.first.Recipe.Subjects = append(r.first.Recipe.Subjects, s)
				}
			}
		}
		r.recipes = append(r.recipes, lineRecipe{line: env.Line, recipe: &l.Recipe})
	}
	newest := 0
	for i, r := range order {
		if !r.first.Recipe.Run.Started.Before(order[newest].first.Recipe.Run.Started) {
			newest = i
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int {
		return runs[a].first.Recipe.Run.Started.Compare(runs[b].first.Recipe.Run.Started)
	})
	out := order[newest].first
	out.Runs = ids
	for _, r := range order {
		for _, x := range r.recipes[1:] {
			if err := compare(r.recipes[0], x); err != nil {
				out.Gaps = append(out.Gaps, Gap{Field: FieldEnvelopes, Err: err})
				break
			}
		}
	}
	return out, nil
}

// decodeLenientEnvelope checks the statement as decodeEnvelope does, then reads the
// predicate leniently.
func decodeLenientEnvelope(env Envelope) (*Lenient, error) {
	if env.PayloadType != InTotoPayloadType {
		return nil, newError(ErrUnsupported, "unsupported payload type %q (want %q)", env.PayloadType, InTotoPayloadType)
	}
	// One pass over the payload when it is well formed; a predicate of the wrong shape is
	// read again apart, so that it is a gap rather than an error.
	var whole struct {
		jsonStatement
		Predicate *v02Predicate `json:"predicate"`
	}
	var st jsonStatement
	var pred *v02Predicate
	if err := json.Unmarshal(env.Payload, &whole); err == nil {
		st, pred = whole.jsonStatement, whole.Predicate
	} else if err := unmarshal(env.Payload, &st); err != nil {
		return nil, fmt.Errorf("decoding statement: %w", err)
	}
	if st.Type != StatementV01 && st.Type != StatementV1 {
		return nil, newError(ErrUnsupported, "unsupported statement type %q (want %q or %q)", st.Type, StatementV01, StatementV1)
	}
	var v1Err error
	switch st.PredicateType {
	case PredicateSLSAV02:
	case PredicateSLSAV1:
		// Either statement type may carry it: Chains writes v0.1 statements around SLSA v1
		// predicates too. What cannot be turned into tasks is a gap of the predicate.
		if len(st.Predicate) == 0 { // decoded into whole, which keeps no raw predicate
			if err := unmarshal(env.Payload, &st); err != nil {
				return nil, fmt.Errorf("decoding statement: %w", err)
			}
		}
		if pred, v1Err = v1AsV02(st.Predicate); v1Err != nil {
			if errors.Is(v1Err, ErrUnsupported) {
				return nil, v1Err
			}
			pred = nil
		}
	default:
		return nil, newError(ErrUnsupported, "unsupported predicate type %q (want %q or %q)", st.PredicateType, PredicateSLSAV02, PredicateSLSAV1)
	}
	l := &Lenient{}
	for _, s := range st.Subject {
		if hex := s.Digest["sha256"]; sha256Hex.MatchString(hex) {
			l.Recipe.Subjects = append(l.Recipe.Subjects, Subject{Name: s.Name, Digest: "sha256:" + hex})
		}
	}
	if len(l.Recipe.Subjects) == 0 {
		return nil, newError(ErrMissing, "statement has no subject with a sha256 digest")
	}
	// Without a readable predicate, what it should hold is read from what was decoded
	// (encoding/json goes on past a value of the wrong type), so that each missing piece
	// is a gap of its own.
	switch {
	case pred != nil:
	case v1Err != nil:
		l.gap(FieldPredicate, fmt.Errorf("decoding predicate: %w", v1Err))
		pred = &v02Predicate{}
	case len(st.Predicate) == 0:
		l.gap(FieldPredicate, newError(ErrMissing, "statement has no predicate"))
		pred = &v02Predicate{}
	default:
		pred = &v02Predicate{}
		if err := unmarshal(st.Predicate, pred); err != nil {
			l.gap(FieldPredicate, fmt.Errorf("decoding predicate: %w", err))
		}
	}
	l.readV02(pred)
	return l, nil
}

func (l *Lenient) gap(field string, err error) {
	l.Gaps = append(l.Gaps, Gap{Field: field, Err: mark(ErrInvalidInput, err)})
}

func (l *Lenient) readV02(pred *v02Predicate) {
	tasks := pred.BuildConfig.Tasks
	clone, err := pickCloneTask(tasks)
	if err != nil {
		l.gap(FieldCloneTask, err)
	}
	l.Recipe.Source = l.lenientSource(pred, clone)

	index := map[*v02Task]int{}
	for i := range tasks {
		if t := &tasks[i]; isBuildTask(t) {
			index[t] = len(l.Builds)
			l.Builds = append(l.Builds, l.lenientTask(t))
		}
	}
	// With several build tasks and no subject to choose (a matrix whose per-platform
	// digests are all subjects), Recipe.Task stays empty: the caller picks from Builds.
	if build, err := pickBuildTask(tasks, l.Recipe.Subjects); err != nil {
		l.gap(FieldBuildTask, err)
	} else {
		l.Recipe.Task = l.Builds[index[build]]
	}
}

// isBuildTask is pickBuildTask's test of a build task.
func isBuildTask(t *v02Task) bool {
	return t.Name == buildTaskName || t.Name == buildTaskNameMulti || t.refMentions("buildah")
}

// lenientSource is v02Predicate.source with gaps for what is missing; clone may be nil.
func (l *Lenient) lenientSource(pred *v02Predicate, clone *v02Task) Source {
	var src Source
	if clone != nil {
		src.CloneParams = l.lenientParams(clone.Invocation.Parameters, "clone task "+clone.Name)
		res := clone.results()
		src.URL, src.Commit, src.CommitTimestamp = res["url"], res["commit"], res["commit-timestamp"]
		if src.URL == "" {
			src.URL = src.CloneParams.String("url")
		}
	}
	if src.URL == "" || src.Commit == "" {
		url, commit := pred.gitMaterial(src.URL, src.Commit)
		src.URL = cmpOr(src.URL, url)
		src.Commit = cmpOr(src.Commit, commit)
	}
	if src.URL == "" {
		l.gap(FieldURL, newError(ErrMissing, "no git URL recorded (clone result url, parameter url or git+ material)"))
	}
	switch {
	case src.Commit == "":
		l.gap(FieldCommit, newError(ErrMissing, "no commit recorded (clone result commit or git+ material with a sha1 digest)"))
	case !commitHex.MatchString(src.Commit):
		l.gap(FieldCommit, fmt.Errorf("commit %q is not a full lowercase hex object name", src.Commit))
		src.Commit = ""
	}
	if ts := src.CommitTimestamp; ts != "" {
		if _, err := strconv.ParseInt(ts, 10, 64); err != nil || !unixSeconds.MatchString(ts) {
			l.gap(FieldTimestamp, fmt.Errorf("commit-timestamp %q is not a number of seconds", ts))
			src.CommitTimestamp = ""
		}
	}
	if src.URL != "" && src.Commit != "" {
		if err := pred.materialsAgree(src); err != nil {
			l.gap(FieldCommit, err)
		}
	}
	return src
}

// lenientTask is v02Task.task with gaps instead of errors.
func (l *Lenient) lenientTask(t *v02Task) Task {
	task := Task{Name: t.Name, Bundle: t.bundle(), Results: t.results()}
	task.Params = l.lenientParams(t.Invocation.Parameters, "build task "+t.Name)
	var err error
	if task.StartedOn, err = t.startedOn(); err != nil {
		l.gap(FieldStartedOn, err)
	}
	for _, s := range t.Steps {
		if s.Environment.Container == buildStepName {
			task.BuilderImage = strings.TrimPrefix(s.Environment.Image, "oci://")
			break
		}
	}
	switch {
	case task.BuilderImage == "":
		l.gap(FieldBuilderImage, newError(ErrMissing, "build task %q: no image recorded for step %q", t.Name, buildStepName))
	case !pinnedBySHA256.MatchString(task.BuilderImage):
		l.gap(FieldBuilderImage, fmt.Errorf("build task %q: step %q image %q is not pinned by sha256 digest", t.Name, buildStepName, task.BuilderImage))
	}
	return task
}

// lenientParams keeps every parameter it can read and names the others in gaps.
func (l *Lenient) lenientParams(raw map[string]json.RawMessage, where string) Params {
	params := make(Params, len(raw))
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		p, err := decodeParam(raw[name])
		if err != nil {
			l.gap(FieldParam, fmt.Errorf("%s: parameter %s: %w", where, displayName(name), err))
			continue
		}
		params[name] = p
	}
	return params
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
