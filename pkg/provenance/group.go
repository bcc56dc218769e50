package provenance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Provenance is one pipeline run's record among the envelopes read: the lines that describe
// it (Konflux attests an image once per run that pushed it: a re-run, or a reproducible
// pipeline building the same bytes twice) and their recipe.
type Provenance struct {
	Lines  []int
	Recipe *Recipe
}

// Provenances decodes envelopes (already verified, or trusted as given) and groups them by
// pipeline run (Run.ID), oldest first; the envelopes of one run must describe one build. Every
// error matches ErrInvalidInput.
func Provenances(envs []Envelope) ([]Provenance, error) {
	ps, err := group(envs)
	return ps, mark(ErrInvalidInput, err)
}

func group(envs []Envelope) ([]Provenance, error) {
	if len(envs) == 0 {
		return nil, newError(ErrMissing, "no envelope in input")
	}
	runs := map[string][]lineRecipe{}
	var order []string
	for _, env := range envs {
		rec, err := decodeEnvelope(env)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", env.Line, err)
		}
		id := rec.Run.ID
		if _, ok := runs[id]; !ok {
			order = append(order, id)
		}
		runs[id] = append(runs[id], lineRecipe{line: env.Line, recipe: rec})
	}
	var out []Provenance
	for _, id := range order {
		rec, err := merge(runs[id])
		if err != nil {
			return nil, err
		}
		p := Provenance{Recipe: rec}
		for _, r := range runs[id] {
			p.Lines = append(p.Lines, r.line)
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b Provenance) int { return a.Recipe.Run.Started.Compare(b.Recipe.Run.Started) })
	return out, nil
}

// Describe names p for a person: "lines 1 and 3, run 2026-01-05T10:00:00Z to ..., commit 0123abc".
func (p Provenance) Describe() string {
	var lines []string
	for _, l := range p.Lines {
		lines = append(lines, strconv.Itoa(l))
	}
	s := "line " + strings.Join(lines, ", ")
	if len(lines) > 1 {
		s = "lines " + strings.Join(lines, ", ")
	}
	if id := p.Recipe.Run.ID; id != "" {
		s += ", run " + id
	}
	c := p.Recipe.Source.Commit
	return s + ", commit " + c[:min(len(c), 12)]
}

// runID names the pipeline run pred records: its start and finish times (what both v0.2 and
// SLSA v1 record, so that the two formats of one run group together), else its invocation ID
// (SLSA v1: the PipelineRun's UID); "" when neither is recorded.
func (pred *v02Predicate) runID() (string, time.Time) {
	m := pred.Metadata
	started, _ := time.Parse(time.RFC3339, m.BuildStartedOn)
	switch {
	case m.BuildStartedOn != "" || m.BuildFinishedOn != "":
		return m.BuildStartedOn + " to " + m.BuildFinishedOn, started
	case m.InvocationID != "":
		return m.InvocationID, started
	}
	return "", started
}
