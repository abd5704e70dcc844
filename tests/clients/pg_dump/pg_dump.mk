# tests/clients/pg_dump/pg_dump.mk -- pg_dump 15 against ShaleDB: dump, restore into
# PostgreSQL 15 and into ShaleDB, compare (pg_dump_test.sh; skips without pg_dump).
TESTS += tests/clients/pg_dump/pg_dump_test.sh
EXTRA_DIST += tests/clients/pg_dump/pg_dump_test.sh tests/clients/pg_dump/schema.sql \
	tests/clients/pg_dump/comments.sql
