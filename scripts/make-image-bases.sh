#!/usr/bin/env bash
# make-image-bases.sh [PREFIX]
#
# Makes the two base images the builder image's Containerfile needs, with no container
# registry: only Debian's packages (apt-get download, unpacked with dpkg -x) and this
# machine's Go toolchain. Both are committed with the buildah CLI, FROM scratch:
#
#   PREFIX-go:latest       /usr/local/go (this machine's GOROOT), gcc and libc6-dev with their
#                          dependencies, busybox-static as /bin/sh and coreutils, GOPATH /go.
#   PREFIX-runtime:latest  glibc's loader and libc.so.6 (all a cgo binary links), /bin/sh
#                          (busybox), /etc/passwd, /etc/group, /etc/nsswitch.conf, CA
#                          certificates, /root, /tmp.
#
# PREFIX defaults to localhost/rebuild-base. Timestamps are pinned to the epoch and there is
# no identity label, so the same packages, Go and buildah give the same image IDs.
#
# Environment (all optional):
#   BUILDAH           buildah CLI (default: .ci/bin/buildah of this checkout, else buildah on PATH)
#   BUILDAH_ROOT      storage root      -> buildah --root
#   BUILDAH_RUNROOT   storage run root  -> buildah --runroot
#   STORAGE_DRIVER    storage driver    -> buildah --storage-driver
#   SIGNATURE_POLICY  policy.json path  -> --signature-policy (never edit the host's)
#   GOROOT_DIR        the Go toolchain to copy (default: go env GOROOT)
#   CA_BUNDLE         CA certificates (default /etc/ssl/certs/ca-certificates.crt)
#
# Prints GO_IMAGE=NAME@DIGEST and RUNTIME_IMAGE=NAME@DIGEST on stdout (build arguments for
# the Containerfile); everything else goes to stderr.
set -euo pipefail

prefix=${1:-localhost/rebuild-base}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${BUILDAH:-}" ]; then
  if [ -x "$repo/.ci/bin/buildah" ]; then
    BUILDAH=$repo/.ci/bin/buildah
  else
    BUILDAH=buildah
  fi
fi
goroot=${GOROOT_DIR:-$(go env GOROOT)}
cabundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

global=()
[ -n "${BUILDAH_ROOT:-}" ] && global+=(--root "$BUILDAH_ROOT")
[ -n "${BUILDAH_RUNROOT:-}" ] && global+=(--runroot "$BUILDAH_RUNROOT")
[ -n "${STORAGE_DRIVER:-}" ] && global+=(--storage-driver "$STORAGE_DRIVER")
policy=()
[ -n "${SIGNATURE_POLICY:-}" ] && policy+=(--signature-policy "$SIGNATURE_POLICY")
bah() { "$BUILDAH" "${global[@]}" "$@"; }

for f in "$goroot/bin/go" "$cabundle"; do
  if [ ! -e "$f" ]; then
    echo "error: $f does not exist" >&2
    exit 1
  fi
done

work=$(mktemp -d)
ctrs=()
cleanup() {
  for c in "${ctrs[@]}"; do
    bah umount "$c" >/dev/null 2>&1 || true
    bah rm "$c" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
t0=$(date +%s)
step() { printf '[bases %3ds] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }

# ---- Debian packages: gcc, libc6-dev and busybox-static with what they depend on ---------
debs=$work/debs
mkdir -p "$debs"
mapfile -t pkgs < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances gcc libc6-dev busybox-static |
  grep -v '^[ <]' | sort -u)
step "downloading ${#pkgs[@]} Debian packages"
(cd "$debs" && apt-get download -q "${pkgs[@]}" >/dev/null 2>"$work/apt.log") || {
  cat "$work/apt.log" >&2
  exit 1
}

# commit ROOTFS NAME CONFIG...: copies ROOTFS into a container FROM scratch, applies the
# buildah config arguments and commits NAME:latest; prints NAME@DIGEST.
commit() {
  local rootfs=$1 name=$2 ctr mnt
  shift 2
  ctr=$(bah from "${policy[@]}" --quiet scratch)
  ctrs+=("$ctr")
  mnt=$(bah mount "$ctr")
  cp -a "$rootfs/." "$mnt/"
  chown -R 0:0 "$mnt"
  bah umount "$ctr" >/dev/null
  bah config "$@" "$ctr"
  bah commit "${policy[@]}" --quiet --format oci --identity-label=false \
    --source-date-epoch 0 --rewrite-timestamp "$ctr" "$name:latest" >/dev/null
  printf '%s@%s\n' "$name" "$(bah inspect --type image --format '{{.FromImageDigest}}' "$name:latest")"
}

# skeleton DIR: the files every base has, with explicit modes whatever the umask.
skeleton() {
  install -d -m 0755 "$1" "$1/etc"
  install -d -m 0700 "$1/root"
  install -d -m 1777 "$1/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$1/etc/passwd"
  printf 'root:x:0:\n' >"$1/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$1/etc/nsswitch.conf"
  install -D -m 0644 "$cabundle" "$1/etc/ssl/certs/ca-certificates.crt"
  chmod 0644 "$1/etc/passwd" "$1/etc/group" "$1/etc/nsswitch.conf"
}

# ---- the Go base -------------------------------------------------------------------------
step "unpacking the Go base"
gofs=$work/go
skeleton "$gofs"
for deb in "$debs"/*.deb; do
  dpkg -x "$deb" "$gofs"
done
for applet in $("$gofs/bin/busybox" --list); do
  [ -e "$gofs/bin/$applet" ] || [ -e "$gofs/usr/bin/$applet" ] || ln -s busybox "$gofs/bin/$applet"
done
install -d -m 0755 "$gofs/usr/local" "$gofs/go" "$gofs/go/bin"
cp -a "$goroot" "$gofs/usr/local/go"
step "committing ${prefix}-go ($(du -sh "$gofs" | cut -f1))"
go_image=$(commit "$gofs" "${prefix}-go" \
  --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env GOPATH=/go --env GOTOOLCHAIN=local --workingdir /go --cmd /bin/sh)

# ---- the runtime base --------------------------------------------------------------------
step "making the runtime base"
libc=$work/libc6
dpkg -x "$debs"/libc6_*.deb "$libc"
rtfs=$work/runtime
skeleton "$rtfs"
install -d -m 0755 "$rtfs/lib" "$rtfs/lib/x86_64-linux-gnu" "$rtfs/lib64"
for f in ld-linux-x86-64.so.2 libc.so.6; do
  cp -a "$libc/lib/x86_64-linux-gnu/$f" "$rtfs/lib/x86_64-linux-gnu/"
done
cp -a "$libc/lib64/ld-linux-x86-64.so.2" "$rtfs/lib64/"
# A shell, and only that: Kubernetes and Tekton cannot redirect a container's stdin, so their
# examples run sh -c 'rebuild < FILE' (docs/).
busybox=$work/busybox
dpkg -x "$debs"/busybox-static_*.deb "$busybox"
install -d -m 0755 "$rtfs/bin"
install -m 0755 "$busybox/bin/busybox" "$rtfs/bin/busybox"
ln -s busybox "$rtfs/bin/sh"
runtime_image=$(commit "$rtfs" "${prefix}-runtime" \
  --env PATH=/usr/local/bin:/usr/bin:/bin)

step "done"
echo "GO_IMAGE=$go_image"
echo "RUNTIME_IMAGE=$runtime_image"
