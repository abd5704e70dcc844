/* parse_utility.c -- transaction control, SET / SHOW / RESET, EXPLAIN, COPY, PREPARE /
 * EXECUTE / DEALLOCATE, DISCARD, LISTEN / UNLISTEN / NOTIFY, VACUUM / ANALYZE, CHECKPOINT
 * and LOCK. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"

static AstNode *bool_const(SqlParser *p, bool v, int loc)
{
    AstConst *c = MAKE(p, AstConst, AST_CONST, loc);
    if (c) {
        c->kind = AST_CONST_BOOL;
        c->bval = v;
    }
    return (AstNode *)c;
}

static AstNode *str_const(SqlParser *p, const char *s, int loc)
{
    if (!s)
        return NULL;   /* the caller's parse failed; the error is set */
    AstConst *c = MAKE(p, AstConst, AST_CONST, loc);
    if (c) {
        c->kind = AST_CONST_STRING;
        c->str = s;
        c->len = (int)strlen(s);
    }
    return (AstNode *)c;
}

static AstDefElem *def(SqlParser *p, const char *name, AstNode *arg, int loc)
{
    AstDefElem *d = MAKE(p, AstDefElem, AST_DEF_ELEM, loc);
    if (d) {
        d->name = name;
        d->arg = arg;
    }
    return d;
}

/* transaction_mode_list: ISOLATION LEVEL x | READ ONLY | READ WRITE | [NOT] DEFERRABLE */
static AstList parse_txn_modes(SqlParser *p)
{
    AstList l = { 0 };
    int cap = 0;
    for (;;) {
        int loc = sql_peek(p)->start;
        AstDefElem *d = NULL;
        if (sql_accept_kw(p, KW_ISOLATION)) {
            sql_expect_kw(p, KW_LEVEL);
            const char *lvl = NULL;
            if (sql_accept_kw(p, KW_SERIALIZABLE)) {
                lvl = "serializable";
            } else if (sql_accept_kw(p, KW_REPEATABLE)) {
                sql_expect_kw(p, KW_READ);
                lvl = "repeatable read";
            } else if (sql_expect_kw(p, KW_READ)) {
                if (sql_accept_kw(p, KW_COMMITTED))
                    lvl = "read committed";
                else if (sql_expect_kw(p, KW_UNCOMMITTED))
                    lvl = "read uncommitted";
            }
            d = def(p, "transaction_isolation", lvl ? str_const(p, lvl, loc) : NULL, loc);
        } else if (sql_is_kw(p, KW_READ) && (sql_is_kw_n(p, 1, KW_ONLY) || sql_is_kw_n(p, 1, KW_WRITE))) {
            sql_advance(p);
            bool ro = sql_accept_kw(p, KW_ONLY);
            if (!ro)
                sql_advance(p);
            d = def(p, "transaction_read_only", bool_const(p, ro, loc), loc);
        } else if (sql_accept_kw(p, KW_DEFERRABLE)) {
            d = def(p, "transaction_deferrable", bool_const(p, true, loc), loc);
        } else if (sql_is_kw(p, KW_NOT) && sql_is_kw_n(p, 1, KW_DEFERRABLE)) {
            sql_advance(p);
            sql_advance(p);
            d = def(p, "transaction_deferrable", bool_const(p, false, loc), loc);
        } else {
            if (l.n > 0 && sql_is_char(p, ',') == false)
                break;
            if (l.n == 0)
                break;
            sql_syntax_error(p);
            break;
        }
        if (p->failed)
            break;
        sql_list_push(p, &l, (AstNode *)d, &cap);
        if (sql_is_char(p, ',')) {
            sql_advance(p);
            if (!(sql_is_kw(p, KW_ISOLATION) || sql_is_kw(p, KW_READ) || sql_is_kw(p, KW_DEFERRABLE) || sql_is_kw(p, KW_NOT))) {
                sql_syntax_error(p);
                break;
            }
        }
    }
    return l;
}

static AstNode *parse_transaction(SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    AstTransactionStmt *s = MAKE(p, AstTransactionStmt, AST_TRANSACTION, t->start);
    if (!s)
        return NULL;
    int kw = t->kw;
    sql_advance(p);
    switch (kw) {
    case KW_BEGIN:
        s->kind = AST_TXN_BEGIN;
        if (!sql_accept_kw(p, KW_WORK))
            sql_accept_kw(p, KW_TRANSACTION);
        s->options = parse_txn_modes(p);
        break;
    case KW_START:
        s->kind = AST_TXN_START;
        sql_expect_kw(p, KW_TRANSACTION);
        s->options = parse_txn_modes(p);
        break;
    case KW_SAVEPOINT:
        s->kind = AST_TXN_SAVEPOINT;
        s->savepoint = sql_parse_colid(p);
        break;
    case KW_RELEASE:
        s->kind = AST_TXN_RELEASE;
        sql_accept_kw(p, KW_SAVEPOINT);
        s->savepoint = sql_parse_colid(p);
        break;
    case KW_COMMIT: case KW_END: case KW_ROLLBACK: case KW_ABORT:
        s->kind = (kw == KW_COMMIT || kw == KW_END) ? AST_TXN_COMMIT : AST_TXN_ROLLBACK;
        if (!sql_accept_kw(p, KW_WORK))
            sql_accept_kw(p, KW_TRANSACTION);
        if (kw == KW_ROLLBACK && sql_accept_kw(p, KW_TO)) {
            s->kind = AST_TXN_ROLLBACK_TO;
            sql_accept_kw(p, KW_SAVEPOINT);
            s->savepoint = sql_parse_colid(p);
            break;
        }
        if (sql_accept_kw(p, KW_AND)) {
            s->chain = !sql_accept_kw(p, KW_NO);
            sql_expect_kw(p, KW_CHAIN);
        }
        break;
    default:
        sql_syntax_error(p);
    }
    return p->failed ? NULL : (AstNode *)s;
}

/* var_value: a word, string, number or boolean, as a constant */
static AstNode *parse_var_value(SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    if (t->type == TOK_IDENT) {
        if (!t->quoted && (t->kw == KW_TRUE || t->kw == KW_FALSE)) {
            sql_advance(p);
            return bool_const(p, t->kw == KW_TRUE, t->start);
        }
        if (!t->quoted && t->kw != KW__NONE && sql_keyword_cat((SqlKeyword)t->kw) == 'R' && t->kw != KW_ON) {
            sql_syntax_error(p);
            return NULL;
        }
        sql_advance(p);
        return str_const(p, t->str, t->start);
    }
    return sql_parse_const_value(p);
}

static const char *parse_var_name(SqlParser *p)
{
    AstNameList l = sql_parse_any_name(p);
    if (p->failed)
        return NULL;
    if (l.n == 1)
        return l.names[0];
    size_t n = 0;
    for (int i = 0; i < l.n; i++)
        n += strlen(l.names[i]) + 1;
    char *s = sql_palloc(p, n);
    if (!s)
        return NULL;
    for (int i = 0; i < l.n; i++) {
        if (i)
            strcat(s, ".");
        strcat(s, l.names[i]);
    }
    return s;
}

static AstNode *parse_set(SqlParser *p)
{
    AstVariableSetStmt *s = MAKE(p, AstVariableSetStmt, AST_VARIABLE_SET, sql_peek(p)->start);
    if (!s)
        return NULL;
    sql_advance(p);   /* SET */
    if (sql_accept_kw(p, KW_LOCAL))
        s->is_local = true;
    else if (sql_is_kw(p, KW_SESSION) && !sql_is_kw_n(p, 1, KW_AUTHORIZATION) &&
             !sql_is_kw_n(p, 1, KW_CHARACTERISTICS))
        sql_advance(p);
    int cap = 0;
    int loc = sql_peek(p)->start;
    if (sql_accept_kw(p, KW_TRANSACTION)) {
        s->kind = AST_SET_MULTI;
        s->name = "transaction";
        s->args = parse_txn_modes(p);
        if (s->args.n == 0 && !p->failed)
            sql_syntax_error(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    if (sql_is_kw(p, KW_SESSION) && sql_is_kw_n(p, 1, KW_CHARACTERISTICS)) {
        sql_advance(p);
        sql_advance(p);
        sql_expect_kw(p, KW_AS);
        sql_expect_kw(p, KW_TRANSACTION);
        s->kind = AST_SET_MULTI;
        s->name = "session_characteristics";
        s->args = parse_txn_modes(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    if (sql_is_kw(p, KW_TIME) && sql_is_kw_n(p, 1, KW_ZONE)) {
        sql_advance(p);
        sql_advance(p);
        s->name = "timezone";
        if (sql_accept_kw(p, KW_DEFAULT) || sql_accept_kw(p, KW_LOCAL)) {
            s->kind = AST_SET_DEFAULT;
        } else {
            s->kind = AST_SET_VALUE;
            AstNode *v;
            if (sql_is_kw(p, KW_INTERVAL))
                v = sql_parse_expr(p);
            else
                v = parse_var_value(p);
            sql_list_push(p, &s->args, v, &cap);
        }
        return p->failed ? NULL : (AstNode *)s;
    }
    if (sql_accept_kw(p, KW_NAMES)) {
        s->name = "client_encoding";
        if (sql_accept_kw(p, KW_DEFAULT) || sql_peek(p)->type == TOK_EOF || sql_is_char(p, ';')) {
            s->kind = AST_SET_DEFAULT;
        } else {
            s->kind = AST_SET_VALUE;
            sql_list_push(p, &s->args, parse_var_value(p), &cap);
        }
        return p->failed ? NULL : (AstNode *)s;
    }
    if (sql_is_kw(p, KW_SCHEMA) && sql_peek_n(p, 1)->type == TOK_SCONST) {
        sql_advance(p);
        s->name = "search_path";
        s->kind = AST_SET_VALUE;
        sql_list_push(p, &s->args, parse_var_value(p), &cap);
        return p->failed ? NULL : (AstNode *)s;
    }
    if (sql_is_kw(p, KW_ROLE) && !(sql_peek_n(p, 1)->type == TOK_OP || sql_is_kw_n(p, 1, KW_TO))) {
        sql_advance(p);
        s->name = "role";
        s->kind = AST_SET_VALUE;
        sql_list_push(p, &s->args, parse_var_value(p), &cap);
        return p->failed ? NULL : (AstNode *)s;
    }
    if (sql_is_kw(p, KW_SESSION) && sql_is_kw_n(p, 1, KW_AUTHORIZATION)) {
        sql_advance(p);
        sql_advance(p);
        s->name = "session_authorization";
        if (sql_accept_kw(p, KW_DEFAULT)) {
            s->kind = AST_SET_DEFAULT;
        } else {
            s->kind = AST_SET_VALUE;
            sql_list_push(p, &s->args, parse_var_value(p), &cap);
        }
        return p->failed ? NULL : (AstNode *)s;
    }
    (void)loc;
    s->name = parse_var_name(p);
    if (sql_accept_kw(p, KW_FROM)) {
        sql_expect_kw(p, KW_CURRENT);
        s->kind = AST_SET_CURRENT;
        return p->failed ? NULL : (AstNode *)s;
    }
    if (!sql_accept_kw(p, KW_TO) && !sql_accept_op(p, "=")) {
        sql_syntax_error(p);
        return NULL;
    }
    if (sql_accept_kw(p, KW_DEFAULT)) {
        s->kind = AST_SET_DEFAULT;
        return p->failed ? NULL : (AstNode *)s;
    }
    s->kind = AST_SET_VALUE;
    do {
        sql_list_push(p, &s->args, parse_var_value(p), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    return p->failed ? NULL : (AstNode *)s;
}

static AstNode *parse_show_reset(SqlParser *p, bool show)
{
    int loc = sql_peek(p)->start;
    sql_advance(p);
    const char *name;
    if (sql_accept_kw(p, KW_ALL)) {
        name = "all";
    } else if (sql_is_kw(p, KW_TIME) && sql_is_kw_n(p, 1, KW_ZONE)) {
        sql_advance(p);
        sql_advance(p);
        name = "timezone";
    } else if (sql_is_kw(p, KW_TRANSACTION) && sql_is_kw_n(p, 1, KW_ISOLATION)) {
        sql_advance(p);
        sql_advance(p);
        sql_expect_kw(p, KW_LEVEL);
        name = "transaction_isolation";
    } else if (sql_is_kw(p, KW_SESSION) && sql_is_kw_n(p, 1, KW_AUTHORIZATION)) {
        sql_advance(p);
        sql_advance(p);
        name = "session_authorization";
    } else {
        name = parse_var_name(p);
    }
    if (p->failed)
        return NULL;
    if (show) {
        AstVariableShowStmt *s = MAKE(p, AstVariableShowStmt, AST_VARIABLE_SHOW, loc);
        if (s)
            s->name = name;
        return (AstNode *)s;
    }
    AstVariableSetStmt *s = MAKE(p, AstVariableSetStmt, AST_VARIABLE_SET, loc);
    if (s) {
        s->name = name;
        s->kind = strcmp(name, "all") == 0 ? AST_RESET_ALL : AST_RESET;
    }
    return (AstNode *)s;
}

AstNode *sql_parse_set_reset(SqlParser *p)
{
    if (sql_is_kw(p, KW_SET))
        return parse_set(p);
    if (sql_is_kw(p, KW_RESET))
        return parse_show_reset(p, false);
    sql_syntax_error(p);
    return NULL;
}

/* '(' name [value] , ... ')' as used by EXPLAIN, COPY and VACUUM: value is a word,
 * string, number, '*' or a parenthesised name list. */
static AstList parse_generic_options(SqlParser *p)
{
    AstList l = { 0 };
    int cap = 0;
    sql_expect_char(p, '(');
    do {
        int loc = sql_peek(p)->start;
        const char *name = sql_parse_collabel(p);
        AstNode *arg = NULL;
        const SqlToken *t = sql_peek(p);
        if (t->type == TOK_OP && strcmp(t->str, "*") == 0) {
            sql_advance(p);
            arg = str_const(p, "*", t->start);
        } else if (t->type == TOK_CHAR && t->ch == '(') {
            AstColumnRef *c = MAKE(p, AstColumnRef, AST_COLUMN_REF, t->start);
            if (c)
                c->fields = sql_parse_paren_name_list(p);
            arg = (AstNode *)c;
        } else if (!(t->type == TOK_CHAR && (t->ch == ',' || t->ch == ')'))) {
            arg = parse_var_value(p);
        }
        sql_list_push(p, &l, (AstNode *)def(p, name, arg, loc), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    sql_expect_char(p, ')');
    return l;
}

static AstNode *parse_explain(SqlParser *p)
{
    AstExplainStmt *s = MAKE(p, AstExplainStmt, AST_EXPLAIN, sql_peek(p)->start);
    if (!s)
        return NULL;
    sql_advance(p);
    int cap = 0;
    if (sql_is_char(p, '(') && !sql_at_select_in_parens(p)) {
        s->options = parse_generic_options(p);
    } else {
        int loc = sql_peek(p)->start;
        if (sql_accept_kw(p, KW_ANALYZE) || sql_accept_kw(p, KW_ANALYSE))
            sql_list_push(p, &s->options, (AstNode *)def(p, "analyze", NULL, loc), &cap);
        loc = sql_peek(p)->start;
        if (sql_accept_kw(p, KW_VERBOSE))
            sql_list_push(p, &s->options, (AstNode *)def(p, "verbose", NULL, loc), &cap);
    }
    int kw = sql_tok_kw(sql_peek(p));
    if (kw == KW_CREATE || kw == KW_EXECUTE)
        s->query = sql_parse_stmt(p);
    else
        s->query = sql_parse_preparable(p);
    return p->failed ? NULL : (AstNode *)s;
}

static AstNode *parse_copy(SqlParser *p)
{
    AstCopyStmt *s = MAKE(p, AstCopyStmt, AST_COPY, sql_peek(p)->start);
    if (!s)
        return NULL;
    sql_advance(p);
    int cap = 0;
    int bloc = sql_peek(p)->start;
    if (sql_accept_kw(p, KW_BINARY))
        sql_list_push(p, &s->options, (AstNode *)def(p, "format", str_const(p, "binary", bloc), bloc), &cap);
    if (sql_is_char(p, '(')) {
        sql_advance(p);
        s->query = sql_parse_preparable(p);
        sql_expect_char(p, ')');
    } else {
        s->relation = sql_parse_qualified_name(p);
        if (sql_is_char(p, '('))
            s->attlist = sql_parse_paren_name_list(p);
    }
    if (sql_accept_kw(p, KW_FROM)) {
        s->is_from = true;
    } else if (!sql_expect_kw(p, KW_TO)) {
        return NULL;
    }
    if (sql_accept_kw(p, KW_PROGRAM)) {
        s->is_program = true;
        s->filename = sql_parse_string(p);
    } else if (sql_accept_kw(p, KW_STDIN) || sql_accept_kw(p, KW_STDOUT)) {
    } else {
        s->filename = sql_parse_string(p);
    }
    if (sql_is_kw(p, KW_WITH) || sql_is_char(p, '(')) {
        sql_accept_kw(p, KW_WITH);
        if (sql_is_char(p, '(')) {
            AstList o = parse_generic_options(p);
            for (int i = 0; i < o.n; i++)
                sql_list_push(p, &s->options, o.items[i], &cap);
        }
    }
    /* old-style options */
    for (;;) {
        if (p->failed)
            break;
        int loc = sql_peek(p)->start;
        int kw = sql_tok_kw(sql_peek(p));
        const char *nm = NULL;
        AstNode *arg = NULL;
        if (kw == KW_BINARY) {
            sql_advance(p);
            nm = "format";
            arg = str_const(p, "binary", loc);
        } else if (kw == KW_CSV) {
            sql_advance(p);
            nm = "format";
            arg = str_const(p, "csv", loc);
        } else if (kw == KW_HEADER || kw == KW_FREEZE) {
            sql_advance(p);
            nm = kw == KW_FREEZE ? "freeze" : "header";
            arg = bool_const(p, true, loc);
        } else if (kw == KW_DELIMITER || kw == KW_NULL || kw == KW_QUOTE || kw == KW_ESCAPE || kw == KW_ENCODING) {
            sql_advance(p);
            sql_accept_kw(p, KW_AS);
            nm = kw == KW_DELIMITER ? "delimiter" : kw == KW_NULL ? "null" : kw == KW_QUOTE ? "quote"
               : kw == KW_ESCAPE ? "escape" : "encoding";
            arg = str_const(p, sql_parse_string(p), loc);
        } else if (kw == KW_FORCE) {
            sql_advance(p);
            if (sql_accept_kw(p, KW_QUOTE)) {
                nm = "force_quote";
            } else if (sql_accept_kw(p, KW_NULL)) {
                nm = "force_null";
            } else {
                sql_expect_kw(p, KW_NOT);
                sql_expect_kw(p, KW_NULL);
                nm = "force_not_null";
            }
            if (sql_accept_op(p, "*")) {
                arg = str_const(p, "*", loc);
            } else {
                AstColumnRef *c = MAKE(p, AstColumnRef, AST_COLUMN_REF, loc);
                if (c)
                    c->fields = sql_parse_name_list(p);
                arg = (AstNode *)c;
            }
        } else {
            break;
        }
        sql_list_push(p, &s->options, (AstNode *)def(p, nm, arg, loc), &cap);
    }
    if (sql_accept_kw(p, KW_WHERE))
        s->where = sql_parse_expr(p);
    return p->failed ? NULL : (AstNode *)s;
}

static AstNode *parse_vacuum(SqlParser *p, bool vacuum)
{
    AstVacuumStmt *s = MAKE(p, AstVacuumStmt, AST_VACUUM, sql_peek(p)->start);
    if (!s)
        return NULL;
    s->is_vacuum = vacuum;
    sql_advance(p);
    int cap = 0;
    if (sql_is_char(p, '(')) {
        s->options = parse_generic_options(p);
    } else {
        static const int kws[] = { KW_FULL, KW_FREEZE, KW_VERBOSE, KW_ANALYZE, KW_ANALYSE };
        static const char *const names[] = { "full", "freeze", "verbose", "analyze", "analyze" };
        for (size_t i = 0; i < 5; i++) {
            int loc = sql_peek(p)->start;
            if (sql_accept_kw(p, kws[i]))
                sql_list_push(p, &s->options, (AstNode *)def(p, names[i], NULL, loc), &cap);
        }
    }
    cap = 0;
    if (sql_peek(p)->type == TOK_IDENT) {
        do {
            AstRangeVar *rv = sql_parse_qualified_name(p);
            if (rv && sql_is_char(p, '(')) {
                AstAlias *a = sql_palloc(p, sizeof *a);
                if (a) {
                    a->name = rv->relname;
                    a->colnames = sql_parse_paren_name_list(p);
                }
                rv->alias = a;
            }
            sql_list_push(p, &s->rels, (AstNode *)rv, &cap);
        } while (!p->failed && sql_accept_char(p, ','));
    }
    return p->failed ? NULL : (AstNode *)s;
}

static AstNode *parse_lock(SqlParser *p)
{
    AstLockStmt *s = MAKE(p, AstLockStmt, AST_LOCK, sql_peek(p)->start);
    if (!s)
        return NULL;
    sql_advance(p);
    sql_accept_kw(p, KW_TABLE);
    int cap = 0;
    do {
        sql_list_push(p, &s->relations, (AstNode *)sql_parse_relation_expr(p), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    s->mode = "access exclusive";
    if (sql_accept_kw(p, KW_IN)) {
        static const char *const modes[] = { "access share", "row share", "row exclusive",
            "share update exclusive", "share row exclusive", "share", "exclusive", "access exclusive" };
        char buf[64] = "";
        while (!p->failed && !sql_is_kw(p, KW_MODE)) {
            const SqlToken *t = sql_peek(p);
            if (t->type != TOK_IDENT || strlen(buf) + strlen(t->str) + 2 > sizeof buf) {
                sql_syntax_error(p);
                return NULL;
            }
            if (buf[0])
                strcat(buf, " ");
            strcat(buf, t->str);
            sql_advance(p);
        }
        sql_expect_kw(p, KW_MODE);
        s->mode = NULL;
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
            if (strcmp(buf, modes[i]) == 0)
                s->mode = modes[i];
        if (!s->mode) {
            p->pos--;
            sql_syntax_error(p);
            return NULL;
        }
    }
    s->nowait = sql_accept_kw(p, KW_NOWAIT);
    return p->failed ? NULL : (AstNode *)s;
}

/* SignedIconst: ['+'|'-'] integer; false (syntax error) when absent. */
static bool parse_signed_iconst(SqlParser *p, int64_t *out)
{
    bool neg = false;
    if (sql_accept_op(p, "-"))
        neg = true;
    else
        (void)sql_accept_op(p, "+");
    const SqlToken *t = sql_peek(p);
    if (t->type != TOK_ICONST || !t->fits || t->ival > INT32_MAX) {
        sql_syntax_error(p);
        return false;
    }
    *out = neg ? -t->ival : t->ival;
    sql_advance(p);
    return true;
}

static bool at_signed_iconst(const SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    if (t->type == TOK_ICONST)
        return true;
    return (sql_is_op(p, "-") || sql_is_op(p, "+")) && sql_peek_n(p, 1)->type == TOK_ICONST;
}

/* DECLARE name cursor_options CURSOR opt_hold FOR SelectStmt */
static AstNode *parse_declare(SqlParser *p, int loc)
{
    sql_advance(p);
    AstDeclareCursorStmt *s = MAKE(p, AstDeclareCursorStmt, AST_DECLARE_CURSOR, loc);
    if (!s)
        return NULL;
    s->name = sql_parse_colid(p);
    while (!p->failed && !sql_is_kw(p, KW_CURSOR)) {
        if (sql_accept_kw(p, KW_BINARY))
            s->options |= AST_CURSOR_BINARY;
        else if (sql_accept_kw(p, KW_SCROLL))
            s->options |= AST_CURSOR_SCROLL;
        else if (sql_accept_kw(p, KW_INSENSITIVE))
            s->options |= AST_CURSOR_INSENSITIVE;
        else if (sql_accept_kw(p, KW_ASENSITIVE))
            s->options |= AST_CURSOR_ASENSITIVE;
        else if (sql_accept_kw(p, KW_NO) && sql_expect_kw(p, KW_SCROLL))
            s->options |= AST_CURSOR_NO_SCROLL;
        else if (!p->failed)
            sql_syntax_error(p);
    }
    sql_expect_kw(p, KW_CURSOR);
    if (sql_accept_kw(p, KW_WITH)) {
        sql_expect_kw(p, KW_HOLD);
        s->options |= AST_CURSOR_HOLD;
    } else if (sql_accept_kw(p, KW_WITHOUT)) {
        sql_expect_kw(p, KW_HOLD);
    }
    sql_expect_kw(p, KW_FOR);
    if (p->failed)
        return NULL;
    if (!sql_at_select_start(p)) {
        sql_syntax_error(p);
        return NULL;
    }
    s->query = sql_parse_select(p);
    return p->failed ? NULL : (AstNode *)s;
}

/* FETCH / MOVE [direction] [FROM | IN] name (PostgreSQL's fetch_args). */
static AstNode *parse_fetch(SqlParser *p, int loc, bool is_move)
{
    sql_advance(p);
    AstFetchStmt *s = MAKE(p, AstFetchStmt, AST_FETCH, loc);
    if (!s)
        return NULL;
    s->is_move = is_move;
    s->direction = AST_FETCH_FORWARD;
    s->count = 1;
    const SqlToken *next = sql_peek_n(p, 1);
    bool name_only = next->type == TOK_EOF || (next->type == TOK_CHAR && next->ch == ';');
    int kw = sql_tok_kw(sql_peek(p));
    if (name_only) {
        /* FETCH name */
    } else if (kw == KW_NEXT || kw == KW_PRIOR || kw == KW_FIRST || kw == KW_LAST) {
        sql_advance(p);
        if (kw == KW_PRIOR)
            s->direction = AST_FETCH_BACKWARD;
        else if (kw == KW_FIRST || kw == KW_LAST)
            s->direction = AST_FETCH_ABSOLUTE;
        if (kw == KW_LAST)
            s->count = -1;
    } else if (kw == KW_ABSOLUTE || kw == KW_RELATIVE) {
        sql_advance(p);
        s->direction = kw == KW_ABSOLUTE ? AST_FETCH_ABSOLUTE : AST_FETCH_RELATIVE;
        if (!parse_signed_iconst(p, &s->count))
            return NULL;
    } else if (kw == KW_ALL) {
        sql_advance(p);
        s->all = true;
    } else if (kw == KW_FORWARD || kw == KW_BACKWARD) {
        sql_advance(p);
        s->direction = kw == KW_FORWARD ? AST_FETCH_FORWARD : AST_FETCH_BACKWARD;
        if (sql_accept_kw(p, KW_ALL)) {
            s->all = true;
        } else if (at_signed_iconst(p)) {
            if (!parse_signed_iconst(p, &s->count))
                return NULL;
            if (s->count < 0) { /* FORWARD -n = BACKWARD n */
                s->count = -s->count;
                s->direction = s->direction == AST_FETCH_FORWARD ? AST_FETCH_BACKWARD : AST_FETCH_FORWARD;
            }
        }
    } else if (at_signed_iconst(p)) {
        if (!parse_signed_iconst(p, &s->count))
            return NULL;
        if (s->count < 0) {
            s->count = -s->count;
            s->direction = AST_FETCH_BACKWARD;
        }
    }
    if (!sql_accept_kw(p, KW_FROM))
        (void)sql_accept_kw(p, KW_IN);
    if (p->failed)
        return NULL;
    s->name = sql_parse_colid(p);
    return p->failed ? NULL : (AstNode *)s;
}

AstNode *sql_parse_utility(SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    int loc = t->start;
    switch (sql_tok_kw(t)) {
    case KW_BEGIN: case KW_START: case KW_COMMIT: case KW_END: case KW_ROLLBACK: case KW_ABORT:
    case KW_SAVEPOINT: case KW_RELEASE:
        return parse_transaction(p);
    case KW_SET:
        return parse_set(p);
    case KW_SHOW:
        return parse_show_reset(p, true);
    case KW_RESET:
        return parse_show_reset(p, false);
    case KW_EXPLAIN:
        return parse_explain(p);
    case KW_COPY:
        return parse_copy(p);
    case KW_PREPARE: {
        sql_advance(p);
        AstPrepareStmt *s = MAKE(p, AstPrepareStmt, AST_PREPARE, loc);
        if (!s)
            return NULL;
        s->name = sql_parse_colid(p);
        if (sql_accept_char(p, '(')) {
            int cap = 0;
            do {
                sql_list_push(p, &s->argtypes, (AstNode *)sql_parse_typename(p), &cap);
            } while (!p->failed && sql_accept_char(p, ','));
            sql_expect_char(p, ')');
        }
        sql_expect_kw(p, KW_AS);
        s->query_span.start = sql_peek(p)->start;
        s->query = sql_parse_preparable(p);
        s->query_span.end = p->toks[p->pos > 0 ? p->pos - 1 : 0].end;
        return p->failed ? NULL : (AstNode *)s;
    }
    case KW_EXECUTE: {
        sql_advance(p);
        AstExecuteStmt *s = MAKE(p, AstExecuteStmt, AST_EXECUTE, loc);
        if (!s)
            return NULL;
        s->name = sql_parse_colid(p);
        if (sql_accept_char(p, '(')) {
            s->params = sql_parse_expr_list(p);
            sql_expect_char(p, ')');
        }
        return p->failed ? NULL : (AstNode *)s;
    }
    case KW_DEALLOCATE: {
        sql_advance(p);
        AstDeallocateStmt *s = MAKE(p, AstDeallocateStmt, AST_DEALLOCATE, loc);
        if (!s)
            return NULL;
        sql_accept_kw(p, KW_PREPARE);
        if (!sql_accept_kw(p, KW_ALL))
            s->name = sql_parse_colid(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    case KW_DISCARD: {
        sql_advance(p);
        AstDiscardStmt *s = MAKE(p, AstDiscardStmt, AST_DISCARD, loc);
        if (!s)
            return NULL;
        if (sql_accept_kw(p, KW_ALL))
            s->target = AST_DISCARD_ALL;
        else if (sql_accept_kw(p, KW_PLANS))
            s->target = AST_DISCARD_PLANS;
        else if (sql_accept_kw(p, KW_SEQUENCES))
            s->target = AST_DISCARD_SEQUENCES;
        else if (sql_accept_kw(p, KW_TEMP) || sql_expect_kw(p, KW_TEMPORARY))
            s->target = AST_DISCARD_TEMP;
        return p->failed ? NULL : (AstNode *)s;
    }
    case KW_LISTEN: case KW_UNLISTEN: case KW_NOTIFY: {
        int kw = t->kw;
        sql_advance(p);
        AstNotifyStmt *s = MAKE(p, AstNotifyStmt, AST_NOTIFY, loc);
        if (!s)
            return NULL;
        s->kind = kw == KW_LISTEN ? AST_LISTEN : kw == KW_UNLISTEN ? AST_UNLISTEN : AST_NOTIFY_SEND;
        if (kw == KW_UNLISTEN && sql_accept_op(p, "*"))
            return (AstNode *)s;
        s->channel = sql_parse_colid(p);
        if (kw == KW_NOTIFY && sql_accept_char(p, ','))
            s->payload = sql_parse_string(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    case KW_VACUUM:
        return parse_vacuum(p, true);
    case KW_ANALYZE: case KW_ANALYSE:
        return parse_vacuum(p, false);
    case KW_CHECKPOINT:
        sql_advance(p);
        return sql_make_node(p, AST_CHECKPOINT, sizeof(AstNode), loc);
    case KW_LOCK:
        return parse_lock(p);
    case KW_DECLARE:
        return parse_declare(p, loc);
    case KW_FETCH: case KW_MOVE:
        return parse_fetch(p, loc, sql_tok_kw(t) == KW_MOVE);
    case KW_CLOSE: {
        sql_advance(p);
        AstCloseCursorStmt *s = MAKE(p, AstCloseCursorStmt, AST_CLOSE_CURSOR, loc);
        if (!s)
            return NULL;
        if (!sql_accept_kw(p, KW_ALL))
            s->name = sql_parse_colid(p);
        return p->failed ? NULL : (AstNode *)s;
    }
    default:
        if (t->type == TOK_IDENT && !t->quoted && t->len == 11 && strncasecmp(t->str, "base_backup", 11) == 0) {
            /* not a keyword: ShaleDB's own statement must not change pg_get_keywords() */
            sql_advance(p);
            AstBaseBackupStmt *s = MAKE(p, AstBaseBackupStmt, AST_BASE_BACKUP, loc);
            if (!s)
                return NULL;
            const SqlToken *n = sql_peek(p);
            if (n->type != TOK_EOF && !(n->type == TOK_CHAR && n->ch == ';'))
                s->reuse = sql_parse_string(p);
            return p->failed ? NULL : (AstNode *)s;
        }
        sql_syntax_error(p);
        return NULL;
    }
}
