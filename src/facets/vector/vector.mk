# src/facets/vector/vector.mk -- the vector facet: float32 distance kernels with run-time
# SIMD dispatch (the SQL type lives in sql/types/types_vector.c; HNSW comes later).
libshale_a_SOURCES += src/facets/vector/vector_kernels.h src/facets/vector/vector_kernels.c

check_PROGRAMS += tests/vector/vector_kernels_test
tests_vector_vector_kernels_test_SOURCES = tests/vector/vector_kernels_test.c tests/harness/test.h
TESTS += tests/vector/vector_kernels_test
