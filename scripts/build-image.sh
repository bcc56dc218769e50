#!/usr/bin/env bash
# build-image.sh [TAG]
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
#
# Prints the image ID on stdout; everything else goes to stderr.
set -euo pipefail

tag=${1:-localhost/rebuild:latest}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${BUILDAH:-}" ]; then
  if [ -x "$repo/.ci/bin/buildah" ]; then
    BUILDAH=$repo/.ci/bin/buildah
  else
    BUILDAH=buildah
  fi
fi
export BUILDAH

global=()
[ -n "${BUILDAH_ROOT:-}" ] && global+=(--root "$BUILDAH_ROOT")
[ -n "${BUILDAH_RUNROOT:-}" ] && global+=(--runroot "$BUILDAH_RUNROOT")
[ -n "${STORAGE_DRIVER:-}" ] && global+=(--storage-driver "$STORAGE_DRIVER")
policy=()
[ -n "${SIGNATURE_POLICY:-}" ] && policy+=(--signature-policy "$SIGNATURE_POLICY")

t0=$(date +%s)
step() { printf '[image %3ds] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }

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
