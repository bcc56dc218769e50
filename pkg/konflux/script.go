package konflux

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// script is the build step of buildah, buildah-oci-ta, buildah-remote and
// buildah-remote-oci-ta 0.5 to 0.9: one bash script around the buildah CLI
// (task/buildah*/<version>/ in konflux-ci/build-definitions; the remote variants run it
// over ssh in the same image). It changed within patch lines: each change applies to
// TaskRuns started after the commit that made it reached the task (its committer time),
// and to TaskRuns whose start is not recorded (the version's last state).
type script struct {
	// createdAlways: the created label and annotation are set even when no timestamp was
	// given (the wall clock); before, only with BUILD_TIMESTAMP or SOURCE_DATE_EPOCH.
	createdAlways change
	// buildArgFileFlag: BUILD_ARGS_FILE is passed as --build-arg-file after BUILD_ARGS;
	// before, the script passed the file's lines as --build-arg flags ahead of BUILD_ARGS.
	buildArgFileFlag change
	// usrShareBuildinfo: labels.json goes to /usr/share/buildinfo/ and, with
	// ICM_KEEP_COMPAT_LOCATION, to /root/buildinfo/; before, to /root/buildinfo/ only.
	usrShareBuildinfo change
	// writesLabelsJSON: the task writes labels.json and takes BUILD_TIMESTAMP; before (0.4
	// until 2025-09-01), build-date led the labels, the wall clock without "Z" (replayClock).
	writesLabelsJSON change
	// revisionLabel: org.opencontainers.image.revision is a label and an annotation beside
	// vcs-ref; before, vcs-ref alone.
	revisionLabel change
	// ignoreFileCopy: the task passes a copy of the context's ignore file that lets
	// labels.json in; before, buildah read the context's own.
	ignoreFileCopy change
	// containerfileCopy: buildah reads a copy of the Containerfile in /tmp; before (0.1, 0.2
	// until 403b7f5b), the checkout's own, beside which buildah finds
	// <Containerfile>.dockerignore or, else, .containerignore, over the context's.
	containerfileCopy change
	// labelsParam: the task has a LABELS parameter (0.2 from 44a64633); before, a recorded
	// LABELS is nothing the script reads.
	labelsParam change
	// remoteBuildArgs: the remote variants pass BUILD_ARGS on to the script on the VM (0.2
	// from 1d4b8c4f); before, they were dropped.
	remoteBuildArgs change
	// sshQuoting: the remote variants quote what they pass over ssh (0.1 to 0.4 from 9ab87f41
	// and faf0abdc); before, the VM's shell split and expanded it again.
	sshQuoting change
	// sbomLayerGone: the task no longer commits the SBOM onto the image after the build (0.2
	// from 5c353a29); before, and in 0.1, it did (Build.Committed).
	sbomLayerGone change
	// replayedFrom: the TaskRuns before it ran a script this profile does not replay.
	replayedFrom change
	// icmInjection: with prefetched content, inject-icm-to-containerfile writes
	// content-sets.json into the context and appends its COPY lines (0.4 from b170025a);
	// before, the icm step committed it after the build (icmStep).
	icmInjection change
	// icmCompat: it is passed -c with ICM_KEEP_COMPAT_LOCATION (0.4 from efddcd82), which
	// adds the /root/buildinfo/content_manifests COPY line; before, /usr/share/buildinfo alone.
	icmCompat change
	// icmBlankLines: its COPY line has a blank line before and after (buildah-container
	// f1552c9, first in the image 0.4 pinned at aa9c09c1); before, the line alone.
	icmBlankLines change
	// icmStep: before icmInjection, a build with prefetched content got content-sets.json
	// in a layer of its own, committed after the build (0.2 from a7ed9f9f, 0.3, 0.4 until
	// b170025a): Build.Committed.
	icmStep change
	// loopbackUp: a HERMETIC build's network namespace (`unshare --net`) has its loopback
	// interface up (`ip link set lo up`, 0.2 from 9816995e); before, and in 0.1, down.
	loopbackUp change
	// rpmArchFilter: the prefetched RPMs of the other architectures are removed from the
	// copy before the build (0.8 from c67d0f6b).
	rpmArchFilter change
}

// asRead is the task as the script read it: without the parameters its version did not pass on.
func (s script) asRead(t Task) Task {
	if !s.labelsParam.applies(t.Started) {
		t.Labels = nil
	}
	if t.Remote && !s.remoteBuildArgs.applies(t.Started) {
		t.BuildArgs = nil
	}
	return t
}

func (s script) replay(t Task, in ReplayInput) (Replay, error) {
	if !s.replayedFrom.applies(t.Started) {
		return Replay{}, &Problem{KindNoProfile, fmt.Sprintf("a TaskRun started %s, before %s: the task's script then is not replayed", t.Started.UTC().Format(time.RFC3339), s.replayedFrom.since.Format(time.RFC3339))}
	}
	t = s.asRead(t)
	if chain := finalChain(in.Stages, true); t.InheritBaseImageLabels && len(chain) > 0 && strings.HasPrefix(chain[0].BaseName, "oci:") && chain[0].Local {
		// The script leaves out oci-archive: bases alone: it pulled this one, from the step's
		// working folder, before the build, to read its labels into labels.json.
		return Replay{}, &Problem{KindBadParams, fmt.Sprintf("INHERIT_BASE_IMAGE_LABELS with the final stage FROM %s: the task's script pulled that layout before the build to read its labels, which is not replayed", chain[0].BaseName)}
	}
	if err := s.checkSSHQuoting(t); err != nil {
		return Replay{}, err
	}
	if !s.writesLabelsJSON.applies(t.Started) {
		return replayClock(t, in), nil
	}
	created, err := t.buildTimestamp(in.Now)
	if err != nil {
		return Replay{}, &Problem{KindBadParams, err.Error()}
	}
	withCreated := s.createdAlways.applies(t.Started) || t.BuildTimestamp != "" || t.SourceDateEpoch != ""
	r := Replay{Created: created}
	revision := t.CommitSHA != "" && s.revisionLabel.applies(t.Started)
	r.Labels = []string{"architecture=" + in.Arch, "vcs-type=git"}
	if t.CommitSHA != "" {
		r.Labels = append(r.Labels, "vcs-ref="+t.CommitSHA)
	}
	if revision {
		r.Labels = append(r.Labels, "org.opencontainers.image.revision="+t.CommitSHA)
	}
	if t.SourceURL != "" {
		r.Labels = append(r.Labels, "org.opencontainers.image.source="+t.SourceURL)
	}
	if t.ImageExpiresAfter != "" {
		r.Labels = append(r.Labels, "quay.expires-after="+t.ImageExpiresAfter)
	}
	r.Labels = append(r.Labels, "build-date="+created)
	if withCreated {
		r.Labels = append(r.Labels, "org.opencontainers.image.created="+created)
	}
	r.Labels = append(r.Labels, t.Labels...)

	// Annotations: the file's lines, the parameter's, then the task's own.
	r.Annotations = annotationFileLines(in.AnnotationsFile)
	r.Annotations = append(r.Annotations, t.Annotations...)
	if revision {
		r.Annotations = append(r.Annotations, "org.opencontainers.image.revision="+t.CommitSHA)
	}
	if t.SourceURL != "" {
		r.Annotations = append(r.Annotations, "org.opencontainers.image.source="+t.SourceURL)
	}
	if withCreated {
		r.Annotations = append(r.Annotations, "org.opencontainers.image.created="+created)
	}

	// labels.json: the labels, created and the buildah version, then every LABEL instruction
	// of every stage with its double quotes deleted.
	r.LabelPairs = append([]string{}, r.Labels...)
	if withCreated {
		r.LabelPairs = append(r.LabelPairs, "org.opencontainers.image.created="+created)
	}
	r.LabelPairs = append(r.LabelPairs, "io.buildah.version="+in.BuildahVersion)
	for _, st := range in.Stages {
		for _, kv := range st.Labels {
			r.LabelPairs = append(r.LabelPairs, strings.ReplaceAll(kv.Key+"="+kv.Value, `"`, ""))
		}
	}
	switch {
	case t.SkipInjections:
	case !s.usrShareBuildinfo.applies(t.Started):
		r.Injected = append(r.Injected, "COPY labels.json "+LabelsPaths[1])
	default:
		r.Injected = append(r.Injected, "COPY labels.json "+LabelsPaths[0])
		if t.ICMKeepCompatLocation {
			r.Injected = append(r.Injected, "COPY labels.json "+LabelsPaths[1])
		}
	}
	return r, nil
}

// replayClock is 0.4 before 2bae316b and bdce7ea0 (2025-09-01): build-date first, the wall
// clock without "Z" (there was no timestamp parameter), vcs-ref, no created label, no
// annotations of the task's own, no labels.json.
func replayClock(t Task, in ReplayInput) Replay {
	created := in.Now.UTC().Format("2006-01-02T15:04:05")
	r := Replay{Created: created, Labels: []string{"build-date=" + created, "architecture=" + in.Arch, "vcs-type=git"}}
	if t.CommitSHA != "" {
		r.Labels = append(r.Labels, "vcs-ref="+t.CommitSHA)
	}
	if t.ImageExpiresAfter != "" {
		r.Labels = append(r.Labels, "quay.expires-after="+t.ImageExpiresAfter)
	}
	r.Labels = append(r.Labels, t.Labels...)
	r.Annotations = append(annotationFileLines(in.AnnotationsFile), t.Annotations...)
	return r
}

// labelsJSON is nil when the task wrote none.
func (script) labelsJSON(base map[string]string, r Replay) []byte {
	if r.LabelPairs == nil {
		return nil
	}
	return LabelsJSON(base, r.LabelPairs)
}

// writeFiles writes labels.json into the context and a copy of its ignore file, if any, with
// the injected files let in.
func (s script) writeFiles(p *Prepared, labelsJSON []byte, dir string) (taskFiles, error) {
	var f taskFiles
	if err := p.writeScriptPrefetch(dir, s.rpmArchFilter.applies(p.Task.Started), &f); err != nil {
		return f, err
	}
	started := p.Task.Started
	if f.cachi2 != "" && !s.containerfileCopy.applies(started) {
		return f, &Problem{KindPrefetched, prefetchInPlace}
	}
	if f.cachi2 != "" && !p.Task.SkipInjections && s.icmInjection.applies(started) {
		var err error
		compat := s.icmCompat.applies(started) && p.Task.ICMKeepCompatLocation
		if f.icmLines, err = p.writeICM(compat, s.icmBlankLines.applies(started)); err != nil {
			return f, err
		}
	}
	if labelsJSON != nil {
		if err := writeNewFile(filepath.Join(p.ContextDir, "labels.json"), labelsJSON); err != nil {
			return f, err
		}
	}
	if !s.ignoreFileCopy.applies(p.Task.Started) {
		return f, nil
	}
	for _, name := range []string{".containerignore", ".dockerignore"} {
		data, err := os.ReadFile(filepath.Join(p.ContextDir, name))
		if err != nil {
			continue
		}
		f.ignoreFile = filepath.Join(dir, name)
		data = append(data, "\n!/labels.json\n!/content-sets.json\n"...)
		return f, writeNewFile(f.ignoreFile, data)
	}
	return f, nil
}

// argv is the script's `buildah build` command line, less what cannot change the image
// (proxies, TLS, mounts of secrets) and plus what running in-process here needs.
func (s script) argv(p *Prepared, r Replay, f taskFiles) []string {
	t := s.asRead(p.Task)
	fileFlag := s.buildArgFileFlag.applies(t.Started)
	a := p.scriptVolumes(f)
	if t.Hermetic {
		a = append(a, "--pull=never")
	}
	if t.TargetStage != "" {
		a = append(a, "--target="+t.TargetStage)
	}
	if !fileFlag {
		for _, arg := range p.buildArgsFileLines {
			a = append(a, "--build-arg="+arg)
		}
	}
	for _, arg := range t.BuildArgs {
		a = append(a, "--build-arg="+arg)
	}
	for _, env := range t.EnvVars {
		a = append(a, "--env="+env)
	}
	if fileFlag && t.BuildArgsFile != "" {
		a = append(a, "--build-arg-file="+filepath.Join(p.SourceDir, t.BuildArgsFile))
	}
	a = append(a, "--security-opt=unmask=/proc/interrupts")
	if t.Squash {
		a = append(a, "--squash")
	}
	if !t.SkipUnusedStages {
		a = append(a, "--skip-unused-stages=false")
	}
	if !t.InheritBaseImageLabels {
		a = append(a, "--inherit-labels=false")
	}
	if t.SourceDateEpoch != "" {
		a = append(a, "--source-date-epoch="+t.SourceDateEpoch)
		if t.RewriteTimestamp {
			a = append(a, "--rewrite-timestamp")
		}
	}
	if t.OmitHistory {
		a = append(a, "--omit-history")
	}
	if f.ignoreFile != "" {
		a = append(a, "--ignorefile", f.ignoreFile)
	} else if !s.containerfileCopy.applies(t.Started) {
		for _, suffix := range []string{".dockerignore", ".containerignore"} {
			if _, err := os.Stat(p.Containerfile + suffix); err == nil {
				a = append(a, "--ignorefile", p.Containerfile+suffix)
				break
			}
		}
	}
	for _, l := range r.Labels {
		a = append(a, "--label", l)
	}
	for _, an := range r.Annotations {
		a = append(a, "--annotation", an)
	}
	a = append(a, "--no-cache", "--ulimit", "nofile=4096:4096", "--http-proxy=false")
	// The task's defaults for what its environment set; nproc because buildah otherwise raises
	// RLIMIT_NPROC, which needs CAP_SYS_RESOURCE.
	a = append(a, "--layers=false", "--format=oci", "--isolation=chroot", "--ulimit", "nproc=4096:4096")
	if t.SourceDateEpoch == "" {
		// buildah's CLI code would otherwise take SOURCE_DATE_EPOCH from this process's environment.
		a = append(a, "--source-date-epoch=")
	}
	return append(a, "-f", f.containerfile, "-t", p.outputName(), p.ContextDir)
}

// annotationFileLines keeps the lines of an ANNOTATIONS_FILE the task keeps.
func annotationFileLines(data string) []string {
	var lines []string
	if data == "" {
		return lines
	}
	for _, line := range strings.Split(strings.TrimSuffix(data, "\n"), "\n") {
		if line != "" && !strings.HasPrefix(strings.TrimLeft(line, " \t\r\v\f"), "#") {
			lines = append(lines, line)
		}
	}
	return lines
}
