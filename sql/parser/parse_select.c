/* parse_select.c -- queries and DML: SELECT (with set operations at PostgreSQL's
 * precedence, INTERSECT above UNION/EXCEPT), VALUES, TABLE, WITH, FROM items and joins,
 * ORDER BY / LIMIT / FETCH / locking, and INSERT / UPDATE / DELETE. */
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"

static AstSelectStmt *parse_select_no_with(SqlParser *p);
static AstNode *parse_table_ref(SqlParser *p);

bool sql_at_select_start(const SqlParser *p)
{
    int kw = sql_tok_kw(sql_peek(p));
    return kw == KW_SELECT || kw == KW_VALUES || kw == KW_WITH || kw == KW_TABLE ||
           (sql_is_char(p, '(') && sql_at_select_in_parens(p));
}

static AstWithClause *parse_with(SqlParser *p)
{
    AstWithClause *w = sql_palloc(p, sizeof *w);
    if (!w)
        return NULL;
    w->location = sql_peek(p)->start;
    sql_advance(p);   /* WITH */
    w->recursive = sql_accept_kw(p, KW_RECURSIVE);
    int cap = 0;
    do {
        AstCte *c = MAKE(p, AstCte, AST_CTE, sql_peek(p)->start);
        if (!c)
            return NULL;
        c->name = sql_parse_colid(p);
        if (sql_is_char(p, '('))
            c->colnames = sql_parse_paren_name_list(p);
        sql_expect_kw(p, KW_AS);
        if (sql_accept_kw(p, KW_MATERIALIZED)) {
            c->materialized = AST_CTE_MATERIALIZED;
        } else if (sql_is_kw(p, KW_NOT) && sql_is_kw_n(p, 1, KW_MATERIALIZED)) {
            sql_advance(p);
            sql_advance(p);
            c->materialized = AST_CTE_NOT_MATERIALIZED;
        }
        sql_expect_char(p, '(');
        c->query = sql_parse_preparable(p);
        sql_expect_char(p, ')');
        sql_list_push(p, &w->ctes, (AstNode *)c, &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    return p->failed ? NULL : w;
}

/* A target list item may start here (else the list is empty: SELECT FROM t). */
static bool at_target_list_end(const SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    if (t->type == TOK_EOF)
        return true;
    if (t->type == TOK_CHAR && (t->ch == ')' || t->ch == ';'))
        return true;
    switch (sql_tok_kw(t)) {
    case KW_FROM: case KW_WHERE: case KW_GROUP: case KW_HAVING: case KW_WINDOW: case KW_UNION:
    case KW_INTERSECT: case KW_EXCEPT: case KW_ORDER: case KW_LIMIT: case KW_OFFSET:
    case KW_FETCH: case KW_FOR: case KW_INTO:
        return !t->quoted;
    default:
        return false;
    }
}

AstList sql_parse_target_list(SqlParser *p)
{
    AstList l = { 0 };
    int cap = 0;
    do {
        const SqlToken *t = sql_peek(p);
        AstResTarget *rt = MAKE(p, AstResTarget, AST_RES_TARGET, t->start);
        if (!rt)
            break;
        rt->span.start = t->start;
        if (t->type == TOK_OP && strcmp(t->str, "*") == 0) {
            AstColumnRef *c = MAKE(p, AstColumnRef, AST_COLUMN_REF, t->start);
            if (!c)
                break;
            int ncap = 0;
            sql_names_push(p, &c->fields, "*", &ncap);
            c->star = true;
            sql_advance(p);
            rt->val = (AstNode *)c;
        } else {
            rt->val = sql_parse_expr(p);
        }
        rt->span.end = p->toks[p->pos > 0 ? p->pos - 1 : 0].end;
        if (sql_accept_kw(p, KW_AS)) {
            rt->name = sql_parse_collabel(p);
        } else {
            const SqlToken *a = sql_peek(p);
            if (a->type == TOK_IDENT && (a->kw == KW__NONE || a->quoted || sql_keyword_bare((SqlKeyword)a->kw))) {
                rt->name = a->str;
                sql_advance(p);
            }
        }
        sql_list_push(p, &l, (AstNode *)rt, &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    return l;
}

AstList sql_parse_returning(SqlParser *p)
{
    AstList l = { 0 };
    if (sql_accept_kw(p, KW_RETURNING))
        l = sql_parse_target_list(p);
    return l;
}

AstAlias *sql_parse_opt_alias(SqlParser *p, bool allow_bare)
{
    bool as = sql_accept_kw(p, KW_AS);
    const SqlToken *t = sql_peek(p);
    if (!as && (!allow_bare || !sql_tok_is_colid(t)))
        return NULL;
    AstAlias *a = sql_palloc(p, sizeof *a);
    if (!a)
        return NULL;
    a->name = sql_parse_colid(p);
    if (sql_is_char(p, '('))
        a->colnames = sql_parse_paren_name_list(p);
    return p->failed ? NULL : a;
}

AstRangeVar *sql_parse_relation_expr(SqlParser *p)
{
    bool only = false, paren = false;
    if (sql_accept_kw(p, KW_ONLY)) {
        only = true;
        paren = sql_accept_char(p, '(');
    }
    AstRangeVar *rv = sql_parse_qualified_name(p);
    if (paren)
        sql_expect_char(p, ')');
    if (!only && sql_is_op(p, "*"))
        sql_advance(p);
    if (rv && only)
        rv->inh = false;
    return p->failed ? NULL : rv;
}

static bool at_func_in_from(const SqlParser *p)
{
    int k = 0;
    const SqlToken *t = sql_peek(p);
    if (t->type != TOK_IDENT)
        return false;
    switch (sql_tok_kw(t)) {
    case KW_COALESCE: case KW_GREATEST: case KW_LEAST: case KW_NULLIF: case KW_CAST:
    case KW_EXTRACT: case KW_POSITION: case KW_SUBSTRING: case KW_TRIM: case KW_OVERLAY:
    case KW_CURRENT_DATE: case KW_CURRENT_TIME: case KW_CURRENT_TIMESTAMP: case KW_LOCALTIME:
    case KW_LOCALTIMESTAMP: case KW_CURRENT_USER: case KW_SESSION_USER: case KW_USER:
    case KW_CURRENT_ROLE: case KW_CURRENT_CATALOG:
        return true;
    default:
        break;
    }
    for (;;) {
        k++;
        const SqlToken *n = sql_peek_n(p, k);
        if (n->type == TOK_CHAR && n->ch == '(')
            return true;
        if (!(n->type == TOK_CHAR && n->ch == '.'))
            return false;
        k++;
        if (sql_peek_n(p, k)->type != TOK_IDENT)
            return false;
    }
}

static AstNode *parse_table_primary(SqlParser *p)
{
    if (p->failed || !sql_depth_enter(p))
        return NULL;
    AstNode *res = NULL;
    int loc = sql_peek(p)->start;
    bool lateral = sql_accept_kw(p, KW_LATERAL);
    if (sql_is_char(p, '(')) {
        AstNode *q = sql_try_paren_select(p);
        if (q) {
            AstRangeSubselect *r = MAKE(p, AstRangeSubselect, AST_RANGE_SUBSELECT, loc);
            if (!r)
                goto out;
            r->lateral = lateral;
            r->subquery = q;
            r->alias = sql_parse_opt_alias(p, true);
            if (!r->alias && !p->failed) {
                sql_error_at(p, ERRCODE_SYNTAX_ERROR, loc, "subquery in FROM must have an alias");
                sql_error_hint(p->err, "For example, FROM (SELECT ...) [AS] foo.");
            }
            res = (AstNode *)r;
        } else if (!lateral) {
            sql_advance(p);
            AstNode *j = parse_table_ref(p);
            sql_expect_char(p, ')');
            if (!p->failed && j && j->tag == AST_JOIN) {
                ((AstJoinExpr *)j)->alias = sql_parse_opt_alias(p, true);
            } else if (!p->failed) {
                p->pos--;
                sql_syntax_error(p);
            }
            res = j;
        } else {
            sql_advance(p);
            sql_syntax_error(p);
        }
    } else if (at_func_in_from(p)) {
        AstRangeFunction *r = MAKE(p, AstRangeFunction, AST_RANGE_FUNCTION, loc);
        if (!r)
            goto out;
        r->lateral = lateral;
        r->func = sql_parse_primary_expr(p);
        if (sql_is_kw(p, KW_WITH) && sql_is_kw_n(p, 1, KW_ORDINALITY)) {
            sql_advance(p);
            sql_advance(p);
            r->ordinality = true;
        }
        r->alias = sql_parse_opt_alias(p, true);
        res = (AstNode *)r;
    } else if (lateral) {
        sql_syntax_error(p);
    } else {
        AstRangeVar *rv = sql_parse_relation_expr(p);
        if (rv)
            rv->alias = sql_parse_opt_alias(p, true);
        res = (AstNode *)rv;
    }
out:
    sql_depth_leave(p);
    return p->failed ? NULL : res;
}

/* join type keywords at the current token: returns true and sets the join type, NATURAL flag and the
 * token count to consume when a join starts here. */
static bool at_join(const SqlParser *p, AstJoinType *type, bool *natural, int *ntok)
{
    int k = 0;
    *natural = false;
    if (sql_is_kw_n(p, k, KW_NATURAL)) {
        *natural = true;
        k++;
    }
    int kw = sql_tok_kw(sql_peek_n(p, k));
    if (kw == KW_CROSS && !*natural) {
        if (!sql_is_kw_n(p, k + 1, KW_JOIN))
            return false;
        *type = AST_JOIN_CROSS;
        *ntok = 2;
        return true;
    }
    *type = AST_JOIN_INNER;
    if (kw == KW_INNER) {
        k++;
    } else if (kw == KW_LEFT || kw == KW_RIGHT || kw == KW_FULL) {
        *type = kw == KW_LEFT ? AST_JOIN_LEFT : kw == KW_RIGHT ? AST_JOIN_RIGHT : AST_JOIN_FULL;
        k++;
        if (sql_is_kw_n(p, k, KW_OUTER))
            k++;
    }
    if (!sql_is_kw_n(p, k, KW_JOIN))
        return false;
    *ntok = k + 1;
    return true;
}

static AstNode *parse_join(SqlParser *p, AstNode *left);

static AstNode *parse_join_rhs(SqlParser *p)
{
    AstNode *r = parse_table_primary(p);
    AstJoinType jt;
    bool nat;
    int nt;
    while (!p->failed && at_join(p, &jt, &nat, &nt))
        r = parse_join(p, r);
    return r;
}

static AstNode *parse_join(SqlParser *p, AstNode *left)
{
    AstJoinType jt;
    bool nat;
    int nt;
    at_join(p, &jt, &nat, &nt);
    AstJoinExpr *j = MAKE(p, AstJoinExpr, AST_JOIN, sql_peek(p)->start);
    if (!j)
        return NULL;
    for (int i = 0; i < nt; i++)
        sql_advance(p);
    j->type = jt;
    j->natural = nat;
    j->larg = left;
    if (jt == AST_JOIN_CROSS || nat) {
        j->rarg = parse_table_primary(p);
        return p->failed ? NULL : (AstNode *)j;
    }
    if (!sql_depth_enter(p))
        return NULL;
    j->rarg = parse_join_rhs(p);
    sql_depth_leave(p);
    if (sql_accept_kw(p, KW_ON)) {
        j->quals = sql_parse_expr(p);
    } else if (sql_accept_kw(p, KW_USING)) {
        j->using_cols = sql_parse_paren_name_list(p);
        if (sql_accept_kw(p, KW_AS))
            j->using_alias = sql_parse_colid(p);
    } else {
        sql_syntax_error(p);
    }
    return p->failed ? NULL : (AstNode *)j;
}

static AstNode *parse_table_ref(SqlParser *p)
{
    AstNode *left = parse_table_primary(p);
    AstJoinType jt;
    bool nat;
    int nt;
    while (!p->failed && at_join(p, &jt, &nat, &nt))
        left = parse_join(p, left);
    return p->failed ? NULL : left;
}

static AstList parse_from_list(SqlParser *p)
{
    AstList l = { 0 };
    int cap = 0;
    do {
        sql_list_push(p, &l, parse_table_ref(p), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    return l;
}

static AstNode *parse_group_item(SqlParser *p);

static AstNode *parse_grouping_set(SqlParser *p, AstGroupingKind kind, int loc)
{
    AstGroupingSet *g = MAKE(p, AstGroupingSet, AST_GROUPING_SET, loc);
    if (!g || !sql_expect_char(p, '('))
        return NULL;
    g->kind = kind;
    int cap = 0;
    do {
        if (kind == AST_GS_SETS)
            sql_list_push(p, &g->content, parse_group_item(p), &cap);
        else
            sql_list_push(p, &g->content, sql_parse_expr(p), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    sql_expect_char(p, ')');
    return p->failed ? NULL : (AstNode *)g;
}

static AstNode *parse_group_item(SqlParser *p)
{
    int loc = sql_peek(p)->start;
    bool paren_next = sql_peek_n(p, 1)->type == TOK_CHAR && sql_peek_n(p, 1)->ch == '(';
    if (sql_is_char(p, '(') && sql_peek_n(p, 1)->type == TOK_CHAR && sql_peek_n(p, 1)->ch == ')') {
        sql_advance(p);
        sql_advance(p);
        AstGroupingSet *g = MAKE(p, AstGroupingSet, AST_GROUPING_SET, loc);
        if (g)
            g->kind = AST_GS_EMPTY;
        return (AstNode *)g;
    }
    if (sql_is_kw(p, KW_ROLLUP) && paren_next) {
        sql_advance(p);
        return parse_grouping_set(p, AST_GS_ROLLUP, loc);
    }
    if (sql_is_kw(p, KW_CUBE) && paren_next) {
        sql_advance(p);
        return parse_grouping_set(p, AST_GS_CUBE, loc);
    }
    if (sql_is_kw(p, KW_GROUPING) && sql_is_kw_n(p, 1, KW_SETS)) {
        sql_advance(p);
        sql_advance(p);
        return parse_grouping_set(p, AST_GS_SETS, loc);
    }
    return sql_parse_expr(p);
}

static AstSelectStmt *parse_values(SqlParser *p)
{
    AstSelectStmt *s = MAKE(p, AstSelectStmt, AST_SELECT, sql_peek(p)->start);
    if (!s)
        return NULL;
    sql_advance(p);   /* VALUES */
    int cap = 0;
    do {
        AstRowExpr *r = MAKE(p, AstRowExpr, AST_ROW, sql_peek(p)->start);
        if (!r || !sql_expect_char(p, '('))
            return NULL;
        r->args = sql_parse_expr_list(p);
        sql_expect_char(p, ')');
        sql_list_push(p, &s->values, (AstNode *)r, &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    return p->failed ? NULL : s;
}

static AstSelectStmt *parse_simple_select(SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    int kw = sql_tok_kw(t);
    if (kw == KW_VALUES)
        return parse_values(p);
    AstSelectStmt *s = MAKE(p, AstSelectStmt, AST_SELECT, t->start);
    if (!s)
        return NULL;
    if (kw == KW_TABLE) {
        sql_advance(p);
        AstResTarget *rt = MAKE(p, AstResTarget, AST_RES_TARGET, t->start);
        AstColumnRef *c = MAKE(p, AstColumnRef, AST_COLUMN_REF, t->start);
        if (!rt || !c)
            return NULL;
        int cap = 0, ncap = 0;
        sql_names_push(p, &c->fields, "*", &ncap);
        c->star = true;
        rt->val = (AstNode *)c;
        rt->span = (AstSpan){ -1, -1 };
        sql_list_push(p, &s->targets, (AstNode *)rt, &cap);
        cap = 0;
        sql_list_push(p, &s->from, (AstNode *)sql_parse_relation_expr(p), &cap);
        return p->failed ? NULL : s;
    }
    if (!sql_expect_kw(p, KW_SELECT))
        return NULL;
    if (sql_accept_kw(p, KW_DISTINCT)) {
        s->distinct = true;
        if (sql_accept_kw(p, KW_ON)) {
            sql_expect_char(p, '(');
            s->distinct_on = sql_parse_expr_list(p);
            sql_expect_char(p, ')');
        }
    } else {
        sql_accept_kw(p, KW_ALL);
    }
    if (!at_target_list_end(p))
        s->targets = sql_parse_target_list(p);
    if (sql_is_kw(p, KW_INTO)) {
        sql_error_at(p, ERRCODE_FEATURE_NOT_SUPPORTED, sql_peek(p)->start, "SELECT ... INTO is not supported");
        return NULL;
    }
    if (sql_accept_kw(p, KW_FROM))
        s->from = parse_from_list(p);
    if (sql_accept_kw(p, KW_WHERE))
        s->where = sql_parse_expr(p);
    if (sql_is_kw(p, KW_GROUP)) {
        sql_advance(p);
        sql_expect_kw(p, KW_BY);
        if (sql_accept_kw(p, KW_DISTINCT))
            s->group_distinct = true;
        else
            sql_accept_kw(p, KW_ALL);
        int cap = 0;
        do {
            sql_list_push(p, &s->group_by, parse_group_item(p), &cap);
        } while (!p->failed && sql_accept_char(p, ','));
    }
    if (sql_accept_kw(p, KW_HAVING))
        s->having = sql_parse_expr(p);
    if (sql_accept_kw(p, KW_WINDOW)) {
        int cap = 0;
        do {
            int loc = sql_peek(p)->start;
            const char *name = sql_parse_colid(p);
            sql_expect_kw(p, KW_AS);
            sql_expect_char(p, '(');
            AstWindowDef *w = p->failed ? NULL : sql_parse_window_spec(p);
            if (w) {
                w->name = name;
                w->hdr.location = loc;
            }
            sql_list_push(p, &s->windows, (AstNode *)w, &cap);
        } while (!p->failed && sql_accept_char(p, ','));
    }
    return p->failed ? NULL : s;
}

/* select_clause: simple select or '(' select ')' */
static AstSelectStmt *parse_select_operand(SqlParser *p)
{
    if (sql_is_char(p, '(')) {
        sql_advance(p);
        AstSelectStmt *s = (AstSelectStmt *)sql_parse_select(p);
        sql_expect_char(p, ')');
        return p->failed ? NULL : s;
    }
    int kw = sql_tok_kw(sql_peek(p));
    if (kw != KW_SELECT && kw != KW_VALUES && kw != KW_TABLE) {
        sql_syntax_error(p);
        return NULL;
    }
    return parse_simple_select(p);
}

static AstSelectStmt *parse_set_expr(SqlParser *p, int min_prec)
{
    if (p->failed || !sql_depth_enter(p))
        return NULL;
    AstSelectStmt *left = parse_select_operand(p);
    while (!p->failed) {
        int kw = sql_tok_kw(sql_peek(p));
        int prec = kw == KW_UNION || kw == KW_EXCEPT ? 1 : kw == KW_INTERSECT ? 2 : 0;
        if (!prec || prec < min_prec)
            break;
        AstSelectStmt *s = MAKE(p, AstSelectStmt, AST_SELECT, sql_peek(p)->start);
        if (!s)
            break;
        sql_advance(p);
        s->op = kw == KW_UNION ? AST_SETOP_UNION : kw == KW_EXCEPT ? AST_SETOP_EXCEPT : AST_SETOP_INTERSECT;
        if (sql_accept_kw(p, KW_ALL))
            s->all = true;
        else
            sql_accept_kw(p, KW_DISTINCT);
        s->larg = left;
        s->rarg = parse_set_expr(p, prec + 1);
        left = s;
    }
    sql_depth_leave(p);
    return p->failed ? NULL : left;
}

static void parse_locking(SqlParser *p, AstSelectStmt *s)
{
    int cap = s->locking.n;
    while (!p->failed && sql_is_kw(p, KW_FOR)) {
        AstLocking *l = MAKE(p, AstLocking, AST_LOCKING, sql_peek(p)->start);
        if (!l)
            return;
        sql_advance(p);
        if (sql_accept_kw(p, KW_UPDATE)) {
            l->strength = AST_LOCK_UPDATE;
        } else if (sql_accept_kw(p, KW_SHARE)) {
            l->strength = AST_LOCK_SHARE;
        } else if (sql_accept_kw(p, KW_NO)) {
            sql_expect_kw(p, KW_KEY);
            sql_expect_kw(p, KW_UPDATE);
            l->strength = AST_LOCK_NO_KEY_UPDATE;
        } else if (sql_accept_kw(p, KW_KEY)) {
            sql_expect_kw(p, KW_SHARE);
            l->strength = AST_LOCK_KEY_SHARE;
        } else {
            sql_syntax_error(p);
            return;
        }
        if (sql_accept_kw(p, KW_OF)) {
            int rcap = 0;
            do {
                sql_list_push(p, &l->rels, (AstNode *)sql_parse_qualified_name(p), &rcap);
            } while (!p->failed && sql_accept_char(p, ','));
        }
        if (sql_accept_kw(p, KW_NOWAIT)) {
            l->wait = AST_WAIT_NOWAIT;
        } else if (sql_is_kw(p, KW_SKIP)) {
            sql_advance(p);
            sql_expect_kw(p, KW_LOCKED);
            l->wait = AST_WAIT_SKIP_LOCKED;
        }
        sql_list_push(p, &s->locking, (AstNode *)l, &cap);
    }
}

static void parse_limit_clauses(SqlParser *p, AstSelectStmt *s)
{
    for (;;) {
        if (p->failed)
            return;
        int loc = sql_peek(p)->start;
        if (sql_accept_kw(p, KW_LIMIT)) {
            if (s->limit_count) {
                sql_error_at(p, ERRCODE_SYNTAX_ERROR, loc, "multiple LIMIT clauses not allowed");
                return;
            }
            if (sql_is_kw(p, KW_ALL)) {
                AstConst *c = MAKE(p, AstConst, AST_CONST, sql_peek(p)->start);
                if (c)
                    c->kind = AST_CONST_NULL;
                sql_advance(p);
                s->limit_count = (AstNode *)c;
            } else {
                s->limit_count = sql_parse_expr(p);
            }
            if (sql_is_char(p, ',')) {
                sql_error_at(p, ERRCODE_SYNTAX_ERROR, loc, "LIMIT #,# syntax is not supported");
                sql_error_hint(p->err, "Use separate LIMIT and OFFSET clauses.");
                return;
            }
        } else if (sql_accept_kw(p, KW_OFFSET)) {
            if (s->limit_offset) {
                sql_error_at(p, ERRCODE_SYNTAX_ERROR, loc, "multiple OFFSET clauses not allowed");
                return;
            }
            s->limit_offset = sql_parse_expr(p);
            if (!sql_accept_kw(p, KW_ROW))
                sql_accept_kw(p, KW_ROWS);
        } else if (sql_accept_kw(p, KW_FETCH)) {
            if (s->limit_count) {
                sql_error_at(p, ERRCODE_SYNTAX_ERROR, loc, "multiple LIMIT clauses not allowed");
                return;
            }
            if (!sql_accept_kw(p, KW_FIRST))
                sql_expect_kw(p, KW_NEXT);
            s->fetch_syntax = true;
            if (sql_is_kw(p, KW_ROW) || sql_is_kw(p, KW_ROWS)) {
                AstConst *one = MAKE(p, AstConst, AST_CONST, -1);
                if (one) {
                    one->kind = AST_CONST_INTEGER;
                    one->ival = 1;
                    one->fits_int64 = true;
                    one->str = "1";
                    one->len = 1;
                }
                s->limit_count = (AstNode *)one;
            } else {
                s->limit_count = sql_parse_expr_prec(p, 9);
            }
            if (!sql_accept_kw(p, KW_ROW))
                sql_expect_kw(p, KW_ROWS);
            if (sql_accept_kw(p, KW_WITH)) {
                sql_expect_kw(p, KW_TIES);
                s->limit_with_ties = true;
            } else {
                sql_expect_kw(p, KW_ONLY);
            }
        } else {
            return;
        }
    }
}

/* The clauses after a select_clause: ORDER BY, LIMIT/OFFSET/FETCH, FOR ... */
static AstSelectStmt *parse_select_tail(SqlParser *p, AstSelectStmt *s)
{
    if (p->failed || !s)
        return NULL;
    if (sql_is_kw(p, KW_ORDER)) {
        int loc = sql_peek(p)->start;
        sql_advance(p);
        sql_expect_kw(p, KW_BY);
        if (s->sort.n) {
            sql_error_at(p, ERRCODE_SYNTAX_ERROR, loc, "multiple ORDER BY clauses not allowed");
            return NULL;
        }
        s->sort = sql_parse_sort_list(p);
    }
    if (sql_is_kw(p, KW_FOR)) {
        parse_locking(p, s);
        parse_limit_clauses(p, s);
    } else {
        parse_limit_clauses(p, s);
        parse_locking(p, s);
    }
    return p->failed ? NULL : s;
}

static AstSelectStmt *parse_select_no_with(SqlParser *p)
{
    return parse_select_tail(p, parse_set_expr(p, 0));
}

AstNode *sql_parse_select(SqlParser *p)
{
    if (p->failed || !sql_depth_enter(p))
        return NULL;
    AstSelectStmt *s;
    if (sql_is_kw(p, KW_WITH)) {
        int loc = sql_peek(p)->start;
        AstWithClause *w = parse_with(p);
        s = parse_select_no_with(p);
        if (s && s->with) {
            sql_error_at(p, ERRCODE_SYNTAX_ERROR, loc, "multiple WITH clauses not allowed");
            s = NULL;
        } else if (s) {
            s->with = w;
        }
    } else {
        s = parse_select_no_with(p);
    }
    sql_depth_leave(p);
    return p->failed ? NULL : (AstNode *)s;
}

/* --- INSERT / UPDATE / DELETE --------------------------------------------------------- */

static AstList parse_set_clauses(SqlParser *p)
{
    AstList l = { 0 };
    int cap = 0;
    do {
        if (sql_is_char(p, '(')) {
            sql_advance(p);
            AstResTarget *cols[256];
            int n = 0;
            do {
                AstResTarget *rt = MAKE(p, AstResTarget, AST_RES_TARGET, sql_peek(p)->start);
                if (!rt)
                    return l;
                rt->name = sql_parse_colid(p);
                if (n < 256)
                    cols[n++] = rt;
            } while (!p->failed && sql_accept_char(p, ','));
            sql_expect_char(p, ')');
            if (!sql_accept_op(p, "=")) {
                sql_syntax_error(p);
                return l;
            }
            AstNode *src = sql_parse_expr(p);
            for (int i = 0; i < n && !p->failed; i++) {
                AstMultiAssign *m = MAKE(p, AstMultiAssign, AST_MULTI_ASSIGN, cols[i]->hdr.location);
                if (!m)
                    return l;
                m->source = src;
                m->colno = i + 1;
                m->ncolumns = n;
                cols[i]->val = (AstNode *)m;
                sql_list_push(p, &l, (AstNode *)cols[i], &cap);
            }
        } else {
            AstResTarget *rt = MAKE(p, AstResTarget, AST_RES_TARGET, sql_peek(p)->start);
            if (!rt)
                return l;
            rt->name = sql_parse_colid(p);
            /* SET a[i] = v: subscripts (the binder assigns one element); slices kept as such */
            while (!p->failed && sql_is_char(p, '[') && rt->n_indirection < 6) {
                sql_advance(p);
                AstIndirItem *items = shale_arena_alloc(p->arena, sizeof(AstIndirItem) * (size_t)(rt->n_indirection + 1));
                if (!items)
                    return l;
                if (rt->n_indirection)
                    memcpy(items, rt->indirection, sizeof(AstIndirItem) * (size_t)rt->n_indirection);
                AstIndirItem *it = &items[rt->n_indirection];
                memset(it, 0, sizeof *it);
                it->kind = AST_INDIR_INDEX;
                if (!sql_is_char(p, ':'))
                    it->lo = sql_parse_expr(p);
                if (sql_accept_char(p, ':')) {
                    it->kind = AST_INDIR_SLICE;
                    if (!sql_is_char(p, ']'))
                        it->hi = sql_parse_expr(p);
                }
                sql_expect_char(p, ']');
                rt->indirection = items;
                rt->n_indirection++;
            }
            if (sql_is_char(p, '[') || sql_is_char(p, '.')) {
                sql_syntax_error(p);
                return l;
            }
            if (!sql_accept_op(p, "=")) {
                sql_syntax_error(p);
                return l;
            }
            rt->span.start = sql_peek(p)->start;
            rt->val = sql_parse_expr(p);
            rt->span.end = p->toks[p->pos > 0 ? p->pos - 1 : 0].end;
            sql_list_push(p, &l, (AstNode *)rt, &cap);
        }
    } while (!p->failed && sql_accept_char(p, ','));
    return l;
}

static AstNode *parse_insert(SqlParser *p, AstWithClause *with)
{
    AstInsertStmt *s = MAKE(p, AstInsertStmt, AST_INSERT, sql_peek(p)->start);
    if (!s)
        return NULL;
    s->with = with;
    sql_advance(p);
    sql_expect_kw(p, KW_INTO);
    s->relation = sql_parse_qualified_name(p);
    if (s->relation && sql_accept_kw(p, KW_AS)) {
        AstAlias *a = sql_palloc(p, sizeof *a);
        if (a)
            a->name = sql_parse_colid(p);
        s->relation->alias = a;
    }
    if (sql_is_char(p, '(') && !sql_at_select_in_parens(p)) {
        sql_advance(p);
        int cap = 0;
        do {
            AstResTarget *rt = MAKE(p, AstResTarget, AST_RES_TARGET, sql_peek(p)->start);
            if (!rt)
                return NULL;
            rt->name = sql_parse_colid(p);
            sql_list_push(p, &s->cols, (AstNode *)rt, &cap);
        } while (!p->failed && sql_accept_char(p, ','));
        sql_expect_char(p, ')');
    }
    if (sql_accept_kw(p, KW_OVERRIDING)) {
        if (sql_accept_kw(p, KW_USER))
            s->overriding = AST_OVERRIDING_USER;
        else if (sql_expect_kw(p, KW_SYSTEM))
            s->overriding = AST_OVERRIDING_SYSTEM;
        sql_expect_kw(p, KW_VALUE);
    }
    if (sql_is_kw(p, KW_DEFAULT) && sql_is_kw_n(p, 1, KW_VALUES)) {
        sql_advance(p);
        sql_advance(p);
    } else if (!p->failed) {
        if (!sql_at_select_start(p)) {
            sql_syntax_error(p);
            return NULL;
        }
        s->select = (AstSelectStmt *)sql_parse_select(p);
    }
    if (sql_is_kw(p, KW_ON) && sql_is_kw_n(p, 1, KW_CONFLICT)) {
        AstOnConflict *oc = MAKE(p, AstOnConflict, AST_ON_CONFLICT, sql_peek(p)->start);
        if (!oc)
            return NULL;
        sql_advance(p);
        sql_advance(p);
        if (sql_accept_char(p, '(')) {
            int cap = 0;
            do {
                AstIndexElem *e = MAKE(p, AstIndexElem, AST_INDEX_ELEM, sql_peek(p)->start);
                if (!e)
                    return NULL;
                if (sql_accept_char(p, '(')) {
                    e->expr = sql_parse_expr(p);
                    sql_expect_char(p, ')');
                } else {
                    e->name = sql_parse_colid(p);
                }
                sql_list_push(p, &oc->infer_elems, (AstNode *)e, &cap);
            } while (!p->failed && sql_accept_char(p, ','));
            sql_expect_char(p, ')');
            if (sql_accept_kw(p, KW_WHERE))
                oc->infer_where = sql_parse_expr(p);
        } else if (sql_accept_kw(p, KW_ON)) {
            sql_expect_kw(p, KW_CONSTRAINT);
            oc->constraint = sql_parse_colid(p);
        }
        sql_expect_kw(p, KW_DO);
        if (sql_accept_kw(p, KW_NOTHING)) {
            oc->action = AST_CONFLICT_NOTHING;
        } else if (sql_expect_kw(p, KW_UPDATE)) {
            oc->action = AST_CONFLICT_UPDATE;
            sql_expect_kw(p, KW_SET);
            oc->targets = parse_set_clauses(p);
            if (sql_accept_kw(p, KW_WHERE))
                oc->where = sql_parse_expr(p);
        }
        s->on_conflict = oc;
    }
    s->returning = sql_parse_returning(p);
    return p->failed ? NULL : (AstNode *)s;
}

static AstRangeVar *parse_dml_relation(SqlParser *p)
{
    AstRangeVar *rv = sql_parse_relation_expr(p);
    if (!rv)
        return NULL;
    bool as = sql_accept_kw(p, KW_AS);
    const SqlToken *t = sql_peek(p);
    if (as || (sql_tok_is_colid(t) && !(t->kw == KW_SET && !t->quoted))) {
        AstAlias *a = sql_palloc(p, sizeof *a);
        if (a)
            a->name = sql_parse_colid(p);
        rv->alias = a;
    }
    return p->failed ? NULL : rv;
}

static AstNode *parse_update(SqlParser *p, AstWithClause *with)
{
    AstUpdateStmt *s = MAKE(p, AstUpdateStmt, AST_UPDATE, sql_peek(p)->start);
    if (!s)
        return NULL;
    s->with = with;
    sql_advance(p);
    s->relation = parse_dml_relation(p);
    sql_expect_kw(p, KW_SET);
    s->targets = parse_set_clauses(p);
    if (sql_accept_kw(p, KW_FROM))
        s->from = parse_from_list(p);
    if (sql_accept_kw(p, KW_WHERE))
        s->where = sql_parse_expr(p);
    s->returning = sql_parse_returning(p);
    return p->failed ? NULL : (AstNode *)s;
}

static AstNode *parse_delete(SqlParser *p, AstWithClause *with)
{
    AstDeleteStmt *s = MAKE(p, AstDeleteStmt, AST_DELETE, sql_peek(p)->start);
    if (!s)
        return NULL;
    s->with = with;
    sql_advance(p);
    sql_expect_kw(p, KW_FROM);
    s->relation = parse_dml_relation(p);
    if (sql_accept_kw(p, KW_USING))
        s->using_ = parse_from_list(p);
    if (sql_accept_kw(p, KW_WHERE))
        s->where = sql_parse_expr(p);
    s->returning = sql_parse_returning(p);
    return p->failed ? NULL : (AstNode *)s;
}

AstNode *sql_parse_preparable(SqlParser *p)
{
    if (p->failed)
        return NULL;
    AstWithClause *with = NULL;
    int save = p->pos;
    if (sql_is_kw(p, KW_WITH)) {
        with = parse_with(p);
        if (p->failed)
            return NULL;
    }
    switch (sql_tok_kw(sql_peek(p))) {
    case KW_INSERT: return parse_insert(p, with);
    case KW_UPDATE: return parse_update(p, with);
    case KW_DELETE: return parse_delete(p, with);
    default:
        break;
    }
    p->pos = save;
    if (!sql_at_select_start(p)) {
        sql_syntax_error(p);
        return NULL;
    }
    return sql_parse_select(p);
}
