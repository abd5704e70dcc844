# src/server/server.mk -- the shaledb server process (main, settings registry, listeners,
# signals) and the wire tests (tests/wire/).
SERVER_SOURCES = src/server/main.c src/server/server_config.h src/server/server_config.c \
	src/server/metrics_http.h src/server/metrics_http.c \
	src/server/unix_socket.h src/server/unix_socket.c

# The product binary links the real SQL engine from libshale.a. Until the SQL engine is on
# main, sql/sql.h has no implementation, so it stays off; the lead switches it on with:
#   bin_PROGRAMS += shaledb
#   shaledb_SOURCES = $(SERVER_SOURCES)
# (and sets WIRE_SERVER_BIN below to shaledb so the wire tests run the real server).

bin_PROGRAMS += shaledb
shaledb_SOURCES = $(SERVER_SOURCES)

# Test-only server: the real server sources linked with the SQL test double.
check_PROGRAMS += tests/wire/shaledb_fake
tests_wire_shaledb_fake_SOURCES = $(SERVER_SOURCES) tests/wire/fake_sql.c

dist_doc_DATA += docs/server.md docs/protocol.md
EXTRA_DIST += tools/bench/pgbench_wire.sh

# Wire tests: unit tests of the message layer, then the server through libpq and raw sockets.
WIRE_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPQ_CFLAGS) -DWIRE_SERVER_BIN='"tests/wire/shaledb_fake"'
WIRE_TEST_DEPS = tests/harness/test.h tests/wire/wire_util.h
check_PROGRAMS += tests/wire/pq_msg_test tests/wire/wire_libpq_test
TESTS += tests/wire/pq_msg_test tests/wire/wire_libpq_test
tests_wire_pq_msg_test_SOURCES = tests/wire/pq_msg_test.c tests/harness/test.h
tests_wire_wire_libpq_test_SOURCES = tests/wire/wire_libpq_test.c $(WIRE_TEST_DEPS)
tests_wire_wire_libpq_test_CPPFLAGS = $(WIRE_TEST_CPPFLAGS)
tests_wire_wire_libpq_test_LDADD = $(SHALE_LIBS) $(LIBPQ_LIBS)
check_PROGRAMS += tests/wire/wire_hostile_test
TESTS += tests/wire/wire_hostile_test
tests_wire_wire_hostile_test_SOURCES = tests/wire/wire_hostile_test.c $(WIRE_TEST_DEPS)
tests_wire_wire_hostile_test_CPPFLAGS = $(WIRE_TEST_CPPFLAGS)
tests_wire_wire_hostile_test_LDADD = $(SHALE_LIBS) $(LIBPQ_LIBS)
check_PROGRAMS += tests/wire/wire_server_test
TESTS += tests/wire/wire_server_test
tests_wire_wire_server_test_SOURCES = tests/wire/wire_server_test.c $(WIRE_TEST_DEPS)
tests_wire_wire_server_test_CPPFLAGS = $(WIRE_TEST_CPPFLAGS)
tests_wire_wire_server_test_LDADD = $(SHALE_LIBS) $(LIBPQ_LIBS)

# The hostile-input and fuzz tests again, against the real server (real SQL engine behind
# the same protocol code): a malformed or random message must not crash or hang it either.
check_PROGRAMS += tests/wire/wire_hostile_real_test
TESTS += tests/wire/wire_hostile_real_test
tests_wire_wire_hostile_real_test_SOURCES = tests/wire/wire_hostile_test.c $(WIRE_TEST_DEPS)
tests_wire_wire_hostile_real_test_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPQ_CFLAGS) -DWIRE_SERVER_BIN='"shaledb"'
tests_wire_wire_hostile_real_test_LDADD = $(SHALE_LIBS) $(LIBPQ_LIBS)

# Unix-domain sockets end to end (the real server; e2e.mk's flags).
check_PROGRAMS += tests/e2e/e2e_unixsock_test
TESTS += tests/e2e/e2e_unixsock_test
tests_e2e_e2e_unixsock_test_SOURCES = tests/e2e/e2e_unixsock_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_unixsock_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_unixsock_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_unixsock_test_DEPENDENCIES = shaledb$(EXEEXT)
