# src/storage/sst.mk -- (filled in by its module's owner)
