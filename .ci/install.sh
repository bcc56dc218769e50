#!/usr/bin/env bash
# .ci/install.sh: installs what the tests need, as root, on Debian 12. Safe to re-run: it
# installs only missing Debian packages and rebuilds a Go tool only when its pinned
# module, its build flags or the Go version changed.
#
#   Debian packages  podman, runc, netavark, busybox-static, skopeo, git, jq, ... (below)
#   .ci/bin/         Go commands built from the module proxy, each from its own small tools
#                    module under .ci/tools/<name>/ (go.mod, go.sum, tools.go): their
#                    dependency graphs conflict, and each must keep its own release's
#                    versions (buildah's storage and image libraries above all).
#
# Budget: a fresh machine must finish this and the tests within 90 minutes. Seen on 2
# shared cores with an empty module cache: buildah ~3 min, cosign ~3-9 min (under load),
# registry ~1-4 min, dockerfile-json seconds.
set -euo pipefail

ci=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$ci/bin
t0=$(date +%s)
step() { printf '[install %4ds] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }

# ---- Debian packages --------------------------------------------------------------------
# gcc + libc6-dev: buildah is built with cgo (a CGO_ENABLED=0 buildah fails chroot RUN).
# uidmap, iproute2 (ip), util-linux (unshare): namespaces for builds and hermetic runs.
# buildah: Debian's 1.28, too old for scripts/build-image.sh, which must then build its own
# (TestBuildImageBuildah); the builds themselves use the CLIs built below.
# qemu-user-static: the multi-platform e2e test's arm64 RUN steps (registered below).
packages=(podman runc netavark busybox-static skopeo git jq uidmap iproute2 util-linux
  ca-certificates gcc libc6-dev buildah qemu-user-static)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" </dev/null
else
  step "Debian packages already installed"
fi

# ---- arm64 emulation --------------------------------------------------------------------
# A build for linux/arm64 runs its RUN steps through qemu-aarch64, registered with
# binfmt_misc with the F flag (the interpreter opened now, so that it runs in a chroot too).
# This changes the machine's kernel state: the e2e test needs it, nothing else here does.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || step "cannot mount binfmt_misc: the arm64 RUN test will expect exit 3"
fi
if [ -e /proc/sys/fs/binfmt_misc/register ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  step "registering qemu-aarch64 with binfmt_misc"
  grep -v '^#' /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register ||
    step "cannot register qemu-aarch64: the arm64 RUN test will expect exit 3"
fi

# ---- Go tools ---------------------------------------------------------------------------
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
  export PATH=/usr/local/go/bin:$PATH
fi
export HOME=${HOME:-/root}
export GOWORK=off GOFLAGS=-mod=readonly
mkdir -p "$bin"

# name | module | package | cgo | build tags | ldflags variable that carries the version
tools=(
  "buildah|github.com/containers/buildah|github.com/containers/buildah/cmd/buildah|1|$(cat "$ci/../buildtags")|"
  "buildah-1.44.0|go.podman.io/buildah|go.podman.io/buildah/cmd/buildah|1|$(cat "$ci/../buildtags")|"
  "buildah-1.41.5|github.com/containers/buildah|github.com/containers/buildah/cmd/buildah|1|$(cat "$ci/../buildtags")|"
  "buildah-1.42.1|github.com/containers/buildah|github.com/containers/buildah/cmd/buildah|1|$(cat "$ci/../buildtags")|"
  "dockerfile-json|github.com/keilerkonzept/dockerfile-json|github.com/keilerkonzept/dockerfile-json|0|dfrunsecurity|main.version"
  "registry|github.com/distribution/distribution/v3|github.com/distribution/distribution/v3/cmd/registry|0||github.com/distribution/distribution/v3/version.version"
  "cosign|github.com/sigstore/cosign/v2|github.com/sigstore/cosign/v2/cmd/cosign|0||sigs.k8s.io/release-utils/version.gitVersion"
)

build_tool() { # name module pkg cgo tags versionvar
  local name=$1 mod=$2 pkg=$3 cgo=$4 tags=$5 versionvar=$6
  local dir=$ci/tools/$name out=$bin/$name stamp=$bin/.$name.stamp
  local version key ldflags started
  version=$(cd "$dir" && go list -m -f '{{.Version}}' "$mod")
  ldflags="-s -w"
  [ -n "$versionvar" ] && ldflags+=" -X $versionvar=$version"
  key=$( (
    go version
    echo "$pkg $cgo $tags $ldflags"
    cat "$dir/go.mod" "$dir/go.sum" "$dir/tools.go"
  ) | sha256sum | cut -d' ' -f1)
  if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then
    step "$name $version: up to date"
    return
  fi
  started=$(date +%s)
  step "$name $version: building"
  (cd "$dir" && CGO_ENABLED=$cgo go build -trimpath -buildvcs=false -tags "$tags" \
    -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv -f "$out.tmp" "$out"
  echo "$key" >"$stamp"
  step "$name $version: built in $(($(date +%s) - started))s"
}

for t in "${tools[@]}"; do
  IFS='|' read -r name mod pkg cgo tags versionvar <<<"$t"
  build_tool "$name" "$mod" "$pkg" "$cgo" "$tags" "$versionvar"
done

# ---- build engines: one binary per buildah version the rebuild does not link ------------
step "build engines (engines/)"
sh "$ci/../scripts/build-engines.sh" "$bin/engines"

# ---- test tools built from this repository ---------------------------------------------
# keyless-testsigner: a virtual Fulcio, Rekor and TSA (sigstore-go's testing/ca), for the
# keyless tests; it shares the keyless helper's module, whose modules the step above fetched.
step "keyless-testsigner (keyless/testsigner)"
(cd "$ci/../keyless" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$bin/keyless-testsigner.tmp" ./testsigner)
mv -f "$bin/keyless-testsigner.tmp" "$bin/keyless-testsigner"

# ---- versions ---------------------------------------------------------------------------
step "done; tool versions:"
for t in "${tools[@]}"; do
  IFS='|' read -r name mod _ <<<"$t"
  printf '  %-16s %s %s\n' "$name" "$mod" \
    "$(go version -m "$bin/$name" | awk -v m="$mod" '($1 == "mod" || $1 == "dep") && $2 == m { print $3 }')" >&2
done
"$bin/buildah" --version >&2
"$bin/buildah-1.44.0" --version >&2
"$bin/buildah-1.41.5" --version >&2
"$bin/buildah-1.42.1" --version >&2
"$bin/cosign" version 2>&1 | grep -E '^GitVersion' >&2 || true
printf '  %-16s %s\n' go "$(go env GOVERSION)" >&2
printf '  %-16s %s\n' podman "$(podman --version 2>/dev/null | awk '{print $3}')" >&2
printf '  %-16s %s\n' runc "$(runc --version 2>/dev/null | awk 'NR==1 {print $3}')" >&2
printf '  %-16s %s\n' jq "$(jq --version)" >&2
