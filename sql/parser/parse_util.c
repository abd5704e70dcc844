/* parse_util.c -- the parser's small helpers: arena allocation of nodes and lists, token
 * tests, PostgreSQL-style syntax errors, and the name productions (ColId, ColLabel,
 * any_name, qualified_name) shared by every statement. */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"

#define SQL_MAX_DEPTH 1000

void *sql_palloc(SqlParser *p, size_t n)
{
    void *m = shale_arena_alloc(p->arena, n ? n : 1);
    if (!m) {
        if (!p->failed) {
            p->failed = true;
            sql_error_set(p->err, ERRCODE_OUT_OF_MEMORY, "out of memory");
        }
        return NULL;
    }
    memset(m, 0, n);
    return m;
}

char *sql_pstrdup(SqlParser *p, const char *s, size_t n)
{
    char *d = sql_palloc(p, n + 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

AstNode *sql_make_node(SqlParser *p, AstTag tag, size_t size, int location)
{
    AstNode *n = sql_palloc(p, size);
    if (n) {
        n->tag = tag;
        n->location = location;
    }
    return n;
}

/* Growing a list copies it into a new arena block twice the size; the old copy stays in
 * the arena (bounded by the final size), which keeps the parser free of malloc. */
void sql_list_push(SqlParser *p, AstList *l, AstNode *n, int *cap)
{
    if (p->failed)
        return;
    if (l->n == *cap) {
        int ncap = *cap ? *cap * 2 : 4;
        AstNode **ni = sql_palloc(p, sizeof(AstNode *) * (size_t)ncap);
        if (!ni)
            return;
        if (l->n)
            memcpy(ni, l->items, sizeof(AstNode *) * (size_t)l->n);
        l->items = ni;
        *cap = ncap;
    }
    l->items[l->n++] = n;
}

void sql_names_push(SqlParser *p, AstNameList *l, const char *s, int *cap)
{
    if (p->failed)
        return;
    if (l->n == *cap) {
        int ncap = *cap ? *cap * 2 : 4;
        const char **ni = sql_palloc(p, sizeof(char *) * (size_t)ncap);
        if (!ni)
            return;
        if (l->n)
            memcpy(ni, l->names, sizeof(char *) * (size_t)l->n);
        l->names = ni;
        *cap = ncap;
    }
    l->names[l->n++] = s;
}

int sql_error_at(SqlParser *p, SqlErrCode code, int byte_offset, const char *msg)
{
    if (p->failed)
        return -1;
    p->failed = true;
    sql_error_set(p->err, code, "%s", msg);
    if (p->err)
        p->err->position = sql_parser_position(p->query, p->len, byte_offset);
    return -1;
}

int sql_syntax_error(SqlParser *p)
{
    if (p->failed)
        return -1;
    const SqlToken *t = sql_peek(p);
    char buf[512];
    if (t->type == TOK_ERROR)
        return sql_error_at(p, ERRCODE_SYNTAX_ERROR, t->start, t->str ? t->str : "syntax error");
    if (t->type == TOK_EOF)
        return sql_error_at(p, ERRCODE_SYNTAX_ERROR, t->start, "syntax error at end of input");
    snprintf(buf, sizeof buf, "syntax error at or near \"%.*s\"", t->end - t->start, p->query + t->start);
    return sql_error_at(p, ERRCODE_SYNTAX_ERROR, t->start, buf);
}

bool sql_depth_enter(SqlParser *p)
{
    if (++p->depth > SQL_MAX_DEPTH) {
        sql_error_at(p, ERRCODE_PROGRAM_LIMIT_EXCEEDED, sql_peek(p)->start,
                     "stack depth limit exceeded");
        return false;
    }
    return true;
}

bool sql_is_op(const SqlParser *p, const char *op)
{
    const SqlToken *t = sql_peek(p);
    return t->type == TOK_OP && strcmp(t->str, op) == 0;
}

bool sql_accept_kw(SqlParser *p, int kw)
{
    if (sql_is_kw(p, kw)) {
        sql_advance(p);
        return true;
    }
    return false;
}

bool sql_accept_char(SqlParser *p, char c)
{
    if (sql_is_char(p, c)) {
        sql_advance(p);
        return true;
    }
    return false;
}

bool sql_accept_op(SqlParser *p, const char *op)
{
    if (sql_is_op(p, op)) {
        sql_advance(p);
        return true;
    }
    return false;
}

bool sql_expect_kw(SqlParser *p, int kw)
{
    if (p->failed)
        return false;
    if (sql_accept_kw(p, kw))
        return true;
    sql_syntax_error(p);
    return false;
}

bool sql_expect_char(SqlParser *p, char c)
{
    if (p->failed)
        return false;
    if (sql_accept_char(p, c))
        return true;
    sql_syntax_error(p);
    return false;
}

bool sql_tok_is_colid(const SqlToken *t)
{
    if (t->type != TOK_IDENT)
        return false;
    if (t->kw == KW__NONE)
        return true;
    char c = sql_keyword_cat((SqlKeyword)t->kw);
    return c == 'U' || c == 'C';
}

bool sql_tok_is_type_func_name(const SqlToken *t)
{
    if (t->type != TOK_IDENT)
        return false;
    if (t->kw == KW__NONE)
        return true;
    char c = sql_keyword_cat((SqlKeyword)t->kw);
    return c == 'U' || c == 'T';
}

bool sql_tok_is_collabel(const SqlToken *t)
{
    return t->type == TOK_IDENT;
}

const char *sql_parse_colid(SqlParser *p)
{
    if (p->failed)
        return NULL;
    const SqlToken *t = sql_peek(p);
    if (!sql_tok_is_colid(t)) {
        sql_syntax_error(p);
        return NULL;
    }
    sql_advance(p);
    return t->str;
}

const char *sql_parse_collabel(SqlParser *p)
{
    if (p->failed)
        return NULL;
    const SqlToken *t = sql_peek(p);
    if (!sql_tok_is_collabel(t)) {
        sql_syntax_error(p);
        return NULL;
    }
    sql_advance(p);
    return t->str;
}

const char *sql_parse_func_name_part(SqlParser *p)
{
    if (p->failed)
        return NULL;
    const SqlToken *t = sql_peek(p);
    if (!sql_tok_is_type_func_name(t)) {
        sql_syntax_error(p);
        return NULL;
    }
    sql_advance(p);
    return t->str;
}

AstNameList sql_parse_any_name(SqlParser *p)
{
    AstNameList l = { 0 };
    int cap = 0;
    sql_names_push(p, &l, sql_parse_colid(p), &cap);
    while (!p->failed && sql_is_char(p, '.')) {
        sql_advance(p);
        sql_names_push(p, &l, sql_parse_collabel(p), &cap);
    }
    return l;
}

AstNameList sql_parse_name_list(SqlParser *p)
{
    AstNameList l = { 0 };
    int cap = 0;
    do {
        sql_names_push(p, &l, sql_parse_colid(p), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    return l;
}

AstNameList sql_parse_paren_name_list(SqlParser *p)
{
    AstNameList l = { 0 };
    if (!sql_expect_char(p, '('))
        return l;
    l = sql_parse_name_list(p);
    sql_expect_char(p, ')');
    return l;
}

AstRangeVar *sql_parse_qualified_name(SqlParser *p)
{
    int loc = sql_peek(p)->start;
    AstNameList l = sql_parse_any_name(p);
    if (p->failed)
        return NULL;
    if (l.n > 3) {
        char buf[600];
        snprintf(buf, sizeof buf, "improper qualified name (too many dotted names): %s.%s.%s.%s%s",
                 l.names[0], l.names[1], l.names[2], l.names[3], l.n > 4 ? "..." : "");
        sql_error_at(p, ERRCODE_SYNTAX_ERROR, loc, buf);
        return NULL;
    }
    AstRangeVar *rv = MAKE(p, AstRangeVar, AST_RANGE_VAR, loc);
    if (!rv)
        return NULL;
    rv->inh = true;
    rv->relname = l.names[l.n - 1];
    if (l.n >= 2)
        rv->schema = l.names[l.n - 2];
    if (l.n == 3)
        rv->catalog = l.names[0];
    return rv;
}

const char *sql_parse_string(SqlParser *p)
{
    if (p->failed)
        return NULL;
    const SqlToken *t = sql_peek(p);
    if (t->type != TOK_SCONST) {
        sql_syntax_error(p);
        return NULL;
    }
    sql_advance(p);
    return t->str;
}
