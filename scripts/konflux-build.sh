#!/usr/bin/env bash
# konflux-build.sh: the REFERENCE build.
#
# An independent re-implementation, with the buildah CLI, of what the "build" step of
# Konflux's buildah-oci-ta 0.8 task (konflux-ci/build-definitions,
# task/buildah-oci-ta/0.8/buildah-oci-ta.yaml, app.kubernetes.io/version 0.8.3), and with
# TASK_VERSION/TASK_STARTED of 0.4 to 0.7 (read at commit c00f1e0a, archived-tasks/, and the
# history of task/buildah-oci-ta/<version>/) and of 0.1 to 0.3 (task/buildah-oci-ta/0.1 to 0.3 on
# main before their removal by 04308637, and their history there), does to its
# inputs before and while it runs `buildah build`: Containerfile lookup and copy, labels.json
# injection, ignore file copy, and the exact flags, labels and annotations, in the task's
# order. rebuild's in-process replay must produce the same image ID as this script.
#
# Interface: environment variables named like the task's parameters, with the task's
# defaults. Lists (BUILD_ARGS, ENV_VARS, LABELS, ANNOTATIONS) are newline-separated, one
# array element a line; empty lines are skipped.
#
#   SOURCE_DIR                 the checkout root (the task's "source" directory)   [required]
#   IMAGE                      the tag to give the result                         [required]
#   CONTEXT (.)  DOCKERFILE (./Dockerfile)  TARGET_STAGE  BUILD_ARGS  BUILD_ARGS_FILE
#   ENV_VARS  LABELS  ANNOTATIONS  ANNOTATIONS_FILE  COMMIT_SHA  SOURCE_URL
#   IMAGE_EXPIRES_AFTER  SOURCE_DATE_EPOCH  BUILD_TIMESTAMP  REWRITE_TIMESTAMP (false)
#   OMIT_HISTORY (false)  SKIP_INJECTIONS (false)  SKIP_UNUSED_STAGES (true)
#   INHERIT_BASE_IMAGE_LABELS (true)  ICM_KEEP_COMPAT_LOCATION (true)  SQUASH (false)
#   HERMETIC (false)  TLSVERIFY (true)  ADD_CAPABILITIES  WORKINGDIR_MOUNT
#   YUM_REPOS_D_SRC (repos.d)  YUM_REPOS_D_TARGET (/etc/yum.repos.d)  STORAGE_DRIVER (overlay)
#   ADDITIONAL_VOLUME_MOUNTS (not a parameter but read by the step, like the task)
#
# Not task parameters:
#   TASK_VERSION       the task's major.minor, 0.1 to 0.9 (default 0.8); the script's
#                      rules as that version's task/buildah-oci-ta/<version>/ had them
#   TASK_STARTED       when the TaskRun started (RFC 3339; default: the version's last
#                      state): rules changed within patch lines (see "rules" below)
#   BUILDAH            buildah CLI (default: .ci/bin/buildah of this checkout, else on PATH)
#   DOCKERFILE_JSON    dockerfile-json (default: .ci/bin/dockerfile-json, else on PATH)
#   JQ                 jq (default: jq)
#   BUILDAH_ROOT       -> buildah --root       BUILDAH_RUNROOT -> buildah --runroot
#   SIGNATURE_POLICY   -> --signature-policy on pull and build (never edit the host's policy)
#   CACHI2_DIR         the prefetch task's CACHI2_ARTIFACT unpacked (the task's
#                      /var/workdir/cachi2: cachi2.env, output/deps/..., output/bom.json);
#                      empty or unset: nothing was prefetched
#   BUILD_PLATFORM     os/arch (e.g. linux/arm64): play the build as the task of a
#                      multi-platform pipeline (buildah-remote-oci-ta, the same script) runs
#                      it on a VM of that platform, from a host of another architecture:
#                      `buildah build` and the base image pulls get --platform, and what the
#                      script reads from `uname -m` (the architecture label, the prefetched
#                      RPMs' architecture) is the VM's (arm64: aarch64, amd64: x86_64).
#                      Empty or unset: this host's platform, no --platform, as the task.
#                      Where this may differ from a native build: the VM's buildah passes no
#                      --platform, so the image's platform is its host's default (buildah's
#                      variant there may be set, e.g. arm64 "v8", where --platform linux/arm64
#                      gives none), and its dockerfile-json sets BUILDPLATFORM/TARGETPLATFORM
#                      from the VM (upstream dockerfile-json: set here from BUILD_PLATFORM);
#                      RUN steps run under qemu-user-static (binfmt_misc), not natively; the
#                      remote task's round trip of the image through an OCI layout and
#                      rsync back to the pod is not played (it keeps the config, the ID).
#
# Output: the image ID (64 hex characters, as `podman pull` prints it) on stdout; everything
# else on stderr.
#
# What this script deliberately does not replay, because it does not change the image here:
#   - CA trust and proxy set-up (no proxy, no custom CA on this machine; --http-proxy=false
#     is still passed, as the task does);
#   - subscription-manager registration, entitlements, activation keys, ADDITIONAL_SECRET;
#   - the `unshare -Uf --map-users 1,1,65536 ...` user namespace the task runs buildah in:
#     we run as real root, which maps the same ids (0..65536) to themselves;
#   - editing /etc/containers/registries.conf (short-name-mode) and /etc/subuid: pass
#     fully qualified image names instead; never touch the host's files;
#   - the prefetch itself (the prefetch-dependencies task and fetching its artifact: the
#     caller unpacks CACHI2_ARTIFACT into CACHI2_DIR) and the prefetch SBOM's copy to
#     sbom-prefetch.json (it goes into the SBOM, not the image);
#   - fetching a Containerfile from an http(s) URL (no network here);
#   - what follows the build (push, SBOM): the image is left in storage, tagged IMAGE; but
#     for 0.1, and 0.2 before 2024-11-29, whose inject-sbom-and-push step committed the SBOM
#     onto the image: that step is played, with a stand-in for syft's SBOM (a CycloneDX
#     document with a random serial number and the time: what makes the real one differ
#     from run to run).
#
# Prefetched content (CACHI2_DIR), tasks 0.2 from 403b7f5b (2024-09-27) to 0.9, as the task:
#   - inject-icm-to-containerfile (konflux-ci/buildah-container, scripts/icm-injection-scripts/
#     inject-icm.sh at 6b08fca4) when output/bom.json exists and SKIP_INJECTIONS=false (0.4
#     from b170025a, 2025-04-11): content-sets.json in the context, COPY lines appended to
#     the Containerfile copy (-c from efddcd82, 2025-08-18; the blank lines around them from
#     buildah-container f1552c9, in the image 0.4 pinned at aa9c09c1, 2025-04-16);
#   - before that (0.2 from a7ed9f9f, 2024-12-20, 0.3, 0.4 until b170025a), the icm step:
#     content-sets.json made from the prefetch SBOM, `buildah copy` onto a container of the
#     built image (/root/buildinfo/content_manifests/ in 0.2 and 0.3, /usr/share/buildinfo/
#     as icm-injection-scripts' inject-icm.sh from 4722982 in 0.4), the base image
#     annotations, `buildah commit` (--squash with SQUASH): a layer of its own;
#   - when cachi2.env exists: `cp -r` into this script's work dir (the task's /tmp/cachi2),
#     `chmod -R go+rwX`, RPMs of other architectures removed (0.8 from c67d0f6b, 0.9),
#     `--volume <copy>:/cachi2` first of the volumes, the task's multiline GNU sed that puts
#     `. /cachi2/cachi2.env && \` before every RUN's command, and
#     output/deps/rpm/<arch>/repos.d/cachi2.repo into fetched.repos.d (unless one is there);
#   - HERMETIC=true: every base image pulled first, then --pull=never, and the build in a
#     network namespace with only loopback up (`unshare --net`, `ip link set lo up`; down
#     before 9816995e, 2024-10-23, and in 0.1).
#   Where it differs from the task: the copy is $work/cachi2, not /tmp/cachi2 (the mount's
#   source, not in the image); buildah runs as real root, not in the task's user namespace,
#   so `chmod go+rwX` changes nothing buildah can see; the icm step's content-sets.json is
#   inject-icm.sh's (0.2's own heredoc was indented, and read CycloneDX alone). Older tasks
#   are refused with prefetched content: 0.1, and 0.2 before 403b7f5b, ran the sed on the
#   checkout's Containerfile.
set -euo pipefail

log() { printf '%s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
default_tool() { # name: .ci/bin/name of this checkout if built, else name on PATH
  if [ -x "$repo/.ci/bin/$1" ]; then echo "$repo/.ci/bin/$1"; else echo "$1"; fi
}

# ---- parameters, with the task's defaults ----------------------------------------------
: "${SOURCE_DIR:?SOURCE_DIR (the checkout root) is required}"
: "${IMAGE:?IMAGE (the tag to give the result) is required}"
CONTEXT=${CONTEXT-.}
DOCKERFILE=${DOCKERFILE-./Dockerfile}
TARGET_STAGE=${TARGET_STAGE:-}
BUILD_ARGS=${BUILD_ARGS:-}
BUILD_ARGS_FILE=${BUILD_ARGS_FILE:-}
ENV_VARS=${ENV_VARS:-}
LABELS=${LABELS:-}
ANNOTATIONS=${ANNOTATIONS:-}
ANNOTATIONS_FILE=${ANNOTATIONS_FILE:-}
COMMIT_SHA=${COMMIT_SHA:-}
SOURCE_URL=${SOURCE_URL:-}
IMAGE_EXPIRES_AFTER=${IMAGE_EXPIRES_AFTER:-}
sde=${SOURCE_DATE_EPOCH:-}
BUILD_TIMESTAMP=${BUILD_TIMESTAMP:-}
REWRITE_TIMESTAMP=${REWRITE_TIMESTAMP:-false}
OMIT_HISTORY=${OMIT_HISTORY:-false}
SKIP_INJECTIONS=${SKIP_INJECTIONS:-false}
SKIP_UNUSED_STAGES=${SKIP_UNUSED_STAGES:-true}
INHERIT_BASE_IMAGE_LABELS=${INHERIT_BASE_IMAGE_LABELS:-true}
ICM_KEEP_COMPAT_LOCATION=${ICM_KEEP_COMPAT_LOCATION:-true}
SQUASH=${SQUASH:-false}
HERMETIC=${HERMETIC:-false}
TLSVERIFY=${TLSVERIFY:-true}
ADD_CAPABILITIES=${ADD_CAPABILITIES:-}
WORKINGDIR_MOUNT=${WORKINGDIR_MOUNT:-}
YUM_REPOS_D_SRC=${YUM_REPOS_D_SRC:-repos.d}
YUM_REPOS_D_TARGET=${YUM_REPOS_D_TARGET:-/etc/yum.repos.d}
STORAGE_DRIVER=${STORAGE_DRIVER:-overlay}

TASK_VERSION=${TASK_VERSION:-0.8}
TASK_STARTED=${TASK_STARTED:-}
CACHI2_DIR=${CACHI2_DIR:-}
BUILD_PLATFORM=${BUILD_PLATFORM:-}

# ---- rules: what changed between and within versions ------------------------------------
# since VERSION_STEP DATE: true when the task at TASK_VERSION had the rule that version
# introduced, at TASK_STARTED (a later version always has it; the version itself from the
# committer time, on build-definitions' main, of the commit that brought it).
case $TASK_VERSION in
0.1 | 0.2 | 0.3 | 0.4 | 0.5 | 0.6 | 0.7 | 0.8 | 0.9) ;;
*) die "TASK_VERSION $TASK_VERSION: this script plays 0.1 to 0.9" ;;
esac
started_s=$(date -u -d "${TASK_STARTED:-9999-12-31T00:00:00Z}" +%s) || die "TASK_STARTED $TASK_STARTED is not a date"
since() { # version date
  local v=$1 d
  d=$(date -u -d "$2" +%s)
  if [ "$TASK_VERSION" = "$v" ]; then
    [ "$started_s" -ge "$d" ]
  else
    [ "$(printf '%s\n%s\n' "$v" "$TASK_VERSION" | sort -V | head -n1)" = "$v" ]
  fi
}
# 403b7f5b, 0.2: buildah reads a copy of the Containerfile; before (and in 0.1), the
# checkout's own, beside which it finds <Containerfile>.dockerignore or .containerignore.
containerfile_copy=false
since 0.2 2024-09-27T11:40:30Z && containerfile_copy=true
# a3b94c1c, 0.2: the build-args file's lines as --build-arg flags; before (and in 0.1),
# --build-arg-file ahead of the --build-arg flags.
expands_build_args_file=false
since 0.2 2024-09-12T14:00:08Z && expands_build_args_file=true
# 44a64633, 0.2: the LABELS parameter; before, none.
labels_param=false
since 0.2 2024-10-11T18:07:56Z && labels_param=true
# 5c353a29, 0.2: no more SBOM layer; before (and in 0.1), inject-sbom-and-push committed one.
sbom_layer=true
since 0.2 2024-11-29T13:34:57Z && sbom_layer=false
# 2bae316b and bdce7ea0, 0.4: labels.json, BUILD_TIMESTAMP and build-date with Z; before,
# build-date led the labels, the wall clock as %Y-%m-%dT%H:%M:%S, and nothing was injected.
writes_labels_json=false
since 0.4 2025-09-01T13:33:01Z && writes_labels_json=true
# 77807749, 0.4: the revision label and annotation beside vcs-ref.
revision_label=false
since 0.4 2025-09-15T05:31:07Z && revision_label=true
# 6522f602, 0.5: the ignore file copy letting labels.json in.
ignore_file_copy=false
since 0.5 2025-09-16T16:26:12Z && ignore_file_copy=true
# fb0f7048, 0.6: labels.json to /usr/share/buildinfo (and /root/buildinfo with
# ICM_KEEP_COMPAT_LOCATION); before, `COPY labels.json /root/buildinfo/labels.json` only.
usr_share_buildinfo=false
since 0.6 2025-10-29T21:02:22Z && usr_share_buildinfo=true
# f47a8c70, 0.7.1: the created label and annotation always; before, only with a timestamp.
created_always=false
since 0.7 2025-11-26T01:17:45Z && created_always=true
# 7f3d27d6, 0.8: --build-arg-file; before, the file's lines as --build-arg flags.
build_arg_file_flag=false
since 0.8 2026-02-16T16:22:27Z && build_arg_file_flag=true
# b170025a, 0.4: inject-icm-to-containerfile in the build step; before, the icm step
# committed content-sets.json after the build (0.2 from a7ed9f9f, 0.3), or nothing did.
icm_in_build=false
since 0.4 2025-04-11T14:38:51Z && icm_in_build=true
icm_step=false
[ "$icm_in_build" = false ] && since 0.2 2024-12-20T20:32:34Z && icm_step=true
# aa9c09c1, 0.4: the step image's inject-icm.sh puts blank lines around its COPY lines.
icm_blank_lines=false
since 0.4 2025-04-16T13:24:22Z && icm_blank_lines=true
# efddcd82, 0.4: inject-icm-to-containerfile with -c (ICM_KEEP_COMPAT_LOCATION).
icm_compat=false
since 0.4 2025-08-18T07:33:44Z && icm_compat=true
# c67d0f6b, 0.8: prefetched RPMs of other architectures removed.
rpm_arch_filter=false
since 0.8 2026-02-11T12:04:20Z && rpm_arch_filter=true
# 9816995e, 0.2: a HERMETIC build's network namespace gets its loopback up; before (and
# in 0.1), `unshare --net` alone left it down.
loopback_up=false
since 0.2 2024-10-23T12:02:49Z && loopback_up=true
log "task $TASK_VERSION${TASK_STARTED:+ started $TASK_STARTED}: loopback_up=$loopback_up containerfile_copy=$containerfile_copy expands_build_args_file=$expands_build_args_file labels_param=$labels_param sbom_layer=$sbom_layer writes_labels_json=$writes_labels_json revision_label=$revision_label ignore_file_copy=$ignore_file_copy usr_share_buildinfo=$usr_share_buildinfo created_always=$created_always build_arg_file_flag=$build_arg_file_flag icm_in_build=$icm_in_build icm_step=$icm_step icm_blank_lines=$icm_blank_lines icm_compat=$icm_compat rpm_arch_filter=$rpm_arch_filter"

if [ -n "$CACHI2_DIR" ] && { [ -f "$CACHI2_DIR/cachi2.env" ] || [ -f "$CACHI2_DIR/output/bom.json" ]; } &&
  [ "$containerfile_copy" = false ]; then
  die "prefetched content with task $TASK_VERSION${TASK_STARTED:+ started $TASK_STARTED}: not replayed (see the header)"
fi

BUILDAH=${BUILDAH:-$(default_tool buildah)}
DOCKERFILE_JSON=${DOCKERFILE_JSON:-$(default_tool dockerfile-json)}
JQ=${JQ:-jq}

# The buildah CLI reads defaults from these; the task's build step does not set them, so
# keep the caller's environment out of the build (SOURCE_DATE_EPOCH is passed by flag).
bah_env=(env -u SOURCE_DATE_EPOCH -u BUILDAH_FORMAT -u BUILDAH_LAYERS -u BUILDAH_HISTORY
  -u BUILDAH_ISOLATION -u STORAGE_OPTS)
bah_global=(--storage-driver "$STORAGE_DRIVER")
[ -n "${BUILDAH_ROOT:-}" ] && bah_global+=(--root "$BUILDAH_ROOT")
[ -n "${BUILDAH_RUNROOT:-}" ] && bah_global+=(--runroot "$BUILDAH_RUNROOT")
policy=()
[ -n "${SIGNATURE_POLICY:-}" ] && policy+=(--signature-policy "$SIGNATURE_POLICY")
bah() { "${bah_env[@]}" "$BUILDAH" "${bah_global[@]}" "$@"; }

# `uname -m` of the machine the task ran on, and buildah's --platform for it (see
# BUILD_PLATFORM).
uname_m=$(uname -m)
platform_flags=()
if [ -n "$BUILD_PLATFORM" ]; then
  platform_flags=(--platform "$BUILD_PLATFORM")
  p_arch=${BUILD_PLATFORM#*/}
  p_arch=${p_arch%%/*}
  case $p_arch in
  amd64) uname_m=x86_64 ;;
  arm64) uname_m=aarch64 ;;
  *) uname_m=$p_arch ;;
  esac
fi

# to_array NAME TEXT: one Tekton array element per line of TEXT, into the array NAME. An
# element starting with "--" ends the task's own argument parser and fails the task
# ("unexpected argument"), so fail the same way.
to_array() {
  local -n out=$1
  local line
  out=()
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    case $line in --*) die "unexpected argument: $line" ;; esac
    out+=("$line")
  done <<<"$2"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- context ---------------------------------------------------------------------------
if [ -z "$CONTEXT" ]; then
  log "WARNING: CONTEXT is empty. Defaulting to '.' (the source directory)."
  CONTEXT=.
fi
src_real=$(realpath "$SOURCE_DIR")
ctx_real=$(realpath "$SOURCE_DIR/$CONTEXT")
case $ctx_real in
"$src_real" | "$src_real/"*) ;;
*) die "the CONTEXT ('$CONTEXT') escapes the source directory ($src_real -> $ctx_real)" ;;
esac
ctx_dir=$SOURCE_DIR/$CONTEXT

# ---- Containerfile: context first, then the source root, then as given ----------------
if [ -e "$SOURCE_DIR/$CONTEXT/$DOCKERFILE" ]; then
  containerfile=$SOURCE_DIR/$CONTEXT/$DOCKERFILE
elif [ -e "$SOURCE_DIR/$DOCKERFILE" ]; then
  containerfile=$SOURCE_DIR/$DOCKERFILE
elif [ -e "$DOCKERFILE" ]; then
  containerfile=$DOCKERFILE
else
  die "cannot find Dockerfile $DOCKERFILE"
fi
# The task builds from a temporary copy named <basename>.XXXXXX (mktemp --tmpdir); 0.1, and
# 0.2 before 403b7f5b, from the checkout's own (it edited that one for prefetch and a JVM
# cache alone, not played here).
if [ "$containerfile_copy" = true ]; then
  cf_copy=$(mktemp -p "$work" "$(basename "$containerfile").XXXXXX")
  cp "$containerfile" "$cf_copy"
else
  cf_copy=$(realpath "$containerfile")
fi

# ---- inject-icm-to-containerfile: content sets from the prefetch SBOM ------------------
# inject-icm.sh (see the header) as the task runs it: [-c] CONTAINERFILE PREFETCH_SBOM DIR.
# It writes content-sets.json into DIR (the context) and appends COPY lines; without the
# SBOM (nothing prefetched) it does nothing.
inject_icm() {
  local compat=false
  if [ "$1" = -c ]; then
    compat=true
    shift
  fi
  local containerfile=$1 prefetch_sbom=$2
  [ -f "$prefetch_sbom" ] || return 0
  write_content_sets "$prefetch_sbom" "$3/content-sets.json"
  if [ "$icm_blank_lines" = false ]; then
    echo "COPY content-sets.json /usr/share/buildinfo/content-sets.json" >>"$containerfile"
    return 0
  fi
  {
    echo
    echo "COPY content-sets.json /usr/share/buildinfo/content-sets.json"
    echo
    if [ "$compat" = true ]; then
      echo "COPY content-sets.json /root/buildinfo/content_manifests/content-sets.json"
      echo
    fi
  } >>"$containerfile"
}
# write_content_sets PREFETCH_SBOM FILE: content-sets.json as inject-icm.sh writes it.
write_content_sets() {
  local prefetch_sbom=$1 icm_output_location=$2 content_set
  cat >"$icm_output_location" <<EOF
{
    "metadata": {
	"icm_version": 1,
	"icm_spec": "https://raw.githubusercontent.com/containerbuildsystem/atomic-reactor/master/atomic_reactor/schemas/content_manifest.json",
	"image_layer_index": 0
    },
    "from_dnf_hint": true,
    "content_sets": []
}

EOF
  while IFS='' read -r content_set; do
    if [ "$content_set" != "" ]; then
      "$JQ" --arg content_set "$content_set" '.content_sets += [$content_set]' "$icm_output_location" >"$work/content-sets.json.tmp"
      mv "$work/content-sets.json.tmp" "$icm_output_location"
    fi
  done <<<"$(
    # shellcheck disable=SC2016 # jq, not the shell
    "$JQ" -r '
        if .bomFormat == "CycloneDX" then
            .components[].purl
        else
            .packages[].externalRefs[]? | select(.referenceType == "purl") | .referenceLocator
        end' "$prefetch_sbom" |
      grep -o -P '(?<=repository_id=).*(?=(&|$))' |
      sort -u
  )"
  cat "$icm_output_location" >&2
}
if [ -n "$CACHI2_DIR" ] && [ "$SKIP_INJECTIONS" = "false" ] && [ "$icm_in_build" = true ]; then
  icm_opts=()
  [ "$icm_compat" = true ] && [ "$ICM_KEEP_COMPAT_LOCATION" = "true" ] && icm_opts+=(-c)
  inject_icm "${icm_opts[@]}" "$cf_copy" "$CACHI2_DIR/output/bom.json" "$ctx_dir"
fi

# ---- arguments: build args, env, labels, annotations -----------------------------------
build_args=() env_vars=() extra_labels=() extra_annotations=()
to_array build_args "$BUILD_ARGS"
to_array env_vars "$ENV_VARS"
to_array extra_labels "$LABELS"
[ "$labels_param" = true ] || extra_labels=()
to_array extra_annotations "$ANNOTATIONS"

annotation_flags=()
if [ -n "$ANNOTATIONS_FILE" ] && [ -f "$SOURCE_DIR/$ANNOTATIONS_FILE" ]; then
  log "Reading annotations from file: $SOURCE_DIR/$ANNOTATIONS_FILE"
  while IFS= read -r line || [[ -n $line ]]; do
    # blank lines and comment lines are skipped; everything else is passed as written
    if [[ -n $line && ! $line =~ ^[[:space:]]*# ]]; then
      annotation_flags+=(--annotation "$line")
    fi
  done <"$SOURCE_DIR/$ANNOTATIONS_FILE"
fi
for a in "${extra_annotations[@]}"; do annotation_flags+=(--annotation "$a"); done

build_arg_flags=()
if [ "$expands_build_args_file" = true ] && [ "$build_arg_file_flag" = false ] && [ -n "$BUILD_ARGS_FILE" ]; then
  # Before 0.8 (7f3d27d6) the script read the file itself: lines not starting with # and
  # not blank, each a --build-arg, ahead of BUILD_ARGS so that BUILD_ARGS win.
  while IFS= read -r line; do
    build_arg_flags+=("--build-arg=$line")
  done < <(sed -e '/^#/d' -e '/^\s*$/d' "$SOURCE_DIR/$BUILD_ARGS_FILE")
fi
for a in "${build_args[@]}"; do build_arg_flags+=("--build-arg=$a"); done
env_flags=()
for e in "${env_vars[@]}"; do env_flags+=("--env=$e"); done

# ---- parse the Containerfile with dockerfile-json --------------------------------------
# The task's dockerfile-json is Konflux's fork, which takes --env and --build-arg-file and
# sets the platform build args itself. The module proxy serves only upstream (v1.2.2),
# which has neither flag: for it, do what the task did before the fork had them (platform
# args from `buildah info`, then the file's lines, then BUILD_ARGS, so BUILD_ARGS win).
djson_flags=()
djson_help=$("$DOCKERFILE_JSON" -h 2>&1 || true)
if [[ $djson_help == *-build-arg-file* ]]; then
  djson_flags+=("${build_arg_flags[@]}" "${env_flags[@]}")
  if [ -n "$BUILD_ARGS_FILE" ] && { [ "$build_arg_file_flag" = true ] || [ "$expands_build_args_file" = false ]; }; then
    djson_flags+=("--build-arg-file=$SOURCE_DIR/$BUILD_ARGS_FILE")
  fi
else
  host=$(bah info | "$JQ" -c '.host')
  h_os=$("$JQ" -r '.os' <<<"$host")
  h_arch=$("$JQ" -r '.arch' <<<"$host")
  h_variant=$("$JQ" -r '.variant // ""' <<<"$host")
  if [ -n "$BUILD_PLATFORM" ]; then
    IFS=/ read -r h_os h_arch h_variant <<<"$BUILD_PLATFORM"
  fi
  h_platform=$h_os/$h_arch${h_variant:+/$h_variant}
  for p in BUILD TARGET; do
    djson_flags+=("--build-arg=${p}PLATFORM=$h_platform" "--build-arg=${p}OS=$h_os"
      "--build-arg=${p}ARCH=$h_arch" "--build-arg=${p}VARIANT=$h_variant")
  done
  if [ -n "$BUILD_ARGS_FILE" ] && { [ "$build_arg_file_flag" = true ] || [ "$expands_build_args_file" = false ]; }; then
    while IFS= read -r line; do
      djson_flags+=("--build-arg=$line")
    done < <(sed -e '/^#/d' -e '/^\s*$/d' "$SOURCE_DIR/$BUILD_ARGS_FILE")
  fi
  djson_flags+=("${build_arg_flags[@]}")
fi
parsed=$work/parsed_dockerfile.json
"$DOCKERFILE_JSON" "${djson_flags[@]}" "$cf_copy" >"$parsed"

# Images the stages are built FROM (not other stages, not scratch, not oci-archive:).
base_images=$("$JQ" -r '.Stages[] | select(.From | .Stage or .Scratch | not)
  | .BaseName | select(test("^oci-archive:") | not)' "$parsed" | tr -d "\"'")

# ---- buildah flags, in the task's order ------------------------------------------------
buildah_args=()
if [ "$HERMETIC" == "true" ]; then
  buildah_args+=(--pull=never)
  # The task pulls every base image before its build with no network.
  for image in $base_images; do
    bah pull "${platform_flags[@]}" "${policy[@]}" "$image" >&2
  done
fi
[ -n "$TARGET_STAGE" ] && buildah_args+=("--target=$TARGET_STAGE")
if [ -n "$BUILD_ARGS_FILE" ] && [ "$expands_build_args_file" = false ]; then
  buildah_args+=("--build-arg-file=$(realpath "$SOURCE_DIR/$BUILD_ARGS_FILE")")
fi
buildah_args+=("${build_arg_flags[@]}" "${env_flags[@]}")
if [ -n "$BUILD_ARGS_FILE" ] && [ "$build_arg_file_flag" = true ]; then
  buildah_args+=("--build-arg-file=$(realpath "$SOURCE_DIR/$BUILD_ARGS_FILE")")
fi
buildah_args+=("--security-opt=unmask=/proc/interrupts")
# (PRIVILEGED_NESTED adds only RUN privileges: not replayed.)
[ -n "$ADD_CAPABILITIES" ] && buildah_args+=("--cap-add=$ADD_CAPABILITIES")
[ "$SQUASH" == "true" ] && buildah_args+=(--squash)
[ "$SKIP_UNUSED_STAGES" != "true" ] && buildah_args+=(--skip-unused-stages=false)
[ "$INHERIT_BASE_IMAGE_LABELS" != "true" ] && buildah_args+=(--inherit-labels=false)
if [ -n "$sde" ]; then
  buildah_args+=("--source-date-epoch=$sde")
  [ "$REWRITE_TIMESTAMP" = "true" ] && buildah_args+=(--rewrite-timestamp)
  [ -n "$BUILD_TIMESTAMP" ] && die "cannot use both BUILD_TIMESTAMP and SOURCE_DATE_EPOCH"
  BUILD_TIMESTAMP=$sde # for the labels and annotations below
fi
[ "$OMIT_HISTORY" == "true" ] && buildah_args+=(--omit-history)

volume_mounts=()
repos=$work/fetched.repos.d # the task's YUM_REPOS_D_FETCHED
# ---- prefetched content: the task's block, verbatim but for /tmp/cachi2 -----------------
if [ -n "$CACHI2_DIR" ] && [ -f "$CACHI2_DIR/cachi2.env" ]; then
  log "Prefetched content will be made available"
  cp -r "$CACHI2_DIR" "$work/cachi2"
  chmod -R go+rwX "$work/cachi2"
  RPM_PREFETCH_DIR="$work/cachi2/output/deps/rpm"
  if [ "$rpm_arch_filter" = true ] && [ -d "$RPM_PREFETCH_DIR" ] && [ "$(find "$RPM_PREFETCH_DIR" | wc -l)" -gt 1 ]; then
    PREFETCH_ARCH="$uname_m"
    for path in "$RPM_PREFETCH_DIR"/*; do
      if [ "$(basename "$path")" != "$PREFETCH_ARCH" ]; then
        log "Removing: $path"
        rm -rf "$path"
      fi
    done
  fi
  volume_mounts+=(--volume "$work/cachi2:/cachi2")
  # Read in the whole file, then for each RUN ... line insert the cachi2.env command *after*
  # any options like --mount (GNU sed: \s, \n and the M flag).
  sed -E -i \
    -e 'H;1h;$!d;x' \
    -e 's@^\s*(run((\s|\\\n)+-\S+)*(\s|\\\n)+)@\1. /cachi2/cachi2.env \&\& \\\n    @igM' \
    "$cf_copy"
  prefetched_repo_for_my_arch="$work/cachi2/output/deps/rpm/$uname_m/repos.d/cachi2.repo"
  if [ -f "$prefetched_repo_for_my_arch" ]; then
    mkdir -p "$repos"
    if [ ! -f "$repos/cachi2.repo" ]; then
      cp "$prefetched_repo_for_my_arch" "$repos"
    fi
  fi
fi
# Yum repository files kept in git are copied out of the source (over a prefetched
# cachi2.repo of the same name) and the folder is mounted.
if [ -d "$SOURCE_DIR/$YUM_REPOS_D_SRC" ]; then
  mkdir -p "$repos"
  cp -r "$SOURCE_DIR/$YUM_REPOS_D_SRC"/* "$repos"
fi
if [ -d "$repos" ]; then
  chmod -R go+rwX "$repos"
  volume_mounts+=(--volume "$repos:$YUM_REPOS_D_TARGET")
fi
if [ -n "$WORKINGDIR_MOUNT" ]; then
  [[ $WORKINGDIR_MOUNT == *:* ]] && die "WORKINGDIR_MOUNT contains ':'"
  volume_mounts+=(--volume "$(realpath "$ctx_dir"):$WORKINGDIR_MOUNT")
fi
# ADDITIONAL_VOLUME_MOUNTS (an environment variable of the step, one mount a line, used by
# instrumented builds).
if [ -n "${ADDITIONAL_VOLUME_MOUNTS-}" ]; then
  while read -r m; do
    volume_mounts+=("--volume=$m")
  done <<<"$ADDITIONAL_VOLUME_MOUNTS"
fi

# ---- default labels and annotations ----------------------------------------------------
if [ "$writes_labels_json" = false ]; then
  # 0.4 before 2025-09-01: build-date first, the wall clock without Z; no created label.
  label_flags=(--label "build-date=$(date -u +'%Y-%m-%dT%H:%M:%S')" --label "architecture=$uname_m" --label "vcs-type=git")
  [ -n "$COMMIT_SHA" ] && label_flags+=(--label "vcs-ref=$COMMIT_SHA")
  [ -n "$IMAGE_EXPIRES_AFTER" ] && label_flags+=(--label "quay.expires-after=$IMAGE_EXPIRES_AFTER")
else
  label_flags=(--label "architecture=$uname_m" --label "vcs-type=git")
  if [ -n "$COMMIT_SHA" ]; then
    label_flags+=(--label "vcs-ref=$COMMIT_SHA")
    if [ "$revision_label" = true ]; then
      label_flags+=(--label "org.opencontainers.image.revision=$COMMIT_SHA")
      annotation_flags+=(--annotation "org.opencontainers.image.revision=$COMMIT_SHA")
    fi
  fi
  if [ -n "$SOURCE_URL" ]; then
    label_flags+=(--label "org.opencontainers.image.source=$SOURCE_URL")
    annotation_flags+=(--annotation "org.opencontainers.image.source=$SOURCE_URL")
  fi
  [ -n "$IMAGE_EXPIRES_AFTER" ] && label_flags+=(--label "quay.expires-after=$IMAGE_EXPIRES_AFTER")
  if [ -n "$BUILD_TIMESTAMP" ]; then
    created=$(date -u -d "@$BUILD_TIMESTAMP" +'%Y-%m-%dT%H:%M:%SZ')
  else
    created=$(date -u +'%Y-%m-%dT%H:%M:%SZ') # not reproducible, as in the task
  fi
  label_flags+=(--label "build-date=$created")
  with_created=$created_always
  [ -n "$BUILD_TIMESTAMP" ] && with_created=true
  if [ "$with_created" = true ]; then
    label_flags+=(--label "org.opencontainers.image.created=$created")
    annotation_flags+=(--annotation "org.opencontainers.image.created=$created")
  fi
fi
# Explicit LABELS come after the defaults: for a key given twice the last one wins.
for l in "${extra_labels[@]}"; do label_flags+=(--label "$l"); done

# ---- labels.json (from 2025-09-01) ----------------------------------------------------
if [ "$writes_labels_json" = true ]; then
  # The final base image's labels (if inherited and the last stage, followed through
  # `FROM <stage>`, is an image), deep-merged with key=value pairs: the label flags, created,
  # io.buildah.version, then every LABEL instruction of every stage with quotes deleted.
  base_labels=$work/base_images_labels.json
  : >"$base_labels"
  if [[ $INHERIT_BASE_IMAGE_LABELS == "true" ]] && [[ -n $base_images ]]; then
    # shellcheck disable=SC2016 # jq variables
    final_base=$("$JQ" -r '.Stages as $all |
      def root($s): if $s.From.Stage then root($all[$s.From.Stage.Index]) else $s end;
      root(.Stages[-1]) | if .From.Scratch or (.BaseName | test("^oci-archive:")) then empty
      else .BaseName end' "$parsed" | tr -d "\"'")
    if [[ -n $final_base ]]; then
      # As in the task: pull policy "missing", TLS verified whatever TLSVERIFY says (mark a
      # loopback test registry insecure in registries.conf instead).
      bah pull "${platform_flags[@]}" "${policy[@]}" "$final_base" >/dev/null
      bah inspect "$final_base" | "$JQ" '.OCIv1.config.Labels' >"$base_labels"
    fi
  fi

  label_pairs=()
  for l in "${label_flags[@]}"; do
    [ "$l" != "--label" ] && label_pairs+=("$l")
  done
  [ "$with_created" = true ] && label_pairs+=("org.opencontainers.image.created=$created")
  label_pairs+=("io.buildah.version=$(bah version --json | "$JQ" -r '.version')")
  while IFS= read -r l; do
    label_pairs+=("$l")
  done < <("$JQ" -r '.Stages[].Commands[] | select(.Name == "LABEL") | .Labels[]
    | "\(.Key)=\(.Value)"' "$parsed" | sed 's/"//g')

  # Split each pair at "=" keeping the first two pieces; keys keep their first position.
  image_labels=$work/image_labels.json
  printf '%s\n' "${label_pairs[@]}" | "$JQ" -Rn '[inputs | select(length > 0)]
    | map(split("=") | {(.[0]): (.[1] // "")}) | add' >"$image_labels"
  "$JQ" -s '(.[0] // {}) * (.[1] // {})' "$base_labels" "$image_labels" >"$ctx_dir/labels.json"
  "$JQ" '.' "$ctx_dir/labels.json" >&2

  if [ "$SKIP_INJECTIONS" = "false" ] && [ "$usr_share_buildinfo" = false ]; then
    printf '\n%s\n' 'COPY labels.json /root/buildinfo/labels.json' >>"$cf_copy"
  elif [ "$SKIP_INJECTIONS" = "false" ]; then
    {
      echo ""
      echo 'COPY labels.json /usr/share/buildinfo/labels.json'
      if [ "$ICM_KEEP_COMPAT_LOCATION" = "true" ]; then
        echo 'COPY labels.json /root/buildinfo/labels.json'
      fi
    } >>"$cf_copy"
  fi
fi

# Keep labels.json (and content-sets.json) out of the ignore file's reach.
ignore=""
if [ "$ignore_file_copy" = false ]; then
  : # before 2025-09-16 the task passed none: buildah reads the context's own
elif [ -f "$ctx_dir/.containerignore" ]; then
  ignore=$ctx_dir/.containerignore
elif [ -f "$ctx_dir/.dockerignore" ]; then
  ignore=$ctx_dir/.dockerignore
fi
if [ -n "$ignore" ]; then
  ignore_copy=$(mktemp -p "$work" "$(basename "$ignore").XXXXXX")
  cp "$ignore" "$ignore_copy"
  printf '\n!/labels.json\n!/content-sets.json\n' >>"$ignore_copy"
  buildah_args+=(--ignorefile "$ignore_copy")
fi

# ---- the build -------------------------------------------------------------------------
iidfile=$work/iid
build=(build "${platform_flags[@]}" "${volume_mounts[@]}" "${buildah_args[@]}" "${label_flags[@]}" "${annotation_flags[@]}"
  "--tls-verify=$TLSVERIFY" --no-cache
  --ulimit nofile=4096:4096
  # Not in the task: this VM lacks CAP_SYS_RESOURCE, and as root buildah otherwise raises
  # RLIMIT_NPROC to 1048576 before RUN and fails ("operation not permitted"). Ulimits are
  # not recorded in the image, so this does not change the result.
  --ulimit nproc=4096:4096
  --http-proxy=false
  # Not in the task's flags: RUN without an OCI runtime, as the task's image does
  # (BUILDAH_ISOLATION=chroot, the usual setting of buildah images run in a pod).
  --isolation chroot
  "${policy[@]}" --iidfile "$iidfile"
  -f "$cf_copy" -t "$IMAGE" .)
log "+ (cd $ctx_dir && $(printf '%q ' "$BUILDAH" "${bah_global[@]}" "${build[@]}"))"
if [ "$HERMETIC" == "true" ]; then
  # no network (but loopback, from 9816995e), like the task's `unshare --net` (+ `ip link set lo up`)
  lo_up=:
  [ "$loopback_up" = true ] && lo_up='ip link set lo up'
  (cd "$ctx_dir" && unshare --net -- sh -c "$lo_up"' && exec "$@"' sh \
    "${bah_env[@]}" "$BUILDAH" "${bah_global[@]}" "${build[@]}") >&2
else
  (cd "$ctx_dir" && bah "${build[@]}") >&2
fi

iid=$(cat "$iidfile")

# ---- steps that commit onto the built image ----------------------------------------------
# commit_task_layer CONTAINER: what the icm and inject-sbom-and-push steps do after copying
# their files into a container of IMAGE: the base image annotations IMAGE has, `buildah
# commit` back as IMAGE (--squash with SQUASH), the container removed.
commit_task_layer() {
  local container=$1 base_name base_digest
  base_name=$(bah inspect --format '{{ index .ImageAnnotations "org.opencontainers.image.base.name"}}' "$IMAGE" | cut -f1 -d'@')
  base_digest=$(bah inspect --format '{{ index .ImageAnnotations "org.opencontainers.image.base.digest"}}' "$IMAGE")
  bah config -a "org.opencontainers.image.base.name=$base_name" -a "org.opencontainers.image.base.digest=$base_digest" "$container" >&2
  local commit_args=()
  [ "$SQUASH" == "true" ] && commit_args+=(--squash)
  bah commit "${commit_args[@]}" --iidfile "$iidfile" "$container" "$IMAGE" >&2
  bah rm "$container" >/dev/null
  iid=$(cat "$iidfile")
}

# ---- 0.2 from a7ed9f9f, 0.3, 0.4 before b170025a: the icm step ----------------------------
if [ "$icm_step" = true ] && [ -n "$CACHI2_DIR" ] && [ -f "$CACHI2_DIR/output/bom.json" ]; then
  icm_dir=/root/buildinfo/content_manifests/
  [ "$TASK_VERSION" = 0.4 ] && icm_dir=/usr/share/buildinfo/
  container=$(bah from --pull-never "$IMAGE")
  mkdir "$work/icm"
  write_content_sets "$CACHI2_DIR/output/bom.json" "$work/icm/content-sets.json"
  (cd "$work/icm" && bah copy "$container" content-sets.json "$icm_dir") >&2
  commit_task_layer "$container"
fi

# ---- 0.1, and 0.2 before 5c353a29: inject-sbom-and-push ---------------------------------
if [ "$sbom_layer" = true ]; then
  container=$(bah from --pull-never "$IMAGE")
  # A stand-in for the SBOM syft and the task's scripts made: what differs from run to run.
  printf '{"bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:%s","metadata":{"timestamp":"%s"},"components":[]}\n' \
    "$(cat /proc/sys/kernel/random/uuid)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/sbom-cyclonedx.json"
  printf '{"image_contents":{"dependencies":[]}}\n' >"$work/sbom-purl.json"
  (cd "$work" && bah copy "$container" sbom-cyclonedx.json sbom-purl.json /root/buildinfo/content_manifests/) >&2
  commit_task_layer "$container"
fi
echo "${iid#sha256:}"
