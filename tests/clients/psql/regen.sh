#!/bin/sh
# tests/clients/psql/regen.sh -- regenerates expected/describe.out (psql 15's \d output for
# schema.sql on a scratch PostgreSQL 15; see psql_describe.sh). Run from anywhere.
top=$(cd "$(dirname "$0")/../../.." && pwd)
top_srcdir=$top exec sh "$top/tests/clients/psql/psql_describe.sh" --regen
