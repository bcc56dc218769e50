package provenance

import (
	"errors"
	"strings"
	"testing"
)

// TestProvenances: the envelopes of two pipeline runs that attest one digest (another SBOM,
// another build time) are two provenances, oldest first, and the newest is what Read returns;
// two envelopes of one run that disagree are refused.
func TestProvenances(t *testing.T) {
	run := func(started, finished, sbom string) string {
		return mutated(t, func(st map[string]any) {
			m := predicate(st)["metadata"].(map[string]any)
			m["buildStartedOn"], m["buildFinishedOn"] = started, finished
			for _, r := range taskNamed(st, "build-container")["results"].([]any) {
				if r := r.(map[string]any); r["name"] == "SBOM_BLOB_URL" {
					r["value"] = "registry.example/org/app@sha256:" + strings.Repeat(sbom, 64)
				}
			}
		})
	}
	later := run("2026-02-01T10:00:00Z", "2026-02-01T10:05:00Z", "b")
	earlier := run("2026-01-05T10:00:00Z", "2026-01-05T10:05:00Z", "a")
	input := later + "\n" + earlier + "\n" + later + "\n"
	envs, err := ReadEnvelopes(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Provenances(envs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || len(ps[0].Lines) != 1 || ps[0].Lines[0] != 2 || len(ps[1].Lines) != 2 {
		t.Fatalf("Provenances: %+v", ps)
	}
	if got := ps[1].Recipe.Task.Results["SBOM_BLOB_URL"]; !strings.HasSuffix(got, strings.Repeat("b", 64)) {
		t.Errorf("the newest run's SBOM is %s", got)
	}
	if want := "lines 1, 3, run 2026-02-01T10:00:00Z to 2026-02-01T10:05:00Z, commit " + exampleCommit[:12]; ps[1].Describe() != want {
		t.Errorf("Describe() = %q, want %q", ps[1].Describe(), want)
	}
	rec, err := Read(strings.NewReader(input))
	if err != nil || rec.Task.Results["SBOM_BLOB_URL"] != ps[1].Recipe.Task.Results["SBOM_BLOB_URL"] {
		t.Errorf("Read: %v, want the newest run", err)
	}

	sameRun := run("2026-02-01T10:00:00Z", "2026-02-01T10:05:00Z", "c")
	_, err = Read(strings.NewReader(later + "\n" + sameRun + "\n"))
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "envelopes on lines 1 and 2 disagree on result SBOM_BLOB_URL") {
		t.Errorf("one run, two SBOMs: %v", err)
	}
}
