#!/bin/sh
# tests/run-suite.sh -- the whole test suite, from a fresh checkout: installs dependencies,
# builds twice (optimised, and with AddressSanitizer + UndefinedBehaviorSanitizer), runs
# `make check` in both, and prints one summary line "N passed, N failed" counting every
# test case of every binary in both builds. Exit status 0 only when nothing failed.
#
#   tests/run-suite.sh              everything
#   SHALE_SUITE_SANITIZERS=0 ...    skip the sanitizer build
#   SHALE_SKIP_DEPS=1 ...           do not run tools/install-deps.sh
#   SHALE_TEST_SCALE=N ...          longer randomized runs (model/crash tests)
set -u
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

if [ "${SHALE_SKIP_DEPS:-0}" != 1 ]; then
  sh tools/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
fi
./autogen.sh >/dev/null 2>&1 || { echo "autogen.sh failed"; echo "0 passed, 1 failed"; exit 1; }

build_failures=0
run_build() { # name, configure flags...
  name=$1; shift
  dir="$top/build-suite-$name"
  rm -rf "$dir"; mkdir -p "$dir"
  echo "=== $name build: configure $*"
  if ! (cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out 2>&1); then
    cat "$dir/configure.out"; build_failures=$((build_failures + 1)); return
  fi
  if ! (cd "$dir" && make -j"$jobs" >make.out 2>&1); then
    tail -50 "$dir/make.out"; build_failures=$((build_failures + 1)); return
  fi
  echo "=== $name build: make check"
  (cd "$dir" && make -j"$jobs" check >check.out 2>&1)
  grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$dir/check.out" | sed "s/^/[$name] /"
}

start=$(date +%s)
run_build release
if [ "${SHALE_SUITE_SANITIZERS:-1}" != 0 ]; then
  run_build sanitizers --enable-sanitizers
fi

# Count test cases from every test log; a binary that died without reporting its cases
# (crash, sanitizer abort, timeout) counts as one failure.
passed=0; failed=0; xfailed=0
for dir in "$top"/build-suite-*; do
  [ -d "$dir" ] || continue
  for log in $(find "$dir/tests" "$dir/tools" -name '*.log' 2>/dev/null); do
    case "$log" in */test-suite.log) continue;; esac
    p=$(grep -c '^PASS ' "$log"); f=$(grep -c '^FAIL ' "$log"); x=$(grep -c '^XFAIL ' "$log")
    xfailed=$((xfailed + x))
    passed=$((passed + p)); failed=$((failed + f))
    trs="${log%.log}.trs"
    if [ -f "$trs" ] && grep -qE '^:test-result: (FAIL|ERROR)' "$trs" && [ "$f" -eq 0 ]; then
      echo "test binary failed without reporting a failed case: $log"; tail -20 "$log"
      failed=$((failed + 1))
    fi
    if [ "$f" -gt 0 ]; then
      echo "--- failures in $log"; grep -B2 -A8 '^FAIL \|check failed' "$log" | head -60
    fi
  done
done
failed=$((failed + build_failures))
echo "suite took $(( $(date +%s) - start )) s"
if [ "$xfailed" -gt 0 ]; then
  # Conformance files ShaleDB does not pass yet (floors in tests/slt/shaledb-xfail.txt and
  # tests/sqldiff/known-differences.txt): they fail the run only when they get worse.
  echo "known gaps (XFAIL, not counted below): $xfailed conformance files below PostgreSQL"
  for dir in "$top"/build-suite-*; do
    grep -h '^XFAIL ' $(find "$dir/tests" -name '*.log' 2>/dev/null) 2>/dev/null
  done | sort -u | sed 's/^/  /' | head -60
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
