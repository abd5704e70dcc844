#!/bin/sh
# tools/bench/bench_smoke.sh -- make check's smoke test of shale_bench: one small --check run
# (every answer verified against a shadow copy, engines cross-checked) that must exit 0 and
# print a result line for every benchmark on every engine built in (ShaleDB, and LevelDB
# when configure found it). Reports in the harness format (tests/harness/test.h).
# Run from the top build directory, as automake does.
bin=./tools/bench/shale_bench
case_name=bench_smoke.run
finish() {  # $1 = failure reason, empty for a pass
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ -z "$1" ]; then
    echo "PASS $case_name ($checks checks, $ms ms)"
    echo "bench_smoke: 1 passed, 0 failed"
    code=0
  else
    [ -f "$tmp/out" ] && sed 's/^/  | /' "$tmp/out"
    echo "  check failed: $1"
    echo "FAIL $case_name ($checks checks, 1 failed, $ms ms)"
    echo "bench_smoke: 0 passed, 1 failed"
    code=1
  fi
  [ -n "$tmp" ] && rm -rf "$tmp"
  exit $code
}
start=$(date +%s%N)
checks=0
tmp=
[ -x "$bin" ] || finish "$bin is not built"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shale-bench_smoke-XXXXXX") || finish "mktemp failed"

"$bin" --check --dir="$tmp/db" >"$tmp/out" 2>&1
rc=$?
checks=$((checks + 1))
[ "$rc" -eq 0 ] || finish "shale_bench --check exited with status $rc"

labels=$("$bin" --engines=list | sed -n 's/^[a-z]* (\(.*\))$/\1/p')
[ -n "$labels" ] || finish "shale_bench --engines=list printed no engines"
for label in $labels; do
  for b in fillseq fillrandom overwrite readrandom readmissing seekrandom readseq compact fillsync; do
    checks=$((checks + 1))
    grep -Eq "^$b +$label +: +[0-9.]+ (micros/op|s)" "$tmp/out" || finish "no '$b' line for $label"
  done
  checks=$((checks + 1))
  grep -q "FAILED" "$tmp/out" && finish "a benchmark FAILED"
done
checks=$((checks + 1))
grep -q "^check: 0 wrong answers, 0 cross-engine disagreements" "$tmp/out" || finish "check summary missing or nonzero"
checks=$((checks + 1))
grep -q "^benchmark *|" "$tmp/out" || finish "no comparison table"
finish ""
