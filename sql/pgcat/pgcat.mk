# sql/pgcat/pgcat.mk -- PostgreSQL's system catalogs and information_schema as virtual
# tables over the catalog, and the catalog-aware functions (pgcat.h).
libshale_a_SOURCES += \
	sql/pgcat/pgcat.h sql/pgcat/pgcat_int.h sql/pgcat/pgcat_func_int.h \
	sql/pgcat/pgcat_tables.def sql/pgcat/pgcat_operators.inc \
	sql/pgcat/pgcat.c sql/pgcat/pgcat_class.c sql/pgcat/pgcat_misc.c sql/pgcat/pgcat_views.c \
	sql/pgcat/pgcat_infoschema.c sql/pgcat/pgcat_deparse.c sql/pgcat/pgcat_func.c sql/pgcat/pgcat_reg.c \
	sql/pgcat/pgcat_srf.c sql/pgcat/pgcat_acl.c \
	sql/ddl_grant.c \
	sql/pgcat/pgcat_dump.h sql/pgcat/pgcat_dump.c
EXTRA_DIST += sql/pgcat/gen_pgcat_def.sh sql/pgcat/pgcat_tables.txt

check_PROGRAMS += tests/sql/pgcat_test
tests_sql_pgcat_test_SOURCES = tests/sql/pgcat_test.c tests/harness/test.h
TESTS += tests/sql/pgcat_test
EXTRA_DIST += tests/sql/pgcat_cases.txt tests/sql/pgcat_expected.txt tests/sql/pgcat_schema.sql \
	tests/sql/pgcat_schema_pg_extra.sql tests/sql/gen_pgcat_expected.sh
dist_doc_DATA += docs/compatibility.md
