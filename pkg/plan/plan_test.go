package plan

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

// testEnv is an amd64 host with buildah 1.42.1, its clock fixed.
var testEnv = Env{Platform: "linux/amd64", BuildahVersion: "1.42.2", Now: time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC)}

const (
	fixtureCommit = "5d4c3b2a190817263544f3e2d1c0b9a8f7e6d5c4"
	fixtureURL    = "https://github.com/example-org/app"
)

func readFixture(t testing.TB, name string) *Attestation {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := ReadAttestation(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}

func codes(p *Plan) []Code {
	var out []Code
	for _, f := range p.Findings {
		out = append(out, f.Code)
	}
	return out
}

// TestPlanTaskVersions plans provenances in the shapes of buildah-oci-ta 0.1 to 0.8 (each
// with its version's parameters and defaults, testdata/gen.py), a pull request build, a
// multi-platform pipeline, a hermetic build and a provenance without its source, offline.
func TestPlanTaskVersions(t *testing.T) {
	offline := []Code{CodeOfflineSource, CodeBuildahUnknown}
	clock := []Code{CodeNoRewrite, CodeNoEpoch, CodeOfflineSource, CodeBuildahUnknown, CodeNoPlatform, CodeEngine}
	clockVFS := []Code{CodeNoRewrite, CodeNoEpoch, CodeVFS, CodeOfflineSource, CodeBuildahUnknown, CodeNoPlatform, CodeEngine}
	created := "2026-01-01T00:00:00Z"
	defaultLabels := []string{"architecture=x86_64", "vcs-type=git", "vcs-ref=" + fixtureCommit,
		"org.opencontainers.image.revision=" + fixtureCommit, "org.opencontainers.image.source=" + fixtureURL}
	tests := []struct {
		file     string
		version  string
		profile  string
		epoch    string // Epoch.From
		target   string
		others   []string
		findings []Code
		exit     int
		labels   []string // nil: not checked
		annots   []string
		injected []string // nil: not checked
	}{
		{
			file: "buildah-oci-ta-0.1.json", version: "0.1", profile: "buildah/0.1", epoch: "clock", target: "linux/amd64",
			findings: []Code{CodeNoRewrite, CodeNoEpoch, CodeVFS, CodeTaskLayer, CodeOfflineSource, CodeBuildahUnknown, CodeNoPlatform, CodeEngine},
			exit:     ExitDifferent, labels: []string{"build-date=2027-01-15T08:00:00", "architecture=x86_64", "vcs-type=git", "vcs-ref=" + fixtureCommit},
			injected: []string{},
		},
		{
			file: "buildah-oci-ta-0.2.json", version: "0.2", profile: "buildah/0.2", epoch: "clock", target: "linux/amd64",
			findings: clockVFS, exit: ExitDifferent, injected: []string{},
			labels: []string{"build-date=2027-01-15T08:00:00", "architecture=x86_64", "vcs-type=git", "vcs-ref=" + fixtureCommit},
		},
		{
			file: "buildah-oci-ta-0.3.json", version: "0.3", profile: "buildah/0.2", epoch: "clock", target: "linux/amd64",
			findings: clockVFS, exit: ExitDifferent, injected: []string{},
			labels: []string{"build-date=2027-01-15T08:00:00", "architecture=x86_64", "vcs-type=git", "vcs-ref=" + fixtureCommit},
		},
		{
			file: "buildah-oci-ta-0.4.json", version: "0.4", profile: "buildah/0.4", epoch: "clock", target: "linux/amd64",
			findings: clock, exit: ExitDifferent,
			labels:   append(append([]string{}, defaultLabels...), "build-date=2027-01-15T08:00:00Z"),
			injected: []string{"COPY labels.json /root/buildinfo/labels.json"},
		},
		{
			// 0.5 and 0.6 set the created label only with a timestamp (none here), and 0.5
			// injects labels.json into /root/buildinfo/ alone.
			file: "buildah-oci-ta-0.5.json", version: "0.5", profile: "buildah/0.5", epoch: "clock", target: "linux/amd64",
			findings: clock, exit: ExitDifferent,
			labels:   append(append([]string{}, defaultLabels...), "build-date=2027-01-15T08:00:00Z"),
			annots:   []string{"org.opencontainers.image.revision=" + fixtureCommit, "org.opencontainers.image.source=" + fixtureURL},
			injected: []string{"COPY labels.json /root/buildinfo/labels.json"},
		},
		{
			file: "buildah-oci-ta-0.6.json", version: "0.6", profile: "buildah/0.6", epoch: "clock", target: "linux/amd64",
			findings: clock, exit: ExitDifferent,
			labels:   append(append([]string{}, defaultLabels...), "build-date=2027-01-15T08:00:00Z"),
			injected: []string{"COPY labels.json /usr/share/buildinfo/labels.json", "COPY labels.json /root/buildinfo/labels.json"},
		},
		{
			file: "buildah-oci-ta-0.7.json", version: "0.7", profile: "buildah/0.7", epoch: "clock", target: "linux/amd64",
			findings: clock, exit: ExitDifferent,
			labels: append(append([]string{}, defaultLabels...), "build-date=2027-01-15T08:00:00Z", "org.opencontainers.image.created=2027-01-15T08:00:00Z"),
		},
		{
			file: "buildah-oci-ta-0.8.json", version: "0.8", profile: "buildah/0.8", epoch: "SOURCE_DATE_EPOCH", target: "linux/amd64",
			findings: append(offline, CodeNoPlatform), exit: ExitIdentical,
			labels: append(append([]string{}, defaultLabels...), "build-date="+created, "org.opencontainers.image.created="+created,
				"release=1", "url=https://example.test/?a=b&c=d"),
			annots: []string{"org.example.team=rebuild", "org.opencontainers.image.revision=" + fixtureCommit,
				"org.opencontainers.image.source=" + fixtureURL, "org.opencontainers.image.created=" + created},
		},
		{
			file: "pull-request-0.8.json", version: "0.8", profile: "buildah/0.8", epoch: "SOURCE_DATE_EPOCH", target: "linux/amd64",
			findings: append(offline, CodeNoPlatform), exit: ExitIdentical,
			labels: append(append([]string{}, defaultLabels...), "quay.expires-after=5d", "build-date="+created, "org.opencontainers.image.created="+created),
			annots: []string{"pipelinesascode.tekton.dev/pull-request=42", "org.opencontainers.image.revision=" + fixtureCommit,
				"org.opencontainers.image.source=" + fixtureURL, "org.opencontainers.image.created=" + created},
		},
		{
			// Every platform's manifest is a subject: the rebuild takes this host's, as the plan.
			file: "multi-platform-0.8.json", version: "0.8", profile: "buildah/0.8", epoch: "SOURCE_DATE_EPOCH",
			target: "linux/amd64", others: []string{"linux/arm64"},
			findings: []Code{CodeOfflineSource, CodeBuildahUnknown, CodeMatrix}, exit: ExitIdentical,
		},
		{
			// Attached to the arm64 manifest alone: rebuildable, on an arm64 host.
			file: "multi-platform-arm64-0.8.json", version: "0.8", profile: "buildah/0.8", epoch: "SOURCE_DATE_EPOCH",
			target: "linux/arm64", others: []string{"linux/x86_64"},
			findings: []Code{CodePlatform, CodeOfflineSource, CodeBuildahUnknown, CodeMatrix}, exit: ExitDifferent,
			labels: append([]string{"architecture=aarch64"}, append(defaultLabels[1:], "build-date="+created, "org.opencontainers.image.created="+created)...),
		},
		{
			file: "hermetic-0.8.json", version: "0.8", profile: "buildah/0.8", epoch: "SOURCE_DATE_EPOCH", target: "linux/amd64",
			// No CACHI2_ARTIFACT recorded, and a gomod package, whose files are not checked.
			findings: append([]Code{CodePrefetched, CodePrefetched}, append(offline, CodeNoPlatform, CodeNoNetwork)...), exit: ExitCannot,
		},
		{
			file: "no-source-0.8.json", version: "0.8", profile: "buildah/0.8", epoch: "SOURCE_DATE_EPOCH", target: "linux/amd64",
			findings: append([]Code{CodeNoURL, CodeNoCommit}, append(offline, CodeNoPlatform)...), exit: ExitCannot,
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p := Make(readFixture(t, tc.file), testEnv, Evidence{})
			if got := codes(p); !reflect.DeepEqual(got, tc.findings) {
				t.Errorf("findings %v, want %v:\n%v", got, tc.findings, p.Findings)
			}
			if p.Exit != tc.exit {
				t.Errorf("exit %d (%s), want %d", p.Exit, p.Expect, tc.exit)
			}
			if p.Task.Version != tc.version || p.Task.Profile != tc.profile {
				t.Errorf("task %+v, want version %s profile %q", p.Task, tc.version, tc.profile)
			}
			if p.SourceDateEpoch.From != tc.epoch {
				t.Errorf("epoch %+v, want from %s", p.SourceDateEpoch, tc.epoch)
			}
			if p.Platform.Target != tc.target || !slices.Equal(p.Platform.Others, tc.others) {
				t.Errorf("platform %+v, want target %s others %v", p.Platform, tc.target, tc.others)
			}
			if want := (tc.file == "hermetic-0.8.json"); want != (p.Prefetch != nil) ||
				want && (p.Prefetch.Input != "gomod" || !slices.Equal(p.Prefetch.Packages, []string{"gomod:."})) {
				t.Errorf("prefetch %+v, want one for hermetic-0.8.json alone (gomod:.)", p.Prefetch)
			}
			if tc.labels != nil && !reflect.DeepEqual(p.Labels, tc.labels) {
				t.Errorf("labels\n%q\nwant\n%q", p.Labels, tc.labels)
			}
			if tc.annots != nil && !reflect.DeepEqual(p.Annotations, tc.annots) {
				t.Errorf("annotations\n%q\nwant\n%q", p.Annotations, tc.annots)
			}
			if tc.injected != nil && !reflect.DeepEqual(p.Injected, tc.injected) {
				t.Errorf("injected\n%q\nwant\n%q", p.Injected, tc.injected)
			}
			if tc.profile == "" && (len(p.Labels) > 0 || len(p.Injected) > 0) {
				t.Errorf("labels %q and injections %q planned for a version no profile covers", p.Labels, p.Injected)
			}
			if tc.file != "no-source-0.8.json" && (p.Source.URL != fixtureURL || p.Source.Commit != fixtureCommit || !p.Source.Submodules) {
				t.Errorf("source %+v", p.Source)
			}
		})
	}
}
