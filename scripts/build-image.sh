#!/usr/bin/env bash
# build-image.sh [TAG | --print-buildah]
#
# Builds the rebuild builder image from the Containerfile at the root of this checkout and
# tags it TAG (default localhost/rebuild:latest). Needs no container registry: the bases
# come from GO_IMAGE and RUNTIME_IMAGE, each NAME@sha256:DIGEST, and when both are unset
# scripts/make-image-bases.sh makes them from Debian's packages and this machine's Go. The
# Go build reads modules only from this machine's module cache, mounted read-only.
#
# The image is reproducible: SOURCE_DATE_EPOCH is the commit's time, file timestamps are
# clamped to it (--rewrite-timestamp), nothing comes from a layer cache, no identity label.
# Building the same commit twice with the same bases and buildah gives the same image ID.
#
# Environment (all optional):
#   GO_IMAGE, RUNTIME_IMAGE  the bases, pinned by digest (both or neither)
#   SOURCE_DATE_EPOCH        default: git log -1 --pretty=%ct of this checkout
#   GOMODCACHE               module cache to mount (default: go env GOMODCACHE)
#   GOCACHE                  build cache to start from (default: go env GOCACHE), mounted as
#                            an overlay whose writes are dropped; GOCACHE=off builds cold
#   BUILDAH, BUILDAH_ROOT, BUILDAH_RUNROOT, STORAGE_DRIVER, SIGNATURE_POLICY
#                            as for scripts/make-image-bases.sh
#   REBUILD_CI_BIN           where a buildah of its own is looked for and built (.ci/bin)
#
# The build needs buildah 1.41 or later (--source-date-epoch, --rewrite-timestamp). With
# BUILDAH unset it takes .ci/bin/buildah, else the buildah on PATH; when that one is older
# (Debian 12 ships 1.28), it builds its own into .ci/bin from .ci/tools/buildah, as
# .ci/install.sh does, and says so. A BUILDAH given that is too old is refused.
#
# Prints the image ID on stdout; everything else goes to stderr. With --print-buildah, prints
# the buildah the build would use (after building it, if need be) and stops.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ci_bin=${REBUILD_CI_BIN:-$repo/.ci/bin}
t0=$(date +%s)
step() { printf '[image %3ds] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }

min_buildah=1.41.0
# buildah_version BIN: its x.y.z, "" when it does not run.
buildah_version() { "$1" --version 2>/dev/null | sed -n 's/^buildah version \([0-9][0-9.]*\).*/\1/p'; }
new_enough() { [ -n "$1" ] && [ "$(printf '%s\n%s\n' "$min_buildah" "$1" | sort -V | head -n1)" = "$min_buildah" ]; }
if [ -n "${BUILDAH:-}" ]; then
  have=$(buildah_version "$BUILDAH")
  if ! new_enough "$have"; then
    echo "error: BUILDAH=$BUILDAH is buildah ${have:-(does not run)}; this build needs $min_buildah or later (--source-date-epoch, --rewrite-timestamp): unset BUILDAH to have one built" >&2
    exit 2
  fi
elif [ -x "$ci_bin/buildah" ] && new_enough "$(buildah_version "$ci_bin/buildah")"; then
  BUILDAH=$ci_bin/buildah
else
  have=$(buildah_version "$(command -v buildah || echo buildah)")
  if new_enough "$have"; then
    BUILDAH=$(command -v buildah)
  else
    mod_version=$(cd "$repo/.ci/tools/buildah" && go list -m -f '{{.Version}}' github.com/containers/buildah)
    step "the buildah on PATH is ${have:-missing}, older than $min_buildah (no --source-date-epoch): building buildah $mod_version from .ci/tools/buildah into $ci_bin, as .ci/install.sh does"
    mkdir -p "$ci_bin"
    (cd "$repo/.ci/tools/buildah" && CGO_ENABLED=1 GOWORK=off GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false \
      -tags "$(cat "$repo/buildtags")" -ldflags "-s -w" -o "$ci_bin/buildah.tmp" github.com/containers/buildah/cmd/buildah) ||
      { echo "error: building buildah failed (it needs Go, gcc and libc6-dev, as .ci/install.sh installs)" >&2; exit 2; }
    mv -f "$ci_bin/buildah.tmp" "$ci_bin/buildah"
    BUILDAH=$ci_bin/buildah
  fi
fi
export BUILDAH
step "buildah $(buildah_version "$BUILDAH"): $BUILDAH"
if [ "${1:-}" = "--print-buildah" ]; then
  echo "$BUILDAH"
  exit 0
fi
tag=${1:-localhost/rebuild:latest}

global=()
[ -n "${BUILDAH_ROOT:-}" ] && global+=(--root "$BUILDAH_ROOT")
[ -n "${BUILDAH_RUNROOT:-}" ] && global+=(--runroot "$BUILDAH_RUNROOT")
[ -n "${STORAGE_DRIVER:-}" ] && global+=(--storage-driver "$STORAGE_DRIVER")
policy=()
[ -n "${SIGNATURE_POLICY:-}" ] && policy+=(--signature-policy "$SIGNATURE_POLICY")

if [ -z "${GO_IMAGE:-}" ] && [ -z "${RUNTIME_IMAGE:-}" ]; then
  step "making the bases with scripts/make-image-bases.sh"
  bases=$("$repo/scripts/make-image-bases.sh")
  GO_IMAGE=$(sed -n 's/^GO_IMAGE=//p' <<<"$bases")
  RUNTIME_IMAGE=$(sed -n 's/^RUNTIME_IMAGE=//p' <<<"$bases")
fi
for v in GO_IMAGE RUNTIME_IMAGE; do
  if [[ ! ${!v:-} =~ @sha256:[0-9a-f]{64}$ ]]; then
    echo "error: $v=${!v:-} is not pinned: give NAME@sha256:DIGEST (or neither base to make them)" >&2
    exit 2
  fi
done

epoch=${SOURCE_DATE_EPOCH:-}
if [ -z "$epoch" ]; then
  if ! epoch=$(git -C "$repo" log -1 --pretty=%ct 2>/dev/null) || [ -z "$epoch" ]; then
    echo "error: $repo is not a git checkout: set SOURCE_DATE_EPOCH" >&2
    exit 2
  fi
fi
modcache=${GOMODCACHE:-$(go env GOMODCACHE)}
if [ ! -d "$modcache/cache/download" ]; then
  echo "error: no Go module cache at $modcache (run go mod download first)" >&2
  exit 1
fi

volumes=(--volume "$modcache:/go/pkg/mod:ro")
gocache=${GOCACHE:-$(go env GOCACHE)}
# Go's build cache is keyed by every input, so it makes the build faster, not different.
if [ "$gocache" != off ] && [ -d "$gocache" ]; then
  volumes+=(--volume "$gocache:/tmp/go-build:O")
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step "building $tag from $GO_IMAGE and $RUNTIME_IMAGE, SOURCE_DATE_EPOCH=$epoch"
# The ulimits stay under this machine's hard limits (buildah would raise them otherwise).
"$BUILDAH" "${global[@]}" build "${policy[@]}" --quiet \
  --format oci --layers=false --no-cache --pull=missing \
  --source-date-epoch "$epoch" --rewrite-timestamp --identity-label=false \
  --build-arg "GO_IMAGE=$GO_IMAGE" --build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE" \
  "${volumes[@]}" \
  --isolation chroot --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
  --iidfile "$work/iid" --tag "$tag" \
  --file "$repo/Containerfile" "$repo" >&2
id=$(cat "$work/iid")
step "built $tag: ${id#sha256:}"
echo "${id#sha256:}"
