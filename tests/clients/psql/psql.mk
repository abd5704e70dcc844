# tests/clients/psql/psql.mk -- psql 15 against a running ShaleDB: the \d family compared
# line by line with PostgreSQL 15's committed output (psql_describe.sh, regen.sh) and tab
# completion driven through tmux (psql_complete.sh); the other meta-commands run without an
# error (psql_meta.sh).
TESTS += tests/clients/psql/psql_describe.sh tests/clients/psql/psql_complete.sh tests/clients/psql/psql_meta.sh
EXTRA_DIST += tests/clients/psql/psql_describe.sh tests/clients/psql/psql_complete.sh tests/clients/psql/psql_meta.sh \
	tests/clients/psql/regen.sh tests/clients/psql/schema.sql tests/clients/psql/commands.txt \
	tests/clients/psql/differences.txt tests/clients/psql/expected/describe.out
