# tests/clients/client_lib.sh -- sourced by the driver tests (tests/clients/*/*_check.sh):
# finds the server binary, skips cleanly when a driver or runtime is missing, starts a fresh
# ShaleDB (or, with SHALE_TEST_SERVER=postgres, a scratch PostgreSQL 15 to validate the test
# itself) through tests/lib/pgserver.sh, and exports the connection to the test program:
#   SHALE_CLIENT_CONN  libpq conninfo   SHALE_CLIENT_HOST/PORT/USER/DB  the same, split
# The test program prints PASS/FAIL/SKIP lines (tests/harness/test.h format) and exits 1 on
# a failure; the server log tail is printed when it failed or the server died.
#
#   . "$top/tests/clients/client_lib.sh"
#   client_init NAME                 # NAME: the test's name in SKIP lines
#   command -v x || client_skip "x not installed (apt-get install y)"
#   client_start
#   client_run CMD ARGS...           # exits with the test's status
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
top=$(cd "$top" && pwd)
builddir=$(pwd)

client_init() {
  client_name=$1
  client_kind=${SHALE_TEST_SERVER:-shaledb}
  client_bin=${SHALEDB:-}
  if [ -z "$client_bin" ]; then
    client_bin=src/server/shaledb
    [ ! -x "$client_bin" ] && [ -x shaledb ] && client_bin=shaledb
  fi
  case $client_bin in /*) ;; *) client_bin=$builddir/$client_bin ;; esac
  if [ "$client_kind" = shaledb ] && [ ! -x "$client_bin" ]; then
    client_skip "no ShaleDB server binary at $client_bin"
  fi
}

client_skip() {
  echo "SKIP $client_name: $1"
  exit 77
}

client_start() {
  . "$top/tests/lib/pgserver.sh"
  client_work=$(mktemp -d "${TMPDIR:-/tmp}/shale-client-XXXXXX") || exit 2
  trap 'pgserver_stop; rm -rf "$client_work"' EXIT
  trap 'exit 2' INT TERM
  if [ "$client_kind" = postgres ]; then
    pgserver_start_postgres "$client_work/pg" || { echo "FAIL $client_name: cannot start PostgreSQL 15"; exit 1; }
  else
    pgserver_start_shaledb "$client_bin" "$client_work" || { echo "FAIL $client_name: cannot start shaledb"; exit 1; }
  fi
  SHALE_CLIENT_HOST=127.0.0.1
  SHALE_CLIENT_PORT=$PGSERVER_PORT
  SHALE_CLIENT_USER=$(id -un)
  SHALE_CLIENT_DB=postgres
  SHALE_CLIENT_CONN=$PGSERVER_CONN
  export SHALE_CLIENT_HOST SHALE_CLIENT_PORT SHALE_CLIENT_USER SHALE_CLIENT_DB SHALE_CLIENT_CONN
  # The tests assume PostgreSQL's defaults; PGTZ etc. from the caller's shell would change them.
  unset PGTZ PGDATESTYLE PGOPTIONS PGCLIENTENCODING
}

client_run() {
  "$@"
  _rc=$?
  # Sanitizer builds: a report in the server log fails the test even when the server lived on.
  if grep -q "runtime error:\|AddressSanitizer\|LeakSanitizer" "$PGSERVER_LOG" 2>/dev/null; then
    echo "FAIL $client_name: sanitizer report in the server log"
    _rc=1
  fi
  if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 77 ] || ! pgserver_alive; then
    pgserver_alive || { echo "FAIL $client_name: the server died"; _rc=1; }
    echo "--- last lines of the server log ($PGSERVER_LOG)"
    grep -v "LOG:  \(connection\|disconnection\)" "$PGSERVER_LOG" 2>/dev/null | tail -20
  fi
  exit "$_rc"
}
