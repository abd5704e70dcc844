# sql/parser/parser.mk -- the PostgreSQL-dialect lexer, parser, AST and printer.
libshale_a_SOURCES += \
	sql/parser/ast.h sql/parser/parser.h sql/parser/parser_int.h sql/parser/keywords.def \
	sql/parser/lexer.c sql/parser/parse_util.c sql/parser/parse_expr.c sql/parser/parse_type.c sql/parser/parse_func.c \
	sql/parser/parse_select.c sql/parser/parse_ddl.c sql/parser/parse_alter.c \
	sql/parser/parse_utility.c sql/parser/parser.c \
	sql/parser/deparse_int.h sql/parser/deparse.c sql/parser/deparse_stmt.c sql/parser/deparse_utility.c

check_PROGRAMS += tests/sql/parser_test
tests_sql_parser_test_SOURCES = tests/sql/parser_test.c tests/harness/test.h tests/sql/parser/cases.inc
TESTS += tests/sql/parser_test
