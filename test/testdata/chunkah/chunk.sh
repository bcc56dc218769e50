#!/bin/sh
# chunk.sh ROOTFS OUT: what `chunkah build --output oci:OUT` does in a Hummingbird build,
# played with busybox: ROOTFS as one uncompressed layer (entries in name order, every time
# 2026-01-01T00:00:00Z), a config and a manifest, written as an OCI image layout at OUT.
set -eu
rootfs=$1 out=$2
work=$(mktemp -d)
cp -a "$rootfs" "$work/root"
cd "$work/root"
find . -exec touch -t 202601010000.00 {} +
# shellcheck disable=SC2046 # the names have no spaces
tar -c --no-recursion --numeric-owner -f "$work/layer.tar" $(find . -mindepth 1 | sort)
case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
*) arch=$(uname -m) ;;
esac
blobs=$out/blobs/sha256
mkdir -p "$blobs"
put() { # put FILE: stores FILE as a blob, prints "sha256:<hex> <size>"
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$blobs/$sum"
  echo "sha256:$sum $(stat -c %s "$1")"
}
set -- $(put "$work/layer.tar")
layer=$1 layer_size=$2
printf '{"architecture":"%s","os":"linux","config":{"Entrypoint":["/bin/busybox","sh"]},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created_by":"chunk.sh"}]}' \
  "$arch" "$layer" >"$work/config.json"
set -- $(put "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
  "$1" "$2" "$layer" "$layer_size" >"$work/manifest.json"
set -- $(put "$work/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s}]}' "$1" "$2" >"$out/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
rm -rf "$work"
