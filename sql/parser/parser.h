/* parser.h -- the public interface of the PostgreSQL-dialect SQL parser: split a query
 * string into statements, parse them into ASTs (ast.h), print ASTs back as SQL.
 *
 * Positions: the AST carries 0-based byte offsets into the query text passed in (the whole
 * Query message, not the single statement), as PostgreSQL does for multi-statement
 * messages. SqlError.position is 1-based and counts characters (UTF-8 code points), as
 * PostgreSQL reports it; convert an AST location with sql_parser_position().
 *
 * Errors (SqlError, catalog/sqlerror.h): 42601 "syntax error at or near \"tok\"",
 * "syntax error at end of input", "unterminated quoted string at or near ...", etc., with
 * PostgreSQL 15's messages and positions; 0A000 for syntax we recognise but do not
 * support; 54000 for nesting too deep; 53200 when the arena runs out of memory.
 *
 * Memory: everything produced lives in the caller's ShaleArena (one per statement batch).
 * No global state: the functions are reentrant and thread-safe. */
#ifndef SHALE_SQL_PARSER_PARSER_H
#define SHALE_SQL_PARSER_PARSER_H

#include <stddef.h>

#include "catalog/sqlerror.h"
#include "sql/parser/ast.h"
#include "util/arena.h"
#include "util/buf.h"

/* One statement of a batch: its tree and its text. */
typedef struct SqlRawStmt {
    AstNode *stmt;
    int start;            /* byte offset of its first token */
    int end;              /* byte offset just past its last token (the ';' excluded) */
} SqlRawStmt;

typedef struct SqlStatementList {
    SqlRawStmt *items;    /* lives in the arena */
    int n;                /* 0 for an empty query (only blanks, comments and ';') */
} SqlStatementList;

/* Parses every statement of query[0..len) (need not be NUL-terminated). Returns 0 with
 * *out filled, or -1 with err set (and *out empty): like PostgreSQL, a syntax error
 * anywhere fails the whole batch before anything runs. */
int sql_parse_statements(const char *query, size_t len, ShaleArena *arena,
                         SqlStatementList *out, SqlError *err) __attribute__((warn_unused_result));

/* Parses exactly one statement (a trailing ';' is allowed); more than one is 42601 at
 * the second. Used by the extended protocol's Parse, which PostgreSQL also restricts. */
int sql_parse_one(const char *query, size_t len, ShaleArena *arena, SqlRawStmt *out,
                  SqlError *err) __attribute__((warn_unused_result));

/* Splits query into statement spans without parsing (semicolons outside strings,
 * comments and dollar quotes; empty statements skipped). *spans lives in the arena.
 * Returns 0, or -1 with err set on an unterminated string/comment. */
int sql_split_statements(const char *query, size_t len, ShaleArena *arena,
                         AstSpan **spans, int *n_spans, SqlError *err) __attribute__((warn_unused_result));

/* Converts a 0-based byte offset into query to PostgreSQL's 1-based character position. */
int sql_parser_position(const char *query, size_t len, int byte_offset);

/* Appends SQL text for a statement or expression to out (sticky OOM in the buffer). The
 * text parses back to an equal tree (the printer's canonical form: keywords upper case,
 * identifiers quoted only when needed, full parenthesisation of operator expressions). */
void sql_deparse(const AstNode *node, ShaleBuf *out);

/* Appends name quoted the way PostgreSQL's quote_identifier does. */
void sql_deparse_ident(const char *name, ShaleBuf *out);

/* The keyword category of word (lower case): 'U', 'C', 'T', 'R', or 0 when not a keyword. */
char sql_keyword_category(const char *word);

#endif
