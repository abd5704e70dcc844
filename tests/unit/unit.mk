# tests/unit/unit.mk -- unit tests of the util layer and the storage core.
check_PROGRAMS += tests/unit/util_test
tests_unit_util_test_SOURCES = tests/unit/util_test.c tests/harness/test.h
TESTS += tests/unit/util_test
check_PROGRAMS += tests/unit/version_edit_test
tests_unit_version_edit_test_SOURCES = tests/unit/version_edit_test.c tests/harness/test.h
TESTS += tests/unit/version_edit_test
