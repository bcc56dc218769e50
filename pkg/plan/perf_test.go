package plan

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// bigAttestation returns the 0.8 fixture grown to at least size bytes, as one DSSE envelope
// line: a pipeline with hundreds of extra tasks, each with many parameters, steps and results.
func bigAttestation(t testing.TB, size int) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/buildah-oci-ta-0.8.json")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		PayloadType string `json:"payloadType"`
		Payload     []byte `json:"payload"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(env.Payload, &st); err != nil {
		t.Fatal(err)
	}
	pred := st["predicate"].(map[string]any)
	tasks := pred["buildConfig"].(map[string]any)["tasks"].([]any)
	value := strings.Repeat("v", 60)
	for i := 0; ; i++ {
		params := map[string]any{}
		for j := range 40 {
			params[fmt.Sprintf("PARAM_%d", j)] = value
		}
		params["LIST"] = []string{value, value, value}
		var steps, results []any
		for j := range 8 {
			steps = append(steps, map[string]any{"environment": map[string]any{
				"container": fmt.Sprintf("step-%d", j), "image": "oci://registry.example/tool@sha256:" + strings.Repeat("f", 64)}})
			results = append(results, map[string]any{"name": fmt.Sprintf("RESULT_%d", j), "value": value})
		}
		tasks = append(tasks, map[string]any{
			"name":       fmt.Sprintf("check-%d", i),
			"ref":        map[string]any{"name": "sast-check", "kind": "Task", "resolver": "bundles"},
			"invocation": map[string]any{"parameters": params}, "steps": steps, "results": results,
			"unknownField": map[string]any{"nested": []int{1, 2, 3}},
		})
		if i%50 == 0 {
			pred["buildConfig"].(map[string]any)["tasks"] = tasks
			payload, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			if len(payload) >= size {
				line, err := json.Marshal(map[string]any{"payloadType": env.PayloadType, "payload": base64.StdEncoding.EncodeToString(payload),
					"signatures": []any{map[string]string{"keyid": "", "sig": "c2ln"}}})
				if err != nil {
					t.Fatal(err)
				}
				return append(line, '\n')
			}
		}
	}
}

// planOffline is what `rebuild plan --offline` does between reading stdin and exiting.
func planOffline(doc []byte) (*Plan, error) {
	a, err := ReadAttestation(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	p := Make(a, testEnv, Evidence{})
	enc := json.NewEncoder(io.Discard)
	return p, enc.Encode(p)
}

// TestPlanOfflineBigDocument plans a 5 MiB provenance (its statement alone is 5 MiB; the
// envelope is a third larger) and requires it to take well under a second of CPU. Wall time
// is reported too; on a machine shared with other jobs it says more about them than about
// the plan, so the check is on the CPU time the process spent.
// TestPlanOfflineBigDocument checks the plan of a 5 MiB attestation is right; how fast it is,
// BenchmarkPlanOffline5MiB measures against BenchmarkRead5MiB (scripts/bench-plan.sh).
func TestPlanOfflineBigDocument(t *testing.T) {
	doc := bigAttestation(t, 5<<20)
	p, err := planOffline(doc)
	if err != nil {
		t.Fatal(err)
	}
	if p.Exit != ExitIdentical || p.Task.Profile == "" {
		t.Errorf("plan of the grown 0.8 fixture: exit %d, task %+v: %v", p.Exit, p.Task, p.Findings)
	}
}

// BenchmarkRead5MiB is the baseline: the strict reader alone on the same document.
func BenchmarkRead5MiB(b *testing.B) {
	doc := bigAttestation(b, 5<<20)
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := provenance.Read(bytes.NewReader(doc)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanOffline5MiB(b *testing.B) {
	doc := bigAttestation(b, 5<<20)
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := planOffline(doc); err != nil {
			b.Fatal(err)
		}
	}
}
