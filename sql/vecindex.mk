# sql/vecindex.mk -- the SQL side of the hnsw index: graph registry (load/reconcile/save),
# CREATE INDEX ... USING hnsw, the planner path and the index scan; its e2e test.
libshale_a_SOURCES += sql/vecindex.h sql/vecindex.c sql/vecindex_ddl.c \
	sql/query/plan_vector.c sql/query/exec_vector.c

check_PROGRAMS += tests/e2e/e2e_hnsw_test
TESTS += tests/e2e/e2e_hnsw_test
tests_e2e_e2e_hnsw_test_SOURCES = tests/e2e/e2e_hnsw_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_hnsw_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_hnsw_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_hnsw_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_hnsw_conc_test
TESTS += tests/e2e/e2e_hnsw_conc_test
tests_e2e_e2e_hnsw_conc_test_SOURCES = tests/e2e/e2e_hnsw_conc_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_hnsw_conc_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_hnsw_conc_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_hnsw_conc_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_hnsw_live_test
TESTS += tests/e2e/e2e_hnsw_live_test
tests_e2e_e2e_hnsw_live_test_SOURCES = tests/e2e/e2e_hnsw_live_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_hnsw_live_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_hnsw_live_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_hnsw_live_test_DEPENDENCIES = shaledb$(EXEEXT)
