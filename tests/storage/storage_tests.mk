# tests/storage/storage_tests.mk -- (filled in by its module's owner)
