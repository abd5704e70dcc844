# src/storage/sst.mk -- SSTables: blocks, bloom filters, the block cache, the table builder and
# reader, the table cache; and their unit tests.
libshale_a_SOURCES += \
	src/storage/sst.h src/storage/sst_format.h \
	src/storage/block.h src/storage/block_builder.c src/storage/block_reader.c \
	src/storage/bloom.h src/storage/bloom.c \
	src/storage/block_cache.h src/storage/block_cache.c \
	src/storage/sst_builder.c src/storage/sst_reader.c \
	src/storage/table_cache.h src/storage/table_cache.c

check_PROGRAMS += tests/unit/block_test tests/unit/bloom_test tests/unit/block_cache_test \
	tests/unit/sst_test tests/unit/sst_corruption_test
TESTS += tests/unit/block_test tests/unit/bloom_test tests/unit/block_cache_test \
	tests/unit/sst_test tests/unit/sst_corruption_test
tests_unit_block_test_SOURCES = tests/unit/block_test.c tests/harness/test.h
tests_unit_bloom_test_SOURCES = tests/unit/bloom_test.c tests/harness/test.h
tests_unit_block_cache_test_SOURCES = tests/unit/block_cache_test.c tests/harness/test.h
tests_unit_sst_test_SOURCES = tests/unit/sst_test.c tests/harness/test.h
tests_unit_sst_corruption_test_SOURCES = tests/unit/sst_corruption_test.c tests/harness/test.h
