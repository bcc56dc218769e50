#!/bin/sh
# build-engines.sh OUT: builds the build engines of engines/ into OUT, one binary per buildah
# version (OUT/buildah-<version>), each from engines/'s source and the go.mod of its version,
# and the keyless verification helper of keyless/ (OUT/rebuild-keyless, sigstore-go).
# The buildah the rebuild binary links (go.mod at the root) needs no engine. A binary is
# rebuilt only when its inputs changed. POSIX sh: the builder image's Go stage runs it too.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-engines.sh OUT}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tags=$(cat "$repo/buildtags")
export GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=1
cd "$repo/engines"

# version, the go.mod of that version (in engines/), the module paths its source uses
while read -r version modfile family; do
  bin=$out/buildah-$version
  stamp=$out/.buildah-$version.stamp
  key=$( (go version && echo "$family $tags" && cat "$modfile" "${modfile%.mod}.sum" ./*.go) | sha256sum | cut -d' ' -f1)
  if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then
    echo "engine buildah $version: up to date" >&2
    continue
  fi
  started=$(date +%s)
  go build -modfile="$modfile" -trimpath -buildvcs=false -ldflags '-s -w' -tags "$family $tags" -o "$bin.tmp" .
  if [ "$("$bin.tmp" version)" != "$version" ]; then
    echo "engine $bin.tmp is not buildah $version" >&2
    exit 1
  fi
  mv -f "$bin.tmp" "$bin"
  echo "$key" >"$stamp"
  echo "engine buildah $version: built in $(($(date +%s) - started))s" >&2
done <<'TABLE'
1.41.5 buildah-1.41.5.mod buildah_containers
1.43.1 buildah-1.43.1.mod buildah_mixed
1.44.0 go.mod buildah_podman
TABLE

# The keyless helper: a module of its own (sigstore-go's dependencies are newer than buildah's).
cd "$repo/keyless"
bin=$out/rebuild-keyless
stamp=$out/.rebuild-keyless.stamp
key=$( (go version && cat go.mod go.sum ./*.go) | sha256sum | cut -d' ' -f1)
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then
  echo "keyless helper: up to date" >&2
else
  started=$(date +%s)
  CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags '-s -w' -o "$bin.tmp" .
  "$bin.tmp" version >/dev/null
  mv -f "$bin.tmp" "$bin"
  echo "$key" >"$stamp"
  echo "keyless helper $("$bin" version): built in $(($(date +%s) - started))s" >&2
fi
