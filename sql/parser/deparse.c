/* deparse.c -- prints an AST back as SQL: identifiers, constants, type names and every
 * expression node. Statements are printed by deparse_stmt.c. The output is canonical:
 * keywords upper case, identifiers quoted only when PostgreSQL's quote_identifier would,
 * every operator expression parenthesised, so printing a re-parsed print gives the same
 * text (the tests rely on that fixed point). */
#include <stdio.h>
#include <string.h>

#include "sql/parser/deparse_int.h"
#include "sql/parser/parser_int.h"

void dp_str(ShaleBuf *b, const char *s)
{
    shale_buf_append(b, s, strlen(s));
}

void sql_deparse_ident(const char *name, ShaleBuf *b)
{
    bool safe = name[0] && ((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_');
    for (const char *c = name; safe && *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            safe = false;
    if (safe) {
        SqlKeyword kw = sql_keyword_lookup(name, strlen(name));
        if (kw != KW__NONE && sql_keyword_cat(kw) != 'U')
            safe = false;
    }
    if (safe) {
        dp_str(b, name);
        return;
    }
    shale_buf_append_byte(b, '"');
    for (const char *c = name; *c; c++) {
        if (*c == '"')
            shale_buf_append_byte(b, '"');
        shale_buf_append_byte(b, (uint8_t)*c);
    }
    shale_buf_append_byte(b, '"');
}

void dp_names(ShaleBuf *b, const AstNameList *l, const char *sep)
{
    for (int i = 0; i < l->n; i++) {
        if (i)
            dp_str(b, sep);
        if (strcmp(l->names[i], "*") == 0 && strcmp(sep, ".") == 0)
            dp_str(b, "*");
        else
            sql_deparse_ident(l->names[i], b);
    }
}

void dp_string_lit(ShaleBuf *b, const char *s, int len)
{
    shale_buf_append_byte(b, '\'');
    for (int i = 0; i < len; i++) {
        if (s[i] == '\'')
            shale_buf_append_byte(b, '\'');
        shale_buf_append_byte(b, (uint8_t)s[i]);
    }
    shale_buf_append_byte(b, '\'');
}

void dp_list(ShaleBuf *b, const AstList *l, const char *sep)
{
    for (int i = 0; i < l->n; i++) {
        if (i)
            dp_str(b, sep);
        sql_deparse(l->items[i], b);
    }
}

static const char *builtin_type_sql(const char *n)
{
    static const char *const map[][2] = {
        { "int4", "integer" }, { "int2", "smallint" }, { "int8", "bigint" }, { "float4", "real" },
        { "float8", "double precision" }, { "bool", "boolean" }, { "bpchar", "character" },
        { "varchar", "character varying" }, { "varbit", "bit varying" }, { "bit", "bit" },
        { "numeric", "numeric" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(n, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static void dp_typmods(ShaleBuf *b, const AstTypeName *t)
{
    if (t->typmods.n) {
        dp_str(b, "(");
        dp_list(b, &t->typmods, ", ");
        dp_str(b, ")");
    }
}

void dp_typename(ShaleBuf *b, const AstTypeName *t)
{
    if (t->setof)
        dp_str(b, "SETOF ");
    const char *n = t->names.n ? t->names.names[t->names.n - 1] : "";
    const char *sql = t->builtin ? builtin_type_sql(n) : NULL;
    if (sql) {
        dp_str(b, sql);
        dp_typmods(b, t);
    } else if (t->builtin && (strcmp(n, "timestamp") == 0 || strcmp(n, "timestamptz") == 0 ||
                              strcmp(n, "time") == 0 || strcmp(n, "timetz") == 0)) {
        size_t nl = strlen(n);
        dp_str(b, strncmp(n, "timestamp", 9) == 0 ? "timestamp" : "time");
        dp_typmods(b, t);
        if (n[nl - 2] == 't' && n[nl - 1] == 'z')
            dp_str(b, " with time zone");
    } else if (t->builtin && strcmp(n, "interval") == 0) {
        dp_str(b, "interval");
        if (t->interval_fields) {
            dp_str(b, " ");
            dp_str(b, t->interval_fields);
        }
        dp_typmods(b, t);
    } else {
        dp_names(b, &t->names, ".");
        dp_typmods(b, t);
    }
    for (int i = 0; i < t->n_array_bounds; i++) {
        if (t->array_bounds[i] >= 0) {
            char buf[24];
            snprintf(buf, sizeof buf, "[%d]", t->array_bounds[i]);
            dp_str(b, buf);
        } else {
            dp_str(b, "[]");
        }
    }
}

static void dp_const(ShaleBuf *b, const AstConst *c)
{
    switch (c->kind) {
    case AST_CONST_INTEGER:
    case AST_CONST_NUMERIC:
        if (c->str[0] == '-') {
            dp_str(b, "(");
            dp_str(b, c->str);
            dp_str(b, ")");
        } else {
            dp_str(b, c->str);
        }
        break;
    case AST_CONST_STRING:
        dp_string_lit(b, c->str, c->len);
        break;
    case AST_CONST_BITSTRING:
        shale_buf_append_byte(b, c->str[0] == 'b' ? 'B' : 'X');
        dp_string_lit(b, c->str + 1, c->len - 1);
        break;
    case AST_CONST_BOOL:
        dp_str(b, c->bval ? "TRUE" : "FALSE");
        break;
    case AST_CONST_NULL:
        dp_str(b, "NULL");
        break;
    }
}

void dp_sort_list(ShaleBuf *b, const AstList *l)
{
    for (int i = 0; i < l->n; i++) {
        const AstSortBy *s = (const AstSortBy *)l->items[i];
        if (i)
            dp_str(b, ", ");
        sql_deparse(s->node, b);
        if (s->dir == AST_SORT_ASC)
            dp_str(b, " ASC");
        else if (s->dir == AST_SORT_DESC)
            dp_str(b, " DESC");
        else if (s->dir == AST_SORT_USING) {
            dp_str(b, " USING ");
            dp_str(b, s->use_op);
        }
        if (s->nulls == AST_NULLS_FIRST)
            dp_str(b, " NULLS FIRST");
        else if (s->nulls == AST_NULLS_LAST)
            dp_str(b, " NULLS LAST");
    }
}

static void dp_bound(ShaleBuf *b, AstFrameBound k, const AstNode *off)
{
    switch (k) {
    case AST_BOUND_UNBOUNDED_PRECEDING: dp_str(b, "UNBOUNDED PRECEDING"); break;
    case AST_BOUND_UNBOUNDED_FOLLOWING: dp_str(b, "UNBOUNDED FOLLOWING"); break;
    case AST_BOUND_CURRENT_ROW: dp_str(b, "CURRENT ROW"); break;
    case AST_BOUND_OFFSET_PRECEDING: sql_deparse(off, b); dp_str(b, " PRECEDING"); break;
    case AST_BOUND_OFFSET_FOLLOWING: sql_deparse(off, b); dp_str(b, " FOLLOWING"); break;
    case AST_BOUND_NONE: break;
    }
}

void dp_window_spec(ShaleBuf *b, const AstWindowDef *w)
{
    const char *sep = "";
    dp_str(b, "(");
    if (w->refname) {
        sql_deparse_ident(w->refname, b);
        sep = " ";
    }
    if (w->partition.n) {
        dp_str(b, sep);
        dp_str(b, "PARTITION BY ");
        dp_list(b, &w->partition, ", ");
        sep = " ";
    }
    if (w->order.n) {
        dp_str(b, sep);
        dp_str(b, "ORDER BY ");
        dp_sort_list(b, &w->order);
        sep = " ";
    }
    if (w->mode != AST_FRAME_DEFAULT) {
        dp_str(b, sep);
        dp_str(b, w->mode == AST_FRAME_RANGE ? "RANGE " : w->mode == AST_FRAME_ROWS ? "ROWS " : "GROUPS ");
        if (w->end_bound != AST_BOUND_NONE) {
            dp_str(b, "BETWEEN ");
            dp_bound(b, w->start_bound, w->start_offset);
            dp_str(b, " AND ");
            dp_bound(b, w->end_bound, w->end_offset);
        } else {
            dp_bound(b, w->start_bound, w->start_offset);
        }
        static const char *const ex[] = { "", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES", " EXCLUDE NO OTHERS" };
        dp_str(b, ex[w->exclude]);
    }
    dp_str(b, ")");
}

static void dp_func(ShaleBuf *b, const AstFuncCall *f)
{
    const AstList *a = &f->args;
    switch (f->syntax) {
    case AST_FUNC_EXTRACT:
        if (a->n == 2) {
            dp_str(b, "EXTRACT(");
            sql_deparse(a->items[0], b);
            dp_str(b, " FROM ");
            sql_deparse(a->items[1], b);
            dp_str(b, ")");
            return;
        }
        break;
    case AST_FUNC_SUBSTRING:
        if (a->n == 2 || a->n == 3) {
            dp_str(b, "SUBSTRING(");
            sql_deparse(a->items[0], b);
            dp_str(b, " FROM ");
            sql_deparse(a->items[1], b);
            if (a->n == 3) {
                dp_str(b, " FOR ");
                sql_deparse(a->items[2], b);
            }
            dp_str(b, ")");
            return;
        }
        break;
    case AST_FUNC_POSITION:
        if (a->n == 2) {
            dp_str(b, "POSITION(");
            sql_deparse(a->items[1], b);
            dp_str(b, " IN ");
            sql_deparse(a->items[0], b);
            dp_str(b, ")");
            return;
        }
        break;
    case AST_FUNC_TRIM: {
        const char *n = f->name.names[f->name.n - 1];
        dp_str(b, "TRIM(");
        dp_str(b, strcmp(n, "ltrim") == 0 ? "LEADING " : strcmp(n, "rtrim") == 0 ? "TRAILING " : "BOTH ");
        if (a->n == 2) {
            sql_deparse(a->items[1], b);
            dp_str(b, " FROM ");
            sql_deparse(a->items[0], b);
        } else {
            dp_str(b, "FROM ");
            dp_list(b, a, ", ");
        }
        dp_str(b, ")");
        return;
    }
    case AST_FUNC_OVERLAY:
        if (a->n == 3 || a->n == 4) {
            dp_str(b, "OVERLAY(");
            sql_deparse(a->items[0], b);
            dp_str(b, " PLACING ");
            sql_deparse(a->items[1], b);
            dp_str(b, " FROM ");
            sql_deparse(a->items[2], b);
            if (a->n == 4) {
                dp_str(b, " FOR ");
                sql_deparse(a->items[3], b);
            }
            dp_str(b, ")");
            return;
        }
        break;
    case AST_FUNC_AT_TIME_ZONE:
        if (a->n == 2) {
            dp_str(b, "(");
            sql_deparse(a->items[1], b);
            dp_str(b, " AT TIME ZONE ");
            sql_deparse(a->items[0], b);
            dp_str(b, ")");
            return;
        }
        break;
    case AST_FUNC_PLAIN:
        break;
    }
    dp_names(b, &f->name, ".");
    dp_str(b, "(");
    if (f->agg_star)
        dp_str(b, "*");
    if (f->agg_distinct)
        dp_str(b, "DISTINCT ");
    for (int i = 0; i < a->n; i++) {
        if (i)
            dp_str(b, ", ");
        if (f->variadic && i == a->n - 1)
            dp_str(b, "VARIADIC ");
        sql_deparse(a->items[i], b);
    }
    if (f->agg_order.n && !f->agg_within_group) {
        dp_str(b, " ORDER BY ");
        dp_sort_list(b, &f->agg_order);
    }
    dp_str(b, ")");
    if (f->agg_within_group) {
        dp_str(b, " WITHIN GROUP (ORDER BY ");
        dp_sort_list(b, &f->agg_order);
        dp_str(b, ")");
    }
    if (f->agg_filter) {
        dp_str(b, " FILTER (WHERE ");
        sql_deparse(f->agg_filter, b);
        dp_str(b, ")");
    }
    if (f->over) {
        dp_str(b, " OVER ");
        if (f->over->over_name_only)
            sql_deparse_ident(f->over->refname, b);
        else
            dp_window_spec(b, f->over);
    }
}

static void dp_subquery(ShaleBuf *b, const AstNode *q)
{
    dp_str(b, "(");
    sql_deparse(q, b);
    dp_str(b, ")");
}

static void dp_indir_items(ShaleBuf *b, const AstIndirItem *items, int n)
{
    for (int i = 0; i < n; i++) {
        const AstIndirItem *it = &items[i];
        switch (it->kind) {
        case AST_INDIR_FIELD: dp_str(b, "."); sql_deparse_ident(it->field, b); break;
        case AST_INDIR_STAR: dp_str(b, ".*"); break;
        case AST_INDIR_INDEX: dp_str(b, "["); sql_deparse(it->lo, b); dp_str(b, "]"); break;
        case AST_INDIR_SLICE:
            dp_str(b, "[");
            if (it->lo)
                sql_deparse(it->lo, b);
            dp_str(b, ":");
            if (it->hi)
                sql_deparse(it->hi, b);
            dp_str(b, "]");
            break;
        }
    }
}

/* Expressions; returns false when node is not an expression (statements print elsewhere). */
bool dp_expr(const AstNode *n, ShaleBuf *b)
{
    switch (n->tag) {
    case AST_CONST: dp_const(b, (const AstConst *)n); return true;
    case AST_PARAM: {
        char buf[24];
        snprintf(buf, sizeof buf, "$%d", ((const AstParam *)n)->number);
        dp_str(b, buf);
        return true;
    }
    case AST_COLUMN_REF: dp_names(b, &((const AstColumnRef *)n)->fields, "."); return true;
    case AST_OP: {
        const AstOpExpr *o = (const AstOpExpr *)n;
        dp_str(b, "(");
        if (o->lexpr) {
            sql_deparse(o->lexpr, b);
            dp_str(b, " ");
        }
        if (o->schema) {
            dp_str(b, "OPERATOR(");
            sql_deparse_ident(o->schema, b);
            dp_str(b, ".");
            dp_str(b, o->name);
            dp_str(b, ")");
        } else {
            dp_str(b, o->name);
        }
        dp_str(b, " ");
        sql_deparse(o->rexpr, b);
        dp_str(b, ")");
        return true;
    }
    case AST_BOOL: {
        const AstBoolExpr *e = (const AstBoolExpr *)n;
        dp_str(b, "(");
        if (e->op == AST_NOT) {
            dp_str(b, "NOT ");
            sql_deparse(e->args.items[0], b);
        } else {
            dp_list(b, &e->args, e->op == AST_AND ? " AND " : " OR ");
        }
        dp_str(b, ")");
        return true;
    }
    case AST_NULL_TEST: {
        const AstNullTest *t = (const AstNullTest *)n;
        dp_str(b, "(");
        sql_deparse(t->arg, b);
        dp_str(b, t->is_not ? " IS NOT NULL)" : " IS NULL)");
        return true;
    }
    case AST_BOOL_TEST: {
        static const char *const k[] = { " IS TRUE)", " IS NOT TRUE)", " IS FALSE)", " IS NOT FALSE)",
                                         " IS UNKNOWN)", " IS NOT UNKNOWN)" };
        const AstBoolTest *t = (const AstBoolTest *)n;
        dp_str(b, "(");
        sql_deparse(t->arg, b);
        dp_str(b, k[t->kind]);
        return true;
    }
    case AST_DISTINCT: {
        const AstDistinctExpr *d = (const AstDistinctExpr *)n;
        dp_str(b, "(");
        sql_deparse(d->lexpr, b);
        dp_str(b, d->is_not ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
        sql_deparse(d->rexpr, b);
        dp_str(b, ")");
        return true;
    }
    case AST_BETWEEN: {
        const AstBetween *x = (const AstBetween *)n;
        dp_str(b, "(");
        sql_deparse(x->arg, b);
        dp_str(b, x->negated ? " NOT BETWEEN " : " BETWEEN ");
        if (x->symmetric)
            dp_str(b, "SYMMETRIC ");
        sql_deparse(x->lo, b);
        dp_str(b, " AND ");
        sql_deparse(x->hi, b);
        dp_str(b, ")");
        return true;
    }
    case AST_IN: {
        const AstInExpr *x = (const AstInExpr *)n;
        dp_str(b, "(");
        sql_deparse(x->lexpr, b);
        dp_str(b, x->negated ? " NOT IN " : " IN ");
        if (x->subquery) {
            dp_subquery(b, x->subquery);
        } else {
            dp_str(b, "(");
            dp_list(b, &x->list, ", ");
            dp_str(b, ")");
        }
        dp_str(b, ")");
        return true;
    }
    case AST_LIKE: {
        const AstLikeExpr *x = (const AstLikeExpr *)n;
        static const char *const k[] = { "LIKE ", "ILIKE ", "SIMILAR TO " };
        dp_str(b, "(");
        sql_deparse(x->arg, b);
        dp_str(b, x->negated ? " NOT " : " ");
        dp_str(b, k[x->kind]);
        sql_deparse(x->pattern, b);
        if (x->escape) {
            dp_str(b, " ESCAPE ");
            sql_deparse(x->escape, b);
        }
        dp_str(b, ")");
        return true;
    }
    case AST_ANY_ALL: {
        const AstAnyAll *x = (const AstAnyAll *)n;
        dp_str(b, "(");
        sql_deparse(x->lexpr, b);
        dp_str(b, " ");
        dp_str(b, x->op);
        dp_str(b, x->is_all ? " ALL " : " ANY ");
        dp_subquery(b, x->rexpr);
        dp_str(b, ")");
        return true;
    }
    case AST_SUBLINK: {
        const AstSubLink *s = (const AstSubLink *)n;
        if (s->kind == AST_SUBLINK_EXISTS)
            dp_str(b, "EXISTS ");
        else if (s->kind == AST_SUBLINK_ARRAY)
            dp_str(b, "ARRAY");
        dp_subquery(b, s->subquery);
        return true;
    }
    case AST_ARRAY:
        dp_str(b, "ARRAY[");
        dp_list(b, &((const AstArrayExpr *)n)->elements, ", ");
        dp_str(b, "]");
        return true;
    case AST_INDIRECTION: {
        const AstIndirection *x = (const AstIndirection *)n;
        if (x->arg->tag == AST_COLUMN_REF && !((const AstColumnRef *)x->arg)->star && x->items[0].kind != AST_INDIR_FIELD &&
            x->items[0].kind != AST_INDIR_STAR) {
            sql_deparse(x->arg, b);
        } else {
            dp_subquery(b, x->arg);
        }
        dp_indir_items(b, x->items, x->n_items);
        return true;
    }
    case AST_CASE: {
        const AstCaseExpr *c = (const AstCaseExpr *)n;
        dp_str(b, "CASE");
        if (c->arg) {
            dp_str(b, " ");
            sql_deparse(c->arg, b);
        }
        for (int i = 0; i < c->n_whens; i++) {
            dp_str(b, " WHEN ");
            sql_deparse(c->whens[i].cond, b);
            dp_str(b, " THEN ");
            sql_deparse(c->whens[i].result, b);
        }
        if (c->defresult) {
            dp_str(b, " ELSE ");
            sql_deparse(c->defresult, b);
        }
        dp_str(b, " END");
        return true;
    }
    case AST_VARARG_FUNC: {
        static const char *const k[] = { "COALESCE(", "GREATEST(", "LEAST(", "NULLIF(" };
        const AstVarargFunc *v = (const AstVarargFunc *)n;
        dp_str(b, k[v->kind]);
        dp_list(b, &v->args, ", ");
        dp_str(b, ")");
        return true;
    }
    case AST_SQL_VALUE: {
        static const char *const k[] = { "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME",
            "LOCALTIMESTAMP", "CURRENT_ROLE", "CURRENT_USER", "SESSION_USER", "USER", "CURRENT_CATALOG",
            "CURRENT_SCHEMA" };
        const AstSqlValue *v = (const AstSqlValue *)n;
        dp_str(b, k[v->kind]);
        if (v->precision >= 0) {
            char buf[24];
            snprintf(buf, sizeof buf, "(%d)", v->precision);
            dp_str(b, buf);
        }
        return true;
    }
    case AST_TYPE_CAST: {
        const AstTypeCast *c = (const AstTypeCast *)n;
        if (c->syntax == AST_CAST_LITERAL && c->arg->tag == AST_CONST &&
            ((const AstConst *)c->arg)->kind == AST_CONST_STRING && !c->type->n_array_bounds) {
            const AstConst *s = (const AstConst *)c->arg;
            if (c->type->builtin && c->type->interval_fields) {
                dp_str(b, "INTERVAL ");
                dp_string_lit(b, s->str, s->len);
                dp_str(b, " ");
                dp_str(b, c->type->interval_fields);
                dp_typmods(b, c->type);
            } else {
                dp_typename(b, c->type);
                dp_str(b, " ");
                dp_string_lit(b, s->str, s->len);
            }
        } else if (c->syntax == AST_CAST_COLONS) {
            dp_subquery(b, c->arg);
            dp_str(b, "::");
            dp_typename(b, c->type);
        } else {
            dp_str(b, "CAST(");
            sql_deparse(c->arg, b);
            dp_str(b, " AS ");
            dp_typename(b, c->type);
            dp_str(b, ")");
        }
        return true;
    }
    case AST_COLLATE: {
        const AstCollate *c = (const AstCollate *)n;
        dp_str(b, "(");
        sql_deparse(c->arg, b);
        dp_str(b, " COLLATE ");
        dp_names(b, &c->collname, ".");
        dp_str(b, ")");
        return true;
    }
    case AST_FUNC_CALL: dp_func(b, (const AstFuncCall *)n); return true;
    case AST_NAMED_ARG: {
        const AstNamedArg *a = (const AstNamedArg *)n;
        sql_deparse_ident(a->name, b);
        dp_str(b, " => ");
        sql_deparse(a->arg, b);
        return true;
    }
    case AST_ROW: {
        const AstRowExpr *r = (const AstRowExpr *)n;
        dp_str(b, r->explicit_row || r->args.n < 2 ? "ROW(" : "(");
        dp_list(b, &r->args, ", ");
        dp_str(b, ")");
        return true;
    }
    case AST_DEFAULT: dp_str(b, "DEFAULT"); return true;
    case AST_TYPE_NAME: dp_typename(b, (const AstTypeName *)n); return true;
    case AST_SORT_BY: {
        AstList one = { (AstNode **)&n, 1 };
        dp_sort_list(b, &one);
        return true;
    }
    case AST_WINDOW_DEF: dp_window_spec(b, (const AstWindowDef *)n); return true;
    default:
        return false;
    }
}

void sql_deparse(const AstNode *node, ShaleBuf *out)
{
    if (!node) {
        dp_str(out, "NULL");
        return;
    }
    if (!dp_expr(node, out))
        dp_stmt(node, out);
}
