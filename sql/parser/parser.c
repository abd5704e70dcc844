/* parser.c -- the parser's entry points: statement dispatch and the batch loop that turns
 * a whole Query message into SqlRawStmts (statement text spans plus trees). */
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"

AstNode *sql_parse_stmt(SqlParser *p)
{
    if (p->failed)
        return NULL;
    const SqlToken *t = sql_peek(p);
    if (t->type == TOK_CHAR && t->ch == '(')
        return sql_parse_preparable(p);
    switch (sql_tok_kw(t)) {
    case KW_SELECT: case KW_VALUES: case KW_WITH: case KW_TABLE:
    case KW_INSERT: case KW_UPDATE: case KW_DELETE:
        return sql_parse_preparable(p);
    case KW_CREATE:
        return sql_parse_ddl_create(p);
    case KW_DROP:
        return sql_parse_ddl_drop(p);
    case KW_ALTER:
        return sql_parse_ddl_alter(p);
    case KW_TRUNCATE:
        return sql_parse_truncate(p);
    case KW_COMMENT:
        return sql_parse_comment(p);
    case KW_GRANT: case KW_REVOKE:
        return sql_parse_grant(p);
    default:
        return sql_parse_utility(p);
    }
}

static int parse_batch(const char *query, size_t len, ShaleArena *arena, SqlStatementList *out,
                       SqlError *err, bool only_one)
{
    out->items = NULL;
    out->n = 0;
    sql_error_clear(err);
    if (len > (size_t)0x7fffffff)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "query is too long");
    SqlTokens toks;
    if (sql_lex_all(query, len, arena, &toks, err) != 0)
        return -1;
    SqlParser p = { query, len, arena, toks.toks, toks.n, 0, err, false, 0 };
    /* at most one statement per ';' plus one */
    int max = 1;
    for (int i = 0; i < toks.n; i++)
        if (toks.toks[i].type == TOK_CHAR && toks.toks[i].ch == ';')
            max++;
    SqlRawStmt *items = sql_palloc(&p, sizeof(SqlRawStmt) * (size_t)max);
    if (!items)
        return -1;
    int n = 0;
    for (;;) {
        while (sql_accept_char(&p, ';'))
            ;
        const SqlToken *t = sql_peek(&p);
        if (t->type == TOK_EOF)
            break;
        if (only_one && n == 1) {
            sql_syntax_error(&p);
            return -1;
        }
        int start = t->start;
        AstNode *stmt = sql_parse_stmt(&p);
        if (!p.failed && !(sql_is_char(&p, ';') || sql_peek(&p)->type == TOK_EOF))
            sql_syntax_error(&p);
        if (p.failed || !stmt) {
            if (!p.failed)
                sql_syntax_error(&p);
            return -1;
        }
        items[n].stmt = stmt;
        items[n].start = start;
        items[n].end = p.toks[p.pos > 0 ? p.pos - 1 : 0].end;
        n++;
    }
    out->items = items;
    out->n = n;
    return 0;
}

int sql_parse_statements(const char *query, size_t len, ShaleArena *arena,
                         SqlStatementList *out, SqlError *err)
{
    return parse_batch(query, len, arena, out, err, false);
}

int sql_parse_one(const char *query, size_t len, ShaleArena *arena, SqlRawStmt *out, SqlError *err)
{
    SqlStatementList l;
    memset(out, 0, sizeof *out);
    if (parse_batch(query, len, arena, &l, err, true) != 0)
        return -1;
    if (l.n == 1)
        *out = l.items[0];
    return 0;
}
