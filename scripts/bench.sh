#!/usr/bin/env bash
# bench.sh: times rebuild against a manual rebuild of the same published image with the
# buildah, git and cosign CLIs, in one run on this machine, and prints both medians and the
# ratio (target: rebuild/manual <= 0.9). Needs root and the tools .ci/install.sh builds.
#   RUNS=N (default 5) runs of each, alternated.
#   CASE=NAME (default: the first e2e case); CASE=step-image times the build step image
#   engine against the manual rebuild with the buildah CLI that image holds (target there:
#   rebuild/manual <= 1.5).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export PATH=$repo/.ci/bin:/usr/local/go/bin:$PATH
REBUILD_BENCH=1 REBUILD_BENCH_RUNS=${RUNS:-5} REBUILD_BENCH_CASE=${CASE:-} go test -tags "$(cat "$repo/buildtags")" \
  -count=1 -v -run '^TestBenchmarkRebuild$' -timeout 40m ./test/ 2>&1 |
  grep -E '^(case|rebuild median|manual  median|ratio)|FAIL|^--- |panic' || true
