package world

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// MultiBuild is a run of Konflux's docker-build-multi-platform-oci-ta pipeline: its
// build-images task (buildah-remote-oci-ta) once per PLATFORM on a VM of that platform, then
// build-image-index (0.2) over their images. Build's StepImage, TamperPrefetch and
// Attestations are not used; KBC and PREFETCH_INPUT are refused.
type MultiBuild struct {
	Build
	Platforms []string // the pipeline's build-platforms, as Konflux names them: linux/x86_64, linux/arm64
}

// MultiPublished is what a multi-platform pipeline run leaves: the index (Ref, Digest,
// Attestation, build-image-index's Params, and the ImageID podman pull of the index prints
// here, "" when no build was for this host's platform) and each platform's image, in
// build-platforms order.
type MultiPublished struct {
	Published
	Children  []Published // ImageID: what podman pull prints for that platform
	Platforms []string    // the children's PLATFORM, as recorded
}

// PlatformRun is one build-images task of a multi-platform pipeline run.
type PlatformRun struct {
	Params      Params // IMAGE is the pipeline's output-image: the task appends the platform
	ImageURL    string // <image>-<platform, [^a-zA-Z0-9] as ->
	Digest      string
	SBOMBlobURL string
}

// IndexRun is the build-image-index task of a multi-platform pipeline run.
type IndexRun struct {
	Params      Params
	Digest      string
	Images      string // the IMAGES result: <repo>@<digest> of each entry, ", " between
	SBOMBlobURL string
}

// The build-image-index 0.2 task's last state (build-definitions 1bd416cb^): its parameter
// defaults and its steps' images.
var (
	buildImageIndexDefaults = Params{
		"ALWAYS_BUILD_INDEX": "true", "BUILDAH_FORMAT": "oci", "COMMIT_SHA": "", "IMAGE_EXPIRES_AFTER": "",
		"SBOM_SKIP_VALIDATION": "false", "STORAGE_DRIVER": "vfs", "TLSVERIFY": "true",
		"caTrustConfigMapKey": "ca-bundle.crt", "caTrustConfigMapName": "trusted-ca",
	}
	buildahTaskImage  = "quay.io/konflux-ci/buildah-task@sha256:4c470b5a153c4acd14bf4f8731b5e36c61d7faafe09c2bf376bb81ce84aa5709"
	indexMobsterImage = "quay.io/konflux-ci/mobster@sha256:1374bc35c71781987cce00ef5efe2be42923f83def19b60a570e947189b90d15"
	taskRunner2Image  = "quay.io/konflux-ci/task-runner@sha256:4b01fbf98fa7155f5c21443c285f88853864ae7cc66981cf6b543fc6ba16b81b"
)

var notAlnum = regexp.MustCompile(`[^a-zA-Z0-9]`)

// PublishPlatforms does what Konflux's multi-platform pipeline does for b and returns the
// result: the statement Chains signs names every child and the index, and is attached to
// each of them.
func (w *World) PublishPlatforms(ctx context.Context, b MultiBuild) (pub MultiPublished, err error) {
	if b.KBC || b.Params.String("PREFETCH_INPUT") != "" || len(b.Platforms) == 0 {
		return pub, fmt.Errorf("publishing %s: the world's multi-platform pipeline runs task 0.8's script, without prefetch, for one or more platforms", b.Name)
	}
	r, err := w.checkOut(ctx, b.Build)
	if err != nil {
		return pub, err
	}
	defer RemoveAll(r.dir)
	dir, gitURL, timestamp, repo, image := r.dir, r.gitURL, r.timestamp, r.repo, r.image
	common := w.buildParams(b.Build, image, timestamp)
	run := Run{
		GitURL: gitURL, Commit: b.Commit, CommitTimestamp: timestamp, CloneParams: b.CloneParams,
		BuildParams: common, Started: time.Now().UTC().Truncate(time.Second), TaskVersion: b.Task.Version,
	}
	if run.BuildahImage, err = w.stepImageFor(ctx, b.Buildah); err != nil {
		return pub, err
	}
	var refs []string
	for _, platform := range b.Platforms {
		// Each build runs from a fresh checkout, as each TaskRun restores the trusted artifact.
		child := Published{Params: common.Overlay(Params{"PLATFORM": platform, "IMAGE_APPEND_PLATFORM": "true"})}
		childSource := filepath.Join(dir, "source-"+notAlnum.ReplaceAllString(platform, "-"))
		if _, err := w.Clone(ctx, gitURL, b.Commit, childSource); err != nil {
			return pub, err
		}
		url := image + "-" + notAlnum.ReplaceAllString(platform, "-")
		sbomURL, _, err := w.buildAndPush(ctx, b.Build, childSource, dir, url, &child)
		if err != nil {
			return pub, fmt.Errorf("building for %s: %w", platform, err)
		}
		run.Platforms = append(run.Platforms, PlatformRun{Params: child.Params, ImageURL: url, Digest: child.Digest, SBOMBlobURL: sbomURL})
		refs = append(refs, url+"@"+child.Digest)
		pub.Children = append(pub.Children, child)
		pub.Platforms = append(pub.Platforms, platform)
	}
	format := "oci"
	if common.String("BUILDAH_FORMAT") == "docker" {
		format = "docker"
	}
	pub.Params = buildImageIndexDefaults.Overlay(Params{
		"IMAGE": image, "IMAGES": refs, "COMMIT_SHA": b.Commit, "BUILDAH_FORMAT": common.String("BUILDAH_FORMAT"),
		"ALWAYS_BUILD_INDEX": "true", "TLSVERIFY": "false",
	})
	ix := &IndexRun{Params: pub.Params}
	if ix.Digest, ix.Images, err = w.pushIndex(ctx, image, refs, format); err != nil {
		return pub, err
	}
	pub.Digest, pub.Ref = ix.Digest, repo+"@"+ix.Digest
	// The index's SBOM (mobster's oci-index), which names no base image.
	if pub.SBOM, err = SBOM(repo, b.Commit, pub.Digest, nil, time.Now()); err != nil {
		return pub, err
	}
	if ix.SBOMBlobURL, err = w.attachSBOM(ctx, dir, repo, pub.Published); err != nil {
		return pub, err
	}
	run.Index = ix
	if err := w.attestAll(ctx, dir, run, append(childRefs(pub.Children), pub.Ref)); err != nil {
		return pub, err
	}
	if pub.Attestation, err = w.VerifyAttestation(ctx, pub.Ref); err != nil {
		return pub, err
	}
	for _, p := range b.Platforms {
		if foreignPlatform(p) == "" && pub.ImageID == "" {
			if pub.ImageID, err = w.PullID(ctx, pub.Ref); err != nil {
				return pub, err
			}
		}
	}
	for i := range pub.Children {
		c := &pub.Children[i]
		if c.Attestation, err = w.VerifyAttestation(ctx, c.Ref); err != nil {
			return pub, err
		}
		if c.ImageID, err = w.PullIDFor(ctx, c.Ref, ociPlatform(pub.Platforms[i])); err != nil {
			return pub, err
		}
	}
	return pub, nil
}

// attestAll signs the Chains statement of run, which names every subject of refs
// (<repo>@<digest>), once, and attaches it to each of them, as Chains stores it.
func (w *World) attestAll(ctx context.Context, dir string, run Run, refs []string) error {
	pred, err := Predicate(run)
	if err != nil {
		return err
	}
	type subject struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	}
	statement := struct {
		Type          string          `json:"_type"`
		PredicateType string          `json:"predicateType"`
		Subject       []subject       `json:"subject"`
		Predicate     json.RawMessage `json:"predicate"`
	}{Type: "https://in-toto.io/Statement/v0.1", PredicateType: "https://slsa.dev/provenance/v0.2", Predicate: pred}
	for _, ref := range refs {
		name, digest, _ := strings.Cut(ref, "@sha256:")
		statement.Subject = append(statement.Subject, subject{name, map[string]string{"sha256": digest}})
	}
	data, err := json.Marshal(statement)
	if err != nil {
		return fmt.Errorf("encoding the statement: %w", err)
	}
	path := filepath.Join(dir, "statement.json")
	if err := WriteFile(path, data, 0o644); err != nil {
		return err
	}
	envelope, err := w.SignStatement(ctx, path)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if err := w.AttachLegacy(ctx, ref, envelope, map[string]string{
			"dev.cosignproject.cosign/signature": "", "predicateType": statement.PredicateType,
		}); err != nil {
			return err
		}
	}
	return nil
}

// platformTasks are the build-images tasks and the build-image-index task of r.
func (r Run) platformTasks(after, started string, at func(time.Duration) string) []task {
	var tasks []task
	for _, p := range r.Platforms {
		bundle := "buildah-remote-oci-ta:" + cmpOr(r.TaskVersion, "0.8") + "@sha256:" + strings.Repeat("7", 64)
		tasks = append(tasks, buildTask("build-images", after, bundle, started, at(3*time.Minute), p.Params,
			r.BuildahImage, p.ImageURL, p.Digest, p.SBOMBlobURL))
	}
	ix := r.Index
	image := ix.Params.String("IMAGE")
	return append(tasks, task{
		Name: "build-image-index", After: []string{"build-images"},
		Ref:       bundleRef("build-image-index", "task-build-image-index:0.2@sha256:"+strings.Repeat("8", 64)),
		StartedOn: at(3*time.Minute + 5*time.Second), FinishedOn: at(3*time.Minute + 40*time.Second), Status: "Succeeded",
		Steps: []step{
			scriptStep("build", buildahTaskImage, ix.Params.Array("IMAGES")),
			scriptStep("create-sbom", indexMobsterImage, nil),
			scriptStep("upload-sbom", taskRunner2Image, nil),
		},
		Invocation: invocation{Parameters: ix.Params, Environment: map[string]any{}},
		Results: []result{
			{"IMAGES", "string", ix.Images},
			{"IMAGE_DIGEST", "string", ix.Digest},
			{"IMAGE_REF", "string", image + "@" + ix.Digest},
			{"IMAGE_URL", "string", image},
			{"SBOM_BLOB_URL", "string", ix.SBOMBlobURL},
		},
	})
}

func (r Run) platforms() []string {
	var out []string
	for _, p := range r.Platforms {
		out = append(out, p.Params.String("PLATFORM"))
	}
	return out
}

func childRefs(children []Published) []string {
	var refs []string
	for _, c := range children {
		refs = append(refs, c.Ref)
	}
	return refs
}

// ociPlatform is the os/arch of a Konflux PLATFORM (linux/x86_64, linux-m2xlarge/arm64).
func ociPlatform(platform string) string {
	osName, arch, _ := strings.Cut(platform, "/")
	osName, _, _ = strings.Cut(osName, "-")
	switch arch {
	case "x86_64":
		arch = "amd64"
	case "aarch64":
		arch = "arm64"
	}
	return osName + "/" + arch
}

// foreignPlatform is the os/arch of PLATFORM when it is not this host's, else "".
func foreignPlatform(platform string) string {
	if platform == "" || platform == "localhost" || ociPlatform(platform) == runtime.GOOS+"/"+runtime.GOARCH {
		return ""
	}
	return ociPlatform(platform)
}
