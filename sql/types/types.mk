# sql/types/types.mk -- (filled in by its module's owner)
