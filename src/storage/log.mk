# src/storage/log.mk -- (filled in by its module's owner)
