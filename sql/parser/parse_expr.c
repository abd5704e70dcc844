/* parse_expr.c -- expressions (PostgreSQL's a_expr/c_expr) by precedence climbing, with
 * PostgreSQL 15's precedence table (lowest first):
 *   OR < AND < NOT(prefix) < IS/ISNULL/NOTNULL < comparison (nonassoc) <
 *   BETWEEN/IN/LIKE/ILIKE/SIMILAR (nonassoc) < ESCAPE < other operators < + - < * / % <
 *   ^ < AT TIME ZONE < COLLATE < unary minus < [ ] < ( ) < :: < .
 * Nonassociative levels reject `a < b < c` at the second operator, as bison does. */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/parser/parser_int.h"

enum {
    PREC_OR = 1, PREC_AND, PREC_NOT, PREC_IS, PREC_CMP, PREC_LIKE, PREC_ESCAPE, PREC_OP,
    PREC_ADD, PREC_MUL, PREC_EXP, PREC_AT, PREC_COLLATE, PREC_UMINUS
};


static AstNameList names1(SqlParser *p, const char *a, const char *b)
{
    AstNameList l = { 0 };
    int cap = 0;
    if (a)
        sql_names_push(p, &l, a, &cap);
    sql_names_push(p, &l, b, &cap);
    return l;
}

static AstNode *make_const_str(SqlParser *p, const char *s, int loc)
{
    AstConst *c = MAKE(p, AstConst, AST_CONST, loc);
    if (c) {
        c->kind = AST_CONST_STRING;
        c->str = s;
        c->len = (int)strlen(s);
    }
    return (AstNode *)c;
}

static AstNode *make_const_int(SqlParser *p, int64_t v, int loc)
{
    AstConst *c = MAKE(p, AstConst, AST_CONST, loc);
    if (c) {
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", (long long)v);
        c->kind = AST_CONST_INTEGER;
        c->ival = v;
        c->fits_int64 = true;
        c->str = sql_pstrdup(p, buf, strlen(buf));
        c->len = (int)strlen(buf);
    }
    return (AstNode *)c;
}

static AstNode *make_op(SqlParser *p, const char *name, AstNode *l, AstNode *r, int loc)
{
    AstOpExpr *o = MAKE(p, AstOpExpr, AST_OP, loc);
    if (o) {
        o->name = name;
        o->lexpr = l;
        o->rexpr = r;
    }
    return (AstNode *)o;
}

/* AND/OR chains are flattened as PostgreSQL's makeAndExpr/makeOrExpr do. */
static AstNode *make_bool(SqlParser *p, AstBoolOp op, AstNode *l, AstNode *r, int loc)
{
    AstBoolExpr *b = MAKE(p, AstBoolExpr, AST_BOOL, loc);
    if (!b)
        return NULL;
    b->op = op;
    int cap = 0;
    if (l && l->tag == AST_BOOL && ((AstBoolExpr *)l)->op == op && op != AST_NOT) {
        AstBoolExpr *lb = (AstBoolExpr *)l;
        for (int i = 0; i < lb->args.n; i++)
            sql_list_push(p, &b->args, lb->args.items[i], &cap);
        b->hdr.location = lb->hdr.location;
    } else if (l) {
        sql_list_push(p, &b->args, l, &cap);
    }
    if (r)
        sql_list_push(p, &b->args, r, &cap);
    return (AstNode *)b;
}

static AstFuncCall *make_func(SqlParser *p, AstNameList name, int loc, AstFuncSyntax syn)
{
    AstFuncCall *f = MAKE(p, AstFuncCall, AST_FUNC_CALL, loc);
    if (f) {
        f->name = name;
        f->syntax = syn;
    }
    return f;
}

bool sql_at_select_in_parens(const SqlParser *p)
{
    /* at '(' : is the first non-'(' token a query start? */
    int k = 0;
    while (sql_peek_n(p, k)->type == TOK_CHAR && sql_peek_n(p, k)->ch == '(')
        k++;
    int kw = sql_tok_kw(sql_peek_n(p, k));
    return kw == KW_SELECT || kw == KW_VALUES || kw == KW_WITH || kw == KW_TABLE;
}

/* '(' query ')' when the parentheses hold a query; NULL (position restored) otherwise. */
AstNode *sql_try_paren_select(SqlParser *p)
{
    if (!sql_at_select_in_parens(p))
        return NULL;
    int save = p->pos;
    sql_advance(p);   /* '(' */
    AstNode *q = sql_parse_select(p);
    if (!p->failed && sql_is_char(p, ')')) {
        sql_advance(p);
        return q;
    }
    p->pos = save;
    p->failed = false;
    sql_error_clear(p->err);
    return NULL;
}

AstList sql_parse_expr_list(SqlParser *p)
{
    AstList l = { 0 };
    int cap = 0;
    do {
        sql_list_push(p, &l, sql_parse_expr(p), &cap);
    } while (!p->failed && sql_accept_char(p, ','));
    return l;
}

AstNode *sql_parse_expr(SqlParser *p)
{
    return sql_parse_expr_prec(p, 0);
}

/* --- type names ------------------------------------------------------------------- */

static void typmods_paren(SqlParser *p, AstTypeName *t)
{
    if (sql_is_char(p, '(')) {
        sql_advance(p);
        t->typmods = sql_parse_expr_list(p);
        sql_expect_char(p, ')');
    }
}

static void set_builtin(SqlParser *p, AstTypeName *t, const char *name)
{
    t->names = names1(p, NULL, name);
    t->builtin = true;
}

static const char *parse_interval_fields(SqlParser *p)
{
    static const int fields[] = { KW_YEAR, KW_MONTH, KW_DAY, KW_HOUR, KW_MINUTE, KW_SECOND };
    int kw = sql_tok_kw(sql_peek(p));
    bool ok = false;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        ok |= kw == fields[i];
    if (!ok)
        return NULL;
    const char *a = sql_peek(p)->str;
    sql_advance(p);
    if (sql_is_kw(p, KW_TO)) {
        int kw2 = sql_tok_kw(sql_peek_n(p, 1));
        if (kw2 == KW_MONTH || kw2 == KW_HOUR || kw2 == KW_MINUTE || kw2 == KW_SECOND) {
            sql_advance(p);
            const char *b = sql_peek(p)->str;
            sql_advance(p);
            char buf[64];
            snprintf(buf, sizeof buf, "%s to %s", a, b);
            return sql_pstrdup(p, buf, strlen(buf));
        }
        sql_advance(p);
        sql_syntax_error(p);
        return NULL;
    }
    return a;
}

static bool parse_with_time_zone(SqlParser *p)
{
    if ((sql_is_kw(p, KW_WITH) || sql_is_kw(p, KW_WITHOUT)) && sql_is_kw_n(p, 1, KW_TIME) &&
        sql_is_kw_n(p, 2, KW_ZONE)) {
        bool with = sql_is_kw(p, KW_WITH);
        sql_advance(p);
        sql_advance(p);
        sql_advance(p);
        return with;
    }
    return false;
}

/* SimpleTypename without array bounds. */
static bool parse_simple_type(SqlParser *p, AstTypeName *t)
{
    const SqlToken *tok = sql_peek(p);
    switch (sql_tok_kw(tok)) {
    case KW_INT: case KW_INTEGER: sql_advance(p); set_builtin(p, t, "int4"); return true;
    case KW_SMALLINT: sql_advance(p); set_builtin(p, t, "int2"); return true;
    case KW_BIGINT: sql_advance(p); set_builtin(p, t, "int8"); return true;
    case KW_REAL: sql_advance(p); set_builtin(p, t, "float4"); return true;
    case KW_BOOLEAN: sql_advance(p); set_builtin(p, t, "bool"); return true;
    case KW_DOUBLE:
        sql_advance(p);
        if (!sql_expect_kw(p, KW_PRECISION))
            return false;
        set_builtin(p, t, "float8");
        return true;
    case KW_FLOAT:
        sql_advance(p);
        if (sql_is_char(p, '(')) {
            sql_advance(p);
            const SqlToken *n = sql_peek(p);
            if (n->type != TOK_ICONST) {
                sql_syntax_error(p);
                return false;
            }
            if (n->ival < 1) {
                sql_error_at(p, ERRCODE_INVALID_PARAMETER_VALUE, n->start,
                             "precision for type float must be at least 1 bit");
                return false;
            }
            if (n->ival > 53 || !n->fits) {
                sql_error_at(p, ERRCODE_INVALID_PARAMETER_VALUE, n->start,
                             "precision for type float must be less than 54 bits");
                return false;
            }
            sql_advance(p);
            sql_expect_char(p, ')');
            set_builtin(p, t, n->ival <= 24 ? "float4" : "float8");
        } else {
            set_builtin(p, t, "float8");
        }
        return true;
    case KW_DECIMAL: case KW_DEC: case KW_NUMERIC:
        sql_advance(p);
        set_builtin(p, t, "numeric");
        typmods_paren(p, t);
        return true;
    case KW_BIT: {
        sql_advance(p);
        bool varying = sql_accept_kw(p, KW_VARYING);
        set_builtin(p, t, varying ? "varbit" : "bit");
        typmods_paren(p, t);
        return true;
    }
    case KW_CHARACTER: case KW_CHAR: case KW_NCHAR: case KW_NATIONAL: case KW_VARCHAR: {
        int kw = sql_tok_kw(tok);
        sql_advance(p);
        if (kw == KW_NATIONAL && !(sql_accept_kw(p, KW_CHARACTER) || sql_accept_kw(p, KW_CHAR))) {
            sql_syntax_error(p);
            return false;
        }
        bool varying = kw == KW_VARCHAR || sql_accept_kw(p, KW_VARYING);
        set_builtin(p, t, varying ? "varchar" : "bpchar");
        typmods_paren(p, t);
        if (!varying && t->typmods.n == 0) {
            int cap = 0;
            sql_list_push(p, &t->typmods, make_const_int(p, 1, -1), &cap);
        }
        return true;
    }
    case KW_TIMESTAMP: case KW_TIME: {
        bool ts = sql_tok_kw(tok) == KW_TIMESTAMP;
        sql_advance(p);
        typmods_paren(p, t);
        bool tz = parse_with_time_zone(p);
        set_builtin(p, t, ts ? (tz ? "timestamptz" : "timestamp") : (tz ? "timetz" : "time"));
        return true;
    }
    case KW_INTERVAL:
        sql_advance(p);
        set_builtin(p, t, "interval");
        if (sql_is_char(p, '(')) {
            typmods_paren(p, t);
        } else {
            t->interval_fields = parse_interval_fields(p);
            if (t->interval_fields && strstr(t->interval_fields, "second"))
                typmods_paren(p, t);
        }
        return !p->failed;
    default:
        break;
    }
    if (p->failed)
        return false;
    /* GenericType: type_function_name [ '.' attr ]* [ '(' typmods ')' ] */
    if (!sql_tok_is_type_func_name(sql_peek(p))) {
        sql_syntax_error(p);
        return false;
    }
    AstNameList l = { 0 };
    int cap = 0;
    sql_names_push(p, &l, sql_peek(p)->str, &cap);
    sql_advance(p);
    while (sql_is_char(p, '.') && !p->failed) {
        sql_advance(p);
        sql_names_push(p, &l, sql_parse_collabel(p), &cap);
    }
    t->names = l;
    typmods_paren(p, t);
    return !p->failed;
}

AstTypeName *sql_parse_typename(SqlParser *p)
{
    if (p->failed)
        return NULL;
    AstTypeName *t = MAKE(p, AstTypeName, AST_TYPE_NAME, sql_peek(p)->start);
    if (!t)
        return NULL;
    t->setof = sql_accept_kw(p, KW_SETOF);
    if (!parse_simple_type(p, t))
        return NULL;
    int bounds[16], nb = 0;
    if (sql_is_kw(p, KW_ARRAY)) {
        sql_advance(p);
        int b = -1;
        if (sql_is_char(p, '[')) {
            sql_advance(p);
            if (sql_peek(p)->type != TOK_ICONST) {
                sql_syntax_error(p);
                return NULL;
            }
            b = (int)sql_peek(p)->ival;
            sql_advance(p);
            sql_expect_char(p, ']');
        }
        bounds[nb++] = b;
    } else {
        while (sql_is_char(p, '[') && !p->failed) {
            sql_advance(p);
            int b = -1;
            if (sql_peek(p)->type == TOK_ICONST) {
                b = (int)sql_peek(p)->ival;
                sql_advance(p);
            }
            if (!sql_expect_char(p, ']'))
                return NULL;
            if (nb < 16)
                bounds[nb++] = b;
        }
    }
    if (nb) {
        t->array_bounds = sql_palloc(p, sizeof(int) * (size_t)nb);
        if (t->array_bounds)
            memcpy(t->array_bounds, bounds, sizeof(int) * (size_t)nb);
        t->n_array_bounds = nb;
    }
    return p->failed ? NULL : t;
}

/* --- pieces ----------------------------------------------------------------------- */

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
static AstNode *parse_func_call(SqlParser *p, AstNameList name, int loc)
{
    AstFuncCall *f = make_func(p, name, loc, AST_FUNC_PLAIN);
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

/* Subscripts and field selections after a primary. */
static AstNode *parse_indirection(SqlParser *p, AstNode *arg)
{
    AstIndirItem items[32];
    int n = 0;
    int loc = sql_peek(p)->start;
    while (!p->failed && n < 32) {
        if (sql_is_char(p, '[')) {
            sql_advance(p);
            AstIndirItem it = { AST_INDIR_INDEX, NULL, NULL, NULL };
            if (!sql_is_char(p, ':'))
                it.lo = sql_parse_expr(p);
            if (sql_accept_char(p, ':')) {
                it.kind = AST_INDIR_SLICE;
                if (!sql_is_char(p, ']'))
                    it.hi = sql_parse_expr(p);
            } else if (!it.lo) {
                sql_syntax_error(p);
            }
            sql_expect_char(p, ']');
            items[n++] = it;
        } else if (sql_is_char(p, '.')) {
            sql_advance(p);
            AstIndirItem it = { AST_INDIR_FIELD, NULL, NULL, NULL };
            if (sql_accept_op(p, "*"))
                it.kind = AST_INDIR_STAR;
            else
                it.field = sql_parse_collabel(p);
            items[n++] = it;
        } else {
            break;
        }
    }
    if (p->failed)
        return NULL;
    if (n == 0)
        return arg;
    AstIndirection *ind = MAKE(p, AstIndirection, AST_INDIRECTION, loc);
    if (!ind)
        return NULL;
    ind->arg = arg;
    ind->items = sql_palloc(p, sizeof(AstIndirItem) * (size_t)n);
    if (ind->items)
        memcpy(ind->items, items, sizeof(AstIndirItem) * (size_t)n);
    ind->n_items = n;
    return (AstNode *)ind;
}

static AstNode *parse_array_body(SqlParser *p, int loc)
{
    /* at '[' */
    AstArrayExpr *a = MAKE(p, AstArrayExpr, AST_ARRAY, loc);
    if (!a || !sql_expect_char(p, '['))
        return NULL;
    int cap = 0;
    if (!sql_is_char(p, ']')) {
        do {
            if (sql_is_char(p, '['))
                sql_list_push(p, &a->elements, parse_array_body(p, sql_peek(p)->start), &cap);
            else
                sql_list_push(p, &a->elements, sql_parse_expr(p), &cap);
        } while (!p->failed && sql_accept_char(p, ','));
    }
    sql_expect_char(p, ']');
    return p->failed ? NULL : (AstNode *)a;
}

static bool is_type_keyword(int kw)
{
    switch (kw) {
    case KW_INT: case KW_INTEGER: case KW_SMALLINT: case KW_BIGINT: case KW_REAL: case KW_FLOAT:
    case KW_DOUBLE: case KW_DECIMAL: case KW_DEC: case KW_NUMERIC: case KW_BOOLEAN: case KW_BIT:
    case KW_CHARACTER: case KW_CHAR: case KW_NCHAR: case KW_NATIONAL: case KW_VARCHAR:
    case KW_TIMESTAMP: case KW_TIME: case KW_INTERVAL:
        return true;
    default:
        return false;
    }
}

/* Typed literal `type 'string'` (and INTERVAL 'x' fields). NULL with position restored
 * when the tokens are not one. */
static AstNode *try_typed_literal(SqlParser *p)
{
    int save = p->pos;
    int loc = sql_peek(p)->start;
    AstTypeName *t = sql_parse_typename(p);
    if (p->failed && p->err && p->err->code != ERRCODE_SYNTAX_ERROR)
        return NULL;   /* e.g. float(0): a real error, not "not a literal" */
    if (p->failed || !t || sql_peek(p)->type != TOK_SCONST || t->n_array_bounds || t->setof) {
        p->pos = save;
        p->failed = false;
        sql_error_clear(p->err);
        return NULL;
    }
    const SqlToken *s = sql_peek(p);
    AstConst *c = MAKE(p, AstConst, AST_CONST, s->start);
    if (c) {
        c->kind = AST_CONST_STRING;
        c->str = s->str;
        c->len = s->len;
    }
    sql_advance(p);
    if (t->builtin && strcmp(t->names.names[0], "interval") == 0 && !t->interval_fields) {
        t->interval_fields = parse_interval_fields(p);
        if (t->interval_fields && strstr(t->interval_fields, "second"))
            typmods_paren(p, t);
    }
    AstTypeCast *tc = MAKE(p, AstTypeCast, AST_TYPE_CAST, loc);
    if (tc) {
        tc->arg = (AstNode *)c;
        tc->type = t;
        tc->syntax = AST_CAST_LITERAL;
    }
    return (AstNode *)tc;
}

static AstNode *parse_columnref_or_func(SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    int loc = t->start;
    const SqlToken *t1 = sql_peek_n(p, 1);
    /* func_name '(' : a bare type_function_name, or a dotted name */
    if (t1->type == TOK_CHAR && t1->ch == '(' && sql_tok_is_type_func_name(t)) {
        sql_advance(p);
        return parse_func_call(p, names1(p, NULL, t->str), loc);
    }
    if (t->type == TOK_IDENT && !t->quoted && t->kw == KW__NONE && t1->type == TOK_SCONST) {
        AstNode *lit = try_typed_literal(p);
        if (lit)
            return lit;
    }
    if (!sql_tok_is_colid(t)) {
        sql_syntax_error(p);
        return NULL;
    }
    AstNameList l = { 0 };
    int cap = 0;
    sql_names_push(p, &l, t->str, &cap);
    sql_advance(p);
    bool star = false;
    while (sql_is_char(p, '.') && !p->failed) {
        const SqlToken *n = sql_peek_n(p, 1);
        if (n->type == TOK_OP && strcmp(n->str, "*") == 0) {
            sql_advance(p);
            sql_advance(p);
            sql_names_push(p, &l, "*", &cap);
            star = true;
            break;
        }
        if (n->type != TOK_IDENT)
            break;   /* let indirection report it */
        sql_advance(p);
        sql_names_push(p, &l, n->str, &cap);
        sql_advance(p);
        if (sql_is_char(p, '(')) {
            return parse_func_call(p, l, loc);
        }
    }
    if (!star && l.n > 1 && sql_peek(p)->type == TOK_SCONST) {
        /* qualified typed literal: schema.type 'x' */
        while (p->pos > 0 && p->toks[p->pos].start > loc)
            p->pos--;
        AstNode *lit = try_typed_literal(p);
        if (lit)
            return lit;
        sql_syntax_error(p);
        return NULL;
    }
    AstColumnRef *c = MAKE(p, AstColumnRef, AST_COLUMN_REF, loc);
    if (!c)
        return NULL;
    c->fields = l;
    c->star = star;
    return (AstNode *)c;
}

static AstNode *parse_special_func(SqlParser *p, int kw, int loc)
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
        AstFuncCall *f = make_func(p, names1(p, "pg_catalog", "extract"), loc, AST_FUNC_EXTRACT);
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
        sql_list_push(p, &f->args, make_const_str(p, field, t->start), &cap);
        sql_expect_kw(p, KW_FROM);
        sql_list_push(p, &f->args, sql_parse_expr(p), &cap);
        sql_expect_char(p, ')');
        return p->failed ? NULL : (AstNode *)f;
    }
    case KW_POSITION: {
        AstFuncCall *f = make_func(p, names1(p, "pg_catalog", "position"), loc, AST_FUNC_POSITION);
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
        AstFuncCall *f = make_func(p, names1(p, "pg_catalog", "substring"), loc, AST_FUNC_SUBSTRING);
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
                    sql_list_push(p, &f->args, make_const_int(p, 1, -1), &cap);
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
        AstFuncCall *f = make_func(p, names1(p, "pg_catalog", fn), loc, AST_FUNC_TRIM);
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
        AstFuncCall *f = make_func(p, names1(p, "pg_catalog", "overlay"), loc, AST_FUNC_OVERLAY);
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
        return parse_func_call(p, names1(p, NULL, "grouping"), loc);
    }
    default:
        sql_syntax_error(p);
        return NULL;
    }
}

static AstNode *parse_sql_value(SqlParser *p, AstSqlValueKind kind, int loc, bool precision)
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

static AstNode *parse_case(SqlParser *p, int loc)
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

static AstNode *parse_primary_kw(SqlParser *p, const SqlToken *t, bool *handled)
{
    int loc = t->start;
    int kw = t->kw;
    bool paren = sql_peek_n(p, 1)->type == TOK_CHAR && sql_peek_n(p, 1)->ch == '(';
    *handled = true;
    switch (kw) {
    case KW_TRUE: case KW_FALSE: {
        sql_advance(p);
        AstConst *c = MAKE(p, AstConst, AST_CONST, loc);
        if (c) {
            c->kind = AST_CONST_BOOL;
            c->bval = kw == KW_TRUE;
        }
        return (AstNode *)c;
    }
    case KW_NULL: {
        sql_advance(p);
        AstConst *c = MAKE(p, AstConst, AST_CONST, loc);
        if (c)
            c->kind = AST_CONST_NULL;
        return (AstNode *)c;
    }
    case KW_DEFAULT:
        sql_advance(p);
        return sql_make_node(p, AST_DEFAULT, sizeof(AstNode), loc);
    case KW_CASE:
        return parse_case(p, loc);
    case KW_ARRAY: {
        sql_advance(p);
        if (sql_is_char(p, '(')) {
            AstNode *q = sql_try_paren_select(p);
            if (!q) {
                sql_advance(p);
                sql_syntax_error(p);
                return NULL;
            }
            AstSubLink *s = MAKE(p, AstSubLink, AST_SUBLINK, loc);
            if (s) {
                s->kind = AST_SUBLINK_ARRAY;
                s->subquery = q;
            }
            return (AstNode *)s;
        }
        if (!sql_is_char(p, '[')) {
            sql_syntax_error(p);
            return NULL;
        }
        return parse_array_body(p, loc);
    }
    case KW_EXISTS:
        if (!paren)
            break;
        {
            sql_advance(p);
            AstNode *q = sql_try_paren_select(p);
            if (!q) {
                sql_advance(p);
                sql_syntax_error(p);
                return NULL;
            }
            AstSubLink *s = MAKE(p, AstSubLink, AST_SUBLINK, loc);
            if (s) {
                s->kind = AST_SUBLINK_EXISTS;
                s->subquery = q;
            }
            return (AstNode *)s;
        }
    case KW_ROW:
        if (!paren)
            break;
        {
            sql_advance(p);
            sql_advance(p);
            AstRowExpr *r = MAKE(p, AstRowExpr, AST_ROW, loc);
            if (!r)
                return NULL;
            r->explicit_row = true;
            if (!sql_is_char(p, ')'))
                r->args = sql_parse_expr_list(p);
            sql_expect_char(p, ')');
            return p->failed ? NULL : (AstNode *)r;
        }
    case KW_COALESCE: case KW_GREATEST: case KW_LEAST: case KW_NULLIF: case KW_CAST:
    case KW_EXTRACT: case KW_POSITION: case KW_SUBSTRING: case KW_TRIM: case KW_OVERLAY:
    case KW_GROUPING:
        if (!paren)
            break;
        return parse_special_func(p, kw, loc);
    case KW_CURRENT_DATE: return parse_sql_value(p, AST_SV_CURRENT_DATE, loc, false);
    case KW_CURRENT_TIME: return parse_sql_value(p, AST_SV_CURRENT_TIME, loc, true);
    case KW_CURRENT_TIMESTAMP: return parse_sql_value(p, AST_SV_CURRENT_TIMESTAMP, loc, true);
    case KW_LOCALTIME: return parse_sql_value(p, AST_SV_LOCALTIME, loc, true);
    case KW_LOCALTIMESTAMP: return parse_sql_value(p, AST_SV_LOCALTIMESTAMP, loc, true);
    case KW_CURRENT_ROLE: return parse_sql_value(p, AST_SV_CURRENT_ROLE, loc, false);
    case KW_CURRENT_USER: return parse_sql_value(p, AST_SV_CURRENT_USER, loc, false);
    case KW_SESSION_USER: return parse_sql_value(p, AST_SV_SESSION_USER, loc, false);
    case KW_USER: return parse_sql_value(p, AST_SV_USER, loc, false);
    case KW_CURRENT_CATALOG: return parse_sql_value(p, AST_SV_CURRENT_CATALOG, loc, false);
    case KW_CURRENT_SCHEMA:
        if (paren)
            break;
        return parse_sql_value(p, AST_SV_CURRENT_SCHEMA, loc, false);
    default:
        break;
    }
    if (is_type_keyword(kw)) {
        AstNode *lit = try_typed_literal(p);
        if (lit)
            return lit;
    }
    *handled = false;
    return NULL;
}

AstNode *sql_parse_primary_expr(SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    int loc = t->start;
    AstNode *node = NULL;
    bool parens = false;
    switch (t->type) {
    case TOK_ICONST: case TOK_FCONST: case TOK_SCONST: case TOK_BCONST: case TOK_XCONST: {
        AstConst *c = MAKE(p, AstConst, AST_CONST, loc);
        if (!c)
            return NULL;
        c->str = t->str;
        c->len = t->len;
        c->kind = t->type == TOK_ICONST ? AST_CONST_INTEGER : t->type == TOK_FCONST ? AST_CONST_NUMERIC
                : t->type == TOK_SCONST ? AST_CONST_STRING : AST_CONST_BITSTRING;
        c->ival = t->ival;
        c->fits_int64 = t->fits;
        sql_advance(p);
        if (t->type == TOK_SCONST && sql_peek(p)->type == TOK_SCONST) {
            sql_syntax_error(p);
            return NULL;
        }
        return (AstNode *)c;
    }
    case TOK_PARAM: {
        AstParam *pa = MAKE(p, AstParam, AST_PARAM, loc);
        if (pa)
            pa->number = (int)t->ival;
        sql_advance(p);
        node = (AstNode *)pa;
        break;
    }
    case TOK_CHAR:
        if (t->ch != '(') {
            sql_syntax_error(p);
            return NULL;
        }
        {
            AstNode *q = sql_try_paren_select(p);
            if (q) {
                AstSubLink *s = MAKE(p, AstSubLink, AST_SUBLINK, loc);
                if (s) {
                    s->kind = AST_SUBLINK_EXPR;
                    s->subquery = q;
                }
                node = (AstNode *)s;
                break;
            }
            sql_advance(p);
            AstNode *e = sql_parse_expr(p);
            if (sql_is_char(p, ',')) {
                AstRowExpr *r = MAKE(p, AstRowExpr, AST_ROW, loc);
                if (!r)
                    return NULL;
                int cap = 0;
                sql_list_push(p, &r->args, e, &cap);
                while (!p->failed && sql_accept_char(p, ','))
                    sql_list_push(p, &r->args, sql_parse_expr(p), &cap);
                e = (AstNode *)r;
            }
            if (!sql_expect_char(p, ')'))
                return NULL;
            node = e;
            parens = true;
        }
        break;
    case TOK_IDENT:
        if (t->kw != KW__NONE && !t->quoted) {
            bool handled;
            AstNode *k = parse_primary_kw(p, t, &handled);
            if (handled) {
                node = k;
                break;
            }
        }
        node = parse_columnref_or_func(p);
        break;
    default:
        sql_syntax_error(p);
        return NULL;
    }
    if (p->failed)
        return NULL;
    if (sql_is_char(p, '[') || (sql_is_char(p, '.') && (parens || node->tag != AST_COLUMN_REF)))
        node = parse_indirection(p, node);
    else if (sql_is_char(p, '.') && node->tag == AST_COLUMN_REF) {
        sql_advance(p);
        sql_syntax_error(p);
        return NULL;
    }
    return node;
}

/* Postfix :: casts (after subscripts), tighter than everything but '.'. */
static AstNode *parse_postfix(SqlParser *p)
{
    AstNode *n = sql_parse_primary_expr(p);
    while (!p->failed && sql_peek(p)->type == TOK_TYPECAST) {
        int loc = sql_peek(p)->start;
        sql_advance(p);
        AstTypeCast *c = MAKE(p, AstTypeCast, AST_TYPE_CAST, loc);
        if (!c)
            return NULL;
        c->arg = n;
        c->type = sql_parse_typename(p);
        c->syntax = AST_CAST_COLONS;
        n = (AstNode *)c;
        if (sql_is_char(p, '['))
            n = parse_indirection(p, n);
    }
    return p->failed ? NULL : n;
}

static AstNode *negate_const(SqlParser *p, AstNode *n, int loc)
{
    AstConst *c = (AstConst *)n;
    if (c->kind == AST_CONST_NUMERIC || (c->kind == AST_CONST_INTEGER)) {
        char *s = sql_palloc(p, (size_t)c->len + 2);
        if (!s)
            return NULL;
        s[0] = '-';
        memcpy(s + 1, c->str, (size_t)c->len);
        c->str = s;
        c->len++;
        if (c->kind == AST_CONST_INTEGER) {
            if (c->fits_int64)
                c->ival = -c->ival;
            else if (strcmp(s, "-9223372036854775808") == 0) {
                c->ival = INT64_MIN;
                c->fits_int64 = true;
            }
        }
        c->hdr.location = loc;
        return n;
    }
    return make_op(p, "-", NULL, n, loc);
}

static AstNode *parse_unary(SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    if (t->type == TOK_IDENT && t->kw == KW_NOT && !t->quoted) {
        sql_advance(p);
        AstNode *arg = sql_parse_expr_prec(p, PREC_NOT);
        return p->failed ? NULL : make_bool(p, AST_NOT, NULL, arg, t->start);
    }
    if (t->type == TOK_OP) {
        sql_advance(p);
        if (strcmp(t->str, "-") == 0 || strcmp(t->str, "+") == 0) {
            AstNode *arg = sql_parse_expr_prec(p, PREC_UMINUS);
            if (p->failed)
                return NULL;
            if (t->str[0] == '-' && arg->tag == AST_CONST &&
                (((AstConst *)arg)->kind == AST_CONST_INTEGER || ((AstConst *)arg)->kind == AST_CONST_NUMERIC))
                return negate_const(p, arg, t->start);
            return make_op(p, t->str, NULL, arg, t->start);
        }
        if (!t->str[1] && strchr("<>=*/%^", t->str[0])) {
            p->pos--;
            sql_syntax_error(p);
            return NULL;
        }
        AstNode *arg = sql_parse_expr_prec(p, PREC_OP + 1);
        return p->failed ? NULL : make_op(p, t->str, NULL, arg, t->start);
    }
    return parse_postfix(p);
}

static int op_prec(const char *op)
{
    if (!op[1]) {
        switch (op[0]) {
        case '<': case '>': case '=': return PREC_CMP;
        case '+': case '-': return PREC_ADD;
        case '*': case '/': case '%': return PREC_MUL;
        case '^': return PREC_EXP;
        default: return PREC_OP;
        }
    }
    if (strcmp(op, "<=") == 0 || strcmp(op, ">=") == 0 || strcmp(op, "<>") == 0)
        return PREC_CMP;
    return PREC_OP;
}

/* The precedence of the infix/postfix construct at the current token, 0 if none. */
static int infix_prec(const SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    if (t->type == TOK_OP)
        return t->ch == '?' && t->str[0] != '?' ? 0 : op_prec(t->str);
    if (t->type != TOK_IDENT || t->quoted)
        return 0;
    switch (t->kw) {
    case KW_OR: return PREC_OR;
    case KW_AND: return PREC_AND;
    case KW_IS: case KW_ISNULL: case KW_NOTNULL: return PREC_IS;
    case KW_BETWEEN: case KW_IN: case KW_LIKE: case KW_ILIKE: case KW_SIMILAR: return PREC_LIKE;
    case KW_NOT: {
        int k = sql_tok_kw(sql_peek_n(p, 1));
        return (k == KW_BETWEEN || k == KW_IN || k == KW_LIKE || k == KW_ILIKE || k == KW_SIMILAR) ? PREC_LIKE : 0;
    }
    case KW_AT: return sql_is_kw_n(p, 1, KW_TIME) ? PREC_AT : 0;
    case KW_COLLATE: return PREC_COLLATE;
    case KW_OPERATOR: return (sql_peek_n(p, 1)->type == TOK_CHAR && sql_peek_n(p, 1)->ch == '(') ? PREC_OP : 0;
    default: return 0;
    }
}

static AstNode *parse_in_rhs(SqlParser *p, AstNode *left, bool negated, int loc)
{
    AstInExpr *in = MAKE(p, AstInExpr, AST_IN, loc);
    if (!in)
        return NULL;
    in->lexpr = left;
    in->negated = negated;
    if (!sql_is_char(p, '(')) {
        sql_syntax_error(p);
        return NULL;
    }
    AstNode *q = sql_try_paren_select(p);
    if (q) {
        in->subquery = q;
    } else {
        sql_advance(p);
        in->list = sql_parse_expr_list(p);
        sql_expect_char(p, ')');
    }
    return p->failed ? NULL : (AstNode *)in;
}

static AstNode *parse_like_rhs(SqlParser *p, AstNode *left, AstLikeKind kind, bool negated, int loc)
{
    AstLikeExpr *l = MAKE(p, AstLikeExpr, AST_LIKE, loc);
    if (!l)
        return NULL;
    l->kind = kind;
    l->negated = negated;
    l->arg = left;
    l->pattern = sql_parse_expr_prec(p, PREC_ESCAPE + 1);
    if (sql_accept_kw(p, KW_ESCAPE))
        l->escape = sql_parse_expr_prec(p, PREC_ESCAPE + 1);
    return p->failed ? NULL : (AstNode *)l;
}

/* operator-level binary op at the current token (already known: TOK_OP or OPERATOR(..)) */
static AstNode *parse_binary_op(SqlParser *p, AstNode *left, int prec)
{
    const SqlToken *t = sql_peek(p);
    int loc = t->start;
    const char *name, *schema = NULL;
    if (t->type == TOK_OP) {
        name = t->str;
        sql_advance(p);
    } else {
        /* OPERATOR(schema.op) */
        sql_advance(p);
        sql_advance(p);
        if (sql_peek(p)->type == TOK_IDENT) {
            schema = sql_peek(p)->str;
            sql_advance(p);
            sql_expect_char(p, '.');
        }
        if (sql_peek(p)->type != TOK_OP) {
            sql_syntax_error(p);
            return NULL;
        }
        name = sql_peek(p)->str;
        sql_advance(p);
        sql_expect_char(p, ')');
    }
    int kw = sql_tok_kw(sql_peek(p));
    if ((kw == KW_ANY || kw == KW_SOME || kw == KW_ALL) && sql_peek_n(p, 1)->type == TOK_CHAR &&
        sql_peek_n(p, 1)->ch == '(') {
        sql_advance(p);
        AstAnyAll *a = MAKE(p, AstAnyAll, AST_ANY_ALL, loc);
        if (!a)
            return NULL;
        a->op = name;
        a->is_all = kw == KW_ALL;
        a->lexpr = left;
        AstNode *q = sql_try_paren_select(p);
        if (q) {
            a->rexpr = q;
            a->is_subquery = true;
        } else {
            sql_advance(p);
            a->rexpr = sql_parse_expr(p);
            sql_expect_char(p, ')');
        }
        return p->failed ? NULL : (AstNode *)a;
    }
    AstNode *right = sql_parse_expr_prec(p, prec + 1);
    if (p->failed)
        return NULL;
    AstOpExpr *o = (AstOpExpr *)make_op(p, name, left, right, loc);
    if (o)
        o->schema = schema;
    return (AstNode *)o;
}

AstNode *sql_parse_expr_prec(SqlParser *p, int min_prec)
{
    if (p->failed || !sql_depth_enter(p))
        return NULL;
    AstNode *left = parse_unary(p);
    int last_nonassoc = -1;
    while (!p->failed) {
        int prec = infix_prec(p);
        if (prec == 0 || prec < min_prec)
            break;
        if (prec == last_nonassoc) {
            sql_syntax_error(p);
            break;
        }
        const SqlToken *t = sql_peek(p);
        int loc = t->start;
        int kw = sql_tok_kw(t);
        last_nonassoc = (prec == PREC_CMP || prec == PREC_LIKE) ? prec : -1;
        if (t->type == TOK_OP || kw == KW_OPERATOR) {
            left = parse_binary_op(p, left, prec);
            continue;
        }
        sql_advance(p);
        switch (kw) {
        case KW_OR: case KW_AND: {
            AstNode *right = sql_parse_expr_prec(p, prec + 1);
            left = make_bool(p, kw == KW_OR ? AST_OR : AST_AND, left, right, loc);
            break;
        }
        case KW_ISNULL: case KW_NOTNULL: {
            AstNullTest *n = MAKE(p, AstNullTest, AST_NULL_TEST, loc);
            if (n) {
                n->arg = left;
                n->is_not = kw == KW_NOTNULL;
            }
            left = (AstNode *)n;
            break;
        }
        case KW_IS: {
            bool neg = sql_accept_kw(p, KW_NOT);
            int k2 = sql_tok_kw(sql_peek(p));
            if (k2 == KW_NULL) {
                sql_advance(p);
                AstNullTest *n = MAKE(p, AstNullTest, AST_NULL_TEST, loc);
                if (n) {
                    n->arg = left;
                    n->is_not = neg;
                }
                left = (AstNode *)n;
            } else if (k2 == KW_TRUE || k2 == KW_FALSE || k2 == KW_UNKNOWN) {
                sql_advance(p);
                AstBoolTest *b = MAKE(p, AstBoolTest, AST_BOOL_TEST, loc);
                if (b) {
                    b->arg = left;
                    b->kind = k2 == KW_TRUE ? (neg ? AST_IS_NOT_TRUE : AST_IS_TRUE)
                            : k2 == KW_FALSE ? (neg ? AST_IS_NOT_FALSE : AST_IS_FALSE)
                            : (neg ? AST_IS_NOT_UNKNOWN : AST_IS_UNKNOWN);
                }
                left = (AstNode *)b;
            } else if (k2 == KW_DISTINCT) {
                sql_advance(p);
                sql_expect_kw(p, KW_FROM);
                AstDistinctExpr *d = MAKE(p, AstDistinctExpr, AST_DISTINCT, loc);
                if (d) {
                    d->lexpr = left;
                    d->rexpr = sql_parse_expr_prec(p, PREC_IS + 1);
                    d->is_not = neg;
                }
                left = (AstNode *)d;
            } else {
                sql_syntax_error(p);
            }
            break;
        }
        case KW_NOT: case KW_BETWEEN: case KW_IN: case KW_LIKE: case KW_ILIKE: case KW_SIMILAR: {
            bool neg = kw == KW_NOT;
            if (neg) {
                kw = sql_tok_kw(sql_peek(p));
                sql_advance(p);
            }
            if (kw == KW_BETWEEN) {
                AstBetween *b = MAKE(p, AstBetween, AST_BETWEEN, loc);
                if (!b)
                    break;
                b->arg = left;
                b->negated = neg;
                if (sql_accept_kw(p, KW_SYMMETRIC))
                    b->symmetric = true;
                else
                    sql_accept_kw(p, KW_ASYMMETRIC);
                b->lo = sql_parse_expr_prec(p, PREC_LIKE + 1);
                sql_expect_kw(p, KW_AND);
                b->hi = sql_parse_expr_prec(p, PREC_LIKE + 1);
                left = (AstNode *)b;
            } else if (kw == KW_IN) {
                left = parse_in_rhs(p, left, neg, loc);
            } else if (kw == KW_SIMILAR) {
                sql_expect_kw(p, KW_TO);
                left = parse_like_rhs(p, left, AST_LIKE_SIMILAR, neg, loc);
            } else {
                left = parse_like_rhs(p, left, kw == KW_LIKE ? AST_LIKE_LIKE : AST_LIKE_ILIKE, neg, loc);
            }
            break;
        }
        case KW_AT: {
            sql_expect_kw(p, KW_TIME);
            sql_expect_kw(p, KW_ZONE);
            AstNode *zone = sql_parse_expr_prec(p, PREC_AT + 1);
            AstFuncCall *f = make_func(p, names1(p, "pg_catalog", "timezone"), loc, AST_FUNC_AT_TIME_ZONE);
            if (f) {
                int cap = 0;
                sql_list_push(p, &f->args, zone, &cap);
                sql_list_push(p, &f->args, left, &cap);
            }
            left = (AstNode *)f;
            break;
        }
        case KW_COLLATE: {
            AstCollate *c = MAKE(p, AstCollate, AST_COLLATE, loc);
            if (c) {
                c->arg = left;
                c->collname = sql_parse_any_name(p);
            }
            left = (AstNode *)c;
            break;
        }
        default:
            sql_syntax_error(p);
            break;
        }
    }
    sql_depth_leave(p);
    return p->failed ? NULL : left;
}

AstNode *sql_parse_const_value(SqlParser *p)
{
    const SqlToken *t = sql_peek(p);
    if (t->type == TOK_OP && (strcmp(t->str, "-") == 0 || strcmp(t->str, "+") == 0) &&
        (sql_peek_n(p, 1)->type == TOK_ICONST || sql_peek_n(p, 1)->type == TOK_FCONST))
        return parse_unary(p);
    if (t->type == TOK_ICONST || t->type == TOK_FCONST || t->type == TOK_SCONST ||
        t->type == TOK_BCONST || t->type == TOK_XCONST)
        return sql_parse_primary_expr(p);
    sql_syntax_error(p);
    return NULL;
}
