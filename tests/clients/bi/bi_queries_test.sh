#!/bin/sh
# tests/clients/bi/bi_queries_test.sh -- make check: the SQL Grafana's and Metabase's PostgreSQL
# data sources send (queries.sql: catalog introspection, time bucketing with the tools' macros
# expanded) against a fresh ShaleDB loaded with schema.sql. Each query's rows must equal
# PostgreSQL 15's, committed in expected.txt; an error fails loudly.
#   PASS bi.NAME / FAIL bi.NAME (why); queries listed in known-differences.txt print
#   SKIP bi.NAME: known bug: ... instead of failing, naming the difference.
# BI_REGEN=1 SHALE_TEST_SERVER=postgres regenerates expected.txt from a scratch PostgreSQL 15.
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top/tests/clients/client_lib.sh"
client_init bi
command -v psql >/dev/null 2>&1 || client_skip "psql not installed (apt-get install postgresql-client-15)"
here=$top/tests/clients/bi
client_start

run_all() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$SHALE_CLIENT_CONN" -f "$here/schema.sql" >"$client_work/schema.log" 2>&1 ||
    { echo "FAIL bi.schema: $(grep -m1 ERROR "$client_work/schema.log")"; return 1; }
  # split queries.sql into one file per "-- name:" block
  awk -v dir="$client_work" '/^-- name: /{name=$3; print name >> (dir "/names"); next}
       name != "" {print > (dir "/q." name)}' "$here/queries.sql"
  passed=0; failed=0; skipped=0
  : >"$client_work/actual"
  while read -r name; do
    out=$client_work/out.$name
    if PGTZ=UTC psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "$SHALE_CLIENT_CONN" -f "$client_work/q.$name" >"$out" 2>&1; then
      ok=yes
    else
      ok=no
    fi
    { echo "== $name"; cat "$out"; } >>"$client_work/actual"
    [ -n "${BI_REGEN:-}" ] && continue
    # the expected rows of this query
    awk -v want="== $name" '$0 == want {on=1; next} /^== /{on=0} on' "$here/expected.txt" >"$client_work/exp.$name"
    known=$(grep "^$name " "$here/known-differences.txt" 2>/dev/null | cut -d' ' -f2-)
    if [ "$ok" = yes ] && cmp -s "$client_work/exp.$name" "$out"; then
      echo "PASS bi.$name"; passed=$((passed + 1))
    elif [ -n "$known" ]; then
      echo "SKIP bi.$name: known bug: $known"; skipped=$((skipped + 1))
    elif [ "$ok" = no ]; then
      echo "FAIL bi.$name: $(grep -m1 ERROR "$out")"; failed=$((failed + 1))
    else
      echo "FAIL bi.$name: rows differ from PostgreSQL 15's: $(diff "$client_work/exp.$name" "$out" | grep '^[<>]' | head -4 | tr '\n' ' ')"
      failed=$((failed + 1))
    fi
  done <"$client_work/names"
  if [ -n "${BI_REGEN:-}" ]; then
    cp "$client_work/actual" "$here/expected.txt" && echo "bi: regenerated $here/expected.txt"
    return 0
  fi
  echo "bi: $passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
}
client_run run_all
