#!/bin/sh
# tests/clients/psql/psql_meta.sh -- make check: psql 15's less common meta-commands (\dp, \dd,
# \dL, \dx, \dy, \des, \dF, \drds, \sf ...) run against a fresh ShaleDB without an error, and
# the ones with content show it (\dp the privileges GRANT stored, \sf a function definition).
# psql_describe.sh compares the common \d family line by line with PostgreSQL's output.
#   PASS psql_meta.CMD / FAIL psql_meta.CMD (the error)
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top/tests/clients/client_lib.sh"
client_init psql_meta
command -v psql >/dev/null 2>&1 || client_skip "psql not installed (apt-get install postgresql-client-15)"
client_start

run_all() {
  passed=0; failed=0
  psql -X -q -v ON_ERROR_STOP=1 -d "$SHALE_CLIENT_CONN" >"$client_work/setup.log" 2>&1 <<'SQL' ||
CREATE TABLE pm_t (id int PRIMARY KEY, v text);
CREATE SEQUENCE pm_seq;
CREATE VIEW pm_v AS SELECT id FROM pm_t;
COMMENT ON TABLE pm_t IS 'meta table';
GRANT SELECT, INSERT ON pm_t TO PUBLIC;
GRANT USAGE ON SEQUENCE pm_seq TO PUBLIC;
SQL
    { echo "FAIL psql_meta.setup: $(grep -m1 ERROR "$client_work/setup.log")"; return 1; }
  # command | a line its output must contain ('' = only no error)
  while IFS='|' read -r cmd want; do
    [ -z "$cmd" ] && continue
    out=$client_work/out
    if ! psql -X -P pager=off -v ON_ERROR_STOP=1 -d "$SHALE_CLIENT_CONN" -c "$cmd" >"$out" 2>&1 || grep -q "ERROR" "$out"; then
      echo "FAIL psql_meta.$cmd ($(grep -m1 ERROR "$out"))"; failed=$((failed + 1))
    elif [ -n "$want" ] && ! grep -qF -- "$want" "$out"; then
      echo "FAIL psql_meta.$cmd (no line with '$want' in: $(head -8 "$out" | tr '\n' ' '))"; failed=$((failed + 1))
    else
      echo "PASS psql_meta.$cmd"; passed=$((passed + 1))
    fi
  done <<'CMDS'
\dp|=ar/
\dp pm_seq|=U/
\z pm_t|=ar/
\ddp|
\dd|
\dd pm_t|
\dL|plpgsql
\dx|plpgsql
\dy|
\des|
\det|
\dew|
\deu|
\dF|
\dFd|
\dFp|
\dFt|
\drds|
\dRp|
\dRs|
\dA|btree
\dAc|
\dAf|
\db|pg_default
\dC|
\dD|
\dO|
\dl|
\lo_list|
\dm|
\dE|
\dP|
\dconfig|
\du+|
\dn+|public
\dt+ pm_t|meta table
\sf pg_table_is_visible|CREATE OR REPLACE FUNCTION pg_catalog.pg_table_is_visible(oid)
CMDS
  echo "psql_meta: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
client_run run_all
