package konflux

import "errors"

// ErrCannotReplay marks a recorded build task this program cannot replay as it ran: bad
// input. Every problem Check finds matches it.
var ErrCannotReplay = errors.New("cannot rebuild from this provenance")

// ErrBadTask marks task paths or a Containerfile, as the checkout holds them, that the task
// would have failed on or that lead outside the checkout: bad input.
var ErrBadTask = errors.New("cannot replay the build task")

// ErrPrefetchMismatch marks prefetched content that is not what the commit's lock files name.
var ErrPrefetchMismatch = errors.New("prefetched content does not match the commit's lock files")

// Kind says what a Problem is about; `rebuild plan` gives each kind its finding code.
type Kind int

const (
	KindNoProfile    Kind = iota + 1 // no replay profile covers the task, its version or its step image
	KindBuilderImage                 // the build step's image is not recorded or not pinned
	KindPrefetched                   // the build used prefetched content
	KindBadParams                    // a parameter or result the task would fail on, or the replay refuses
	KindPath                         // a path parameter that leaves the checkout as written
)

// Problem is one reason the recorded build task cannot be replayed.
type Problem struct {
	Kind Kind
	Msg  string
}

func (p *Problem) Error() string {
	if p.Kind == KindPath {
		return ErrBadTask.Error() + ": " + p.Msg
	}
	return ErrCannotReplay.Error() + ": " + p.Msg
}

// Is makes every problem match ErrCannotReplay, and a path problem ErrBadTask too.
func (p *Problem) Is(target error) bool {
	return target == ErrCannotReplay || (target == ErrBadTask && p.Kind == KindPath)
}
