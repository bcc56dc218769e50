package rebuild

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/konflux"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// Job is a rebuild decided from a provenance, before anything is fetched.
type Job struct {
	Recipe *provenance.Recipe
	// Envelopes are the envelopes the recipe was read from: those of the chosen provenance
	// that verified with the key.
	Envelopes []provenance.Envelope
	// Provenances are the pipeline runs the envelopes attest, oldest first; Chosen is the
	// index of the one rebuilt.
	Provenances []provenance.Provenance
	Chosen      int
	// Build is the recorded build task, read by the replay profile that covers it.
	Build *konflux.Build
	// Pushed is the image the build task pushed: its SBOM names the images to pull, and it is
	// the published image a comparison reads by default.
	Pushed provenance.Subject
	// Published is the image a comparison reads by default: Pushed, or, when Pushed names an
	// index (COMPRESSION_FORMAT=dual), its gzip image for the build's platform (Resolve).
	Published provenance.Subject

	cfg Config
}

// Read reads the attestation lines (what cosign verify-attestation prints) and decides the
// rebuild. With cfg.Verifier, every envelope is verified before any of its fields is read; those
// that fail are dropped with a warning, and when none is left the input is refused. Then the
// recorded build task must be one a profile replays as it ran (konflux.Resolve), and the git
// URL one a rebuild fetches.
func Read(ctx context.Context, in io.Reader, cfg Config) (*Job, error) {
	log := cfg.Log
	log.Phase("read", "reading the provenance")
	envs, err := provenance.ReadEnvelopes(in)
	if err != nil {
		return nil, err
	}
	if cfg.Verifier == nil {
		log.Warn("no --key or --certificate-identity given: the attestation is trusted as given, its signatures are not checked")
	} else {
		kept, dropped, err := cfg.Verifier.Verify(ctx, envs)
		if err != nil {
			return nil, err
		}
		if len(kept) == 0 {
			return nil, fmt.Errorf("%w: no envelope verifies with %s (%d read; %s)", provenance.ErrUnverified, cfg.Verifier, len(envs), why(dropped))
		}
		for _, err := range dropped {
			log.Warn("dropping the envelope at %v", err)
		}
		log.Phase("read", "%d of %d envelope(s) verified with %s", len(kept), len(envs), cfg.Verifier)
		envs = kept
	}
	ps, err := provenance.Provenances(envs)
	if err != nil {
		return nil, err
	}
	chosen, err := choose(ps, cfg.Provenance, log)
	if err != nil {
		return nil, err
	}
	recipe := ps[chosen].Recipe
	if err := pickPlatform(recipe, cfg.Platform, cfg.Expect.Image.Digest, log); err != nil {
		return nil, err
	}
	envs = linesOf(envs, ps[chosen].Lines)
	if err := cfg.Expect.Check(recipe); err != nil {
		return nil, err
	}
	if err := inputs.CheckGitURL(recipe.Source.URL, cfg.AllowLocalGit); err != nil {
		return nil, err
	}
	b, err := konflux.Resolve(&recipe.Task)
	if err != nil {
		return nil, err
	}
	if c := b.Committed(); c != nil {
		log.Warn("%s: the published image is never the rebuilt one; --verify sets that layer aside", c)
	}
	pushed, _ := konflux.Pushed(recipe.Subjects, &recipe.Task) // Read refuses a statement with no subject
	j := &Job{Recipe: recipe, Envelopes: envs, Build: b, Pushed: pushed, Published: pushed, Provenances: ps, Chosen: chosen, cfg: cfg}
	if cfg.Verifier != nil && recipe.Task.Results["SBOM_BLOB_URL"] == "" {
		log.Warn("the provenance records no SBOM_BLOB_URL: the SBOM, which names the images to pull, is not pinned by the signature")
	}
	log.Phase("read", "%s@%s, built by %s (replayed as %s) from %s at %s", pushed.Name, pushed.Digest, recipe.Task.Name, b.Profile.Name, recipe.Source.URL, recipe.Source.Commit)
	return j, nil
}

// why tells why envelopes were dropped: the first three reasons, and how many more.
func why(dropped []error) string {
	var parts []string
	for i, err := range dropped {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(dropped)-i))
			break
		}
		parts = append(parts, err.Error())
	}
	return strings.Join(parts, "; ")
}

// choose picks the provenance to rebuild from: the pick-th (1-based, oldest first), or with
// pick 0 the newest; it says which when there are several.
func choose(ps []provenance.Provenance, pick int, log *Log) (int, error) {
	chosen := len(ps) - 1
	if pick != 0 {
		if pick < 1 || pick > len(ps) {
			return 0, fmt.Errorf("%w: --provenance %d: the envelopes attest %d pipeline run(s)", provenance.ErrInvalidInput, pick, len(ps))
		}
		chosen = pick - 1
	}
	if len(ps) > 1 {
		log.Phase("read", "%d provenances (pipeline runs) attest this image; rebuilding from #%d (%s); --provenance N picks another", len(ps), chosen+1, ps[chosen].Describe())
		for i, p := range ps {
			if i != chosen {
				log.Phase("read", "  #%d: %s", i+1, p.Describe())
			}
		}
	}
	return chosen, nil
}

// linesOf keeps the envelopes on lines.
func linesOf(envs []provenance.Envelope, lines []int) []provenance.Envelope {
	var out []provenance.Envelope
	for _, e := range envs {
		if slices.Contains(lines, e.Line) {
			out = append(out, e)
		}
	}
	return out
}
