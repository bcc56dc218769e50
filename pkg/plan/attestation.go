package plan

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// Attestation is a provenance read twice: leniently, for the plan, and as the rebuild
// command reads it, to know whether the rebuild would even start.
type Attestation struct {
	Lenient *provenance.Lenient
	// Strict is provenance.Read's error, nil when the rebuild command reads it.
	Strict error
}

// ReadAttestation reads what cosign verify-attestation printed. It fails only when the input
// is not a provenance at all (matching provenance.ErrInvalidInput); whatever is missing from
// a provenance becomes a finding of the plan.
func ReadAttestation(r io.Reader) (*Attestation, error) {
	data, err := io.ReadAll(io.LimitReader(r, provenance.MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the attestation: %w", err)
	}
	l, err := provenance.ReadLenient(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return &Attestation{Lenient: l, Strict: l.Strict}, nil
}

// chosen is the build task the plan is about, and what choosing it found.
type chosen struct {
	task     *provenance.Task
	others   []string // the PLATFORM of the other build tasks
	findings []Finding
}

// chooseBuild returns the build task the provenance's subjects name, else, among several
// (a multi-platform matrix), the one built for host.
func (a *Attestation) chooseBuild(host string) chosen {
	l := a.Lenient
	var c chosen
	switch {
	case l.Recipe.Task.Name != "":
		c.task = &l.Recipe.Task
	case len(l.Builds) == 0:
		c.findings = append(c.findings, newFinding(CodeNoBuildTask, "no build task recorded (buildah, build-container or build-images)"))
		return c
	default:
		var match []int
		for i, b := range l.Builds {
			if platformOf(b) == host {
				match = append(match, i)
			}
		}
		switch len(match) {
		case 0:
			c.task = &l.Builds[0]
		case 1:
			c.task = &l.Builds[match[0]]
		default:
			c.findings = append(c.findings, newFinding(CodeNoBuildTask, "%d build tasks recorded for %s and nothing says which built the subject", len(match), host))
			return c
		}
	}
	var all []string
	for i := range l.Builds {
		b := &l.Builds[i]
		all = append(all, cmpOr(b.Params.String("PLATFORM"), defaultPlatform))
		if !sameTask(b, c.task) {
			c.others = append(c.others, b.Params.String("PLATFORM"))
		}
	}
	if len(l.Builds) > 1 {
		c.findings = append(c.findings, newFinding(CodeMatrix, "%d build tasks recorded (platforms %s): planned the one for %s",
			len(l.Builds), strings.Join(all, ", "), cmpOr(c.task.Params.String("PLATFORM"), defaultPlatform)))
	}
	return c
}

func sameTask(a, b *provenance.Task) bool {
	return a.Name == b.Name && a.Bundle == b.Bundle && a.BuilderImage == b.BuilderImage &&
		a.Results["IMAGE_DIGEST"] == b.Results["IMAGE_DIGEST"] && a.Params.String("PLATFORM") == b.Params.String("PLATFORM")
}

// platformOf is the os/arch a build task ran on: its PLATFORM, else Konflux's default.
func platformOf(t provenance.Task) string {
	if p := t.Params.String("PLATFORM"); p != "" {
		return normalizePlatform(p)
	}
	return defaultPlatform
}

// gapFindings turns what ReadLenient could not find into findings. A missing clone task or
// build task is told by what it leads to (no URL, no commit, the chosen build).
func (a *Attestation) gapFindings() []Finding {
	var out []Finding
	for _, g := range a.Lenient.Gaps {
		switch g.Field {
		case provenance.FieldURL:
			out = append(out, newFinding(CodeNoURL, "%v", g.Err))
		case provenance.FieldCommit:
			out = append(out, newFinding(CodeNoCommit, "%v", g.Err))
		case provenance.FieldEnvelopes:
			out = append(out, newFinding(CodeDisagree, "%v", g.Err))
		case provenance.FieldTimestamp, provenance.FieldParam, provenance.FieldPredicate:
			out = append(out, newFinding(CodeBadProvenance, "%v", g.Err))
		}
	}
	return slices.Clip(out)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
