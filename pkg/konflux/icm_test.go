package konflux

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestICMByVersion checks what each task version did with the content sets of a prefetched
// build: the COPY lines inject-icm-to-containerfile appended (0.4 from 2025-04-11, -c from
// 2025-08-18, blank lines from 2025-04-16), the layer the icm step committed before that
// (0.2 from 2024-12-20, 0.3), nothing (0.2 from 2024-09-27 on, before that), and a refusal
// where the sed edited the checkout's Containerfile (0.2 before 2024-09-27).
func TestICMByVersion(t *testing.T) {
	const usr, root = "COPY content-sets.json /usr/share/buildinfo/content-sets.json", "COPY content-sets.json /root/buildinfo/content_manifests/content-sets.json"
	for _, c := range []struct {
		profile, started string
		lines            string // what the Containerfile copy has after the RUN, before labels.json
		committed        string // Committed().Step, "" for none
		refused          bool
	}{
		{profile: "buildah/0.8", started: "2026-03-01", lines: "\n" + usr + "\n\n" + root + "\n\n"},
		{profile: "buildah/0.4", started: "2025-08-20", lines: "\n" + usr + "\n\n" + root + "\n\n"},
		{profile: "buildah/0.4", started: "2025-06-01", lines: "\n" + usr + "\n\n"},
		{profile: "buildah/0.4", started: "2025-04-14", lines: usr + "\n"},
		{profile: "buildah/0.4", started: "2025-03-01", committed: "icm"},
		{profile: "buildah/0.2", started: "2025-01-15", committed: "icm"},
		{profile: "buildah/0.2", started: "2024-12-01"},
		{profile: "buildah/0.2", started: "2024-10-01", committed: "inject-sbom-and-push"},
		{profile: "buildah/0.2", started: "2024-09-01", refused: true},
	} {
		t.Run(c.profile+"@"+c.started, func(t *testing.T) {
			src := writeTree(t, map[string]string{"Containerfile": "FROM scratch\nRUN true\n", "artifacts.lock.yaml": "artifacts: []\n"})
			prefetched := writeTree(t, map[string]string{"cachi2.env": "\n", "output/bom.json": `{"bomFormat":"CycloneDX","components":[]}`})
			task := DefaultTask()
			task.Dockerfile, task.PrefetchInput = "Containerfile", "generic"
			var err error
			if task.Started, err = time.Parse(time.DateOnly, c.started); err != nil {
				t.Fatal(err)
			}
			p, err := Prepare(src, task)
			if err != nil {
				t.Fatal(err)
			}
			p.Prefetched = prefetched
			b := &Build{Profile: profileNamed(c.profile), Task: task}
			inv, err := p.Invoke(b, nil, ReplayInput{Arch: "x86_64", BuildahVersion: "1.41.5", Now: task.Started})
			var problem *Problem
			if c.refused {
				if !errors.As(err, &problem) || problem.Kind != KindPrefetched {
					t.Fatalf("Invoke: %v, want a refusal of the prefetched build", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer inv.Close()
			cf, _ := os.ReadFile(filepath.Join(inv.dir, "Containerfile"))
			_, after, _ := strings.Cut(string(cf), "true\n")
			if after, _, _ = strings.Cut(after, "\nCOPY labels.json"); after != c.lines {
				t.Errorf("Containerfile copy %q: after the RUN %q, want %q", cf, after, c.lines)
			}
			_, statErr := os.Stat(filepath.Join(src, "content-sets.json"))
			if wantFile := strings.Contains(c.lines, usr); wantFile != (statErr == nil) {
				t.Errorf("content-sets.json in the context: %v, want %v", statErr == nil, wantFile)
			}
			got := ""
			if cm := b.Committed(); cm != nil {
				got = cm.Step
			}
			if got != c.committed {
				t.Errorf("committed layer %q, want %q", got, c.committed)
			}
		})
	}
}
