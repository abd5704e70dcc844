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
# Scripts and their PostgreSQL 15 outputs (add both when adding a script).
EXTRA_DIST += \
	tests/sqldiff/sql/aggregates.sql tests/sqldiff/expected/aggregates.out \
	tests/sqldiff/sql/arrays_json.sql tests/sqldiff/expected/arrays_json.out \
	tests/sqldiff/sql/copy.sql tests/sqldiff/expected/copy.out \
	tests/sqldiff/sql/cte_setops.sql tests/sqldiff/expected/cte_setops.out \
	tests/sqldiff/sql/datetime.sql tests/sqldiff/expected/datetime.out \
	tests/sqldiff/sql/ddl.sql tests/sqldiff/expected/ddl.out \
	tests/sqldiff/sql/dml.sql tests/sqldiff/expected/dml.out \
	tests/sqldiff/sql/errors.sql tests/sqldiff/expected/errors.out \
	tests/sqldiff/sql/expressions.sql tests/sqldiff/expected/expressions.out \
	tests/sqldiff/sql/functions.sql tests/sqldiff/expected/functions.out \
	tests/sqldiff/sql/joins.sql tests/sqldiff/expected/joins.out \
	tests/sqldiff/sql/select.sql tests/sqldiff/expected/select.out \
	tests/sqldiff/sql/subqueries.sql tests/sqldiff/expected/subqueries.out \
	tests/sqldiff/sql/transactions.sql tests/sqldiff/expected/transactions.out \
	tests/sqldiff/sql/types.sql tests/sqldiff/expected/types.out \
	tests/sqldiff/sql/window.sql tests/sqldiff/expected/window.out
