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



AstNameList sql_names2(SqlParser *p, const char *a, const char *b)
{
    AstNameList l = { 0 };
    int cap = 0;
    if (a)
        sql_names_push(p, &l, a, &cap);
    sql_names_push(p, &l, b, &cap);
    return l;
}

AstNode *sql_make_const_str(SqlParser *p, const char *s, int loc)
{
    AstConst *c = MAKE(p, AstConst, AST_CONST, loc);
    if (c) {
        c->kind = AST_CONST_STRING;
        c->str = s;
        c->len = (int)strlen(s);
    }
    return (AstNode *)c;
}

AstNode *sql_make_const_int(SqlParser *p, int64_t v, int loc)
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

AstFuncCall *sql_make_func(SqlParser *p, AstNameList name, int loc, AstFuncSyntax syn)
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

/* --- pieces ----------------------------------------------------------------------- */

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
        t->interval_fields = sql_parse_interval_fields(p);
        if (t->interval_fields && strstr(t->interval_fields, "second"))
            sql_parse_typmods(p, t);
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
        return sql_parse_func_call(p, sql_names2(p, NULL, t->str), loc);
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
            return sql_parse_func_call(p, l, loc);
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
        return sql_parse_case(p, loc);
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
        return sql_parse_special_func(p, kw, loc);
    case KW_CURRENT_DATE: return sql_parse_sql_value(p, AST_SV_CURRENT_DATE, loc, false);
    case KW_CURRENT_TIME: return sql_parse_sql_value(p, AST_SV_CURRENT_TIME, loc, true);
    case KW_CURRENT_TIMESTAMP: return sql_parse_sql_value(p, AST_SV_CURRENT_TIMESTAMP, loc, true);
    case KW_LOCALTIME: return sql_parse_sql_value(p, AST_SV_LOCALTIME, loc, true);
    case KW_LOCALTIMESTAMP: return sql_parse_sql_value(p, AST_SV_LOCALTIMESTAMP, loc, true);
    case KW_CURRENT_ROLE: return sql_parse_sql_value(p, AST_SV_CURRENT_ROLE, loc, false);
    case KW_CURRENT_USER: return sql_parse_sql_value(p, AST_SV_CURRENT_USER, loc, false);
    case KW_SESSION_USER: return sql_parse_sql_value(p, AST_SV_SESSION_USER, loc, false);
    case KW_USER: return sql_parse_sql_value(p, AST_SV_USER, loc, false);
    case KW_CURRENT_CATALOG: return sql_parse_sql_value(p, AST_SV_CURRENT_CATALOG, loc, false);
    case KW_CURRENT_SCHEMA:
        if (paren)
            break;
        return sql_parse_sql_value(p, AST_SV_CURRENT_SCHEMA, loc, false);
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
    /* PostgreSQL's c_expr takes no subscript directly after ARRAY[...], a literal or a
     * function call: ARRAY[1,2][1] is a syntax error, (ARRAY[1,2])[1] is not. */
    if (sql_is_char(p, '[') && !parens &&
        (node->tag == AST_ARRAY || node->tag == AST_CONST || node->tag == AST_FUNC_CALL)) {
        sql_syntax_error(p);
        return NULL;
    }
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
    case KW_OVERLAPS: return PREC_AT;
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
        case KW_OVERLAPS: {
            /* (s1, e1) OVERLAPS (s2, e2) -> pg_catalog.overlaps(s1, e1, s2, e2), as in
             * PostgreSQL's grammar: both sides must be two-element rows */
            AstNode *right = sql_parse_expr_prec(p, PREC_AT + 1);
            if (p->failed)
                return NULL;
            const AstNode *sides[2] = { left, right };
            for (int k = 0; k < 2; k++)
                if (!sides[k] || sides[k]->tag != AST_ROW || ((const AstRowExpr *)sides[k])->args.n != 2) {
                    sql_error_at(p, ERRCODE_SYNTAX_ERROR, k == 0 ? loc : (sides[k] ? sides[k]->location : loc),
                                 k == 0 ? "wrong number of parameters on left side of OVERLAPS expression"
                                        : "wrong number of parameters on right side of OVERLAPS expression");
                    return NULL;
                }
            AstFuncCall *f = sql_make_func(p, sql_names2(p, "pg_catalog", "overlaps"), loc, AST_FUNC_PLAIN);
            if (f) {
                int cap = 0;
                for (int k = 0; k < 2; k++)
                    for (int j = 0; j < 2; j++)
                        sql_list_push(p, &f->args, ((const AstRowExpr *)sides[k])->args.items[j], &cap);
            }
            left = (AstNode *)f;
            break;
        }
        case KW_AT: {
            sql_expect_kw(p, KW_TIME);
            sql_expect_kw(p, KW_ZONE);
            AstNode *zone = sql_parse_expr_prec(p, PREC_AT + 1);
            AstFuncCall *f = sql_make_func(p, sql_names2(p, "pg_catalog", "timezone"), loc, AST_FUNC_AT_TIME_ZONE);
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
