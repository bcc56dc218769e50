#!/usr/bin/env bash
# Measures pkg/compare on two images with one large layer each (1 GiB by default) whose
# files all differ (one in content, the others in mtime): time and peak RSS of the
# comparison (the bound: 200 MiB). The images are generated as OCI layouts in a temporary
# folder and removed at exit. Not part of CI.
#
#   scripts/bench-compare.sh [MIB [FILE_KIB [gzip]]]
#
# e.g. 1024 16384 (64 files of 16 MiB), 1024 16384 gzip, 1024 4 (262144 files of 4 KiB).
set -euo pipefail

size=${1:-1024}
file_kib=${2:-16384}
compress=${3:-none}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare-XXXXXX")
trap 'rm -rf "$work"' EXIT

go build -tags "$(cat "$root/buildtags")" -o "$work/benchcompare" "$root/pkg/compare/internal/benchcompare"
echo "generating two ${size} MiB layers of ${file_kib} KiB files ($compress) in $work"
"$work/benchcompare" generate "$work/published" "$size" a "$file_kib" "$compress"
"$work/benchcompare" generate "$work/rebuilt" "$size" bb "$file_kib" "$compress"
du -sh "$work/published" "$work/rebuilt"

echo "comparing"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -v "$work/benchcompare" compare "$work/published" "$work/rebuilt" 2> "$work/time.txt"
	grep -E 'Maximum resident set size|Elapsed \(wall clock\)' "$work/time.txt"
else
	"$work/benchcompare" compare "$work/published" "$work/rebuilt"
fi
