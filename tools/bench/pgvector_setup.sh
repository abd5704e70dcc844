#!/bin/sh
# tools/bench/pgvector_setup.sh -- builds and installs pgvector into the local PostgreSQL 15
# from a pgvector source directory the user provides (pgvector is not packaged for Debian 12
# and is never committed here; this script downloads nothing). Used before
# tools/bench/vector_bench.sh, which compares ShaleDB's vector search with pgvector's.
#
# Usage: tools/bench/pgvector_setup.sh PGVECTOR_SOURCE_DIR
#   e.g.  git clone --branch v0.8.0 https://github.com/pgvector/pgvector /tmp/pgvector
#         tools/bench/pgvector_setup.sh /tmp/pgvector
# Environment: PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config). Needs
# postgresql-server-dev-15 (the server headers and PGXS) and write access to PostgreSQL's
# lib and extension directories (root, or sudo). Exits 0 when `vector.control` is installed.
set -eu
SRC=${1:-}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
if [ -z "$SRC" ] || [ ! -f "$SRC/vector.control" ] || [ ! -f "$SRC/Makefile" ]; then
  echo "usage: $0 PGVECTOR_SOURCE_DIR   (a pgvector checkout: contains vector.control and Makefile)" >&2
  exit 2
fi
[ -x "$PG_CONFIG" ] || { echo "pg_config not found at $PG_CONFIG (apt-get install postgresql-server-dev-15, or set PG_CONFIG)" >&2; exit 2; }
[ -d "$("$PG_CONFIG" --includedir-server)" ] || { echo "PostgreSQL server headers missing (apt-get install postgresql-server-dev-15)" >&2; exit 2; }

JOBS=$(nproc 2>/dev/null || echo 2)
echo "pgvector_setup: building $SRC against $("$PG_CONFIG" --version)"
make -C "$SRC" -j"$JOBS" PG_CONFIG="$PG_CONFIG"
make -C "$SRC" PG_CONFIG="$PG_CONFIG" install
CONTROL="$("$PG_CONFIG" --sharedir)/extension/vector.control"
[ -f "$CONTROL" ] || { echo "pgvector_setup: install did not produce $CONTROL" >&2; exit 1; }
echo "pgvector_setup: installed $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$CONTROL") ($CONTROL)"
