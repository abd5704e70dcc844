# tests/e2e/e2e.mk -- end-to-end tests: the real shaledb server through libpq and psql
# (sessions and transactions, extended protocol, COPY, durability across kills, concurrency
# and isolation, psql). SHALE_E2E_ORACLE_PORT=N runs them against a PostgreSQL 15 instead.
E2E_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPQ_CFLAGS) -DWIRE_SERVER_BIN='"shaledb"'
E2E_TEST_DEPS = tests/harness/test.h tests/wire/wire_util.h tests/e2e/e2e_util.h
E2E_TEST_LDADD = $(LIBPQ_LIBS) -lpthread -lutil

check_PROGRAMS += tests/e2e/e2e_session_test
TESTS += tests/e2e/e2e_session_test
tests_e2e_e2e_session_test_SOURCES = tests/e2e/e2e_session_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_session_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_session_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_session_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_extended_test
TESTS += tests/e2e/e2e_extended_test
tests_e2e_e2e_extended_test_SOURCES = tests/e2e/e2e_extended_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_extended_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_extended_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_extended_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_copy_test
TESTS += tests/e2e/e2e_copy_test
tests_e2e_e2e_copy_test_SOURCES = tests/e2e/e2e_copy_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_copy_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_copy_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_copy_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_durability_test
TESTS += tests/e2e/e2e_durability_test
tests_e2e_e2e_durability_test_SOURCES = tests/e2e/e2e_durability_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_durability_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_durability_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_durability_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_concurrency_test
TESTS += tests/e2e/e2e_concurrency_test
tests_e2e_e2e_concurrency_test_SOURCES = tests/e2e/e2e_concurrency_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_concurrency_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_concurrency_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_concurrency_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_psql_test
TESTS += tests/e2e/e2e_psql_test
tests_e2e_e2e_psql_test_SOURCES = tests/e2e/e2e_psql_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_psql_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_psql_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_psql_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_cursor_test
TESTS += tests/e2e/e2e_cursor_test
tests_e2e_e2e_cursor_test_SOURCES = tests/e2e/e2e_cursor_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_cursor_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_cursor_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_cursor_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_embed_test
TESTS += tests/e2e/e2e_embed_test
tests_e2e_e2e_embed_test_SOURCES = tests/e2e/e2e_embed_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_embed_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_embed_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_embed_test_DEPENDENCIES = shaledb$(EXEEXT) tests/embed/fake_embed_server$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_database_test
TESTS += tests/e2e/e2e_database_test
tests_e2e_e2e_database_test_SOURCES = tests/e2e/e2e_database_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_database_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_database_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_database_test_DEPENDENCIES = shaledb$(EXEEXT)

# ANALYZE and the cost-based planner (s2-planner)
check_PROGRAMS += tests/e2e/e2e_planner_test
TESTS += tests/e2e/e2e_planner_test
tests_e2e_e2e_planner_test_SOURCES = tests/e2e/e2e_planner_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_planner_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_planner_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_planner_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_roles_test
TESTS += tests/e2e/e2e_roles_test
tests_e2e_e2e_roles_test_SOURCES = tests/e2e/e2e_roles_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_roles_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_roles_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_roles_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_tls_test
TESTS += tests/e2e/e2e_tls_test
tests_e2e_e2e_tls_test_SOURCES = tests/e2e/e2e_tls_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_tls_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_tls_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_tls_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_exprindex_test
TESTS += tests/e2e/e2e_exprindex_test
tests_e2e_e2e_exprindex_test_SOURCES = tests/e2e/e2e_exprindex_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_exprindex_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_exprindex_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_exprindex_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_index_race_test
TESTS += tests/e2e/e2e_index_race_test
tests_e2e_e2e_index_race_test_SOURCES = tests/e2e/e2e_index_race_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_index_race_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_index_race_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_index_race_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_obs_test
TESTS += tests/e2e/e2e_obs_test
tests_e2e_e2e_obs_test_SOURCES = tests/e2e/e2e_obs_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_obs_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_obs_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_obs_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_sqlfix_test
TESTS += tests/e2e/e2e_sqlfix_test
tests_e2e_e2e_sqlfix_test_SOURCES = tests/e2e/e2e_sqlfix_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_sqlfix_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_sqlfix_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_sqlfix_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_loop_test
TESTS += tests/e2e/e2e_loop_test
tests_e2e_e2e_loop_test_SOURCES = tests/e2e/e2e_loop_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_loop_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_loop_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_loop_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_activity_test
TESTS += tests/e2e/e2e_activity_test
tests_e2e_e2e_activity_test_SOURCES = tests/e2e/e2e_activity_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_activity_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_activity_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_activity_test_DEPENDENCIES = shaledb$(EXEEXT)

check_PROGRAMS += tests/e2e/e2e_pgss_test
TESTS += tests/e2e/e2e_pgss_test
tests_e2e_e2e_pgss_test_SOURCES = tests/e2e/e2e_pgss_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_pgss_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS)
tests_e2e_e2e_pgss_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_pgss_test_DEPENDENCIES = shaledb$(EXEEXT)
