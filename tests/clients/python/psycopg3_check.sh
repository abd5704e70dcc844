#!/bin/sh
# tests/clients/python/psycopg3_check.sh -- make check: psycopg 3 (Debian python3-psycopg)
# against a fresh ShaleDB (test_psycopg3.py). Skips when the package is not installed.
# SHALE_TEST_SERVER=postgres runs it against PostgreSQL 15 (validates the test).
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top/tests/clients/client_lib.sh"
client_init psycopg3
PY=${SHALE_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || client_skip "no $PY (apt-get install python3)"
"$PY" -c "import psycopg" 2>/dev/null || client_skip "psycopg3 not installed (apt-get install python3-psycopg)"
client_start
client_run "$PY" "$top/tests/clients/python/test_psycopg3.py"
