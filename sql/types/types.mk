# sql/types/types.mk -- the SQL type system: type I/O, comparison, casts, the builtin
# function/operator/aggregate registry (sql/types/types.h).
libshale_a_SOURCES += \
	sql/types/types.h
check_PROGRAMS += tests/sql/types_test
tests_sql_types_test_SOURCES = tests/sql/types_test.c tests/harness/test.h
TESTS += tests/sql/types_test
