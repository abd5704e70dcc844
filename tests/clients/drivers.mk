# tests/clients/drivers.mk -- the standard PostgreSQL drivers against a fresh ShaleDB (issue 5):
# psycopg2, psycopg 3, SQLAlchemy, node-postgres, pgjdbc and pgx; and the SQL of the BI tools
# Grafana and Metabase (bi/bi_queries_test.sh, psql-driven, compared with PostgreSQL 15's rows). Each *_check.sh skips with a
# SKIP line naming the missing package when its runtime or driver is not installed
# (tools/install-deps.sh installs them); SHALE_TEST_SERVER=postgres runs one against a scratch
# PostgreSQL 15 instead, which is how the expectations were checked.
TESTS += tests/clients/python/psycopg2_check.sh tests/clients/python/psycopg3_check.sh \
	tests/clients/python/sqlalchemy_check.sh tests/clients/node/node_check.sh \
	tests/clients/java/jdbc_check.sh tests/clients/go/pgx_check.sh \
	tests/clients/bi/bi_queries_test.sh
EXTRA_DIST += tests/clients/client_lib.sh \
	tests/clients/bi/bi_queries_test.sh tests/clients/bi/schema.sql tests/clients/bi/queries.sql \
	tests/clients/bi/expected.txt tests/clients/bi/known-differences.txt \
	tests/clients/python/psycopg2_check.sh tests/clients/python/clientlib.py \
	tests/clients/python/test_psycopg2.py \
	tests/clients/python/psycopg3_check.sh tests/clients/python/test_psycopg3.py \
	tests/clients/python/sqlalchemy_check.sh tests/clients/python/test_sqlalchemy.py \
	tests/clients/node/node_check.sh tests/clients/node/test_pg.js \
	tests/clients/node/package.json tests/clients/node/package-lock.json \
	tests/clients/java/jdbc_check.sh tests/clients/java/JdbcTest.java \
	tests/clients/go/pgx_check.sh tests/clients/go/pgx_test_main.go
CLEANFILES += tests/clients/node/npm-ci.log
clean-local: clean-clients-node
clean-clients-node:
	-rm -rf tests/clients/java/classes tests/clients/go/gocache tests/clients/go/pgx_test
	-test "$(srcdir)" = . || rm -rf tests/clients/node/node_modules tests/clients/node/package.json tests/clients/node/package-lock.json
.PHONY: clean-clients-node
