# tests/slt/slt.mk -- the sqllogictest runner (libpq) and its make-check driver, which runs
# the corpus in ../shared/slt (read at run time, never copied here) against ShaleDB.
check_PROGRAMS += tests/slt/slt_runner
tests_slt_slt_runner_SOURCES = tests/slt/slt_runner.c tests/slt/slt_util.c tests/slt/slt_util.h \
	tests/lib/pq_exec.c tests/lib/pq_exec.h
tests_slt_slt_runner_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
tests_slt_slt_runner_LDADD = $(LIBPQ_LIBS) $(MBEDTLS_LIBS)
TESTS += tests/slt/slt_check.sh
EXTRA_DIST += tests/slt/slt_check.sh tests/slt/shaledb-xfail.txt tests/lib/pgserver.sh
