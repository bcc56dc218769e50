#!/usr/bin/env bash
# demo.sh: on a fresh Debian 12 machine, as root: install what rebuild needs, start a
# loopback registry and git server, publish the bundled example (test/testdata/multistage)
# as Konflux would (reference build with the buildah CLI, SBOM attached and provenance
# attested with cosign), run `rebuild < attestation.json`, and compare its output with
# what `podman pull` prints.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash .ci/install.sh
export PATH=$repo/.ci/bin:/usr/local/go/bin:$PATH
out=$(go test -tags "$(cat "$repo/buildtags")" -count=1 -v \
  -run '^TestRebuild$/^multistage$' ./test/ 2>&1) || {
  printf '%s\n' "$out" >&2
  exit 1
}
printf '%s\n' "$out" | grep -E 'published|rebuild printed|rebuild took' | sed 's/^ *//'
printf '%s\n' "$out" | grep -q -- '--- PASS: TestRebuild/multistage' && echo Identical
