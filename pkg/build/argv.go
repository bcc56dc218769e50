package build

import "path/filepath"

// argv is the task's `buildah build` command line, less what cannot change the image
// (proxies, TLS, mounts of secrets) and plus what running in-process here needs.
func (p *Prepared) argv(inj *injection) []string {
	t := p.Task
	var a []string
	if t.Hermetic {
		a = append(a, "--pull=never")
	}
	if t.TargetStage != "" {
		a = append(a, "--target="+t.TargetStage)
	}
	for _, arg := range t.BuildArgs {
		a = append(a, "--build-arg="+arg)
	}
	for _, env := range t.EnvVars {
		a = append(a, "--env="+env)
	}
	if t.BuildArgsFile != "" {
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
	if inj.ignoreFile != "" {
		a = append(a, "--ignorefile", inj.ignoreFile)
	}
	for _, l := range inj.labels {
		a = append(a, "--label", l)
	}
	for _, an := range inj.annotations {
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
	return append(a, "-f", inj.containerfile, "-t", p.outputName(), p.ContextDir)
}

func (p *Prepared) outputName() string {
	if p.Task.Image != "" {
		return p.Task.Image
	}
	return "localhost/rebuild:latest"
}
