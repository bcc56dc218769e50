package compare

import (
	"archive/tar"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestTaskLayer: the top layer a task committed after the build (0.1's SBOM) is set aside
// when it adds nothing but its files; with it and the time values carried over, the rebuild
// is proven the published image, and the verdict stays "different".
func TestTaskLayer(t *testing.T) {
	later := t0.Add(3 * time.Hour)
	sbom := &TaskLayer{What: "the SBOM", Paths: []string{"root/buildinfo/content_manifests/sbom-cyclonedx.json", "root/buildinfo/content_manifests/sbom-purl.json"}}
	built := func() testImage {
		ti := baseImage()
		ti.history = []v1.History{{Created: v1.Time{Time: t0}, CreatedBy: "COPY etc"}, {Created: v1.Time{Time: t0}, CreatedBy: `/bin/sh -c #(nop) CMD ["sh"]`}}
		return ti
	}
	published := func(extra ...entry) testImage {
		ti := built()
		ti.layers = append(ti.layers, append([]entry{
			{name: "root/", typ: tar.TypeDir, mtime: later},
			{name: "root/buildinfo/", typ: tar.TypeDir, mtime: later},
			{name: "root/buildinfo/content_manifests/", typ: tar.TypeDir, mtime: later},
			{name: "root/buildinfo/content_manifests/sbom-cyclonedx.json", body: `{"serialNumber":"urn:uuid:1"}`, mtime: later},
			{name: "root/buildinfo/content_manifests/sbom-purl.json", body: `{}`, mtime: later},
		}, extra...))
		ti.history = append(ti.history, v1.History{Created: v1.Time{Time: later}, CreatedBy: "/bin/sh", Comment: "FROM registry.example/app:1"})
		ti.created = later
		return ti
	}
	clock := func(ti *testImage) {
		ti.created = t0.Add(time.Hour)
		for i := range ti.history {
			ti.history[i].Created = v1.Time{Time: t0.Add(time.Hour)}
		}
		ti.labels["build-date"] = "2026-01-01T01:00:00Z"
		for i := range ti.layers[1] {
			ti.layers[1][i].mtime = t0.Add(time.Hour)
		}
	}
	for _, tc := range []struct {
		name      string
		pub       testImage
		change    func(*testImage)
		tl        *TaskLayer
		proven    bool   // equivalent but for the task layer
		wantCause string // among the causes
	}{
		{name: "the SBOM layer alone", pub: published(), tl: sbom, proven: true, wantCause: CauseTaskLayer},
		{name: "and the build's clock", pub: published(), change: clock, tl: sbom, proven: true, wantCause: CauseTimestamps},
		{name: "not declared", pub: published(), tl: nil, wantCause: CauseAddMissing},
		{name: "a file more in it", pub: published(entry{name: "etc/passwd", body: "x\n", mtime: later}), tl: sbom, wantCause: CauseAddMissing},
		{name: "and a file's content", pub: published(), change: func(ti *testImage) { ti.layers[1][1].body = "A\n" }, tl: sbom, wantCause: CauseContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reb := built()
			if tc.change != nil {
				tc.change(&reb)
			}
			rep := compareImages(t, tc.pub, reb, Options{Inputs: Inputs{TaskLayer: tc.tl}})
			if rep.Identical || rep.Equivalent() {
				t.Fatalf("identical %v, equivalent %v: never, with a task layer", rep.Identical, rep.Equivalent())
			}
			if !contains(rep.Causes, tc.wantCause) {
				t.Errorf("causes %v lack %s", rep.Causes, tc.wantCause)
			}
			e := rep.Equivalence
			proven := e != nil && e.Equivalent && e.TaskLayer
			if proven != tc.proven {
				t.Fatalf("proven %v, want %v: %+v (causes %v)", proven, tc.proven, e, rep.Causes)
			}
			if !tc.proven {
				return
			}
			if e.ID != rep.Published.ID || !strings.HasPrefix(rep.Verdict(), "different: ") || !strings.Contains(rep.Verdict(), "only by the layer the task committed after the build") {
				t.Errorf("ID %s (published %s), verdict %q", e.ID, rep.Published.ID, rep.Verdict())
			}
			last := rep.Layers[len(rep.Layers)-1]
			if last.Index != 2 || len(last.Files) != 5 || last.Causes[0] != CauseTaskLayer || last.Note != "the SBOM" {
				t.Errorf("the layer set aside: %+v", last)
			}
		})
	}
}
