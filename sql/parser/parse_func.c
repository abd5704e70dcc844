/* parse_func.c -- function-call syntax: argument lists with DISTINCT / ORDER BY / named
 * and VARIADIC arguments, WITHIN GROUP, FILTER, OVER and window specifications, sort
 * lists, CASE, and the SQL-standard special forms (CAST, COALESCE, EXTRACT, SUBSTRING,
 * POSITION, TRIM, OVERLAY, CURRENT_DATE ...) turned into ordinary calls as PostgreSQL does. */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"

AstList sql_parse_sort_list(SqlParser *p)
{
    AstList l = { 0 };
    int cap = 0;
    do {
        AstSortBy *s = MAKE(p, AstSortBy, AST_SORT_BY, sql_peek(p)->start);
        if (!s)
            break;
        s->node = sql_parse_expr(p);
        if (sql_accept_kw(p, KW_ASC)) {
            s->dir = AST_SORT_ASC;
        } else if (sql_accept_kw(p, KW_DESC)) {
            s->dir = AST_SORT_DESC;
        } else if (sql_accept_kw(p, KW_USING)) {
            s->dir = AST_SORT_USING;
            if (sql_peek(p)->type != TOK_OP) {
                sql_syntax_error(p);
                break;
            }
            s->use_op = sql_peek(p)->str;
            sql_advance(p);
        }
        if (sql_is_kw(p, KW_NULLS) && (sql_is_kw_n(p, 1, KW_FIRST) || sql_is_kw_n(p, 1, KW_LAST))) {
            sql_advance(p);
            s->nulls = sql_is_kw(p, KW_FIRST) ? AST_NULLS_FIRST : AST_NULLS_LAST;
            sql_advance(p);
        }
        sql_list_push(p, &l, (AstNode *)s, &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    return l;
}

static bool parse_frame_bound(SqlParser *p, AstFrameBound *b, AstNode **off)
{
    if (sql_accept_kw(p, KW_UNBOUNDED)) {
        if (sql_accept_kw(p, KW_PRECEDING))
            *b = AST_BOUND_UNBOUNDED_PRECEDING;
        else if (sql_expect_kw(p, KW_FOLLOWING))
            *b = AST_BOUND_UNBOUNDED_FOLLOWING;
        return !p->failed;
    }
    if (sql_is_kw(p, KW_CURRENT) && sql_is_kw_n(p, 1, KW_ROW)) {
        sql_advance(p);
        sql_advance(p);
        *b = AST_BOUND_CURRENT_ROW;
        return true;
    }
    *off = sql_parse_expr(p);
    if (sql_accept_kw(p, KW_PRECEDING))
        *b = AST_BOUND_OFFSET_PRECEDING;
    else if (sql_expect_kw(p, KW_FOLLOWING))
        *b = AST_BOUND_OFFSET_FOLLOWING;
    return !p->failed;
}

AstWindowDef *sql_parse_window_spec(SqlParser *p)
{
    AstWindowDef *w = MAKE(p, AstWindowDef, AST_WINDOW_DEF, sql_peek(p)->start);
    if (!w)
        return NULL;
    const SqlToken *t = sql_peek(p);
    int kw = sql_tok_kw(t);
    if (sql_tok_is_colid(t) && kw != KW_PARTITION && kw != KW_RANGE && kw != KW_ROWS && kw != KW_GROUPS) {
        w->refname = t->str;
        sql_advance(p);
    }
    if (sql_is_kw(p, KW_PARTITION)) {
        sql_advance(p);
        sql_expect_kw(p, KW_BY);
        w->partition = sql_parse_expr_list(p);
    }
    if (sql_is_kw(p, KW_ORDER)) {
        sql_advance(p);
        sql_expect_kw(p, KW_BY);
        w->order = sql_parse_sort_list(p);
    }
    kw = sql_tok_kw(sql_peek(p));
    if (kw == KW_RANGE || kw == KW_ROWS || kw == KW_GROUPS) {
        sql_advance(p);
        w->mode = kw == KW_RANGE ? AST_FRAME_RANGE : kw == KW_ROWS ? AST_FRAME_ROWS : AST_FRAME_GROUPS;
        if (sql_accept_kw(p, KW_BETWEEN)) {
            parse_frame_bound(p, &w->start_bound, &w->start_offset);
            sql_expect_kw(p, KW_AND);
            parse_frame_bound(p, &w->end_bound, &w->end_offset);
        } else {
            parse_frame_bound(p, &w->start_bound, &w->start_offset);
        }
        if (sql_accept_kw(p, KW_EXCLUDE)) {
            if (sql_is_kw(p, KW_CURRENT) && sql_is_kw_n(p, 1, KW_ROW)) {
                sql_advance(p);
                sql_advance(p);
                w->exclude = AST_EXCLUDE_CURRENT_ROW;
            } else if (sql_accept_kw(p, KW_GROUP)) {
                w->exclude = AST_EXCLUDE_GROUP;
            } else if (sql_accept_kw(p, KW_TIES)) {
                w->exclude = AST_EXCLUDE_TIES;
            } else if (sql_expect_kw(p, KW_NO)) {
                sql_expect_kw(p, KW_OTHERS);
                w->exclude = AST_EXCLUDE_NO_OTHERS;
            }
        }
    }
    sql_expect_char(p, ')');
    return p->failed ? NULL : w;
}

/* The arguments and trailing clauses of a call; at '(' after the name. */
AstNode *sql_parse_func_call(SqlParser *p, AstNameList name, int loc)
{
    AstFuncCall *f = sql_make_func(p, name, loc, AST_FUNC_PLAIN);
    if (!f || !sql_expect_char(p, '('))
        return NULL;
    int cap = 0;
    if (sql_is_op(p, "*")) {
        sql_advance(p);
        f->agg_star = true;
    } else if (!sql_is_char(p, ')')) {
        if (sql_accept_kw(p, KW_DISTINCT))
            f->agg_distinct = true;
        else
            sql_accept_kw(p, KW_ALL);
        do {
            if (sql_accept_kw(p, KW_VARIADIC))
                f->variadic = true;
            const SqlToken *t = sql_peek(p);
            const SqlToken *t1 = sql_peek_n(p, 1);
            if (sql_tok_is_type_func_name(t) && (t1->type == TOK_ARROW || t1->type == TOK_COLON_EQ)) {
                AstNamedArg *na = MAKE(p, AstNamedArg, AST_NAMED_ARG, t->start);
                sql_advance(p);
                sql_advance(p);
                if (na) {
                    na->name = t->str;
                    na->arg = sql_parse_expr(p);
                }
                sql_list_push(p, &f->args, (AstNode *)na, &cap);
            } else {
                sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
            }
        } while (!p->failed && !f->variadic && sql_accept_char(p, ','));
        if (sql_is_kw(p, KW_ORDER)) {
            sql_advance(p);
            sql_expect_kw(p, KW_BY);
            f->agg_order = sql_parse_sort_list(p);
        }
    }
    if (!sql_expect_char(p, ')'))
        return NULL;
    if (sql_is_kw(p, KW_WITHIN) && sql_is_kw_n(p, 1, KW_GROUP)) {
        sql_advance(p);
        sql_advance(p);
        sql_expect_char(p, '(');
        sql_expect_kw(p, KW_ORDER);
        sql_expect_kw(p, KW_BY);
        f->agg_order = sql_parse_sort_list(p);
        f->agg_within_group = true;
        sql_expect_char(p, ')');
    }
    if (sql_is_kw(p, KW_FILTER) && sql_peek_n(p, 1)->type == TOK_CHAR && sql_peek_n(p, 1)->ch == '(') {
        sql_advance(p);
        sql_advance(p);
        sql_expect_kw(p, KW_WHERE);
        f->agg_filter = sql_parse_expr(p);
        sql_expect_char(p, ')');
    }
    if (sql_is_kw(p, KW_OVER)) {
        sql_advance(p);
        if (sql_accept_char(p, '(')) {
            f->over = sql_parse_window_spec(p);
        } else {
            AstWindowDef *w = MAKE(p, AstWindowDef, AST_WINDOW_DEF, sql_peek(p)->start);
            if (w) {
                w->refname = sql_parse_colid(p);
                w->over_name_only = true;
            }
            f->over = w;
        }
    }
    return p->failed ? NULL : (AstNode *)f;
}

AstNode *sql_parse_special_func(SqlParser *p, int kw, int loc)
{
    /* at the keyword; next is '(' */
    sql_advance(p);
    sql_advance(p);
    int cap = 0;
    switch (kw) {
    case KW_COALESCE: case KW_GREATEST: case KW_LEAST: case KW_NULLIF: {
        AstVarargFunc *v = MAKE(p, AstVarargFunc, AST_VARARG_FUNC, loc);
        if (!v)
            return NULL;
        v->kind = kw == KW_COALESCE ? AST_COALESCE : kw == KW_GREATEST ? AST_GREATEST
                : kw == KW_LEAST ? AST_LEAST : AST_NULLIF;
        if (kw == KW_NULLIF) {
            sql_list_push(p, &v->args, sql_parse_expr(p), &cap);
            sql_expect_char(p, ',');
            sql_list_push(p, &v->args, sql_parse_expr(p), &cap);
        } else {
            v->args = sql_parse_expr_list(p);
        }
        sql_expect_char(p, ')');
        return p->failed ? NULL : (AstNode *)v;
    }
    case KW_CAST: {
        AstTypeCast *c = MAKE(p, AstTypeCast, AST_TYPE_CAST, loc);
        if (!c)
            return NULL;
        c->arg = sql_parse_expr(p);
        sql_expect_kw(p, KW_AS);
        c->type = sql_parse_typename(p);
        c->syntax = AST_CAST_FUNC;
        sql_expect_char(p, ')');
        return p->failed ? NULL : (AstNode *)c;
    }
    case KW_EXTRACT: {
        AstFuncCall *f = sql_make_func(p, sql_names2(p, "pg_catalog", "extract"), loc, AST_FUNC_EXTRACT);
        if (!f)
            return NULL;
        const SqlToken *t = sql_peek(p);
        const char *field;
        if (t->type == TOK_SCONST || (t->type == TOK_IDENT && (t->kw == KW__NONE || sql_keyword_cat((SqlKeyword)t->kw) != 'R'))) {
            field = t->str;
            sql_advance(p);
        } else {
            sql_syntax_error(p);
            return NULL;
        }
        sql_list_push(p, &f->args, sql_make_const_str(p, field, t->start), &cap);
        sql_expect_kw(p, KW_FROM);
        sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
        sql_expect_char(p, ')');
        return p->failed ? NULL : (AstNode *)f;
    }
    case KW_POSITION: {
        AstFuncCall *f = sql_make_func(p, sql_names2(p, "pg_catalog", "position"), loc, AST_FUNC_POSITION);
        if (!f)
            return NULL;
        AstNode *a = sql_parse_expr_prec(p, PREC_LIKE + 1);
        sql_expect_kw(p, KW_IN);
        AstNode *b = sql_parse_expr_prec(p, PREC_LIKE + 1);
        sql_list_push(p, &f->args, b, &cap);
        sql_list_push(p, &f->args, a, &cap);
        sql_expect_char(p, ')');
        return p->failed ? NULL : (AstNode *)f;
    }
    case KW_SUBSTRING: {
        AstFuncCall *f = sql_make_func(p, sql_names2(p, "pg_catalog", "substring"), loc, AST_FUNC_SUBSTRING);
        if (!f)
            return NULL;
        if (sql_is_char(p, ')')) {
            f->syntax = AST_FUNC_PLAIN;
        } else {
            AstNode *x = sql_parse_expr(p);
            sql_list_push(p, &f->args, x, &cap);
            if (sql_accept_kw(p, KW_FROM)) {
                sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
                if (sql_accept_kw(p, KW_FOR))
                    sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
            } else if (sql_accept_kw(p, KW_FOR)) {
                AstNode *n = sql_parse_expr(p);
                if (sql_accept_kw(p, KW_FROM)) {
                    sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
                } else {
                    sql_list_push(p, &f->args, sql_make_const_int(p, 1, -1), &cap);
                }
                sql_list_push(p, &f->args, n, &cap);
            } else {
                f->syntax = AST_FUNC_PLAIN;
                while (!p->failed && sql_accept_char(p, ','))
                    sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
            }
        }
        sql_expect_char(p, ')');
        return p->failed ? NULL : (AstNode *)f;
    }
    case KW_TRIM: {
        const char *fn = "btrim";
        if (sql_accept_kw(p, KW_LEADING))
            fn = "ltrim";
        else if (sql_accept_kw(p, KW_TRAILING))
            fn = "rtrim";
        else
            sql_accept_kw(p, KW_BOTH);
        AstFuncCall *f = sql_make_func(p, sql_names2(p, "pg_catalog", fn), loc, AST_FUNC_TRIM);
        if (!f)
            return NULL;
        if (sql_accept_kw(p, KW_FROM)) {
            f->args = sql_parse_expr_list(p);
        } else {
            AstNode *first = sql_parse_expr(p);
            if (sql_accept_kw(p, KW_FROM)) {
                AstList rest = sql_parse_expr_list(p);
                for (int i = 0; i < rest.n; i++)
                    sql_list_push(p, &f->args, rest.items[i], &cap);
                sql_list_push(p, &f->args, first, &cap);
            } else {
                sql_list_push(p, &f->args, first, &cap);
                while (!p->failed && sql_accept_char(p, ','))
                    sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
            }
        }
        sql_expect_char(p, ')');
        return p->failed ? NULL : (AstNode *)f;
    }
    case KW_OVERLAY: {
        AstFuncCall *f = sql_make_func(p, sql_names2(p, "pg_catalog", "overlay"), loc, AST_FUNC_OVERLAY);
        if (!f)
            return NULL;
        sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
        if (sql_accept_kw(p, KW_PLACING)) {
            sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
            sql_expect_kw(p, KW_FROM);
            sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
            if (sql_accept_kw(p, KW_FOR))
                sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
        } else {
            f->syntax = AST_FUNC_PLAIN;
            while (!p->failed && sql_accept_char(p, ','))
                sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
        }
        sql_expect_char(p, ')');
        return p->failed ? NULL : (AstNode *)f;
    }
    case KW_GROUPING: {
        p->pos -= 2;
        sql_advance(p);
        return sql_parse_func_call(p, sql_names2(p, NULL, "grouping"), loc);
    }
    default:
        sql_syntax_error(p);
        return NULL;
    }
}

AstNode *sql_parse_sql_value(SqlParser *p, AstSqlValueKind kind, int loc, bool precision)
{
    sql_advance(p);
    AstSqlValue *v = MAKE(p, AstSqlValue, AST_SQL_VALUE, loc);
    if (!v)
        return NULL;
    v->kind = kind;
    v->precision = -1;
    if (precision && sql_is_char(p, '(')) {
        sql_advance(p);
        if (sql_peek(p)->type != TOK_ICONST) {
            sql_syntax_error(p);
            return NULL;
        }
        v->precision = (int)sql_peek(p)->ival;
        sql_advance(p);
        sql_expect_char(p, ')');
    }
    return p->failed ? NULL : (AstNode *)v;
}

AstNode *sql_parse_case(SqlParser *p, int loc)
{
    sql_advance(p);
    AstCaseExpr *c = MAKE(p, AstCaseExpr, AST_CASE, loc);
    if (!c)
        return NULL;
    if (!sql_is_kw(p, KW_WHEN))
        c->arg = sql_parse_expr(p);
    AstCaseWhen whens[64], *heap = NULL;
    int n = 0, cap = 64;
    AstCaseWhen *arr = whens;
    if (!sql_is_kw(p, KW_WHEN)) {
        sql_syntax_error(p);
        return NULL;
    }
    while (!p->failed && sql_is_kw(p, KW_WHEN)) {
        AstCaseWhen w;
        w.location = sql_peek(p)->start;
        sql_advance(p);
        w.cond = sql_parse_expr(p);
        sql_expect_kw(p, KW_THEN);
        w.result = sql_parse_expr(p);
        if (n == cap) {
            AstCaseWhen *nh = sql_palloc(p, sizeof(AstCaseWhen) * (size_t)cap * 2);
            if (!nh)
                return NULL;
            memcpy(nh, arr, sizeof(AstCaseWhen) * (size_t)n);
            arr = heap = nh;
            cap *= 2;
        }
        arr[n++] = w;
    }
    (void)heap;
    if (sql_accept_kw(p, KW_ELSE))
        c->defresult = sql_parse_expr(p);
    sql_expect_kw(p, KW_END);
    if (p->failed)
        return NULL;
    c->whens = sql_palloc(p, sizeof(AstCaseWhen) * (size_t)n);
    if (c->whens)
        memcpy(c->whens, arr, sizeof(AstCaseWhen) * (size_t)n);
    c->n_whens = n;
    return (AstNode *)c;
}

