package provenance

import (
	"maps"
	"slices"
	"strconv"
)

// mergedResults are the build task results that must agree; others (IMAGE_URL, IMAGE_REF, ...)
// may legitimately differ between pipeline runs and are taken from the first envelope.
var mergedResults = []string{"IMAGE_DIGEST", "SBOM_BLOB_URL"}

type lineRecipe struct {
	line   int
	recipe *Recipe
}

// merge checks that the recipes describe the same build and returns the first one with the
// union of all subjects.
func merge(recipes []lineRecipe) (*Recipe, error) {
	if len(recipes) == 0 {
		return nil, newError(ErrMissing, "no envelope in input")
	}
	first := recipes[0]
	out := *first.recipe
	out.Subjects = nil
	for _, r := range recipes {
		if err := compare(first, r); err != nil {
			return nil, err
		}
		for _, s := range r.recipe.Subjects {
			if !slices.Contains(out.Subjects, s) {
				out.Subjects = append(out.Subjects, s)
			}
		}
	}
	return &out, nil
}

func compare(a, b lineRecipe) error {
	disagree := func(what, x, y string) error {
		return newError(ErrDisagree, "envelopes on lines %d and %d disagree on %s: %s vs %s", a.line, b.line, what, x, y)
	}
	x, y := a.recipe, b.recipe
	strs := []struct{ what, x, y string }{
		{"git URL", x.Source.URL, y.Source.URL},
		{"commit", x.Source.Commit, y.Source.Commit},
		{"commit timestamp", x.Source.CommitTimestamp, y.Source.CommitTimestamp},
		{"builder id", x.BuilderID, y.BuilderID},
	}
	for _, s := range strs {
		if s.x != s.y {
			return disagree(s.what, strconv.Quote(s.x), strconv.Quote(s.y))
		}
	}
	if what, p, q, ok := compareParams("clone parameter", x.Source.CloneParams, y.Source.CloneParams); !ok {
		return disagree(what, p, q)
	}
	strs = []struct{ what, x, y string }{
		{"task bundle", x.Task.Bundle, y.Task.Bundle},
		{"builder image", x.Task.BuilderImage, y.Task.BuilderImage},
	}
	for _, name := range mergedResults {
		strs = append(strs, struct{ what, x, y string }{"result " + displayName(name), x.Task.Results[name], y.Task.Results[name]})
	}
	for _, s := range strs {
		if s.x != s.y {
			return disagree(s.what, strconv.Quote(s.x), strconv.Quote(s.y))
		}
	}
	if what, p, q, ok := compareParams("parameter", x.Task.Params, y.Task.Params); !ok {
		return disagree(what, p, q)
	}
	return nil
}

// compareParams compares two parameter sets in name order and describes the first difference.
func compareParams(kind string, a, b Params) (what, x, y string, ok bool) {
	names := slices.Sorted(maps.Keys(a))
	for n := range b {
		if _, seen := a[n]; !seen {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		p, inA := a[n]
		q, inB := b[n]
		if inA && inB && p.equal(q) {
			continue
		}
		return kind + " " + displayName(n), formatOptional(p, inA), formatOptional(q, inB), false
	}
	return "", "", "", true
}

func formatOptional(p Param, present bool) string {
	if !present {
		return "(absent)"
	}
	return p.format()
}

// displayName writes a name from the input bare when that is unambiguous, else quoted, so an
// error stays on one line.
func displayName(s string) string {
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}
