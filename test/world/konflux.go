package world

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Clone checks commit out of url into dir as Konflux's clone task does (a shallow fetch of
// the commit, .git kept) and returns the commit's committer time, `git log -1 --pretty=%ct`.
func (w *World) Clone(ctx context.Context, url, commit, dir string) (string, error) {
	for _, args := range [][]string{
		{"init", "-q", dir},
		{"-C", dir, "remote", "add", "origin", url},
		{"-C", dir, "fetch", "-q", "--depth=1", "origin", commit},
		{"-C", dir, "checkout", "-q", "FETCH_HEAD"},
	} {
		if _, err := w.Run(ctx, Cmd{Path: w.Tools.Git, Args: args}); err != nil {
			return "", fmt.Errorf("cloning %s at %s: %w", url, commit, err)
		}
	}
	out, err := w.Run(ctx, Cmd{Path: w.Tools.Git, Args: []string{"-C", dir, "log", "-1", "--pretty=%ct"}})
	if err != nil {
		return "", fmt.Errorf("reading commit time of %s: %w", commit, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// TaskRun says which build task ran and when: the script's rules changed within patch lines.
type TaskRun struct {
	Version string    // the bundle's tag: "" for 0.8
	Started time.Time // zero: now, and the version's last state
}

// KonfluxBuild runs scripts/konflux-build.sh, the replay of the buildah-oci-ta build step,
// on the checkout source with the task parameters p, into store, with the buildah CLI at
// buildah ("" for the world's default), as task run tr did. It returns the image ID.
func (w *World) KonfluxBuild(ctx context.Context, source string, p Params, s Store, buildah string, tr TaskRun) (string, error) {
	return w.KonfluxBuildPrefetched(ctx, source, "", p, s, buildah, tr)
}

// KonfluxBuildPrefetched is KonfluxBuild with cachi2, the prefetch task's CACHI2_ARTIFACT
// restored as the build task's /var/workdir/cachi2 ("" for none).
func (w *World) KonfluxBuildPrefetched(ctx context.Context, source, cachi2 string, p Params, s Store, buildah string, tr TaskRun) (string, error) {
	if buildah == "" {
		buildah = w.Tools.Buildah
	}
	started := ""
	if !tr.Started.IsZero() {
		started = tr.Started.UTC().Format(time.RFC3339)
	}
	env := []string{
		"TASK_VERSION=" + cmpOr(tr.Version, "0.8"),
		"TASK_STARTED=" + started,
		"SOURCE_DIR=" + source,
		"BUILDAH=" + buildah,
		"BUILDAH_ROOT=" + s.Root,
		"BUILDAH_RUNROOT=" + s.RunRoot,
		"SIGNATURE_POLICY=" + w.Policy,
		"CACHI2_DIR=" + cachi2,
		// The task of a multi-platform pipeline runs on a VM of its PLATFORM: this host plays
		// another architecture's with buildah's --platform.
		"BUILD_PLATFORM=" + foreignPlatform(p.String("PLATFORM")),
	}
	for _, name := range []string{
		"CONTEXT", "DOCKERFILE", "BUILD_ARGS_FILE", "TARGET_STAGE", "COMMIT_SHA", "SOURCE_URL",
		"SOURCE_DATE_EPOCH", "REWRITE_TIMESTAMP", "OMIT_HISTORY", "SKIP_INJECTIONS", "SKIP_UNUSED_STAGES",
		"INHERIT_BASE_IMAGE_LABELS", "ICM_KEEP_COMPAT_LOCATION", "ANNOTATIONS_FILE", "IMAGE", "IMAGE_EXPIRES_AFTER",
		"BUILD_TIMESTAMP", "SQUASH", "HERMETIC", "TLSVERIFY", "ADD_CAPABILITIES", "WORKINGDIR_MOUNT",
		"YUM_REPOS_D_SRC", "YUM_REPOS_D_TARGET", "STORAGE_DRIVER",
	} {
		env = append(env, name+"="+p.String(name))
	}
	for _, name := range []string{"BUILD_ARGS", "LABELS", "ANNOTATIONS", "ENV_VARS"} {
		env = append(env, name+"="+strings.Join(p.Array(name), "\n"))
	}
	script := filepath.Join(w.Root, "scripts", "konflux-build.sh")
	out, err := w.Run(ctx, Cmd{Path: script, Env: env, Dir: source})
	if err != nil {
		return "", fmt.Errorf("building %s: %w", p.String("IMAGE"), err)
	}
	id := strings.TrimSpace(string(out))
	if !IsImageID(id) {
		return "", fmt.Errorf("building %s: konflux-build.sh printed %q, not an image ID", p.String("IMAGE"), out)
	}
	return id, nil
}
