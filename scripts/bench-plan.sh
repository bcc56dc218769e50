#!/usr/bin/env bash
# bench-plan.sh: times `rebuild plan --offline`'s planning of a 5 MiB attestation against the
# strict provenance reader alone on the same document (the baseline), in one run, and prints
# both and the ratio. Target: the plan well under a second.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
out=$(go test -tags "$(cat "$repo/buildtags")" -run '^$' \
  -bench '^Benchmark(PlanOffline|Read)5MiB$' -benchtime "${BENCHTIME:-5x}" -count 1 ./pkg/plan/)
printf '%s\n' "$out" | grep -E '^Benchmark'
printf '%s\n' "$out" | awk '/^BenchmarkPlanOffline5MiB/ {p=$3} /^BenchmarkRead5MiB/ {r=$3}
  END { if (p && r) printf "plan %.0f ms, read alone %.0f ms, ratio %.2f\n", p/1e6, r/1e6, p/r }'
