#!/bin/sh
# tests/e2e/dump/pg_load.sh -- e2e_dump_test's PostgreSQL side: starts a scratch PostgreSQL 15
# cluster (tests/lib/pgserver.sh), loads a shalectl dump with psql -v ON_ERROR_STOP=1 and
# prints the output of a query file (the rows to compare) on stdout.
#   pg_load.sh SRCDIR WORKDIR DUMP.sql QUERIES.sql
# Exit: 0 loaded and queried; 2 no PostgreSQL 15 / psql (skip); 3 pgvector is not installed
# (the caller retries with a vector-free dump); 1 the load or the queries failed.
set -u
srcdir=$1 work=$2 dump=$3 queries=$4
command -v psql >/dev/null 2>&1 || exit 2
. "$srcdir/tests/lib/pgserver.sh"
pgserver_pg_bindir >/dev/null || exit 2
mkdir -p "$work"
if ! pgserver_start_postgres "$work" >"$work/start.out" 2>&1; then
  cat "$work/start.out" >&2
  exit 1
fi
rc=0
if [ "$(psql -X -At "$PGSERVER_CONN" -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")" != 1 ]; then
  if grep -q 'CREATE EXTENSION IF NOT EXISTS vector' "$dump"; then rc=3; fi
fi
if [ $rc = 0 ]; then
  psql -X -q -v ON_ERROR_STOP=1 "$PGSERVER_CONN" -f "$dump" >"$work/load.out" 2>&1 || { cat "$work/load.out" >&2; rc=1; }
fi
if [ $rc = 0 ]; then
  psql -X -At -v ON_ERROR_STOP=1 "$PGSERVER_CONN" -f "$queries" || rc=1
fi
pgserver_stop
exit $rc
