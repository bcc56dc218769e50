package konflux

import "time"

// change is when a rule came into a task version: never, always (the zero value), or for
// TaskRuns started at or after since.
type change struct {
	never bool
	since time.Time
}

var always = change{}

func since(rfc3339 string) change {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		panic(err) // a profile's literal
	}
	return change{since: t}
}

// applies reports whether the change applied to a TaskRun started at started.
func (c change) applies(started time.Time) bool {
	return !c.never && (started.IsZero() || !started.Before(c.since))
}
