# src/catalog/catalog.mk -- the catalog layer: SQL values and type table, SQLSTATEs, and
# (catalog_*.c, keycodec, rowcodec) the data model on the LSM.
libshale_a_SOURCES += \
	src/catalog/pg_types.def src/catalog/value.h src/catalog/value.c \
	src/catalog/errcodes.def src/catalog/sqlerror.h src/catalog/sqlerror.c
libshale_a_SOURCES += \
	src/catalog/keycodec.h src/catalog/keycodec.c \
	src/catalog/rowcodec.h src/catalog/rowcodec.c

check_PROGRAMS += tests/catalog/keycodec_test tests/catalog/rowcodec_test
TESTS += tests/catalog/keycodec_test tests/catalog/rowcodec_test
tests_catalog_keycodec_test_SOURCES = tests/catalog/keycodec_test.c tests/harness/test.h
tests_catalog_keycodec_test_LDADD = $(SHALE_LIBS) -lm
tests_catalog_rowcodec_test_SOURCES = tests/catalog/rowcodec_test.c tests/harness/test.h
libshale_a_SOURCES += \
	src/catalog/catalog.h src/catalog/catalog_int.h src/catalog/catalog.c \
	src/catalog/catalog_desc.c src/catalog/catalog_cache.c
