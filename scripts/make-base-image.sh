#!/usr/bin/env bash
# make-base-image.sh NAME [KEY=VALUE...]
#
# Builds a tiny base image from Debian's busybox-static with the buildah CLI and commits it
# as NAME (e.g. localhost/busybox:latest). The image has /bin/busybox, a symlink in /bin for
# every applet (sh, cat, mkdir, ...), /etc/passwd and /etc/group for root, /root and /tmp.
# Each KEY=VALUE argument becomes an image label (to test INHERIT_BASE_IMAGE_LABELS).
#
# The result is reproducible: same busybox, same buildah, same arguments give the same image
# ID in any storage root (timestamps are pinned to the epoch, no identity label).
#
# Environment (all optional):
#   BUILDAH           buildah CLI (default: .ci/bin/buildah of this checkout, else buildah on PATH)
#   BUILDAH_ROOT      storage root      -> buildah --root
#   BUILDAH_RUNROOT   storage run root  -> buildah --runroot
#   STORAGE_DRIVER    storage driver    -> buildah --storage-driver
#   SIGNATURE_POLICY  policy.json path  -> --signature-policy (never edit the host's)
#   BUSYBOX           static busybox binary (default /bin/busybox)
#
# Prints the image ID on stdout; everything else goes to stderr.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 NAME [KEY=VALUE...]" >&2
  exit 2
fi
name=$1
shift

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${BUILDAH:-}" ]; then
  if [ -x "$repo/.ci/bin/buildah" ]; then
    BUILDAH=$repo/.ci/bin/buildah
  else
    BUILDAH=buildah
  fi
fi
busybox=${BUSYBOX:-/bin/busybox}

global=()
[ -n "${BUILDAH_ROOT:-}" ] && global+=(--root "$BUILDAH_ROOT")
[ -n "${BUILDAH_RUNROOT:-}" ] && global+=(--runroot "$BUILDAH_RUNROOT")
[ -n "${STORAGE_DRIVER:-}" ] && global+=(--storage-driver "$STORAGE_DRIVER")
policy=()
[ -n "${SIGNATURE_POLICY:-}" ] && policy+=(--signature-policy "$SIGNATURE_POLICY")

bah() { "$BUILDAH" "${global[@]}" "$@"; }

if ! "$busybox" true 2>/dev/null; then
  echo "error: $busybox is not a runnable busybox (apt-get install busybox-static)" >&2
  exit 1
fi

work=$(mktemp -d)
ctr=""
cleanup() {
  if [ -n "$ctr" ]; then
    bah umount "$ctr" >/dev/null 2>&1 || true
    bah rm "$ctr" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Stage the root file system with explicit modes, whatever the caller's umask.
rootfs=$work/rootfs
install -d -m 0755 "$rootfs" "$rootfs/bin" "$rootfs/etc"
install -d -m 0700 "$rootfs/root"
install -d -m 1777 "$rootfs/tmp"
install -m 0755 "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] && continue
  ln -s busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\n' >"$rootfs/etc/group"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"

ctr=$(bah from "${policy[@]}" --quiet scratch)
mnt=$(bah mount "$ctr")
cp -a "$rootfs/." "$mnt/"
chown -R 0:0 "$mnt"
bah umount "$ctr" >/dev/null

config=(--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/sh)
for kv in "$@"; do
  config+=(--label "$kv")
done
bah config "${config[@]}" "$ctr"

iid=$work/iid
bah commit "${policy[@]}" --quiet --format oci --identity-label=false \
  --source-date-epoch 0 --rewrite-timestamp --iidfile "$iid" "$ctr" "$name" >/dev/null
echo "made $name from $busybox" >&2
id=$(cat "$iid")
echo "${id#sha256:}"
