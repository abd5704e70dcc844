# src/facets/relational/relational.mk -- the relational facet: transactions (snapshots, write
# buffer, row locks, isolation, savepoints) and table access over the LSM.
libshale_a_SOURCES += \
	src/facets/relational/relational.h src/facets/relational/rel_int.h \
	src/facets/relational/rel_wbuf.c src/facets/relational/rel_lock.c \
	src/facets/relational/rel_txn.c src/facets/relational/rel_table.c \
	src/facets/relational/rel_seq.c src/facets/relational/rel_aux.c \
	src/facets/relational/rel_vecidx.c src/facets/relational/rel_stats.c \
	src/facets/relational/rel_idxguard.c

REL_TEST_DEPS = tests/harness/test.h tests/relational/rel_test_util.h
check_PROGRAMS += tests/relational/rel_txn_test tests/relational/rel_table_test \
	tests/relational/rel_concurrency_test tests/relational/rel_crash_test
TESTS += tests/relational/rel_txn_test tests/relational/rel_table_test \
	tests/relational/rel_concurrency_test tests/relational/rel_crash_test
tests_relational_rel_txn_test_SOURCES = tests/relational/rel_txn_test.c $(REL_TEST_DEPS)
tests_relational_rel_table_test_SOURCES = tests/relational/rel_table_test.c $(REL_TEST_DEPS)
tests_relational_rel_concurrency_test_SOURCES = tests/relational/rel_concurrency_test.c $(REL_TEST_DEPS)
tests_relational_rel_crash_test_SOURCES = tests/relational/rel_crash_test.c $(REL_TEST_DEPS)
