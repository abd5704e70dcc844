#!/bin/sh
# tests/clients/python/sqlalchemy_check.sh -- make check: SQLAlchemy over psycopg2 (Debian python3-sqlalchemy, python3-psycopg2)
# against a fresh ShaleDB (test_sqlalchemy.py). Skips when the package is not installed.
# SHALE_TEST_SERVER=postgres runs it against PostgreSQL 15 (validates the test).
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top/tests/clients/client_lib.sh"
client_init sqlalchemy
PY=${SHALE_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || client_skip "no $PY (apt-get install python3)"
"$PY" -c "import sqlalchemy, psycopg2" 2>/dev/null || client_skip "sqlalchemy not installed (apt-get install python3-sqlalchemy python3-psycopg2)"
client_start
client_run "$PY" "$top/tests/clients/python/test_sqlalchemy.py"
