package plan

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"github.com/rebuild-project/rebuild/pkg/konflux"
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

// chooseBuild returns the build task the plan is about (konflux.Choose) and the findings
// choosing it gives.
func (a *Attestation) chooseBuild(host string) (konflux.Choice, []Finding) {
	c, err := konflux.Choose(a.Lenient, host)
	if err != nil {
		return c, []Finding{newFinding(CodeNoBuildTask, "%v", err)}
	}
	if d := c.Describe(); d != "" {
		return c, []Finding{newFinding(CodeMatrix, "%s", d)}
	}
	return c, nil
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
