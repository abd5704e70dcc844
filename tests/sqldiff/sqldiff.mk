# tests/sqldiff/sqldiff.mk -- the differential SQL suite: scripts in tests/sqldiff/sql, the
# PostgreSQL 15 outputs they must produce in tests/sqldiff/expected (made by regen.sh), the
# libpq runner and the make-check driver that runs them against ShaleDB.
check_PROGRAMS += tests/sqldiff/sqldiff_runner
tests_sqldiff_sqldiff_runner_SOURCES = tests/sqldiff/sqldiff_runner.c tests/lib/pq_exec.c tests/lib/pq_exec.h
tests_sqldiff_sqldiff_runner_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
tests_sqldiff_sqldiff_runner_LDADD = $(LIBPQ_LIBS)
TESTS += tests/sqldiff/sqldiff_check.sh
EXTRA_DIST += tests/sqldiff/sqldiff_check.sh tests/sqldiff/regen.sh tests/sqldiff/known-differences.txt \
	docs/testing.md
