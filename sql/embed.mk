# sql/embed.mk -- embedding columns and jobs in the SQL engine (sql/embed.h): embedder DDL,
# EMBEDDING OF columns, the job queue and workers, the views and functions.
libshale_a_SOURCES += \
	sql/embed.h sql/embed_int.h sql/embed_jobs.c sql/embed_engine.c sql/embed_worker.c \
	sql/embed_ddl.c sql/embed_sql.c

check_PROGRAMS += tests/sql/embed_jobs_test
tests_sql_embed_jobs_test_SOURCES = tests/sql/embed_jobs_test.c tests/harness/test.h
TESTS += tests/sql/embed_jobs_test
