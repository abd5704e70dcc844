# src/facets/vector/vector.mk -- the vector facet: float32 distance kernels with run-time
# SIMD dispatch (the SQL type lives in sql/types/types_vector.c) and the HNSW index.
libshale_a_SOURCES += src/facets/vector/vector_kernels.h src/facets/vector/vector_kernels.c
libshale_a_SOURCES += src/facets/vector/hnsw.h src/facets/vector/hnsw_int.h src/facets/vector/hnsw.c \
	src/facets/vector/hnsw_insert.c src/facets/vector/hnsw_search.c src/facets/vector/hnsw_file.c src/facets/vector/hnsw_repair.c

check_PROGRAMS += tests/vector/vector_kernels_test
tests_vector_vector_kernels_test_SOURCES = tests/vector/vector_kernels_test.c tests/harness/test.h
TESTS += tests/vector/vector_kernels_test

check_PROGRAMS += tests/vector/hnsw_test
tests_vector_hnsw_test_SOURCES = tests/vector/hnsw_test.c tests/harness/test.h
TESTS += tests/vector/hnsw_test

# the SQL vector type (sql/types/types_vector.c) is owned by the vector facet
libshale_a_SOURCES += sql/types/types_vector.h sql/types/types_vector.c
check_PROGRAMS += tests/sql/vector_types_test
tests_sql_vector_types_test_SOURCES = tests/sql/vector_types_test.c tests/harness/test.h
TESTS += tests/sql/vector_types_test

check_PROGRAMS += tests/e2e/e2e_vector_test
TESTS += tests/e2e/e2e_vector_test
tests_e2e_e2e_vector_test_SOURCES = tests/e2e/e2e_vector_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_vector_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_vector_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_vector_test_DEPENDENCIES = shaledb$(EXEEXT)

dist_doc_DATA += docs/vector.md

check_PROGRAMS += tests/vector/hnsw_link_race_test
tests_vector_hnsw_link_race_test_SOURCES = tests/vector/hnsw_link_race_test.c tests/harness/test.h
TESTS += tests/vector/hnsw_link_race_test

check_PROGRAMS += tests/vector/hnsw_reach_test
tests_vector_hnsw_reach_test_SOURCES = tests/vector/hnsw_reach_test.c tests/harness/test.h
TESTS += tests/vector/hnsw_reach_test
