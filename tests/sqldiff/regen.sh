#!/bin/sh
# tests/sqldiff/regen.sh -- regenerates tests/sqldiff/expected/*.out from a scratch
# PostgreSQL 15 (the reference), one fresh database per script. Run it after adding or
# changing a script in tests/sqldiff/sql/, review the diff of expected/, commit both.
#
#   tests/sqldiff/regen.sh [-b BUILDDIR] [NAME...]     (NAME: a script name without .sql)
#
# Needs postgresql-15 (initdb, pg_ctl, postgres: /usr/lib/postgresql/15/bin or $PG_BINDIR)
# and a build tree with tests/sqldiff/sqldiff_runner built (default: ./build).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build
if [ "${1:-}" = -b ]; then build=$(cd "$2" && pwd); shift 2; fi
runner=$build/tests/sqldiff/sqldiff_runner
if [ ! -x "$runner" ]; then
  (cd "$build" && make tests/sqldiff/sqldiff_runner tests/slt/slt_runner >/dev/null) || {
    echo "regen: cannot build $runner (configure a build tree in $build first)" >&2; exit 2; }
fi
. "$top/tests/lib/pgserver.sh"
PGSERVER_PING="$build/tests/slt/slt_runner --timeout 1 --ping --conn"
work=$(mktemp -d "${TMPDIR:-/tmp}/shale-regen-XXXXXX") || exit 2
trap 'pgserver_stop; rm -rf "$work"' EXIT INT TERM
pgserver_start_postgres "$work/pg" || exit 1
if [ $# -gt 0 ]; then names="$*"; else
  names=$(cd "$top/tests/sqldiff/sql" && ls *.sql | sed 's/\.sql$//')
fi
admin="$PGSERVER_CONN"
rc=0
for n in $names; do
  db="sqldiff_$n"
  printf 'DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n' "$db" "$db" >"$work/mk.sql"
  "$runner" --conn "$admin" "$work/mk.sql" >/dev/null || { echo "regen: cannot create $db" >&2; rc=1; continue; }
  conn=$(echo "$admin" | sed "s/dbname=postgres/dbname=$db/")
  if "$runner" --conn "$conn" "$top/tests/sqldiff/sql/$n.sql" >"$work/$n.out"; then
    # The extended protocol must give PostgreSQL the same output: the suite relies on it.
    printf 'DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;\n' "$db" "$db" >"$work/mk.sql"
    "$runner" --conn "$admin" "$work/mk.sql" >/dev/null
    "$runner" --conn "$conn" --extended "$top/tests/sqldiff/sql/$n.sql" >"$work/$n.ext.out"
    if ! cmp -s "$work/$n.out" "$work/$n.ext.out"; then
      echo "regen: note: $n differs between simple and extended protocol on PostgreSQL:" >&2
      diff "$work/$n.out" "$work/$n.ext.out" | head -10 >&2
    fi
    cp "$work/$n.out" "$top/tests/sqldiff/expected/$n.out"
    echo "regen: expected/$n.out ($(grep -c '^TAG \|^ERROR ' "$work/$n.out") statements)"
  else
    echo "regen: $n: lost the connection to PostgreSQL" >&2; rc=1
  fi
done
exit $rc
