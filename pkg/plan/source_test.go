package plan

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rebuild-project/rebuild/pkg/inputs"
)

// TestPlanSource plans the 0.8 fixture with the source and SBOM in hand, as online planning
// has them: the Containerfile's FROM images, labels, COPY of the context and RUN steps.
func TestPlanSource(t *testing.T) {
	builder := "sha256:" + strings.Repeat("b", 64)
	base := "sha256:" + strings.Repeat("c", 64)
	pinned := "sha256:" + strings.Repeat("d", 64)
	sbom := []inputs.Image{
		{Repository: "registry.example/builder", Digest: builder, Tag: "1", Stages: []int{0}},
		{Repository: "registry.example/base", Digest: base, Tag: "latest", Base: true},
	}
	multi := "FROM registry.example/builder:1 AS build\nRUN make\n" +
		"FROM registry.example/tools@" + pinned + " AS tools\n" +
		"FROM registry.example/base:latest\nCOPY --from=build /out /out\nCOPY . /src\nLABEL \"name\"=\"app\" version=1\n"
	tests := []struct {
		name     string
		files    map[string]string
		sbom     []inputs.Image
		buildah  string
		noStep   bool // rebuild --no-step-image
		commit   string
		findings []Code
		images   []Image
		pairs    []string // the LABEL pairs the replay adds to labels.json, after the task's
	}{
		{
			name:     "kept .git",
			files:    map[string]string{"Containerfile": multi},
			sbom:     sbom,
			buildah:  "1.42.2",
			commit:   "1767225600",
			findings: []Code{CodeCopiesGit, CodeNoPlatform},
			images: []Image{
				{Stage: 0, Name: "registry.example/builder:1", Digest: builder, Reference: "registry.example/builder@" + builder, Source: FromSBOM},
				{Stage: 1, Name: "registry.example/tools@" + pinned, Digest: pinned, Reference: "registry.example/tools@" + pinned, Source: FromContainerfile},
				{Stage: 2, Name: "registry.example/base:latest", Digest: base, Reference: "registry.example/base@" + base, Source: FromSBOM},
			},
			pairs: []string{"name=app", "version=1"},
		},
		{
			name:     "ignored .git, other buildah, epoch not the commit's",
			files:    map[string]string{"Containerfile": multi, ".containerignore": "# x\n*.md\n/.git/\n", ".dockerignore": ""},
			sbom:     sbom,
			buildah:  "1.41.0",
			commit:   "1767225601",
			findings: []Code{CodeNoPlatform, CodeEpochSource, CodeStepImage},
		},
		{
			name:     "other buildah, no step image",
			files:    map[string]string{"Containerfile": multi},
			sbom:     sbom,
			buildah:  "1.41.0",
			noStep:   true,
			findings: []Code{CodeNoEngine, CodeCopiesGit, CodeNoPlatform},
		},
		{
			name:     ".git brought back",
			files:    map[string]string{"Containerfile": multi, ".dockerignore": ".git\n!.git\n"},
			sbom:     sbom,
			buildah:  "1.42.2",
			findings: []Code{CodeCopiesGit, CodeNoPlatform},
		},
		{
			name:     "unpinned base, clock",
			files:    map[string]string{"Containerfile": "FROM registry.example/other:1\nRUN date +%s > /stamp && echo ok\nRUN touch -d @$SOURCE_DATE_EPOCH /x; date -d @0\n"},
			sbom:     sbom,
			findings: []Code{CodeUnpinned, CodeClock, CodeBuildahUnknown, CodeNoPlatform},
			images:   []Image{{Stage: 0, Name: "registry.example/other:1", Source: Unresolved}},
		},
		{
			name:     "no Containerfile",
			files:    map[string]string{"Dockerfile": "FROM scratch\n"},
			sbom:     sbom,
			buildah:  "1.42.2",
			findings: []Code{CodeContainerfile, CodeNoPlatform},
		},
		{
			name:     "no SBOM",
			files:    map[string]string{"Containerfile": "FROM registry.example/base:latest\n"},
			buildah:  "1.42.2",
			findings: []Code{CodeNoPlatform},
			images:   []Image{{Stage: 0, Name: "registry.example/base:latest", Source: Unresolved}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree := fstest.MapFS{}
			for name, content := range tc.files {
				tree[name] = &fstest.MapFile{Data: []byte(content)}
			}
			ev := Evidence{Online: true, Tree: tree, CommitTime: tc.commit, SBOM: tc.sbom, SBOMRead: tc.sbom != nil, RecordedBuildah: tc.buildah}
			if tc.sbom == nil {
				ev.Findings = append(ev.Findings, newFinding(CodeSBOM, "no SBOM attached"))
				tc.findings = append([]Code{CodeSBOM}, tc.findings...)
			}
			env := testEnv
			env.NoStepImage = tc.noStep
			p := Make(readFixture(t, "buildah-oci-ta-0.8.json"), env, ev)
			switch {
			case tc.buildah == "1.41.0" && !tc.noStep && (p.Buildah.Engine != "1.41.0" || p.Buildah.EngineImage != p.Buildah.Image):
				t.Errorf("buildah %+v: want engine 1.41.0 from the step image", p.Buildah)
			case tc.noStep && (p.Buildah.Engine != "" || p.Buildah.EngineImage != ""):
				t.Errorf("buildah %+v: want no engine", p.Buildah)
			}
			if got := codes(p); !reflect.DeepEqual(got, tc.findings) {
				t.Errorf("findings %v, want %v:\n%v", got, tc.findings, p.Findings)
			}
			if tc.images != nil && !reflect.DeepEqual(p.Images, tc.images) {
				t.Errorf("images\n%+v\nwant\n%+v", p.Images, tc.images)
			}
			if p.Offline || !p.Source.Checked {
				t.Errorf("offline %v, source checked %v: want an online plan", p.Offline, p.Source.Checked)
			}
			if p.Containerfile.Path != "Containerfile" && tc.name != "no Containerfile" {
				t.Errorf("containerfile %+v", p.Containerfile)
			}
			if tc.pairs != nil {
				n := len(p.LabelsJSON) - len(tc.pairs)
				if n < 0 || !reflect.DeepEqual(p.LabelsJSON[n:], tc.pairs) || p.LabelsJSON[n-1] != "io.buildah.version=1.42.2" {
					t.Errorf("labels.json pairs %q, want ...io.buildah.version=1.42.1 then %q", p.LabelsJSON, tc.pairs)
				}
			}
		})
	}
}

func TestExcludesGit(t *testing.T) {
	for lines, want := range map[string]bool{
		"":                   false,
		".git":               true,
		"/.git/":             true,
		"**/.git":            true,
		".git*":              true,
		"*":                  true,
		"*\n!.git":           false,
		".git\n!.git\n.git/": true,
		"# .git":             false,
		".github":            false,
	} {
		if got := excludesGit(strings.Split(lines, "\n")); got != want {
			t.Errorf("excludesGit(%q) = %v, want %v", lines, got, want)
		}
	}
}
