#!/usr/bin/env bash
# check-konflux-build.sh: self-check of the reference build (scripts/konflux-build.sh).
#
# Makes the busybox base image in two fresh storage roots under a temp dir, builds a small
# multi-stage Containerfile in each with SOURCE_DATE_EPOCH and REWRITE_TIMESTAMP=true, and
# checks that the two image IDs are equal and that the injected labels.json is jq's pretty
# print with the keys in the task's order. Prints the image ID on stdout. Run as root.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDAH=${BUILDAH:-$repo/.ci/bin/buildah}
export BUILDAH

tmp=$(mktemp -d)
roots=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local r
  for r in "${roots[@]}"; do
    "$BUILDAH" --root "$r/root" --runroot "$r/run" rm --all >/dev/null 2>&1 || true
    "$BUILDAH" --root "$r/root" --runroot "$r/run" rmi --all --force >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$tmp/policy.json"
export SIGNATURE_POLICY=$tmp/policy.json

src=$tmp/src
mkdir -p "$src"
cat >"$src/Containerfile" <<'EOF'
FROM localhost/busybox:latest AS builder
LABEL stage=builder "quoted key"="v=1"
RUN mkdir -p /out/etc && echo hello >/out/hello.txt && echo world >/out/etc/world && chmod 0600 /out/etc/world
FROM scratch
LABEL name="reference" description="a <test> & more"
COPY --from=builder /out /
EOF
# Ignore everything: COPY labels.json works only through the task's "!/labels.json".
printf '*\n' >"$src/.containerignore"

ids=()
for i in 1 2; do
  r=$tmp/storage$i
  roots+=("$r")
  export BUILDAH_ROOT=$r/root BUILDAH_RUNROOT=$r/run
  "$repo/scripts/make-base-image.sh" localhost/busybox:latest >/dev/null
  ids+=("$(SOURCE_DIR=$src DOCKERFILE=Containerfile IMAGE=localhost/reference:latest \
    SOURCE_DATE_EPOCH=1700000000 REWRITE_TIMESTAMP=true \
    COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 SOURCE_URL=https://example.com/repo.git \
    LABELS=$'release=1\nextra=x=y' ANNOTATIONS=note=hi \
    "$repo/scripts/konflux-build.sh" 2>"$tmp/build$i.log")") || {
    cat "$tmp/build$i.log" >&2
    exit 1
  }
  echo "build $i: ${ids[-1]}" >&2
done
if [ "${ids[0]}" != "${ids[1]}" ]; then
  echo "FAIL: image IDs differ" >&2
  exit 1
fi

# labels.json as the image has it, compared with what jq writes for the expected keys.
bah=("$BUILDAH" --root "$tmp/storage1/root" --runroot "$tmp/storage1/run")
ctr=$("${bah[@]}" from --signature-policy "$SIGNATURE_POLICY" --quiet localhost/reference:latest)
mnt=$("${bah[@]}" mount "$ctr")
jq -n '{
  "architecture": $arch, "vcs-type": "git",
  "vcs-ref": "0123456789abcdef0123456789abcdef01234567",
  "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
  "org.opencontainers.image.source": "https://example.com/repo.git",
  "build-date": "2023-11-14T22:13:20Z", "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
  "release": "1", "extra": "x", "io.buildah.version": $v,
  "stage": "builder", "quoted key": "v", "name": "reference", "description": "a <test> & more"
}' --arg arch "$(uname -m)" --arg v "$("$BUILDAH" version --json | jq -r .version)" >"$tmp/want.json"
status=0
for f in usr/share/buildinfo/labels.json root/buildinfo/labels.json; do
  if ! cmp -s "$tmp/want.json" "$mnt/$f"; then
    echo "FAIL: /$f differs from the expected labels.json:" >&2
    diff "$tmp/want.json" "$mnt/$f" >&2 || true
    status=1
  fi
done
"${bah[@]}" umount "$ctr" >/dev/null
[ "$status" -eq 0 ] && echo "ok: equal image IDs, labels.json as expected" >&2
echo "${ids[0]}"
exit "$status"
