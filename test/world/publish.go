package world

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Build is one pipeline run's configuration: which commit of which repository, and the
// build task parameters the pipeline sets explicitly.
type Build struct {
	Name         string // git repository and image repository
	Commit       string
	Params       Params            // on top of the task defaults and the pipeline's usual values
	CloneParams  map[string]string // on top of the clone task's usual parameters
	Attestations int               // pipeline runs that attest the same digest; 0 means 1
	// Buildah is the version of the buildah CLI the build step runs ("" for the world's
	// default, 1.42.2, as tasks 0.8 and 0.9 did).
	Buildah string
	// Task is the build task version and its start ("" and zero: 0.8, now); the
	// parameters an older version lacked are removed with nil entries in Params.
	Task TaskRun
	// KBC builds with konflux-build-cli (Tools.KBC) as task 0.10 runs it, instead of
	// scripts/konflux-build.sh as task 0.8 does.
	KBC bool
	// StepImage, when set, is recorded as the build step's image instead of one holding
	// the buildah that built (StepImage): one that does not exist, say.
	StepImage string
	// SBOMImages, when set, changes what the SBOM records (input drift: see drift.go).
	SBOMImages func([]StageImage) []StageImage
	// TamperPrefetch, with PREFETCH_INPUT, is a prefetched file (its lock file name, under
	// deps/generic) the prefetch changes after checking it: the build uses content that the
	// commit's lock file does not describe.
	TamperPrefetch string
	// PrefetchEnvJSON, with PREFETCH_INPUT, makes the prefetch task 0.3.1's: it writes
	// prefetch.env and prefetch-env.json beside cachi2.env, and konflux-build-cli (task 0.10.3
	// on, buildah 1.44.0) then passes the variables as secret env mounts instead of
	// rewriting the RUN lines.
	PrefetchEnvJSON bool
}

// Published is an image as Konflux leaves it: pushed, SBOM attached, provenance attested.
type Published struct {
	Ref         string // <registry>/<name>@sha256:<hex>
	Digest      string
	BuildID     string // the image ID the build printed
	ImageID     string // what podman pull prints
	Attestation []byte // what cosign verify-attestation prints
	Params      Params // the build task parameters as recorded
	StageImages []StageImage
	SBOM        []byte
	Prefetch    *Prefetched // the prefetch task's run, nil without PREFETCH_INPUT
}

// checkout is where a pipeline run of b starts: a folder of its own (removed by the caller), the
// clone task's checkout of b's commit in it, and the repository and tag it pushes to.
type checkout struct {
	dir, gitURL, source, timestamp, repo, image string
}

func (w *World) checkOut(ctx context.Context, b Build) (checkout, error) {
	dir, err := w.TempDir("publish-" + b.Name + "-")
	if err != nil {
		return checkout{}, err
	}
	r := checkout{dir: dir, gitURL: w.GitURL(b.Name), source: filepath.Join(dir, "source"), repo: w.Registry + "/" + b.Name}
	r.image = r.repo + ":" + b.Commit
	if r.timestamp, err = w.Clone(ctx, r.gitURL, b.Commit, r.source); err != nil {
		RemoveAll(dir)
		return checkout{}, err
	}
	return r, nil
}

// Publish does what Konflux does for b and returns the result.
func (w *World) Publish(ctx context.Context, b Build) (pub Published, err error) {
	r, err := w.checkOut(ctx, b)
	if err != nil {
		return pub, err
	}
	defer RemoveAll(r.dir)
	dir, gitURL, source, timestamp, image := r.dir, r.gitURL, r.source, r.timestamp, r.image
	pub.Params = w.buildParams(b, image, timestamp)
	if input := pub.Params.String("PREFETCH_INPUT"); input != "" {
		// The pipeline gives the prefetch task the clone's SOURCE_ARTIFACT and the build task
		// the prefetch task's SOURCE_ARTIFACT and CACHI2_ARTIFACT.
		pre, err := w.Prefetch(ctx, source, input, image+".prefetch", pub.Params.String("SOURCE_ARTIFACT"), b.TamperPrefetch, dir, b.PrefetchEnvJSON)
		if err != nil {
			return pub, err
		}
		pub.Prefetch = pre
		pub.Params["SOURCE_ARTIFACT"] = pre.SourceArtifact
		pub.Params["CACHI2_ARTIFACT"] = pre.Artifact
	}

	sbomURL, taskVersion, err := w.buildAndPush(ctx, b, source, dir, image, &pub)
	if err != nil {
		return pub, err
	}
	// The build step's image holds the buildah that built, as Konflux's does.
	buildahImage := b.StepImage
	if buildahImage == "" {
		if buildahImage, err = w.stepImageFor(ctx, b.Buildah); err != nil {
			return pub, err
		}
	}
	run := Run{
		GitURL: gitURL, Commit: b.Commit, CommitTimestamp: timestamp, CloneParams: b.CloneParams,
		BuildParams: pub.Params, BuildahImage: buildahImage, Digest: pub.Digest, SBOMBlobURL: sbomURL,
		Started: time.Now().UTC().Truncate(time.Second), TaskVersion: taskVersion, Prefetch: pub.Prefetch,
	}
	if !b.Task.Started.IsZero() {
		run.Started = b.Task.Started.UTC()
	}
	for i := range max(b.Attestations, 1) {
		run.Started = run.Started.Add(time.Duration(i) * time.Hour)
		if err := w.attest(ctx, dir, pub.Ref, run, i); err != nil {
			return pub, err
		}
	}
	if pub.Attestation, err = w.VerifyAttestation(ctx, pub.Ref); err != nil {
		return pub, err
	}
	if pub.ImageID, err = w.PullID(ctx, pub.Ref); err != nil {
		return pub, err
	}
	return pub, nil
}

// buildAndPush builds source with pub.Params as the build task does, pushes the image to
// image as its push step does, and attaches its SBOM. It sets pub's BuildID, Digest, Ref,
// StageImages and SBOM, and returns the SBOM_BLOB_URL and the task version that built.
func (w *World) buildAndPush(ctx context.Context, b Build, source, dir, image string, pub *Published) (string, string, error) {
	repo, _ := splitTag(image)
	store, err := w.NewStore("build-" + b.Name + "-")
	if err != nil {
		return "", "", err
	}
	defer store.Remove()
	store.Driver = pub.Params.String("STORAGE_DRIVER") // the task's buildah reads it from its environment
	buildah, err := w.Tools.BuildahFor(b.Buildah)
	if err != nil {
		return "", "", err
	}
	taskVersion := b.Task.Version
	// IMAGE as the build step sees it: the remote task appends the platform to it first.
	params := pub.Params.Overlay(Params{"IMAGE": image})
	cachi2 := ""
	if pub.Prefetch != nil {
		cachi2 = pub.Prefetch.Dir
	}
	if b.KBC {
		taskVersion = cmpOr(taskVersion, "0.10")
		pub.BuildID, err = w.KBCBuild(ctx, source, cachi2, params, store, buildah, taskVersion)
	} else {
		pub.BuildID, err = w.KonfluxBuildPrefetched(ctx, source, cachi2, params, store, buildah, b.Task)
	}
	if err != nil {
		return "", "", err
	}
	// The task builds OCI and converts at push time (buildah-oci-ta 0.4 on: the push step's
	// push_format), which changes the manifest and keeps the config, the image ID.
	format := "oci"
	if pub.Params.String("BUILDAH_FORMAT") == "docker" {
		format = "docker"
	}
	if pub.Params.String("COMPRESSION_FORMAT") == "dual" {
		pub.Digest, err = w.PushDual(ctx, store, image, image)
	} else {
		pub.Digest, err = w.PushAs(ctx, store, image, image, format)
	}
	if err != nil {
		return "", "", err
	}
	pub.Ref = repo + "@" + pub.Digest
	if pub.StageImages, err = w.stageImagesOf(ctx, source, pub.Params, store); err != nil {
		return "", "", err
	}
	if b.SBOMImages != nil {
		pub.StageImages = b.SBOMImages(pub.StageImages)
	}
	_, tag := splitTag(image)
	if pub.SBOM, err = SBOM(repo, tag, pub.Digest, pub.StageImages, time.Now()); err != nil {
		return "", "", err
	}
	sbomURL, err := w.attachSBOM(ctx, dir, repo, *pub)
	return sbomURL, taskVersion, err
}

// buildParams are the build task's parameters in b's pipeline run, which pushes image.
func (w *World) buildParams(b Build, image, timestamp string) Params {
	repo, _ := splitTag(image)
	return buildahOCITaDefaults.Overlay(Params{
		"IMAGE":             image,
		"SOURCE_ARTIFACT":   "oci:" + repo + "@sha256:" + sha256Hex([]byte(b.Commit)),
		"COMMIT_SHA":        b.Commit,
		"SOURCE_URL":        w.GitURL(b.Name),
		"SOURCE_DATE_EPOCH": timestamp,
		"REWRITE_TIMESTAMP": "true",
		"TLSVERIFY":         "false", // the loopback registry speaks plain HTTP
	}).Overlay(w.substitute(b.Params))
}

// stepImageFor is the build step's image holding the buildah CLI of version ("" for 1.42.2).
func (w *World) stepImageFor(ctx context.Context, version string) (string, error) {
	cli, err := w.Tools.BuildahFor(version)
	if err != nil {
		return "", err
	}
	return w.StepImage(ctx, cmpOr(version, "1.42.2"), cli)
}

func (w *World) stageImagesOf(ctx context.Context, source string, p Params, s Store) ([]StageImage, error) {
	containerfile := filepath.Join(source, p.String("CONTEXT"), p.String("DOCKERFILE"))
	if _, err := os.Stat(containerfile); err != nil {
		containerfile = filepath.Join(source, p.String("DOCKERFILE"))
	}
	args, err := BuildArgs(p, source)
	if err != nil {
		return nil, err
	}
	return w.StageImages(ctx, containerfile, args, p.String("TARGET_STAGE"), s)
}

func (w *World) attachSBOM(ctx context.Context, dir, repo string, pub Published) (string, error) {
	path := filepath.Join(dir, "sbom.json")
	if err := WriteFile(path, pub.SBOM, 0o644); err != nil {
		return "", err
	}
	if err := w.AttachSBOM(ctx, pub.Ref, path); err != nil {
		return "", err
	}
	return repo + "@sha256:" + sha256Hex(pub.SBOM), nil
}

func (w *World) attest(ctx context.Context, dir, ref string, run Run, n int) error {
	pred, err := Predicate(run)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("predicate-%d.json", n))
	if err := WriteFile(path, pred, 0o644); err != nil {
		return err
	}
	return w.Attest(ctx, ref, path)
}

// substitute replaces the placeholders in parameter values.
func (w *World) substitute(p Params) Params {
	r := w.placeholders()
	out := Params{}
	for k, v := range p {
		switch x := v.(type) {
		case string:
			out[k] = r.Replace(x)
		case []string:
			var a []string
			for _, s := range x {
				a = append(a, r.Replace(s))
			}
			out[k] = a
		default:
			out[k] = v
		}
	}
	return out
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
