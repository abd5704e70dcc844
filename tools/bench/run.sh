#!/bin/sh
# tools/bench/run.sh -- the full ShaleDB vs LevelDB run behind docs/benchmarks.md: runs
# shale_bench (default options: --num=1000000, every benchmark, both engines) and saves the
# report, headed by the commit and the machine, as <build>/bench-results/<date>-<commit>.txt.
#   tools/bench/run.sh                    # uses ./build/tools/bench/shale_bench
#   BUILD=build-rel tools/bench/run.sh --num=200000 --histogram=1
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
bin=$build/tools/bench/shale_bench
[ -x "$bin" ] || { echo "run.sh: $bin not built (cd build && make)" >&2; exit 2; }
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null | head -1)
mkdir -p "$build/bench-results"
out="$build/bench-results/$(date +%Y%m%d-%H%M%S)-$commit.txt"
{
  echo "commit: $commit${dirty:+ (with uncommitted changes)}"
  echo "kernel: $(uname -sr); load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "filesystem of the bench dir: $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}')"
  "$bin" "$@"
} 2>&1 | tee "$out"
echo "saved $out"
