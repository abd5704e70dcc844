# sql/parser/parser.mk -- (filled in by its module's owner)
