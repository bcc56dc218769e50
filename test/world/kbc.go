package world

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/semver"
)

// KBCBuild builds the checkout source as task buildah-oci-ta 0.10 does: its build step runs
// konflux-build-cli (Tools.KBC) with the task's parameters as flags (the step's script in
// konflux-ci/build-definitions task/buildah-oci-ta/0.10 at c00f1e0a), and konflux-build-cli
// runs the buildah CLI at buildah. It returns the image ID.
//
// For task 0.12 with CONTEXTUALIZE_SBOM=true the task asks konflux-build-cli for builder
// metadata, for which konflux-build-cli (from 5e73daf, 2026-07-14) passes --save-stages
// --stage-labels to buildah 1.44. The world's konflux-build-cli is older (5e73daf needs a
// module the Go module proxy does not serve): it gets the two flags as extra buildah
// arguments, which it passes before the context, as 5e73daf passes them before the ignore
// file (boolean flags: the place does not change the build).
//
// konflux-build-cli re-executes itself in a user namespace, as the task's step does after
// adding "root:1:4294967294" to /etc/subuid and /etc/subgid: those lines must be there.
//
// prefetch is the prefetch task's CACHI2_ARTIFACT restored as the task's /var/workdir/cachi2
// ("" for none): the step passes it, and the yum.repos.d folders, as prefetchArgs says.
func (w *World) KBCBuild(ctx context.Context, source, prefetch string, p Params, s Store, buildah, taskVersion string) (string, error) {
	if w.Tools.KBC == "" {
		return "", fmt.Errorf("no konflux-build-cli: set REBUILD_KBC to a konflux-build-cli binary")
	}
	bin, err := w.TempDir("kbc-bin-")
	if err != nil {
		return "", err
	}
	defer RemoveAll(bin)
	if err := os.Symlink(buildah, filepath.Join(bin, "buildah")); err != nil {
		return "", err
	}
	conf := filepath.Join(bin, "storage.conf")
	if err := WriteFile(conf, []byte(fmt.Sprintf("[storage]\ndriver = \"overlay\"\ngraphroot = %q\nrunroot = %q\n", s.Root, s.RunRoot)), 0o644); err != nil {
		return "", err
	}
	dockerfile := filepath.Join(source, p.String("CONTEXT"), p.String("DOCKERFILE"))
	if _, err := os.Stat(dockerfile); err != nil {
		dockerfile = filepath.Join(source, p.String("DOCKERFILE"))
	}
	abs := func(name string) string {
		if v := p.String(name); v != "" {
			return filepath.Join(source, v)
		}
		return ""
	}
	args := []string{"image", "build",
		"-f", dockerfile, "-t", p.String("IMAGE"), "--source", source, "--context", p.String("CONTEXT"),
		"--target", p.String("TARGET_STAGE"),
		"--inherit-labels=" + p.String("INHERIT_BASE_IMAGE_LABELS"),
		"--source-date-epoch", p.String("SOURCE_DATE_EPOCH"),
		"--rewrite-timestamp=" + p.String("REWRITE_TIMESTAMP"),
		"--squash=" + p.String("SQUASH"),
		"--omit-history=" + p.String("OMIT_HISTORY"),
		"--image-source", p.String("SOURCE_URL"),
		"--image-revision", p.String("COMMIT_SHA"),
		"--quay-image-expires-after", p.String("IMAGE_EXPIRES_AFTER"),
		"--build-args-file", abs("BUILD_ARGS_FILE"),
		"--annotations-file", abs("ANNOTATIONS_FILE"),
		"--legacy-build-timestamp", p.String("BUILD_TIMESTAMP"),
		"--add-legacy-labels",
		"--include-legacy-buildinfo-path=" + p.String("ICM_KEEP_COMPAT_LOCATION"),
		"--skip-injections=" + p.String("SKIP_INJECTIONS"),
		"--skip-unused-stages=" + p.String("SKIP_UNUSED_STAGES"),
		"--hermetic=" + p.String("HERMETIC"),
		"--security-opts", "unmask=/proc/interrupts",
		// The world's registry speaks plain HTTP (the task's TLSVERIFY=false).
		"--src-tls-verify=" + p.String("TLSVERIFY"),
	}
	args = append(args, prefetchArgs(source, prefetch, p)...)
	// The task ends its flags with "-" and then passes each array parameter after its flag;
	// konflux-build-cli 8bfe330 (2026-07-08), the newest the world could build, takes "-" as
	// an argument to buildah, so the arrays follow the flags directly, and empty ones are left out.
	for _, a := range [][2]string{{"--build-args", "BUILD_ARGS"}, {"--envs", "ENV_VARS"}, {"--labels", "LABELS"}, {"--annotations", "ANNOTATIONS"}} {
		if v := p.Array(a[1]); len(v) > 0 {
			args = append(append(args, a[0]), v...)
		}
	}
	if semver.Compare("v"+taskVersion, "v0.12") >= 0 && p.String("CONTEXTUALIZE_SBOM") == "true" && p.String("SKIP_SBOM_GENERATION") != "true" {
		args = append(args, "--", "--save-stages", "--stage-labels")
	}
	// BUILDAH_ISOLATION=chroot as the step image sets it: RUN steps share the step's network.
	env := []string{"PATH=" + bin + ":/usr/bin:/bin:/usr/sbin:/sbin", "CONTAINERS_STORAGE_CONF=" + conf, "HOME=/root", "BUILDAH_ISOLATION=chroot"}
	if _, err := w.Run(ctx, Cmd{Path: w.Tools.KBC, Args: args, Env: env, Dir: filepath.Dir(source)}); err != nil {
		return "", fmt.Errorf("building %s with konflux-build-cli: %w", p.String("IMAGE"), err)
	}
	out, err := w.buildah(ctx, s, "inspect", "--format", "{{.FromImageID}}", p.String("IMAGE"))
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(out))
	if !IsImageID(id) {
		return "", fmt.Errorf("building %s with konflux-build-cli: inspect printed %q, not an image ID", p.String("IMAGE"), out)
	}
	return id, nil
}

// prefetchArgs are the build step's prefetch and yum.repos.d flags (task/buildah-oci-ta/0.10
// at build-definitions 4f3cd5d9, 0.10.5). The step's working folder, /var/workdir, is the
// folder of source (the world runs konflux-build-cli there), so prefetch-copy and
// YUM_REPOS_D_FETCHED are beside source, as the task's are. The task passes
// `--yum-repos-d-sources "${yum_repos_d_sources[@]}"` with the array possibly empty; so does
// this (konflux-build-cli expands a flag followed by values into one flag each, and drops
// it followed by none).
func prefetchArgs(source, prefetch string, p Params) []string {
	workdir := filepath.Dir(source)
	dir, copyDir := "", ""
	if prefetch != "" && isFile(filepath.Join(prefetch, "cachi2.env")) {
		// "Copy to a sibling dir instead in case we don't have write permissions to the
		// prefetch_dir": /var/workdir/prefetch-copy beside /var/workdir/cachi2.
		dir, copyDir = prefetch, filepath.Join(filepath.Dir(prefetch), "prefetch-copy")
	}
	args := []string{"--yum-repos-d-sources"}
	for _, d := range [][2]string{{workdir, p.String("YUM_REPOS_D_FETCHED")}, {source, p.String("YUM_REPOS_D_SRC")}} {
		if fi, err := os.Stat(filepath.Join(d[0], d[1])); d[1] != "" && err == nil && fi.IsDir() {
			args = append(args, filepath.Join(d[0], d[1]))
		}
	}
	return append(args,
		"--yum-repos-d-target", p.String("YUM_REPOS_D_TARGET"),
		"--prefetch-dir", dir, "--prefetch-dir-copy", copyDir,
		"--prefetch-env-mount", "/cachi2/cachi2.env", "--prefetch-output-mount", "/cachi2/output")
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
