#!/usr/bin/env bash
# Measures pkg/compare on two images with one large layer each (1 GiB by default) whose
# files all differ (one in content, the others in mtime): time and peak RSS of the
# comparison (the bound: 200 MiB). The images are generated as OCI layouts in a temporary
# folder and removed at exit. Not part of CI.
#
#   scripts/bench-compare.sh [MIB [FILE_KIB [gzip|none [times]]]]
#
# e.g. 1024 16384 (64 files of 16 MiB), 1024 16384 gzip, 1024 4 (262144 files of 4 KiB).
# With "times", the two layers differ in every file's mtime alone: the comparison alone and
# then the comparison with the time values carried over (the verdict "equivalent") are
# timed, each in its own process, and the ratio printed.
set -euo pipefail

size=${1:-1024}
file_kib=${2:-16384}
compress=${3:-none}
times=${4:-}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare-XXXXXX")
trap 'rm -rf "$work"' EXIT

go build -tags "$(cat "$root/buildtags")" -o "$work/benchcompare" "$root/pkg/compare/internal/benchcompare"
echo "generating two ${size} MiB layers of ${file_kib} KiB files ($compress) in $work"
a=a b=bb
[ "$times" = times ] && a=t b=tt
"$work/benchcompare" generate "$work/published" "$size" "$a" "$file_kib" "$compress"
"$work/benchcompare" generate "$work/rebuilt" "$size" "$b" "$file_kib" "$compress"
du -sh "$work/published" "$work/rebuilt"

run() { # label [nocarry]
	echo "comparing ($1)"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -v "$work/benchcompare" compare "$work/published" "$work/rebuilt" ${2:+"$2"} 2> "$work/time.txt"
		grep -E 'Maximum resident set size|Elapsed \(wall clock\)' "$work/time.txt"
	else
		"$work/benchcompare" compare "$work/published" "$work/rebuilt" ${2:+"$2"}
	fi
}
if [ "$times" != times ]; then
	run "the comparison"
	exit 0
fi
alone=$(run "the comparison alone" nocarry | tee /dev/stderr | sed -n 's/^compare took \([0-9.]*\)\(m\?s\);.*/\1 \2/p')
carried=$(run "with the time values carried over" | tee /dev/stderr | sed -n 's/^compare took \([0-9.]*\)\(m\?s\);.*/\1 \2/p')
awk -v a="$alone" -v c="$carried" 'function s(x,  f) { split(x, f, " "); return f[2] == "ms" ? f[1] / 1000 : f[1] }
	BEGIN { printf "ratio with carry / comparison alone: %.2f\n", s(c) / s(a) }'
