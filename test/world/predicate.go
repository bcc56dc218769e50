package world

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Run is what one Konflux pipeline run recorded, the input of the Chains predicate.
type Run struct {
	GitURL          string
	Commit          string
	CommitTimestamp string
	CloneParams     map[string]string // set on top of the clone task's usual parameters
	BuildParams     Params            // every build task parameter, defaults overlaid
	BuildahImage    string            // <repo>@sha256:<hex> of the build step
	Digest          string            // IMAGE_DIGEST
	SBOMBlobURL     string
	Started         time.Time
	TaskVersion     string // the build task bundle's tag: "" for 0.8
	// Prefetch is the prefetch-dependencies task's run, nil when the pipeline had no
	// prefetch input (the task is then left out, as if it had not been in the pipeline).
	Prefetch *Prefetched
	// Platforms and Index, for a multi-platform pipeline (docker-build-multi-platform-oci-ta),
	// are its build-images tasks, in build-platforms order, and its build-image-index task:
	// they take build-container's place (whose Digest and SBOMBlobURL are then unused).
	Platforms []PlatformRun
	Index     *IndexRun
}

type predicate struct {
	Builder     map[string]string `json:"builder"`
	BuildType   string            `json:"buildType"`
	Invocation  invocation        `json:"invocation"`
	BuildConfig struct {
		Tasks []task `json:"tasks"`
	} `json:"buildConfig"`
	Metadata  metadata   `json:"metadata"`
	Materials []material `json:"materials"`
}

type invocation struct {
	ConfigSource struct{}       `json:"configSource"`
	Parameters   any            `json:"parameters"`
	Environment  map[string]any `json:"environment"`
}

type task struct {
	Name       string     `json:"name"`
	After      []string   `json:"after"`
	Ref        taskRef    `json:"ref"`
	StartedOn  string     `json:"startedOn"`
	FinishedOn string     `json:"finishedOn"`
	Status     string     `json:"status"`
	Steps      []step     `json:"steps"`
	Invocation invocation `json:"invocation"`
	Results    []result   `json:"results"`
}

type taskRef struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Params   []result `json:"params"`
	Resolver string   `json:"resolver"`
}

type step struct {
	EntryPoint  string            `json:"entryPoint"`
	Arguments   []string          `json:"arguments"`
	Environment map[string]string `json:"environment"`
	Annotations any               `json:"annotations"`
}

type result struct {
	Name  string `json:"name"`
	Type  string `json:"type,omitempty"`
	Value string `json:"value"`
}

type metadata struct {
	BuildStartedOn  string          `json:"buildStartedOn"`
	BuildFinishedOn string          `json:"buildFinishedOn"`
	Completeness    map[string]bool `json:"completeness"`
	Reproducible    bool            `json:"reproducible"`
}

type material struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest"`
}

const (
	catalog             = "quay.io/konflux-ci/tekton-catalog/"
	gitCloneImage       = "quay.io/konflux-ci/git-clone@sha256:4d2b4bb1b6ac2a3bdd1b0a1ac2bb2b2dd1f4b2a0cd5d7a3e4e0b0a3c7d0f8a11"
	trustedArtifacts    = "quay.io/konflux-ci/build-trusted-artifacts@sha256:9bd32f6bafb517b309e11a2d89365052b4ab3f1c9c23c4ffd45aff6f03960476"
	taskRunnerImage     = "quay.io/konflux-ci/task-runner@sha256:ba65585f5c8b0a74dc51590e95961765322427d1d62ccd4eb742ff0442291985"
	mobsterImage        = "quay.io/konflux-ci/mobster@sha256:2e00c2f0aeff55713150b51822013327ea0e0d75b8164a52f837fb297c17703d"
	appstudioUtilsImage = "quay.io/konflux-ci/appstudio-utils@sha256:8bf633acc8d0addc1c7d47227f5052ad500de13e58950f153ece4a22d43002b7"
	konfluxTestImage    = "quay.io/konflux-ci/konflux-test@sha256:6b2a7f0e4b4d1f5e0c3a8e9d2b1c0a9f8e7d6c5b4a39281706f5e4d3c2b1a090"
	ubiMinimalImage     = "registry.access.redhat.com/ubi9/ubi-minimal@sha256:24650313873554b6ba16c1a1b6b9f9142604f6ab735113e1695faf2dd07fdede"
	yqImage             = "quay.io/konflux-ci/yq@sha256:ac514eef5aef9f33615871cb19794edb8ad94dcb531b5065f4dc64ab1f5faae5"
	hermetoImage        = "quay.io/konflux-ci/hermeto@sha256:a2677373a6e5bdec5f808c7761a856b93a2afa62bf002444c86932cbca29905c"
)

// Predicate is the Tekton Chains SLSA v0.2 predicate Konflux writes for r, as JSON.
func Predicate(r Run) ([]byte, error) {
	image := r.BuildParams.String("IMAGE")
	repo, _ := splitTag(image)
	at := func(d time.Duration) string { return r.Started.Add(d).UTC().Format(time.RFC3339) }
	sourceArtifact := r.BuildParams.String("SOURCE_ARTIFACT")
	cloneArtifact := sourceArtifact
	buildAfter, buildStart := "clone-repository", 21*time.Second
	if r.Prefetch != nil {
		cloneArtifact = r.Prefetch.SourceIn
		buildAfter, buildStart = "prefetch-dependencies", 51*time.Second
	}

	var p predicate
	p.Builder = map[string]string{"id": "https://tekton.dev/chains/v2"}
	p.BuildType = "tekton.dev/v1beta1/PipelineRun"
	pipeline, params := "docker-build-oci-ta", map[string]any{
		"git-url": r.GitURL, "revision": r.Commit, "output-image": image,
		"dockerfile": r.BuildParams.String("DOCKERFILE"), "path-context": r.BuildParams.String("CONTEXT"),
	}
	if len(r.Platforms) > 0 {
		pipeline, params["build-platforms"] = "docker-build-multi-platform-oci-ta", r.platforms()
	}
	p.Invocation = invocation{
		Parameters: params,
		// The PipelineRun's metadata as Konflux's push pipelines carry it (their .tekton
		// templates' annotations, filled in by Pipelines as Code, which adds the event label).
		Environment: map[string]any{
			"labels": map[string]string{"tekton.dev/pipeline": pipeline, "pipelinesascode.tekton.dev/event-type": "push"},
			"annotations": map[string]string{
				"build.appstudio.openshift.io/repo":        r.GitURL + "?rev=" + r.Commit,
				"build.appstudio.redhat.com/commit_sha":    r.Commit,
				"build.appstudio.redhat.com/target_branch": "main",
			},
		},
	}
	p.BuildConfig.Tasks = []task{
		{
			Name: "init", After: []string{}, Ref: bundleRef("init", "task-init:0.2@sha256:"+strings.Repeat("1", 64)),
			StartedOn: at(0), FinishedOn: at(5 * time.Second), Status: "Succeeded",
			Steps:      []step{scriptStep("init", konfluxTestImage, nil)},
			Invocation: invocation{Parameters: map[string]string{"image-url": image, "rebuild": "false", "skip-checks": "false"}, Environment: map[string]any{}},
			Results:    []result{{"build", "string", "true"}},
		},
		{
			Name: "clone-repository", After: []string{"init"}, Ref: bundleRef("git-clone-oci-ta", "task-git-clone-oci-ta:0.1@sha256:"+strings.Repeat("3", 64)),
			StartedOn: at(6 * time.Second), FinishedOn: at(20 * time.Second), Status: "Succeeded",
			Steps:      []step{scriptStep("clone", gitCloneImage, nil)},
			Invocation: invocation{Parameters: r.cloneParams(image), Environment: map[string]any{}},
			Results: []result{
				{"commit", "string", r.Commit},
				{"commit-timestamp", "string", r.CommitTimestamp},
				{"short-commit", "string", r.Commit[:7]},
				{"url", "string", r.GitURL},
				{"CHAINS-GIT_COMMIT", "string", r.Commit},
				{"CHAINS-GIT_URL", "string", r.GitURL},
				{"SOURCE_ARTIFACT", "string", cloneArtifact},
			},
		},
		buildTask("build-container", buildAfter, "buildah-oci-ta:"+cmpOr(r.TaskVersion, "0.8")+"@sha256:"+strings.Repeat("6", 64),
			at(buildStart), at(3*time.Minute), r.BuildParams, r.BuildahImage, image, r.Digest, r.SBOMBlobURL),
	}
	if len(r.Platforms) > 0 {
		p.BuildConfig.Tasks = append(p.BuildConfig.Tasks[:2], r.platformTasks(buildAfter, at(buildStart), at)...)
	}
	if r.Prefetch != nil {
		p.BuildConfig.Tasks = slices.Insert(p.BuildConfig.Tasks, 2, recordedPrefetchTask(r.Prefetch, at))
	}
	p.Metadata = metadata{
		BuildStartedOn: at(0), BuildFinishedOn: at(5 * time.Minute),
		Completeness: map[string]bool{"parameters": false, "environment": false, "materials": false},
	}
	p.Materials = []material{{URI: "git+" + r.GitURL, Digest: map[string]string{"sha1": r.Commit}}}
	images := []string{r.BuildahImage, gitCloneImage, trustedArtifacts}
	if r.Prefetch != nil {
		images = append(images, hermetoImage)
	}
	if r.Index != nil {
		images = append(images, buildahTaskImage)
	}
	for _, im := range images {
		name, digest, _ := strings.Cut(im, "@sha256:")
		p.Materials = append(p.Materials, material{URI: "oci://" + name, Digest: map[string]string{"sha256": digest}})
	}
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding predicate for %s: %w", repo, err)
	}
	return append(out, '\n'), nil
}

// buildTask is a build task (name build-container, or build-images in a multi-platform
// pipeline) of the buildah task bundle (task-<bundle>) with params, which pushed
// imageURL@digest.
func buildTask(name, after, bundle, started, finished string, params Params, buildahImage, imageURL, digest, sbomURL string) task {
	taskName, _, _ := strings.Cut(bundle, ":")
	return task{
		Name: name, After: []string{after}, Ref: bundleRef(taskName, "task-"+bundle),
		StartedOn: started, FinishedOn: finished, Status: "Succeeded",
		Steps: []step{
			scriptStep("use-trusted-artifact", trustedArtifacts, []string{"use",
				params.String("SOURCE_ARTIFACT") + "=/var/workdir/source", params.String("CACHI2_ARTIFACT") + "=/var/workdir/cachi2"}),
			scriptStep("build", buildahImage, buildArguments(params)),
			scriptStep("push", buildahImage, nil),
			scriptStep("sbom-syft-generate", taskRunnerImage, nil),
			scriptStep("prepare-sboms", mobsterImage, append([]string{"--additional-base-images"}, params.Array("ADDITIONAL_BASE_IMAGES")...)),
			scriptStep("upload-sbom", appstudioUtilsImage, nil),
		},
		Invocation: invocation{Parameters: params, Environment: map[string]any{}},
		Results: []result{
			{"IMAGE_DIGEST", "string", digest},
			{"IMAGE_REF", "string", imageURL + "@" + digest},
			{"IMAGE_URL", "string", imageURL},
			{"SBOM_BLOB_URL", "string", sbomURL},
		},
	}
}

// prefetchTask is the prefetch-dependencies task of the pipeline (prefetch-dependencies-oci-ta
// 0.2, its steps and parameter defaults as of build-definitions 4197cdd2).
func prefetchTask(pre *Prefetched, at func(time.Duration) string) task {
	return task{
		Name: "prefetch-dependencies", After: []string{"clone-repository"},
		Ref:       bundleRef("prefetch-dependencies-oci-ta", "task-prefetch-dependencies-oci-ta:0.2@sha256:"+strings.Repeat("4", 64)),
		StartedOn: at(21 * time.Second), FinishedOn: at(50 * time.Second), Status: "Succeeded",
		Steps: []step{
			scriptStep("skip-ta", ubiMinimalImage, nil),
			scriptStep("use-trusted-artifact", trustedArtifacts, []string{"use", pre.SourceIn + "=/var/workdir/source"}),
			scriptStep("sanitize-config-file-with-yq", yqImage, nil),
			scriptStep("prefetch-dependencies", hermetoImage, nil),
			scriptStep("create-trusted-artifact", trustedArtifacts, []string{"create", "--store", pre.Store,
				"/tekton/results/SOURCE_ARTIFACT=/var/workdir/source", "/tekton/results/CACHI2_ARTIFACT=/var/workdir/cachi2"}),
		},
		Invocation: invocation{Parameters: map[string]string{
			"input": pre.Input, "SOURCE_ARTIFACT": pre.SourceIn, "ociStorage": pre.Store,
			"ACTIVATION_KEY": "activation-key", "caTrustConfigMapKey": "ca-bundle.crt", "caTrustConfigMapName": "trusted-ca",
			"config-file-content": "", "dev-package-managers": "false", "log-level": "info", "mode": "strict",
			"ociArtifactExpiresAfter": "",
			// what the world's stand-in for Hermeto writes (the task's default is spdx)
			"sbom-type": "cyclonedx",
		}, Environment: map[string]any{}},
		Results: []result{
			{"CACHI2_ARTIFACT", "string", pre.Artifact},
			{"SOURCE_ARTIFACT", "string", pre.SourceArtifact},
		},
	}
}

func (r Run) cloneParams(image string) map[string]string {
	params := map[string]string{
		"depth": "1", "enableSymlinkCheck": "true", "fetchTags": "false", "ociStorage": image + ".git",
		"refspec": "", "revision": r.Commit, "sparseCheckoutDirectories": "", "sslVerify": "true",
		"submodules": "true", "url": r.GitURL, "verbose": "false",
	}
	for k, v := range r.CloneParams {
		params[k] = v
	}
	return params
}

func bundleRef(name, bundle string) taskRef {
	return taskRef{
		Name: name, Kind: "Task", Resolver: "bundles",
		Params: []result{{Name: "kind", Value: "task"}, {Name: "name", Value: name}, {Name: "bundle", Value: catalog + bundle}},
	}
}

func scriptStep(container, image string, args []string) step {
	return step{
		EntryPoint:  "#!/bin/bash\nset -euo pipefail\n",
		Arguments:   args,
		Environment: map[string]string{"container": container, "image": "oci://" + image},
	}
}

func buildArguments(p Params) []string {
	var args []string
	for _, group := range []struct{ flag, param string }{
		{"--build-args", "BUILD_ARGS"}, {"--env", "ENV_VARS"}, {"--labels", "LABELS"}, {"--annotations", "ANNOTATIONS"},
	} {
		args = append(args, group.flag)
		args = append(args, p.Array(group.param)...)
	}
	return args
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
