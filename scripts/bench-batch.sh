#!/usr/bin/env bash
# bench-batch.sh: the throughput of `rebuild verify` over the e2e world's images, one after
# another in separate processes and as one batch with --jobs 1, 2 and 4 (each on a fresh
# store), in one run on this machine: images per minute, the ratios to the sequential run and
# the peak RSS (target: --jobs 2 at least 1.6x the sequential throughput). Its first lines say
# how process starts scale here (one loop of /bin/true starts, then two at once on CPUs of their
# own): a rebuild of these images starts about 44 processes each (buildah's helpers), and where
# process starts do not run in parallel, neither does that part of a batch.
# Needs root and the tools .ci/install.sh builds.
#   ROUNDS=N (default 3) rounds, each a sequential run beside the batches; the medians of the
#   ratios close the report.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export PATH=$repo/.ci/bin:/usr/local/go/bin:$PATH
REBUILD_BENCH_BATCH=1 REBUILD_BENCH_ROUNDS=${ROUNDS:-3} go test -tags "$(cat "$repo/buildtags")" -count=1 -v -run '^TestBenchmarkBatch$' -timeout 70m ./test/ 2>&1 |
  grep -E '^([0-9]+ images|process starts|round|median|target)|FAIL|^--- |panic' || true
