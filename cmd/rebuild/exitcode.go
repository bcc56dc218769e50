package main

import (
	"errors"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/keyless"
	"github.com/rebuild-project/rebuild/pkg/konflux"
	"github.com/rebuild-project/rebuild/pkg/provenance"
	"github.com/rebuild-project/rebuild/pkg/rebuild"
	"github.com/rebuild-project/rebuild/pkg/vsa"
)

// Exit codes, documented in the README.
const (
	exitDone        = 0
	exitDifferent   = 1 // --verify: the rebuild is not identical to the published image
	exitBadInput    = 2
	exitUnavailable = 3
	exitBuildFailed = 4
	exitEquivalent  = 5 // --verify: the rebuild is the published image but for time values
)

// errUsage marks a command line that could not be parsed.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	switch {
	case err == nil:
		return exitDone
	case errors.Is(err, errNotIdentical):
		return exitDifferent
	case errors.Is(err, errEquivalent):
		return exitEquivalent
	case errors.Is(err, rebuild.ErrInterrupted):
		return exitBuildFailed
	case errors.Is(err, errUsage), errors.Is(err, provenance.ErrInvalidInput),
		errors.Is(err, konflux.ErrCannotReplay), errors.Is(err, konflux.ErrBadTask), errors.Is(err, konflux.ErrPrefetchMismatch), errors.Is(err, build.ErrBadArgs),
		errors.Is(err, inputs.ErrGitURL), errors.Is(err, rebuild.ErrNoEngine), errors.Is(err, inputs.ErrUnpinned), errors.Is(err, inputs.ErrSBOMMismatch),
		errors.Is(err, inputs.ErrSBOMTooLarge), errors.Is(err, inputs.ErrSBOMFormat), errors.Is(err, inputs.ErrTampered), errors.Is(err, inputs.ErrPrefetched),
		errors.Is(err, build.ErrStepImage), errors.Is(err, inputs.ErrNoPlatformImage), errors.Is(err, rebuild.ErrUnexpected), errors.Is(err, rebuild.ErrNoPlatform),
		errors.Is(err, keyless.ErrPolicy):
		return exitBadInput
	case errors.Is(err, inputs.ErrUnavailable), errors.Is(err, vsa.ErrAttach), errors.Is(err, keyless.ErrHelper), errors.Is(err, rebuild.ErrEmulation):
		return exitUnavailable
	default:
		return exitBuildFailed
	}
}
