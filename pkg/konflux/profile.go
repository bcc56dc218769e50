package konflux

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// Profile is the replay of one build task over what it covers: the task names (bundle
// repositories), their major.minor versions and the images their build step ran. Adding a task
// version is adding a profile here, with its rules.
type Profile struct {
	Name     string
	Tasks    []string // the bundles' repository names, e.g. task-buildah-oci-ta
	Versions []string // major.minor versions covered
	// StepImages are the repository names (the last path element) of the build step images
	// covered; empty covers any image, for versions whose behaviour the task script alone sets.
	StepImages []string
	// Formats are the BUILDAH_FORMAT values it replays.
	Formats []string
	// Compressions are the COMPRESSION_FORMAT values it replays; none for versions without
	// the parameter.
	Compressions []string
	// Buildah is the buildah version the build step's image held, by task version, where
	// one alone was shipped with it: what a rebuild uses when the image does not say.
	Buildah map[string]string
	rules   rules
}

// rules are what one task version does around `buildah build`.
type rules interface {
	// replay returns the labels, annotations, labels.json pairs and injected lines, in order.
	replay(t Task, in ReplayInput) (Replay, error)
	// labelsJSON is the labels.json the task writes, given the base image's labels.
	labelsJSON(base map[string]string, r Replay) []byte
	// writeFiles writes labels.json (and what goes with it) where the task writes it: into
	// the context or into dir, the task's own temporary folder.
	writeFiles(p *Prepared, labelsJSON []byte, dir string) (taskFiles, error)
	// argv is the `buildah build` command line for the files the task wrote.
	argv(p *Prepared, r Replay, f taskFiles) []string
	// network is what that command saw of the network.
	network(t Task) Network
}

// scriptTasks are the task bundles whose build step is the bash script (script.go): buildah
// (the source in a workspace), buildah-oci-ta (in trusted artifacts), and their -remote
// variants, which multi-platform pipelines run on a VM per platform, with the same script in
// the same image. Each version's four copies differ only in where the source lies.
var scriptTasks = []string{"task-buildah", "task-buildah-oci-ta", "task-buildah-remote", "task-buildah-remote-oci-ta"}

// Every version builds OCI whatever BUILDAH_FORMAT says and converts to docker when pushing
// (the script's push step's push_format; 0.10's push step the same; konflux-build-cli's
// --push-format, which 0.12.2 sets from BUILDAH_FORMAT), which keeps the config and so the
// image ID.
var scriptFormats = []string{"oci", "docker"}

// never marks a rule a version never had.
var never = change{never: true}

// profiles are the task replays this binary has. The dates are the committer times, on
// konflux-ci/build-definitions' main branch, of the commits that changed each version's
// script; read there at commit c00f1e0a (archived-tasks/buildah*/<version>/ for the last
// state, `git log task/buildah*/<version>` for the changes).
var profiles = []*Profile{
	{
		// 0.1 (task/buildah*/0.1 from 2022-10-24 until 04308637, 2025-05-06), read on main's
		// history: its TaskRuns from a1cf48e1 (2023-10-11, the source in source/ and the
		// Containerfile looked up in $CONTEXT first) and 2c662180 (2023-06-14, the labels
		// 0.2 kept) on. It built from the checkout's Containerfile (so buildah read an ignore
		// file beside it), had no LABELS, passed BUILD_ARGS_FILE as --build-arg-file (buildah
		// merges it as the file's lines ahead of BUILD_ARGS), and its inject-sbom-and-push step
		// committed the SBOM as a layer of its own (Build.Committed): never identical, the
		// comparison sets that layer aside. STORAGE_DRIVER vfs (a parameter from e42527ca,
		// 2024-07-12). Its images ran buildah 1.28, 1.31.0, then -dev builds.
		Name: "buildah/0.1", Tasks: scriptTasks, Versions: []string{"0.1"}, Formats: scriptFormats,
		rules: script{createdAlways: never, buildArgFileFlag: never, usrShareBuildinfo: never,
			writesLabelsJSON: never, revisionLabel: never, ignoreFileCopy: never,
			containerfileCopy: never, labelsParam: never, sbomLayerGone: never,
			remoteBuildArgs: since("2024-09-10T14:02:22Z"), sshQuoting: since("2025-04-11T10:29:24Z"),
			replayedFrom: since("2023-10-11T07:46:40Z"), icmInjection: never, icmStep: never, rpmArchFilter: never, loopbackUp: never},
	},
	{
		// 0.2 (from 2024-07-19) and 0.3 (from 2025-01-06, a copy of 0.2 then), both removed by
		// 04308637 (2025-05-06): the build step of 0.4's first version (build-date first, the
		// wall clock without "Z", vcs-ref, no labels.json, no annotations), STORAGE_DRIVER vfs
		// by default. Their changes, by the committer times on main (the copies read at
		// d29dafe7, an ancestor on another branch, carry rebased dates): the build from a copy
		// of the Containerfile (403b7f5b), LABELS (44a64633), no more SBOM layer (5c353a29,
		// as 0.1's), the remote variants passing
		// BUILD_ARGS (1d4b8c4f) and quoting for ssh (9ab87f41, faf0abdc). BUILD_ARGS_FILE went
		// from --build-arg-file to the file's lines as --build-arg (a3b94c1c): buildah merges
		// both alike. Their images are never identical (the clock); a wrong rule here can only
		// keep a rebuild from proving them equivalent.
		Name: "buildah/0.2", Tasks: scriptTasks, Versions: []string{"0.2", "0.3"}, Formats: scriptFormats,
		rules: script{createdAlways: never, buildArgFileFlag: never, usrShareBuildinfo: never,
			writesLabelsJSON: never, revisionLabel: never, ignoreFileCopy: never,
			containerfileCopy: since("2024-09-27T11:40:30Z"), labelsParam: since("2024-10-11T18:07:56Z"),
			remoteBuildArgs: since("2024-09-10T14:02:22Z"), sshQuoting: since("2025-04-11T10:29:24Z"),
			sbomLayerGone: since("2024-11-29T13:34:57Z"), icmInjection: never, icmStep: since("2024-12-20T20:32:34Z"), rpmArchFilter: never,
			loopbackUp: since("2024-10-23T12:02:49Z")},
	},
	{
		// 0.4 (2025-02-06 to 2025-09-16). Until b170025a (2025-04-11) an icm step ran after
		// the build, committing a layer for prefetched builds alone (inject-icm.sh, from
		// konflux-ci/build-tasks-dockerfiles' icm-injection-scripts, exits without
		// sbom-cachi2.json: Build.Committed); then inject-icm-to-containerfile in the build
		// step (icm*); ANNOTATIONS (2025-02-27) and ANNOTATIONS_FILE (2025-04-22) came as
		// parameters. STORAGE_DRIVER was vfs by default until 091c45ee (2025-04-30): the
		// rebuild warns when its store's driver is another. labels.json (/root/buildinfo/ alone),
		// BUILD_TIMESTAMP, build-date with "Z" and the created label with a timestamp from
		// 2bae316b and bdce7ea0; the revision label and annotation from 77807749; no ignore
		// file copy. Its images ran buildah -dev builds, then 1.40.1, 1.41.1, 1.41.3.
		Name: "buildah/0.4", Tasks: scriptTasks, Versions: []string{"0.4"}, Formats: scriptFormats,
		rules: script{createdAlways: never, buildArgFileFlag: never, usrShareBuildinfo: never,
			writesLabelsJSON: since("2025-09-01T13:33:01Z"), revisionLabel: since("2025-09-15T05:31:07Z"), ignoreFileCopy: never,
			sshQuoting: since("2025-04-11T10:29:24Z"), icmInjection: since("2025-04-11T14:38:51Z"),
			icmCompat: since("2025-08-18T07:33:44Z"), icmBlankLines: since("2025-04-16T13:24:22Z"), rpmArchFilter: never},
	},
	{
		// 0.5 (2025-09-16 to 2025-10-13): labels.json to /root/buildinfo/ only, the created
		// label only with BUILD_TIMESTAMP (it had no SOURCE_DATE_EPOCH), the build-args file
		// expanded into --build-arg flags. Its image ran buildah 1.41.x: only the image can
		// tell which.
		Name: "buildah/0.5", Tasks: scriptTasks, Versions: []string{"0.5"}, Formats: scriptFormats,
		rules: script{createdAlways: never, buildArgFileFlag: never, usrShareBuildinfo: never,
			ignoreFileCopy: since("2025-09-16T16:26:12Z"), rpmArchFilter: never},
	},
	{
		// 0.6 (2025-10-10 to 2026-01-22): labels.json to /usr/share/buildinfo/ from fb0f7048;
		// SOURCE_DATE_EPOCH, REWRITE_TIMESTAMP, OMIT_HISTORY, SKIP_INJECTIONS from
		// 2025-11-04/05 (parameters: recorded or not).
		Name: "buildah/0.6", Tasks: scriptTasks, Versions: []string{"0.6"}, Formats: scriptFormats,
		rules: script{createdAlways: never, buildArgFileFlag: never, usrShareBuildinfo: since("2025-10-29T21:02:22Z"), rpmArchFilter: never},
	},
	{
		// 0.7 (2025-11-21 to 2026-01-29): the created label always from 0.7.1 (f47a8c70).
		// Its image ran buildah 1.41.4, then 1.41.5.
		Name: "buildah/0.7", Tasks: scriptTasks, Versions: []string{"0.7"}, Formats: scriptFormats,
		rules: script{createdAlways: since("2025-11-26T01:17:45Z"), buildArgFileFlag: never, usrShareBuildinfo: always, rpmArchFilter: never},
	},
	{
		// 0.8 (from 2026-01-27) added ENV_VARS and passes BUILD_ARGS_FILE as a flag from
		// 7f3d27d6; 0.9's build step is 0.8.3's (same script, same buildah-task image with
		// buildah 1.42.2).
		Name: "buildah/0.8", Tasks: scriptTasks, Versions: []string{"0.8", "0.9"}, Formats: scriptFormats,
		Buildah: map[string]string{"0.8": "1.42.2", "0.9": "1.42.2"},
		rules: script{createdAlways: always, buildArgFileFlag: since("2026-02-16T16:22:27Z"), usrShareBuildinfo: always,
			rpmArchFilter: since("2026-02-11T12:04:20Z")},
	},
	{
		// 0.10 and 0.11 run konflux-build-cli; 0.12 adds stage labels (CONTEXTUALIZE_SBOM),
		// 0.13 compression formats.
		Name:     "konflux-build-cli/0.10",
		Tasks:    scriptTasks,
		Versions: []string{"0.10", "0.11"},
		Formats:  scriptFormats,
		// 0.10.0 ran buildah 1.43.1 for its first weeks (2026-05), 0.10.1 and later 1.44.0;
		// the bundle's major.minor tag cannot tell them apart, and labels.json names the
		// version only when SOURCE_DATE_EPOCH is empty.
		Buildah: map[string]string{"0.10": "1.44.0", "0.11": "1.44.0"},
		rules:   kbc{containerfileIgnore: since("2026-07-28T10:05:50Z")},
	},
	{
		// 0.12: CONTEXTUALIZE_SBOM (now false by default) adds stage labels.
		Name:     "konflux-build-cli/0.12",
		Tasks:    scriptTasks,
		Versions: []string{"0.12"},
		Formats:  scriptFormats,
		Buildah:  map[string]string{"0.12": "1.44.0"},
		rules:    kbc{stageLabels: true, containerfileIgnore: always},
	},
	{
		// 0.13: COMPRESSION_FORMAT, konflux-build-cli's --compression-format (1097e91,
		// 2026-08-20; its image on task-runner 2.1.0, buildah 1.44.0). It changes the push
		// alone: gzip and zstd:chunked are passed to `buildah push`; dual pushes both and then
		// a per-platform index of the two (gzip first, zstd marked by an annotation), whose
		// digest IMAGE_DIGEST names: the rebuild compares with its gzip image
		// (inputs.PublishedImage). The build is 0.12's. The task's own 0.13 yaml could not be
		// read here: the parameter's name and its passing as KBC_BUILD_COMPRESSION_FORMAT are
		// from the change notes and konflux-build-cli's source.
		Name:         "konflux-build-cli/0.13",
		Tasks:        scriptTasks,
		Versions:     []string{"0.13"},
		Formats:      scriptFormats,
		Compressions: []string{"gzip", "zstd:chunked", "dual"},
		Buildah:      map[string]string{"0.13": "1.44.0"},
		rules:        kbc{stageLabels: true, containerfileIgnore: always},
	},
}

// Profiles lists the replay profiles, for `rebuild plan` and `rebuild version`.
func Profiles() []*Profile { return slices.Clone(profiles) }

// Bundle is a task bundle reference taken apart: ".../task-buildah-oci-ta:0.8@sha256:<hex>".
type Bundle struct {
	Task    string // the repository's last element, e.g. task-buildah-oci-ta
	Version string // the tag
	Digest  string
}

// ParseBundle splits a task bundle reference into its parts.
func ParseBundle(ref string) Bundle {
	ref, digest, _ := strings.Cut(ref, "@")
	ref = ref[strings.LastIndex(ref, "/")+1:]
	task, version, _ := strings.Cut(ref, ":")
	return Bundle{Task: task, Version: version, Digest: digest}
}

var majorMinor = regexp.MustCompile(`^v?([0-9]+\.[0-9]+)`)

// ProfileFor returns the profile covering the recorded build task, or a Problem of
// KindNoProfile naming what no profile covers.
func ProfileFor(t *provenance.Task) (*Profile, error) {
	b := ParseBundle(t.Bundle)
	what := "the task's bundle is not recorded"
	if t.Bundle != "" {
		what = "task " + b.Task + " version " + cmpOr(b.Version, "(none)")
	}
	m := majorMinor.FindStringSubmatch(b.Version)
	for _, p := range profiles {
		if m == nil || !slices.Contains(p.Tasks, b.Task) || !slices.Contains(p.Versions, m[1]) {
			continue
		}
		if len(p.StepImages) > 0 && !slices.Contains(p.StepImages, repositoryName(t.BuilderImage)) {
			return nil, &Problem{KindNoProfile, fmt.Sprintf("%s: its build step image %s is not one profile %s covers", what, t.BuilderImage, p.Name)}
		}
		return p, nil
	}
	return nil, &Problem{KindNoProfile, fmt.Sprintf("%s: no replay profile covers it (this binary replays %s)", what, coverage())}
}

// coverage says what the profiles cover, as "task-buildah-oci-ta and task-buildah-remote-oci-ta 0.7 and 0.8".
func coverage() string {
	var parts []string
	for _, p := range profiles {
		parts = append(parts, strings.Join(p.Tasks, " and ")+" "+strings.Join(p.Versions, " and "))
	}
	return strings.Join(parts, "; ")
}

// repositoryName is the last path element of an image reference, without tag or digest.
func repositoryName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	ref = ref[strings.LastIndex(ref, "/")+1:]
	ref, _, _ = strings.Cut(ref, ":")
	return ref
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// DefaultBuildah is the buildah version the task's version shipped, "" when the profile
// cannot tell (none covers it, or several versions shipped with it).
func (b *Build) DefaultBuildah() string {
	m := majorMinor.FindStringSubmatch(b.Bundle.Version)
	if b.Profile == nil || m == nil {
		return ""
	}
	return b.Profile.Buildah[m[1]]
}

// Buildah is the buildah version that built the image and why it is that one: recorded, the
// version the published image names (its io.buildah.version label or labels.json), when known; else the one the build step's
// image is known to hold; else the one the task version shipped; "" when none says.
func (b *Build) Buildah(recorded string) (version, why string) {
	if recorded != "" {
		return recorded, "the published image names it"
	}
	if v := StepImageBuildah(b.Record.BuilderImage); v != "" {
		return v, "the build step's image holds it"
	}
	if v := b.DefaultBuildah(); v != "" {
		return v, "task " + b.Bundle.Task + " " + b.Bundle.Version + " shipped it"
	}
	return "", ""
}
