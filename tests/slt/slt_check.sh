#!/bin/sh
# tests/slt/slt_check.sh -- make check: runs the sqllogictest corpus (../shared/slt beside
# the source tree: select1..3.test and evidence/*.test, read in place, never copied) with
# tests/slt/slt_runner against a ShaleDB server, one fresh server and data dir per file.
#
# A file PASSes when every counted record passes (counted = run, minus the records listed
# in known-failures-pg15.txt, which real PostgreSQL 15 fails too). Output, in the harness
# format of tests/harness/test.h:
#   PASS slt.<file> (<passed>/<counted> records, 100.00%, <secs> s)
#   FAIL slt.<file> (<passed>/<counted> records, <rate>%, <n> failed[, server died|...])
#   XFAIL slt.<file> (...)   listed in tests/slt/shaledb-xfail.txt and not below its floor
#     each FAIL/XFAIL followed by up to 3 indented first failures (line: reason)
#   slt_check: N passed, M failed
# Exit status 0 when every file passed, 1 when one failed, 77 (skip) when there is no
# server binary or no corpus.
#
# Environment:
#   SHALEDB=path             server binary (default: src/server/shaledb or ./shaledb in the build tree)
#   SHALE_TEST_SERVER=postgres  run against a scratch PostgreSQL 15 instead (validation)
#   SHALE_SLT_DIR=dir        corpus directory (default $top_srcdir/../shared/slt)
#   SHALE_SLT_FILES="a b"    corpus-relative files to run (default: all)
#   SHALE_SLT_BUDGET=secs    whole-run time budget (default 150); each file gets at most
#                            60 s of it; records past a budget fail unrun
#   SHALE_SLT_VERBOSE=1      pass --verbose to the runner (every failure, with values)
#   SHALE_CONFORMANCE_STRICT=1  every file below 100% is a FAIL (ignore shaledb-xfail.txt)
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
runner=${SLT_RUNNER:-tests/slt/slt_runner}
kind=${SHALE_TEST_SERVER:-shaledb}
bin=${SHALEDB:-}
if [ -z "$bin" ]; then   # the build tree's server: src/server/shaledb, or ./shaledb
  bin=src/server/shaledb
  [ ! -x "$bin" ] && [ -x shaledb ] && bin=shaledb
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
corpus=${SHALE_SLT_DIR:-$top/../shared/slt}
budget=${SHALE_SLT_BUDGET:-150}
verbose=""
[ "${SHALE_SLT_VERBOSE:-0}" = 1 ] && verbose=--verbose

skip() {
  echo "SKIP slt.all ($1)"
  echo "slt_check: 0 passed, 0 failed (skipped)"
  exit 77
}

[ -x "$runner" ] || skip "runner $runner not built"
[ -d "$corpus" ] || skip "no sqllogictest corpus at $corpus (set SHALE_SLT_DIR)"
if [ "$kind" = shaledb ] && [ ! -x "$bin" ]; then
  skip "no ShaleDB server binary at $bin yet"
fi

. "$top/tests/lib/pgserver.sh"
PGSERVER_PING="$runner --timeout 1 --ping --conn"
work=$(mktemp -d "${TMPDIR:-/tmp}/shale-slt-XXXXXX") || exit 2
trap 'pgserver_stop; rm -rf "$work"' EXIT INT TERM

if [ -n "${SHALE_SLT_FILES:-}" ]; then
  files=$SHALE_SLT_FILES
else
  files=""
  for f in select1.test select2.test select3.test; do [ -f "$corpus/$f" ] && files="$files $f"; done
  for f in "$corpus"/evidence/*.test; do [ -f "$f" ] && files="$files evidence/${f##*/}"; done
fi
[ -n "$files" ] || skip "no .test files in $corpus"

if [ "$kind" = postgres ]; then
  pgserver_start_postgres "$work/pg" || { echo "FAIL slt.all (cannot start PostgreSQL 15)"; echo "slt_check: 0 passed, 1 failed"; exit 1; }
fi

# shaledb-xfail.txt: "FILE MIN_PASSED reason" -- files ShaleDB is known not to pass yet. Such
# a file reports XFAIL (not FAIL) while at least MIN_PASSED records pass; fewer is a FAIL
# (a regression). SHALE_CONFORMANCE_STRICT=1 ignores the list. Not used against PostgreSQL.
strict=${SHALE_CONFORMANCE_STRICT:-0}
[ "$kind" = postgres ] && strict=1
xfail_floor() {
  awk -v f="$1" '$1 == f { print $2; found = 1 } END { exit !found }' "$top/tests/slt/shaledb-xfail.txt" 2>/dev/null
}
start=$(date +%s)
xfailed=0
passed=0; failed=0; tot_counted=0; tot_passed=0
n=0
for f in $files; do
  n=$((n + 1))
  name="slt.$f"
  left=$(( budget - ($(date +%s) - start) ))
  if [ "$left" -le 0 ]; then
    echo "FAIL $name (not run: the ${budget} s budget of slt_check is spent)"
    failed=$((failed + 1)); continue
  fi
  [ "$left" -gt 60 ] && left=60
  opts="--fresh-db"
  if [ "$kind" = shaledb ]; then
    opts=""
    if ! pgserver_start_shaledb "$bin" "$work/s$n" 2>"$work/start.err"; then
      echo "FAIL $name (server did not start: $(tail -1 "$work/start.err"))"
      failed=$((failed + 1)); continue
    fi
  fi
  out=$work/out$n
  "$runner" --conn "$PGSERVER_CONN" $opts $verbose --show 3 --timeout 5 --budget "$left" \
    --known-failures "$corpus/known-failures-pg15.txt" "$corpus/$f" >"$out" 2>"$out.err"
  died=""
  if [ "$kind" = shaledb ]; then
    pgserver_alive || died=", server died (log: $(tail -1 "$PGSERVER_LOG" 2>/dev/null | cut -c1-120))"
    pgserver_stop
  fi
  sum=$(grep '^SLTFILE ' "$out" | tail -1)
  if [ -z "$sum" ]; then
    echo "FAIL $name (runner produced no summary: $(head -c 300 "$out.err" | tr '\n' ' '))"
    failed=$((failed + 1)); continue
  fi
  field() { echo "$sum" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  p=$(field passed); fl=$(field failed); known=$(field known)
  kp=$(field known_passed); rate=$(field rate); secs=$(field secs)
  counted=$((p + fl))
  tot_counted=$((tot_counted + counted)); tot_passed=$((tot_passed + p))
  note=""
  [ "$(field dead)" = 1 ] && note="$note, connection lost"
  [ "$(field out_of_time)" = 1 ] && note="$note, time budget spent"
  [ "$kp" -gt 0 ] && note="$note, $kp known failures now pass"
  if [ "$fl" -eq 0 ] && [ "$counted" -gt 0 ]; then
    echo "PASS $name ($p/$counted records, $rate%, $known known failures run, ${secs} s$note)"
    passed=$((passed + 1))
  elif [ "$strict" != 1 ] && [ -z "$died" ] && floor=$(xfail_floor "$f") && [ "$p" -ge "$floor" ]; then
    # A known-incomplete file at or above its recorded floor: shown, not counted as failed.
    echo "XFAIL $name ($p/$counted records, $rate%, $fl failed$note; floor $floor in tests/slt/shaledb-xfail.txt)"
    grep '^SLTFAIL ' "$out" | head -3 | sed "s|^SLTFAIL $corpus/|    |" | cut -c1-300
    xfailed=$((xfailed + 1))
  else
    [ -n "$(xfail_floor "$f")" ] && note="$note, below its floor $(xfail_floor "$f") in shaledb-xfail.txt"
    echo "FAIL $name ($p/$counted records, $rate%, $fl failed$note$died, ${secs} s)"
    grep '^SLTFAIL ' "$out" | head -3 | sed "s|^SLTFAIL $corpus/|    |" | cut -c1-300
    [ -n "$verbose" ] && sed -n '/^SLTFAIL/,$p' "$out" | grep -v '^SLTFILE'
    failed=$((failed + 1))
  fi
done
if [ "$tot_counted" -gt 0 ]; then
  echo "slt_check: $tot_passed of $tot_counted counted records passed ($(( tot_passed * 100 / tot_counted ))%) against $kind in $(( $(date +%s) - start )) s"
fi
echo "slt_check: $passed passed, $failed failed, $xfailed expected failures (XFAIL)"
[ "$failed" -eq 0 ]
