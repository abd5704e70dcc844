# src/server/server.mk -- the shaledb server process (main, settings registry, listeners,
# signals) and the wire tests (tests/wire/).
SERVER_SOURCES = src/server/main.c src/server/server_config.h src/server/server_config.c

# The product binary links the real SQL engine from libshale.a. Until the SQL engine is on
# main, sql/sql.h has no implementation, so it stays off; the lead switches it on with:
#   bin_PROGRAMS += shaledb
#   shaledb_SOURCES = $(SERVER_SOURCES)
# (and sets WIRE_SERVER_BIN below to shaledb so the wire tests run the real server).

# Test-only server: the real server sources linked with the SQL test double.
check_PROGRAMS += tests/wire/shaledb_fake
tests_wire_shaledb_fake_SOURCES = $(SERVER_SOURCES) tests/wire/fake_sql.c

dist_doc_DATA += docs/server.md docs/protocol.md
EXTRA_DIST += tools/bench/pgbench_wire.sh
