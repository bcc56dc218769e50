package konflux

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// kbc is the build step of buildah-oci-ta 0.10 and 0.11: `konflux-build-cli image build`, which
// drives the buildah CLI (konflux-ci/konflux-build-cli pkg/commands/build.go and
// pkg/cliwrappers/buildah.go at 1097e91, with the task's flags from
// task/buildah-oci-ta/0.10 in konflux-ci/build-definitions at c00f1e0a; 0.12 from
// task/buildah-oci-ta/buildah-oci-ta.yaml 0.12.2 in konflux-ci/container-build-catalog).
type kbc struct {
	// stageLabels: with CONTEXTUALIZE_SBOM=true (and SBOM generation on) the task asks for
	// builder metadata (--builder-metadata-output), for which konflux-build-cli passes
	// --save-stages --stage-labels to a buildah of 1.44 or later (0.12 on): every stage's
	// image, the final one included, gets io.buildah.stage.name and io.buildah.stage.base.
	stageLabels bool
	// containerfileIgnore: a <Containerfile>.containerignore (or .dockerignore) beside the
	// Containerfile is passed as --ignorefile (konflux-build-cli 7b87dd0, 2026-07-28, task
	// 0.10.7): buildah finds it no more once the Containerfile is copied. The step images
	// stepimages.go knows all predate it.
	containerfileIgnore change
}

func (k kbc) replay(t Task, in ReplayInput) (Replay, error) {
	created, err := t.buildTimeRFC3339(in.Now)
	if err != nil {
		return Replay{}, &Problem{KindBadParams, err.Error()}
	}
	r := Replay{Created: created}
	own := []string{"org.opencontainers.image.created=" + created}
	if t.SourceURL != "" {
		own = append(own, "org.opencontainers.image.source="+t.SourceURL)
	}
	if t.CommitSHA != "" {
		own = append(own, "org.opencontainers.image.revision="+t.CommitSHA)
	}
	r.Labels = append(r.Labels, own...)
	if t.ImageExpiresAfter != "" {
		r.Labels = append(r.Labels, "quay.expires-after="+t.ImageExpiresAfter)
	}
	// The task always passes --add-legacy-labels.
	r.Labels = append(r.Labels, "build-date="+created, "architecture="+in.Arch)
	if t.SourceURL != "" {
		r.Labels = append(r.Labels, "vcs-url="+t.SourceURL)
	}
	if t.CommitSHA != "" {
		r.Labels = append(r.Labels, "vcs-ref="+t.CommitSHA)
	}
	if t.SourceURL != "" || t.CommitSHA != "" {
		r.Labels = append(r.Labels, "vcs-type=git")
	}
	r.Labels = append(r.Labels, t.Labels...)

	// Annotations: its own, the file's sorted, then the parameter's.
	r.Annotations = append(append(own, argFileLines(in.AnnotationsFile)...), t.Annotations...)

	// labels.json, lowest precedence first: the LABELs of the final stage's chain (of the
	// final stage alone without label inheritance), the label flags, and io.buildah.version
	// when no SOURCE_DATE_EPOCH keeps buildah from adding it.
	for _, st := range finalChain(in.Stages, t.InheritBaseImageLabels) {
		for _, kv := range st.Labels {
			r.LabelPairs = append(r.LabelPairs, unquote(kv.Key)+"="+unquote(kv.Value))
		}
	}
	r.LabelPairs = append(r.LabelPairs, r.Labels...)
	if t.SourceDateEpoch == "" {
		r.LabelPairs = append(r.LabelPairs, "io.buildah.version="+in.BuildahVersion)
	}
	if k.stageLabels && t.ContextualizeSBOM && !t.SkipSBOMGeneration && semverAtLeast(in.BuildahVersion, "1.44.0") {
		r.Flags = append(r.Flags, "--save-stages", "--stage-labels")
	}
	// Nothing is injected with a target stage.
	if !t.SkipInjections && t.TargetStage == "" {
		r.Injected = append(r.Injected, "COPY --from=.konflux-buildinfo . /usr/share/buildinfo/")
		if t.ICMKeepCompatLocation {
			r.Injected = append(r.Injected, "COPY --from=.konflux-buildinfo . /root/buildinfo/")
		}
	}
	return r, nil
}

// labelsJSON is Go's MarshalIndent of the merged map: keys sorted, <, > and & escaped.
func (kbc) labelsJSON(base map[string]string, r Replay) []byte {
	labels := map[string]string{}
	for k, v := range base {
		labels[k] = v
	}
	for _, p := range r.LabelPairs {
		k, v, _ := strings.Cut(p, "=")
		labels[k] = v
	}
	data, _ := json.MarshalIndent(labels, "", "  ") // a map of strings always encodes
	return append(data, '\n')
}

// writeFiles writes labels.json into a buildinfo folder of the task's own, passed as the
// .konflux-buildinfo build context; the source tree is left as checked out.
func (kbc) writeFiles(p *Prepared, labelsJSON []byte, dir string) (taskFiles, error) {
	f := taskFiles{buildContext: filepath.Join(dir, "buildinfo")}
	if err := os.Mkdir(f.buildContext, 0o755); err != nil {
		return f, err
	}
	if err := writeNewFile(filepath.Join(f.buildContext, "labels.json"), labelsJSON); err != nil {
		return f, err
	}
	var err error
	f.kbc, err = p.writeKBCPrefetch(dir, &f)
	return f, err
}

// argv is konflux-build-cli's `buildah build` command line for the task's flags, less what
// cannot change the image (tags, secrets, TLS) and plus what running here needs.
func (k kbc) argv(p *Prepared, r Replay, f taskFiles) []string {
	t := p.Task
	a := []string{"--file", f.containerfile, "--tag", p.outputName()}
	a = append(a, f.kbc.secrets...)
	for _, v := range f.kbc.volumes {
		a = append(a, "--volume="+v)
	}
	if t.WorkdirMount != "" {
		a = append(a, "--volume="+p.ContextDir+":"+t.WorkdirMount+":z")
	}
	if len(r.Injected) > 0 {
		a = append(a, "--build-context=.konflux-buildinfo="+f.buildContext)
	}
	for _, arg := range t.BuildArgs {
		a = append(a, "--build-arg="+arg)
	}
	if t.BuildArgsFile != "" {
		a = append(a, "--build-arg-file="+filepath.Join(p.SourceDir, t.BuildArgsFile))
	}
	for _, env := range t.EnvVars {
		a = append(a, "--env="+env)
	}
	for _, l := range r.Labels {
		a = append(a, "--label="+l)
	}
	for _, an := range r.Annotations {
		a = append(a, "--annotation="+an)
	}
	if t.SourceDateEpoch != "" {
		a = append(a, "--source-date-epoch="+t.SourceDateEpoch)
	}
	if t.RewriteTimestamp {
		a = append(a, "--rewrite-timestamp")
	}
	a = append(a, "--inherit-labels="+boolString(t.InheritBaseImageLabels))
	if t.TargetStage != "" {
		a = append(a, "--target="+t.TargetStage)
	}
	a = append(a, "--skip-unused-stages="+boolString(t.SkipUnusedStages))
	if t.Squash {
		a = append(a, "--squash")
	}
	if t.OmitHistory {
		a = append(a, "--omit-history")
	}
	a = append(a, "--security-opt=unmask=/proc/interrupts")
	// The step's environment's defaults, pinned; ulimits because buildah otherwise raises them,
	// which needs CAP_SYS_RESOURCE.
	a = append(a, "--layers=false", "--format=oci", "--isolation=chroot", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096")
	a = append(a, r.Flags...)
	if k.containerfileIgnore.applies(t.Started) && StepImageBuildah(t.StepImage) == "" {
		for _, suffix := range []string{".containerignore", ".dockerignore"} {
			if _, err := os.Stat(p.Containerfile + suffix); err == nil {
				a = append(a, "--ignorefile="+p.Containerfile+suffix)
				break
			}
		}
	}
	if t.SourceDateEpoch == "" {
		a = append(a, "--source-date-epoch=")
	}
	return append(a, p.ContextDir)
}

// buildTimeRFC3339 is konflux-build-cli's build time: SOURCE_DATE_EPOCH, else BUILD_TIMESTAMP,
// else its clock, as RFC 3339 in UTC.
func (t Task) buildTimeRFC3339(now time.Time) (string, error) {
	if t.SourceDateEpoch != "" && t.BuildTimestamp != "" {
		t.BuildTimestamp = "" // SOURCE_DATE_EPOCH wins, as in konflux-build-cli
	}
	return t.buildTimestamp(now)
}

// finalChain is the final stage and the stages it is built FROM, base first; the final stage
// alone when inherit is false.
func finalChain(stages []Stage, inherit bool) []Stage {
	if len(stages) == 0 {
		return nil
	}
	last := len(stages) - 1
	if !inherit {
		return stages[last:]
	}
	var chain []Stage
	for i := last; i >= 0; i = stages[i].FromStage {
		chain = append(chain, stages[i])
		if stages[i].FromStage < 0 {
			break
		}
	}
	slices.Reverse(chain)
	return chain
}

// argFileLines reads a KEY=VALUE file as konflux-build-cli's parser does (its dockerfile-json
// fork's buildargs package: lines, keys and values trimmed, blank and # lines skipped, the
// last value of a key wins) into sorted "KEY=VALUE" strings.
func argFileLines(data string) []string {
	values := map[string]string{}
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) != "" {
			values[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	var out []string
	for k, v := range values {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// unquote removes the double quotes around a LABEL word, as the parser konflux-build-cli
// uses (from 0.10.2) gives it.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`)
	}
	return s
}

// semverAtLeast reports whether buildah version v (1.44.0, 1.45.0-dev) is min or later;
// a version that is not one is not.
func semverAtLeast(v, min string) bool {
	return semver.IsValid("v"+v) && semver.Compare("v"+v, "v"+min) >= 0
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
