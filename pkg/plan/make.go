package plan

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/konflux"
)

// Env is the host a rebuild would run on.
type Env struct {
	Platform       string    // os/arch of this host
	BuildahVersion string    // the buildah library version this binary builds with
	Engines        []string  // the buildah versions of the build engines ([BuildahVersion] when nil)
	Now            time.Time // stands for the task's clock when the build recorded no timestamp
	AllowLocalGit  bool      // a git URL that is a local path or file:// is fetched (rebuild --allow-local-git)
	NoStepImage    bool      // a buildah no engine has is refused (rebuild --no-step-image)
	// Emulates reports whether this host runs another platform's binaries (qemu-user-static
	// registered with binfmt_misc); nil for none.
	Emulates func(platform string) bool
}

// Tree is the source at the pinned commit. ReadFile fails for a path that is not a file.
type Tree interface {
	ReadFile(name string) ([]byte, error)
}

// Evidence is what was learnt of the inputs beyond the provenance; the zero value is offline.
type Evidence struct {
	Online bool
	// Tree is the source at the commit; nil when not fetched.
	Tree Tree
	// CommitTime is the commit's committer time in seconds, "" when unknown.
	CommitTime string
	// SBOM holds the SBOM's builder and base images; SBOMRead says it was fetched.
	SBOM     []inputs.Image
	SBOMRead bool
	// RecordedBuildah is io.buildah.version from the published image's labels.json;
	// BuildahErr says why it is "" online.
	RecordedBuildah string
	BuildahErr      error
	// Findings are what gathering the evidence found (unreachable commit, SBOM, ...).
	Findings []Finding
}

// Make plans the rebuild of a: what would be built, and the findings.
func Make(a *Attestation, env Env, ev Evidence) *Plan {
	rec := a.Lenient.Recipe
	p := &Plan{Schema: Schema, Offline: !ev.Online}
	for _, s := range rec.Subjects {
		p.Subjects = append(p.Subjects, Subject(s))
	}
	cp := rec.Source.CloneParams
	p.Source = Source{
		URL: rec.Source.URL, Commit: rec.Source.Commit,
		Submodules: !cp.Has("submodules") || cp.String("submodules") == "true",
		Checked:    ev.Online && ev.Tree != nil,
	}
	if dirs := cp.String("sparseCheckoutDirectories"); dirs != "" {
		p.Source.SparseDirs = strings.FieldsFunc(dirs, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
	}
	p.Findings = append(p.Findings, a.gapFindings()...)
	p.Findings = append(p.Findings, ev.Findings...)
	if runs := a.Lenient.Runs; len(runs) > 1 {
		p.add(CodeProvenances, "%d pipeline runs attest this image (%s): planned from the newest, %s; rebuild --provenance N picks another",
			len(runs), strings.Join(runs, "; "), rec.Run.ID)
	}

	if rec.Source.URL != "" {
		if err := inputs.CheckGitURL(rec.Source.URL, env.AllowLocalGit); err != nil {
			p.add(CodeGitURL, "%v", err)
		}
	}
	c, findings := a.chooseBuild(env.Platform)
	p.Findings = append(p.Findings, findings...)
	if c.Task != nil {
		p.planTask(c, rec.Source.CommitTimestamp, env, ev)
	}
	if a.Strict != nil && !p.has(SeverityError) {
		p.add(CodeUnreadable, "the rebuild command cannot read this provenance: %v", a.Strict)
	}
	p.sortFindings()
	p.judge()
	p.emptyNotNull()
	return p
}

// emptyNotNull makes lists that are empty encode as [] rather than null.
func (p *Plan) emptyNotNull() {
	for _, l := range []*[]string{&p.Source.SparseDirs, &p.BuildArgs, &p.EnvVars, &p.Platform.Others,
		&p.Labels, &p.Annotations, &p.Injected, &p.LabelsJSON} {
		if *l == nil {
			*l = []string{}
		}
	}
	if p.Subjects == nil {
		p.Subjects = []Subject{}
	}
	if p.Images == nil {
		p.Images = []Image{}
	}
	if p.Findings == nil {
		p.Findings = []Finding{}
	}
}

// sortFindings orders the findings by code: errors, warnings, then information.
func (p *Plan) sortFindings() {
	slices.SortStableFunc(p.Findings, func(x, y Finding) int { return cmp.Compare(x.Code, y.Code) })
}

func (p *Plan) has(s Severity) bool {
	return slices.ContainsFunc(p.Findings, func(f Finding) bool { return f.Severity == s })
}

// planTask fills in what the chosen build task says, read by konflux.Check as the rebuild
// reads it.
func (p *Plan) planTask(c konflux.Choice, commitTimestamp string, env Env, ev Evidence) {
	rt := c.Task
	b, problems := konflux.Check(rt)
	p.Task = TaskRef{Name: rt.Name, Bundle: rt.Bundle, Task: b.Bundle.Task, Version: b.Bundle.Version, Digest: b.Bundle.Digest}
	if b.Profile != nil {
		p.Task.Profile = b.Profile.Name
	}
	for _, err := range problems {
		p.addProblem(err)
	}
	task := b.Task
	if task.PrefetchInput != "" || task.Cachi2Artifact != "" {
		p.Prefetch = &Prefetch{Artifact: task.Cachi2Artifact, Input: task.PrefetchInput, Packages: []string{}}
		pkgs, _ := konflux.ParsePrefetchInput(task.PrefetchInput) // Check said what is wrong with it
		for _, pkg := range pkgs {
			p.Prefetch.Packages = append(p.Prefetch.Packages, pkg.Type+":"+pkg.Path)
		}
	}
	if n := b.Network(); n.Isolated {
		lo := "its loopback interface down"
		if n.Loopback {
			lo = "its loopback interface up"
		}
		p.add(CodeNoNetwork, "HERMETIC: the task built in a network namespace of its own (`unshare --net`), %s: the rebuild builds in one too", lo)
	}
	if d := task.StorageDriver; d != "" && d != "overlay" {
		p.add(CodeVFS, "STORAGE_DRIVER %s: the build's layers came from the %s driver, whose diffs can differ from overlay's where RUN changes earlier files: rebuild with --storage-driver %s (and a --storage of its own)", d, d, d)
	}
	if c := b.Committed(); c != nil {
		how := "--verify sets it aside and compares the rest"
		if c.Squashed {
			how = "SQUASH=true squashed it with the image: it cannot be set aside"
		}
		p.add(CodeTaskLayer, "%s: never identical; %s", c, how)
	}
	p.Containerfile = Containerfile{Dockerfile: task.Dockerfile, Context: task.Context}
	p.BuildArgs, p.BuildArgsFile, p.EnvVars, p.Target = task.BuildArgs, task.BuildArgsFile, task.EnvVars, task.TargetStage
	p.planEpoch(task, commitTimestamp, ev)
	p.planPlatform(task.Platform, c.Others, env)

	p.planEngine(b, env, ev)

	in := konflux.ReplayInput{Arch: p.Platform.Arch, BuildahVersion: cmp.Or(p.Buildah.Engine, env.BuildahVersion), Now: env.Now}
	if ev.Tree == nil && !ev.Online {
		unknown := "FROM images, LABEL instructions and COPY of the context are unknown"
		if task.AnnotationsFile != "" {
			unknown += ", and so are the ANNOTATIONS_FILE lines"
		}
		p.add(CodeOfflineSource, "offline: the Containerfile was not read: %s", unknown)
	} else if ev.Tree != nil {
		in.Stages, in.AnnotationsFile = p.planSource(task, ev)
	}
	if b.Profile == nil || len(problems) > 0 {
		return // what an unknown task version adds is not known; problems are told already
	}
	r, err := b.Replay(in)
	if err != nil {
		p.add(CodeBadParams, "%v", err)
		return
	}
	p.Labels, p.Annotations, p.Injected, p.Flags = r.Labels, r.Annotations, r.Injected, r.Flags
	if !task.SkipInjections {
		p.LabelsJSON = r.LabelPairs
	}
}

// addProblem records a reason konflux.Check gives for not replaying the task.
func (p *Plan) addProblem(err error) {
	var pr *konflux.Problem
	if !errors.As(err, &pr) {
		p.add(CodeBadParams, "%v", err)
		return
	}
	code := map[konflux.Kind]Code{
		konflux.KindNoProfile: CodeNoProfile, konflux.KindBuilderImage: CodeNoBuilderImage,
		konflux.KindPrefetched: CodePrefetched, konflux.KindBadParams: CodeBadParams, konflux.KindPath: CodeBadParams,
	}[pr.Kind]
	p.add(code, "%s", pr.Msg)
}

// planEpoch records SOURCE_DATE_EPOCH and judges the timestamps.
func (p *Plan) planEpoch(task konflux.Task, commitTimestamp string, ev Evidence) {
	e := Epoch{CommitTimestamp: commitTimestamp, CommitTime: ev.CommitTime}
	switch {
	case task.SourceDateEpoch != "":
		e.Value, e.From = task.SourceDateEpoch, "SOURCE_DATE_EPOCH"
	case task.BuildTimestamp != "":
		e.Value, e.From = task.BuildTimestamp, "BUILD_TIMESTAMP"
	default:
		e.From = "clock"
	}
	if sec, err := strconv.ParseInt(e.Value, 10, 64); err == nil {
		e.Time = time.Unix(sec, 0).UTC().Format("2006-01-02T15:04:05Z")
	}
	p.SourceDateEpoch = e
	switch {
	case task.SourceDateEpoch == "" && !task.RecordsEpoch():
		p.add(CodeNoEpoch, "the task records no SOURCE_DATE_EPOCH parameter (an older task version): timestamps came from the build's clock")
	case task.SourceDateEpoch == "":
		p.add(CodeNoEpoch, "SOURCE_DATE_EPOCH was empty: timestamps came from the build's clock")
	case ev.CommitTime != "" && ev.CommitTime != task.SourceDateEpoch:
		p.add(CodeEpochSource, "SOURCE_DATE_EPOCH %s is not the commit's time %s: the rebuild uses the recorded %s", task.SourceDateEpoch, ev.CommitTime, task.SourceDateEpoch)
	}
	if !task.RewriteTimestamp {
		p.add(CodeNoRewrite, "REWRITE_TIMESTAMP is not true: file times in new layers came from the build's clock")
	}
}

// planPlatform records the platform built for and compares it with the host's.
func (p *Plan) planPlatform(recorded string, others []string, env Env) {
	pl := Platform{Recorded: recorded, Host: env.Platform, Others: others}
	if recorded == "" {
		pl.Target = konflux.DefaultPlatform
		p.add(CodeNoPlatform, "no PLATFORM recorded: the build ran where Konflux runs tasks, %s", konflux.DefaultPlatform)
	} else if pl.Target = konflux.NormalizePlatform(recorded); pl.Target == "" {
		pl.Target = recorded
	}
	pl.Arch = konflux.UnameArch(pl.Target)
	switch {
	case pl.Target == env.Platform:
	case env.Emulates != nil && env.Emulates(pl.Target):
		p.add(CodeEmulated, "the image was built for %s and this host is %s: the rebuild builds for %s (buildah --platform), its RUN steps through qemu-%s, registered here", pl.Target, env.Platform, pl.Target, pl.Arch)
	default:
		p.add(CodePlatform, "the image was built for %s and this host is %s, which has no qemu-%s registered with binfmt_misc: the rebuild builds for %s, and exits 3 (needs emulation) if the Containerfile has RUN steps", pl.Target, env.Platform, pl.Arch, pl.Target)
	}
	p.Platform = pl
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// planEngine says which buildah builds: the one that built the image (its labels.json says,
// online), else the one the task version shipped, else this binary's.
func (p *Plan) planEngine(b *konflux.Build, env Env, ev Evidence) {
	p.Buildah = Buildah{Image: b.Record.BuilderImage, Recorded: ev.RecordedBuildah, This: env.BuildahVersion}
	switch {
	case ev.RecordedBuildah == "" && ev.Online:
		p.add(CodeBuildahUnknown, "the buildah version that built the image is unknown: %v", cmpErr(ev.BuildahErr, inputs.ErrNoLabelsJSON))
	case ev.RecordedBuildah == "":
		p.add(CodeBuildahUnknown, "offline: the buildah version that built the image is unknown (it is in the published image's labels.json)")
	}
	if b.Profile == nil {
		return // no replay, no engine to choose
	}
	want, from := b.Buildah(ev.RecordedBuildah)
	engines := env.Engines
	if engines == nil {
		engines = []string{env.BuildahVersion}
	}
	switch {
	case want == "":
		p.Buildah.Engine = env.BuildahVersion
		p.add(CodeEngine, "builds with buildah %s, this binary's: nothing says which buildah built the image", env.BuildahVersion)
	case slices.Contains(engines, want):
		p.Buildah.Engine = want
	case env.NoStepImage:
		p.add(CodeNoEngine, "buildah %s built the image (%s); the engines here are %s", want, from, strings.Join(engines, ", "))
	default:
		p.Buildah.Engine, p.Buildah.EngineImage = want, b.Record.BuilderImage
		p.add(CodeStepImage, "buildah %s built the image (%s); no engine here has it (%s): the buildah of the build step's image %s builds, pulled by digest",
			want, from, strings.Join(engines, ", "), b.Record.BuilderImage)
	}
}
