# tests/storage/storage_tests.mk -- DB-level acceptance tests of the storage engine, driven
# only through the public API (src/storage/shale_storage.h) and the data directory's files.
STORAGE_DB_TEST_DEPS = tests/harness/test.h tests/storage/db_test_util.h

check_PROGRAMS += tests/storage/db_basic_test tests/storage/model_test \
	tests/storage/crash_test tests/storage/db_corruption_test tests/storage/db_concurrency_test
TESTS += tests/storage/db_basic_test tests/storage/model_test \
	tests/storage/crash_test tests/storage/db_corruption_test tests/storage/db_concurrency_test

tests_storage_db_basic_test_SOURCES = tests/storage/db_basic_test.c $(STORAGE_DB_TEST_DEPS)
tests_storage_model_test_SOURCES = tests/storage/model_test.c $(STORAGE_DB_TEST_DEPS)
tests_storage_crash_test_SOURCES = tests/storage/crash_test.c $(STORAGE_DB_TEST_DEPS)
tests_storage_db_corruption_test_SOURCES = tests/storage/db_corruption_test.c $(STORAGE_DB_TEST_DEPS)
tests_storage_db_concurrency_test_SOURCES = tests/storage/db_concurrency_test.c $(STORAGE_DB_TEST_DEPS)

check_PROGRAMS += tests/storage/db_drop_range_test
TESTS += tests/storage/db_drop_range_test
tests_storage_db_drop_range_test_SOURCES = tests/storage/db_drop_range_test.c $(STORAGE_DB_TEST_DEPS)
