# src/storage/log.mk -- the record log (WAL and manifest framing), write batches and the
# memtable with its skiplist, plus their unit tests.
libshale_a_SOURCES += \
	src/storage/log_format.h src/storage/log_writer.c src/storage/log_reader.c \
	src/storage/write_batch_int.h src/storage/write_batch.c \
	src/storage/skiplist.h src/storage/skiplist.c \
	src/storage/memtable.h src/storage/memtable.c

check_PROGRAMS += tests/unit/log_test tests/unit/write_batch_test tests/unit/memtable_test
TESTS += tests/unit/log_test tests/unit/write_batch_test tests/unit/memtable_test
tests_unit_log_test_SOURCES = tests/unit/log_test.c tests/harness/test.h
tests_unit_write_batch_test_SOURCES = tests/unit/write_batch_test.c tests/harness/test.h
tests_unit_memtable_test_SOURCES = tests/unit/memtable_test.c tests/harness/test.h
