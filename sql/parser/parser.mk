# sql/parser/parser.mk -- the PostgreSQL-dialect lexer, parser, AST and printer.
libshale_a_SOURCES += \
	sql/parser/ast.h sql/parser/parser.h sql/parser/keywords.def
