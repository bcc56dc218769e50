package plan

import (
	"fmt"
	"io"
	"strings"
)

// Severity says what a finding means for the rebuild.
type Severity string

const (
	SeverityError   Severity = "error"   // the rebuild cannot be done
	SeverityWarning Severity = "warning" // the rebuild will likely give another image ID
	SeverityInfo    Severity = "info"    // something the plan could not know or chose
)

// Code is a finding's stable identifier; docs/plan.md lists them.
type Code string

// Finding codes: PLAN0xx errors, PLAN1xx warnings, PLAN2xx information.
const (
	CodeNoURL          Code = "PLAN001" // no git URL recorded
	CodeNoCommit       Code = "PLAN002" // no commit recorded
	CodeNoBuildTask    Code = "PLAN003" // no build task, or several and none for this platform
	CodeNoProfile      Code = "PLAN004" // a task version no replay profile covers
	CodeUnpinned       Code = "PLAN005" // a FROM image with no digest
	CodePrefetched     Code = "PLAN006" // a build with prefetched content the provenance lacks
	CodeBadParams      Code = "PLAN007" // parameters the replay refuses
	CodeContainerfile  Code = "PLAN008" // the Containerfile is missing or unreadable at the commit
	CodeUnreadable     Code = "PLAN009" // the rebuild command cannot read this provenance
	CodeCommitMissing  Code = "PLAN010" // the commit is not at the URL (online)
	CodeSBOM           Code = "PLAN011" // the SBOM is missing or does not match (online)
	CodeImageMissing   Code = "PLAN012" // an image digest does not resolve (online)
	CodeNoBuilderImage Code = "PLAN013" // the build step's image is not recorded or not pinned
	CodeDisagree       Code = "PLAN014" // envelopes describe different builds
	CodeBadProvenance  Code = "PLAN015" // a recorded value has the wrong shape
	CodeGitURL         Code = "PLAN016" // a git URL the rebuild does not fetch
	CodeNoEngine       Code = "PLAN017" // no build engine has the buildah that built the image

	CodeNoRewrite Code = "PLAN101" // REWRITE_TIMESTAMP not true
	CodeNoEpoch   Code = "PLAN102" // no SOURCE_DATE_EPOCH
	CodeCopiesGit Code = "PLAN104" // COPY . of a context whose ignore file keeps .git
	CodePlatform  Code = "PLAN105" // built for another platform, which this host cannot emulate
	CodeClock     Code = "PLAN106" // a RUN step reads the clock
	CodeVFS       Code = "PLAN107" // built with the vfs storage driver
	CodeTaskLayer Code = "PLAN108" // the task committed a layer after the build

	CodeOfflineSource  Code = "PLAN201" // offline: the Containerfile was not read
	CodeBuildahUnknown Code = "PLAN203" // the recorded buildah version is unknown
	CodeNoPlatform     Code = "PLAN204" // no PLATFORM recorded: linux/amd64 assumed
	CodeMatrix         Code = "PLAN205" // several platform builds: one planned
	CodeEpochSource    Code = "PLAN206" // SOURCE_DATE_EPOCH is not the commit's time
	CodeEngine         Code = "PLAN207" // nothing says which buildah built the image: this binary's builds
	CodeStepImage      Code = "PLAN208" // no engine has the buildah that built the image: the build step's image builds
	CodeProvenances    Code = "PLAN209" // several pipeline runs attest the image: the newest planned
	CodeLocalBase      Code = "PLAN210" // a stage starts FROM a layout the build itself writes
	CodeEmulated       Code = "PLAN211" // built for another platform, which this host emulates
	CodeNoNetwork      Code = "PLAN212" // HERMETIC: built in a network namespace of its own
)

var severities = map[Code]Severity{}

func init() {
	for _, c := range []Code{CodeNoURL, CodeNoCommit, CodeNoBuildTask, CodeNoProfile, CodeUnpinned, CodePrefetched,
		CodeBadParams, CodeContainerfile, CodeUnreadable, CodeCommitMissing, CodeSBOM, CodeImageMissing,
		CodeNoBuilderImage, CodeDisagree, CodeBadProvenance, CodeGitURL, CodeNoEngine} {
		severities[c] = SeverityError
	}
	for _, c := range []Code{CodeNoRewrite, CodeNoEpoch, CodeCopiesGit, CodePlatform, CodeClock, CodeVFS, CodeTaskLayer} {
		severities[c] = SeverityWarning
	}
	for _, c := range []Code{CodeOfflineSource, CodeBuildahUnknown, CodeNoPlatform, CodeMatrix,
		CodeEpochSource, CodeEngine, CodeStepImage, CodeProvenances, CodeLocalBase, CodeEmulated, CodeNoNetwork} {
		severities[c] = SeverityInfo
	}
}

// Finding is one thing the plan found, with its severity.
type Finding struct {
	Code     Code     `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

func newFinding(code Code, format string, args ...any) Finding {
	msg := strings.Join(strings.Fields(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", "; ")), " ")
	return Finding{Code: code, Severity: severities[code], Message: msg}
}

// String is the finding as one readable line.
func (f Finding) String() string {
	return fmt.Sprintf("%s %s: %s", f.Severity, f.Code, f.Message)
}

// WriteFindings writes the findings one a line, then the verdict.
func (p *Plan) WriteFindings(w io.Writer) error {
	for _, f := range p.Findings {
		if _, err := fmt.Fprintf(w, "rebuild plan: %s\n", f); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "rebuild plan: expect %s (exit %d)\n", p.Expect, p.Exit)
	return err
}
