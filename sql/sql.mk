# sql/sql.mk -- the SQL engine: settings, sessions (sql.h), analysis, planning, execution.
libshale_a_SOURCES += \
	sql/sql.h \
	sql/settings.def sql/settings.h sql/settings.c \
	sql/query.h sql/session_int.h sql/session.c sql/session_ext.c sql/session_cursor.c sql/utility.c sql/ddl_int.h sql/ddl.c sql/ddl_drop.c sql/ddl_alter.c sql/ddl_alter_type.c sql/copy.c \
	sql/session_registry.c sql/session_activity.c sql/ddl_database.c sql/analyze.h sql/analyze.c sql/stats.c \
	sql/backup.h sql/backup.c

check_PROGRAMS += tests/sql/settings_test
tests_sql_settings_test_SOURCES = tests/sql/settings_test.c tests/harness/test.h
TESTS += tests/sql/settings_test
check_PROGRAMS += tests/sql/stats_test
tests_sql_stats_test_SOURCES = tests/sql/stats_test.c tests/harness/test.h
TESTS += tests/sql/stats_test

# --- sql/query (query engine)
libshale_a_SOURCES += \
	sql/query/query_int.h sql/query/plan_int.h sql/query/exec_int.h sql/query/dml_int.h \
	sql/query/qutil.c sql/query/bind_expr.c sql/query/bind_func.c sql/query/bind_from.c sql/query/bind_select.c sql/query/bind_with.c sql/query/bind_group.c \
	sql/query/bind_dml.c sql/query/plan_scan.c sql/query/plan_cost.c sql/query/plan_join.c sql/query/eval.c sql/query/exec.c \
	sql/query/exec_agg.c sql/query/exec_sort.c sql/query/exec_dml.c sql/query/explain.c \
	sql/query/query.c
libshale_a_SOURCES += sql/query_index.h sql/query/exec_index_hooks.c sql/query/bind_view_dml.c sql/ddl_index.c sql/session_index.c

check_PROGRAMS += tests/sql/query_test
tests_sql_query_test_SOURCES = tests/sql/query_test.c tests/sql/query_cases.h tests/harness/test.h
TESTS += tests/sql/query_test
EXTRA_DIST += tests/sql/query_cases.txt tests/sql/gen_query_cases.py
dist_doc_DATA += docs/sql-queries.md

# --- roles and privileges (CREATE/ALTER/DROP ROLE, SET ROLE, privilege checks)
libshale_a_SOURCES += sql/acl.h sql/acl_check.c sql/ddl_role.c sql/session_role.c sql/session_undo.c sql/ddl_setconfig.c
