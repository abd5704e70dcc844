# sql/sql.mk -- the SQL engine: settings, sessions (sql.h), analysis, planning, execution.
libshale_a_SOURCES += \
	sql/sql.h \
	sql/settings.def sql/settings.h sql/settings.c \
	sql/query.h sql/session_int.h sql/session.c sql/session_ext.c sql/utility.c sql/ddl.c sql/copy.c

check_PROGRAMS += tests/sql/settings_test
tests_sql_settings_test_SOURCES = tests/sql/settings_test.c tests/harness/test.h
TESTS += tests/sql/settings_test
