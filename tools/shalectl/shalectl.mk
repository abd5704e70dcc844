# tools/shalectl/shalectl.mk -- shalectl, the admin CLI (docs/operations.md): online and
# incremental backup over the wire (BASE_BACKUP, sql/backup.c), verify, restore, status.
# The pgwire client it speaks lives in protocol/ (pq_client.c) so tests can reuse it.
libshale_a_SOURCES += protocol/pq_client.h protocol/pq_client.c
bin_PROGRAMS += shalectl
shalectl_SOURCES = \
	tools/shalectl/shalectl.h tools/shalectl/shalectl.c \
	tools/shalectl/bk_manifest.h tools/shalectl/bk_manifest.c \
	tools/shalectl/shalectl_backup.c tools/shalectl/shalectl_restore.c \
	tools/shalectl/shalectl_dump.c
dist_doc_DATA += docs/operations.md

# unit tests: manifest format and the client's framing / SCRAM arithmetic
check_PROGRAMS += tests/unit/shalectl_test
tests_unit_shalectl_test_SOURCES = tests/unit/shalectl_test.c tests/harness/test.h \
	tools/shalectl/bk_manifest.h tools/shalectl/bk_manifest.c
TESTS += tests/unit/shalectl_test

# end to end: backup while writing, restore, incremental, verify (tests/e2e/e2e_util.h)
check_PROGRAMS += tests/e2e/e2e_backup_test
TESTS += tests/e2e/e2e_backup_test
tests_e2e_e2e_backup_test_SOURCES = tests/e2e/e2e_backup_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_backup_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS) -DSHALECTL_BIN='"./shalectl"'
tests_e2e_e2e_backup_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_backup_test_DEPENDENCIES = shaledb$(EXEEXT) shalectl$(EXEEXT)

# end to end: shalectl dump -> ShaleDB (over TLS) and PostgreSQL 15 (+ pgvector), TLS modes
check_PROGRAMS += tests/e2e/e2e_dump_test
TESTS += tests/e2e/e2e_dump_test
tests_e2e_e2e_dump_test_SOURCES = tests/e2e/e2e_dump_test.c $(E2E_TEST_DEPS)
tests_e2e_e2e_dump_test_CPPFLAGS = $(E2E_TEST_CPPFLAGS) -DSHALECTL_BIN='"./shalectl"' \
	-DSHALE_SRCDIR='"$(abs_top_srcdir)"'
tests_e2e_e2e_dump_test_LDADD = $(E2E_TEST_LDADD)
tests_e2e_e2e_dump_test_DEPENDENCIES = shaledb$(EXEEXT) shalectl$(EXEEXT)
