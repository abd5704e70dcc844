# sql/sql.mk -- (filled in by its module's owner)
