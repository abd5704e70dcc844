/* bind_func.c -- the binder's calls and compound expressions: function calls (scalar,
 * aggregate, window, set-returning), CASE, IN lists, LIKE/ILIKE/SIMILAR, ANY/ALL, array
 * constructors and subscripts, row comparisons, and PostgreSQL's output column naming.
 * Memory: every Expr lives in b->arena. */
#include <stdio.h>
#include <string.h>

#include "sql/pgcat/pgcat.h"
#include "sql/query/query_int.h"

/* expr_kind while binding the arguments of an aggregate / a window function; compared by
 * address so nesting errors get PostgreSQL's own wording. */
static const char bind_kind_agg_args[] = "aggregate function calls";
static const char bind_kind_win_args[] = "window function calls";

static int err_at(Binder *b, SqlError *err, int location)
{
    if (err && err->position == 0)
        err->position = q_position(b, location);
    return -1;
}

static Oid arg_type(const Expr *e)
{
    return e->type == INVALIDOID ? UNKNOWNOID : e->type;
}

static SqlFuncMatch *copy_match(Binder *b, const SqlFuncMatch *m)
{
    SqlFuncMatch *c = q_alloc(b->arena, sizeof(*c));
    if (c)
        *c = *m;
    return c;
}

static const char *type_name(Oid t)
{
    switch (t) {
    case INT2OID: return "smallint";
    case INT4OID: return "integer";
    case INT8OID: return "bigint";
    case BOOLOID: return "boolean";
    default: {
        const TypeInfo *ti = type_info(t);
        return ti ? ti->name : "unknown";
    }
    }
}

/* ---- function calls ------------------------------------------------------------------------ */

static Expr *bind_func_args(Binder *b, BindScope *s, const AstList *args, Expr **out, Oid *types, SqlError *err)
{
    for (int i = 0; i < args->n; i++) {
        const AstNode *a = args->items[i];
        if (a->tag == AST_NAMED_ARG) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "named arguments are not supported");
            err_at(b, err, a->location);
            return NULL;
        }
        out[i] = bind_expr(b, s, a, err);
        if (!out[i])
            return NULL;
        types[i] = arg_type(out[i]);
    }
    return (Expr *)1;
}

/* Arguments of a call with named arguments (f(1, b => 2)): arranged by the parameter names
 * of the builtin that declares them, omitted ones from its defaults. *nargs receives the
 * number of arguments passed (up to the last one given). out has TYPES_FUNC_MAX_ARGS+1. */
static Expr *bind_named_args(Binder *b, BindScope *s, const char *name, const AstFuncCall *fc, Expr **out,
                             Oid *types, int *nargs, SqlError *err)
{
    const AstList *al = &fc->args;
    const SqlFunc *f = types_func_with_argnames(name);
    const AstNode *slot[TYPES_FUNC_MAX_ARGS];
    memset(slot, 0, sizeof slot);
    int hi = 0;
    bool seen_named = false;
    for (int i = 0; i < al->n; i++) {
        const AstNode *a = al->items[i];
        int pos = i;
        if (a->tag == AST_NAMED_ARG) {
            const AstNamedArg *na = (const AstNamedArg *)a;
            seen_named = true;
            pos = -1;
            for (int k = 0; f && k < f->nargs; k++)
                if (!strcmp(f->argnames[k], na->name))
                    pos = k;
            if (pos < 0) {
                SQL_ERR(err, UNDEFINED_FUNCTION, "function %s(%s => ...) does not exist", name, na->name);
                sql_error_hint(err, "No function matches the given name and argument types. You might need to add explicit type casts.");
                err_at(b, err, fc->hdr.location);
                return NULL;
            }
            if (slot[pos]) {
                SQL_ERR(err, SYNTAX_ERROR, "argument name \"%s\" used more than once", na->name);
                err_at(b, err, a->location);
                return NULL;
            }
            slot[pos] = na->arg;
        } else {
            if (seen_named) {
                SQL_ERR(err, SYNTAX_ERROR, "positional argument cannot follow named argument");
                err_at(b, err, a->location);
                return NULL;
            }
            if (i >= TYPES_FUNC_MAX_ARGS)
                break;
            slot[pos] = a;
        }
        if (pos + 1 > hi)
            hi = pos + 1;
    }
    for (int i = 0; i < hi; i++) {
        if (slot[i]) {
            out[i] = bind_expr(b, s, slot[i], err);
        } else if (f && f->argdefaults && f->argdefaults[i]) {
            const char *d = f->argdefaults[i];
            out[i] = bind_make_const(b, value_bytes(UNKNOWNOID, d, strlen(d)), fc->hdr.location);
            if (!out[i])
                q_oom(err);
        } else {
            SQL_ERR(err, UNDEFINED_FUNCTION, "function %s with the given named arguments does not exist", name);
            err_at(b, err, fc->hdr.location);
            return NULL;
        }
        if (!out[i])
            return NULL;
        types[i] = arg_type(out[i]);
    }
    *nargs = hi;
    return (Expr *)1;
}

static int win_kind_of(const char *name, WinFnKind *k)
{
    static const struct { const char *n; WinFnKind k; } tab[] = {
        {"row_number", WIN_ROW_NUMBER}, {"rank", WIN_RANK}, {"dense_rank", WIN_DENSE_RANK},
        {"percent_rank", WIN_PERCENT_RANK}, {"cume_dist", WIN_CUME_DIST}, {"ntile", WIN_NTILE},
        {"lag", WIN_LAG}, {"lead", WIN_LEAD}, {"first_value", WIN_FIRST_VALUE},
        {"last_value", WIN_LAST_VALUE}, {"nth_value", WIN_NTH_VALUE},
    };
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strcmp(tab[i].n, name) == 0) {
            *k = tab[i].k;
            return 1;
        }
    return 0;
}

Expr *bind_func_call(Binder *b, BindScope *s, const AstFuncCall *fc, SqlError *err)
{
    const char *name = fc->name.names[fc->name.n - 1];
    if (fc->name.n > 1 && strcmp(fc->name.names[fc->name.n - 2], "pg_catalog") != 0 &&
        !(strcmp(fc->name.names[fc->name.n - 2], "information_schema") == 0 && strncmp(name, "_pg_", 4) == 0 &&
          pgcat_srf_lookup(name, fc->args.n))) {
        SQL_ERR(err, UNDEFINED_FUNCTION, "function %s.%s does not exist", fc->name.names[fc->name.n - 2], name);
        err_at(b, err, fc->hdr.location);
        return NULL;
    }
    int nargs = fc->args.n;
    if (nargs > TYPES_FUNC_MAX_ARGS) {
        SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "cannot pass more than %d arguments to a function", TYPES_FUNC_MAX_ARGS);
        err_at(b, err, fc->hdr.location);
        return NULL;
    }
    if (strcmp(name, "grouping") == 0 && !fc->over) {
        if (!s->allow_aggs) {
            SQL_ERR(err, GROUPING_ERROR, "grouping operations are not allowed in %s", s->expr_kind ? s->expr_kind : "this context");
            err_at(b, err, fc->hdr.location);
            return NULL;
        }
        Expr *e = bind_new_expr(b, EXPR_GROUPING, INT4OID, fc->hdr.location, nargs);
        if (!e)
            return NULL;
        bool save = s->allow_aggs;
        s->allow_aggs = false;
        for (int i = 0; i < nargs; i++)
            if (!(e->args[i] = bind_resolve_unknown(b, bind_expr(b, s, fc->args.items[i], err), err))) {
                s->allow_aggs = save;
                return NULL;
            }
        s->allow_aggs = save;
        return e;
    }
    SqlFuncKind kind = SQL_FUNC_SCALAR;
    bool exists = types_func_exists(name, &kind);
    WinFnKind wk = WIN_AGG;
    bool is_winfn = win_kind_of(name, &wk);
    if (fc->over && !exists && !is_winfn) {
        SQL_ERR(err, UNDEFINED_FUNCTION, "function %s does not exist", name);
        err_at(b, err, fc->hdr.location);
        return NULL;
    }
    bool is_agg = exists && kind == SQL_FUNC_AGG;
    if (fc->over) {
        if (!s->allow_windows) {
            if (s->expr_kind == bind_kind_agg_args)
                SQL_ERR(err, GROUPING_ERROR, "aggregate function calls cannot contain window function calls");
            else if (s->expr_kind == bind_kind_win_args)
                SQL_ERR(err, WINDOWING_ERROR, "window function calls cannot be nested");
            else
                SQL_ERR(err, WINDOWING_ERROR, "window functions are not allowed in %s", s->expr_kind ? s->expr_kind : "this context");
            err_at(b, err, fc->hdr.location);
            return NULL;
        }
    } else if (is_winfn && !is_agg) {
        SQL_ERR(err, WRONG_OBJECT_TYPE, "window function %s requires an OVER clause", name);
        err_at(b, err, fc->hdr.location);
        return NULL;
    }
    if ((fc->agg_star || fc->agg_distinct || fc->agg_order.n > 0 || fc->agg_filter) && exists && !is_agg && !fc->over) {
        if (fc->agg_star)
            SQL_ERR(err, WRONG_OBJECT_TYPE, "%s(*) specified, but %s is not an aggregate function", name, name);
        else if (fc->agg_distinct)
            SQL_ERR(err, WRONG_OBJECT_TYPE, "DISTINCT specified, but %s is not an aggregate function", name);
        else if (fc->agg_order.n > 0)
            SQL_ERR(err, WRONG_OBJECT_TYPE, "ORDER BY specified, but %s is not an aggregate function", name);
        else
            SQL_ERR(err, WRONG_OBJECT_TYPE, "FILTER specified, but %s is not an aggregate function", name);
        err_at(b, err, fc->hdr.location);
        return NULL;
    }
    if (is_agg && !fc->over && !s->allow_aggs) {
        if (s->expr_kind == bind_kind_agg_args)
            SQL_ERR(err, GROUPING_ERROR, "aggregate function calls cannot be nested");
        else
            SQL_ERR(err, GROUPING_ERROR, "aggregate functions are not allowed in %s", s->expr_kind ? s->expr_kind : "this context");
        err_at(b, err, fc->hdr.location);
        return NULL;
    }
    /* arguments of an aggregate are bound with aggregates disallowed */
    bool save_aggs = s->allow_aggs, save_wins = s->allow_windows;
    const char *save_kind = s->expr_kind;
    if (is_agg || fc->over) {
        s->allow_aggs = false;
        s->allow_windows = false;
        s->expr_kind = fc->over ? bind_kind_win_args : bind_kind_agg_args;
    }
    /* WITHIN GROUP (ORDER BY x): x becomes the ordered-set aggregate's last argument */
    int n_wg = fc->agg_within_group ? fc->agg_order.n : 0;
    if (nargs + n_wg > TYPES_FUNC_MAX_ARGS) {
        SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "cannot pass more than %d arguments to a function", TYPES_FUNC_MAX_ARGS);
        err_at(b, err, fc->hdr.location);
        return NULL;
    }
    bool named = false;
    for (int i = 0; i < fc->args.n; i++)
        named |= fc->args.items[i]->tag == AST_NAMED_ARG;
    Expr **args = q_alloc(b->arena, sizeof(Expr *) * (size_t)((named ? TYPES_FUNC_MAX_ARGS : nargs) + n_wg + 1));
    Oid types[TYPES_FUNC_MAX_ARGS];
    if (!args) {
        q_oom(err);
        return NULL;
    }
    Expr *ok = named ? bind_named_args(b, s, name, fc, args, types, &nargs, err)
                     : bind_func_args(b, s, &fc->args, args, types, err);
    for (int i = 0; ok && i < n_wg; i++) {
        const AstSortBy *sb = (const AstSortBy *)fc->agg_order.items[i];
        if (!(args[nargs + i] = bind_resolve_unknown(b, bind_expr(b, s, sb->node, err), err)))
            ok = NULL;
        else
            types[nargs + i] = arg_type(args[nargs + i]);
    }
    nargs += n_wg;
    s->allow_aggs = save_aggs;
    s->allow_windows = save_wins;
    s->expr_kind = save_kind;
    if (!ok)
        return NULL;

    if (fc->over && is_winfn && !is_agg) {
        WinSpec *ws = q_alloc(b->arena, sizeof(WinSpec));
        if (!ws) {
            q_oom(err);
            return NULL;
        }
        memset(ws, 0, sizeof(*ws));
        ws->fn = wk;
        Oid ret = INT8OID;
        int32_t rtm = -1;
        switch (wk) {
        case WIN_ROW_NUMBER: case WIN_RANK: case WIN_DENSE_RANK: ret = INT8OID; break;
        case WIN_PERCENT_RANK: case WIN_CUME_DIST: ret = FLOAT8OID; break;
        case WIN_NTILE:
            ret = INT4OID;
            if (nargs == 1 && !(args[0] = bind_coerce(b, args[0], INT4OID, -1, TYPES_COERCE_IMPLICIT, err)))
                return NULL;
            break;
        default:
            if (nargs < 1) {
                SQL_ERR(err, UNDEFINED_FUNCTION, "function %s() does not exist", name);
                err_at(b, err, fc->hdr.location);
                return NULL;
            }
            if (!(args[0] = bind_resolve_unknown(b, args[0], err)))
                return NULL;
            ret = args[0]->type;
            rtm = args[0]->typmod;
            for (int i = 1; i < nargs; i++) {
                Oid want = (i == 1) ? (wk == WIN_NTH_VALUE || wk == WIN_LAG || wk == WIN_LEAD ? INT4OID : ret) : ret;
                if (!(args[i] = bind_coerce(b, args[i], want, -1, TYPES_COERCE_IMPLICIT, err)))
                    return NULL;
            }
            break;
        }
        ws->agg.nargs = nargs;
        ws->agg.args = args;
        if (bind_window_def(b, s, fc->over, ws, err) != 0)
            return NULL;
        Expr *e = bind_new_expr(b, EXPR_WINDOW, ret, fc->hdr.location, 0);
        if (!e)
            return NULL;
        e->typmod = rtm;
        e->u.window.win = ws;
        return e;
    }

    /* catalog-aware functions (sql/pgcat) come before the builtins */
    const PgCatFunc *pf = (!fc->agg_star && !fc->over && !fc->agg_distinct && fc->agg_order.n == 0)
                              ? pgcat_func_lookup(name, nargs, types) : NULL;
    if (pf) {
        Expr *e = bind_new_expr(b, EXPR_PGCAT, pf->ret, fc->hdr.location, nargs);
        if (!e)
            return NULL;
        for (int i = 0; i < nargs; i++) {
            Oid want = i < 4 ? pf->args[i] : INVALIDOID;
            if (!(e->args[i] = want ? bind_coerce(b, args[i], want, -1, TYPES_COERCE_IMPLICIT, err) : bind_resolve_unknown(b, args[i], err)))
                return NULL;
        }
        e->u.pgcat.fn = pf;
        return e;
    }
    SqlFuncMatch m;
    if (fc->agg_star) {
        if (types_func_resolve(name, 0, types, &m, err) != 0) {
            err_at(b, err, fc->hdr.location);
            return NULL;
        }
        nargs = 0;
    } else if (pgcat_srf_lookup(name, nargs)) {
        /* catalog set-returning functions (pg_partition_ancestors ...): exact signature */
        const SqlFunc *sf = pgcat_srf_lookup(name, nargs);
        memset(&m, 0, sizeof(m));
        m.func = sf;
        m.nargs = nargs;
        for (int i = 0; i < nargs; i++) {
            m.arg_types[i] = sf->args[i];
            /* anyarray: the argument's own array type (int2vector/oidvector included) */
            if (sf->args[i] == TYPES_ANYARRAYOID && types_array_elem(types[i]) != INVALIDOID)
                m.arg_types[i] = types[i];
        }
        m.ret_type = sf->ret;
    } else if (types_func_resolve(name, nargs, types, &m, err) != 0) {
        err_at(b, err, fc->hdr.location);
        return NULL;
    }
    if (m.func->kind == SQL_FUNC_AGG && m.func->ordered_set != fc->agg_within_group) {
        if (fc->agg_within_group)
            SQL_ERR(err, WRONG_OBJECT_TYPE, "%s is not an ordered-set aggregate, so it cannot have WITHIN GROUP", name);
        else
            SQL_ERR(err, WRONG_OBJECT_TYPE, "WITHIN GROUP is required for ordered-set aggregate %s", name);
        err_at(b, err, fc->hdr.location);
        return NULL;
    }
    if (bind_coerce_args(b, &m, nargs, args, err) != 0)
        return NULL;
    if (m.func->kind == SQL_FUNC_AGG) {
        AggSpec *ag = q_alloc(b->arena, sizeof(AggSpec));
        if (!ag) {
            q_oom(err);
            return NULL;
        }
        memset(ag, 0, sizeof(*ag));
        ag->match = m;
        ag->nargs = nargs;
        ag->args = args;
        ag->distinct = fc->agg_distinct;
        ag->star = fc->agg_star;
        if (fc->agg_filter) {
            s->allow_aggs = false;
            s->expr_kind = "FILTER";
            ag->filter = bind_coerce_bool(b, bind_expr(b, s, fc->agg_filter, err), "FILTER", err);
            s->allow_aggs = save_aggs;
            s->expr_kind = save_kind;
            if (!ag->filter)
                return NULL;
        }
        if (fc->agg_order.n > 0) {
            ag->n_order = fc->agg_order.n;
            ag->order_exprs = q_alloc(b->arena, sizeof(Expr *) * (size_t)ag->n_order);
            ag->order = q_alloc(b->arena, sizeof(SortKey) * (size_t)ag->n_order);
            if (!ag->order_exprs || !ag->order) {
                q_oom(err);
                return NULL;
            }
            s->allow_aggs = false;
            for (int i = 0; i < ag->n_order; i++) {
                const AstSortBy *sb = (const AstSortBy *)fc->agg_order.items[i];
                ag->order_exprs[i] = n_wg ? args[nargs - n_wg + i]
                                          : bind_resolve_unknown(b, bind_expr(b, s, sb->node, err), err);
                if (!ag->order_exprs[i]) {
                    s->allow_aggs = save_aggs;
                    return NULL;
                }
                ag->order[i].col = nargs + i;
                ag->order[i].desc = sb->dir == AST_SORT_DESC;
                ag->order[i].nulls_first = sb->nulls == AST_NULLS_DEFAULT ? ag->order[i].desc : sb->nulls == AST_NULLS_FIRST;
            }
            s->allow_aggs = save_aggs;
        }
        if (fc->over) {
            WinSpec *ws = q_alloc(b->arena, sizeof(WinSpec));
            if (!ws) {
                q_oom(err);
                return NULL;
            }
            memset(ws, 0, sizeof(*ws));
            ws->fn = WIN_AGG;
            ws->agg = *ag;
            if (bind_window_def(b, s, fc->over, ws, err) != 0)
                return NULL;
            Expr *e = bind_new_expr(b, EXPR_WINDOW, m.ret_type, fc->hdr.location, 0);
            if (!e)
                return NULL;
            e->u.window.win = ws;
            return e;
        }
        Expr *e = bind_new_expr(b, EXPR_AGGREF, m.ret_type, fc->hdr.location, 0);
        if (!e)
            return NULL;
        e->u.aggref.agg = ag;
        return e;
    }
    if (m.func->kind == SQL_FUNC_SRF) {
        Expr *e = bind_new_expr(b, EXPR_SRF, m.ret_type, fc->hdr.location, nargs);
        if (!e)
            return NULL;
        if (nargs > 0)
            memcpy(e->args, args, sizeof(Expr *) * (size_t)nargs);
        e->u.srf.m = copy_match(b, &m);
        e->u.srf.id = b->n_srfs++;
        if (m.ret_type == RECORDOID) /* a catalog SRF's record: its typmod names the shape */
            e->typmod = pgcat_record_typmod(m.func, nargs > 0 ? types_array_elem(m.arg_types[0]) : 0);
        s->n_srfs++;
        return e;
    }
    Expr *e = bind_new_expr(b, EXPR_FUNC, m.ret_type, fc->hdr.location, nargs);
    if (!e)
        return NULL;
    if (nargs > 0)
        memcpy(e->args, args, sizeof(Expr *) * (size_t)nargs);
    e->u.func.m = copy_match(b, &m);
    if (!e->u.func.m)
        return NULL;
    if (m.func->volatility == SQL_VOLATILE)
        b->volatile_seen = true;
    /* fold immutable calls on constants */
    if (m.func->volatility == SQL_IMMUTABLE && m.func->fn) {
        bool all_const = true;
        for (int i = 0; i < nargs; i++)
            if (args[i]->kind != EXPR_CONST)
                all_const = false;
        (void)all_const; /* folding is left to the executor's first evaluation */
    }
    return e;
}

/* ---- the rest ------------------------------------------------------------------------------ */

Expr *bind_list_common(Binder *b, BindScope *s, const AstList *l, Expr **out, const char *ctx,
                              Oid *common, int location, SqlError *err)
{
    Oid types[TYPES_FUNC_MAX_ARGS] = {0};
    int n = l->n;
    Oid *tp = n <= TYPES_FUNC_MAX_ARGS ? types : q_alloc(b->arena, sizeof(Oid) * (size_t)n);
    if (!tp) {
        q_oom(err);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        out[i] = bind_expr(b, s, l->items[i], err);
        if (!out[i])
            return NULL;
        tp[i] = arg_type(out[i]);
    }
    if (types_common_type(n, tp, ctx, common, err) != 0) {
        err_at(b, err, location);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (!(out[i] = bind_coerce(b, out[i], *common, -1, TYPES_COERCE_IMPLICIT, err)))
            return NULL;
    return (Expr *)1;
}

Expr *bind_case(Binder *b, BindScope *s, const AstCaseExpr *c, SqlError *err)
{
    int n = 2 * c->n_whens + (c->arg ? 1 : 0) + 1;
    Expr *e = bind_new_expr(b, EXPR_CASE, UNKNOWNOID, c->hdr.location, n);
    if (!e)
        return NULL;
    e->u.kase.has_arg = c->arg != NULL;
    e->u.kase.has_else = true;
    int k = 0;
    Expr *test = NULL;
    if (c->arg) {
        Expr *a = bind_resolve_unknown(b, bind_expr(b, s, c->arg, err), err);
        if (!a)
            return NULL;
        e->args[k++] = a;
        test = bind_new_expr(b, EXPR_CASE_TEST, a->type, a->location, 0);
        if (!test)
            return NULL;
        test->typmod = a->typmod;
    }
    Expr **results = q_alloc(b->arena, sizeof(Expr *) * (size_t)(c->n_whens + 1));
    Oid *rtypes = q_alloc(b->arena, sizeof(Oid) * (size_t)(c->n_whens + 1));
    if (!results || !rtypes) {
        q_oom(err);
        return NULL;
    }
    for (int i = 0; i < c->n_whens; i++) {
        Expr *cond = bind_expr(b, s, c->whens[i].cond, err);
        if (!cond)
            return NULL;
        if (test)
            cond = bind_make_op(b, "=", test, cond, c->whens[i].cond->location, err);
        else
            cond = bind_coerce_bool(b, cond, "CASE/WHEN", err);
        if (!cond)
            return NULL;
        e->args[k + 2 * i] = cond;
        results[i] = bind_expr(b, s, c->whens[i].result, err);
        if (!results[i])
            return NULL;
        rtypes[i] = arg_type(results[i]);
    }
    int nr = c->n_whens;
    if (c->defresult) {
        results[nr] = bind_expr(b, s, c->defresult, err);
        if (!results[nr])
            return NULL;
    } else {
        results[nr] = bind_make_const(b, value_null(UNKNOWNOID), -1);
    }
    rtypes[nr] = arg_type(results[nr]);
    Oid common;
    if (types_common_type(nr + 1, rtypes, "CASE", &common, err) != 0) {
        err_at(b, err, c->hdr.location);
        return NULL;
    }
    for (int i = 0; i <= nr; i++) {
        Expr *r = bind_coerce(b, results[i], common, -1, TYPES_COERCE_IMPLICIT, err);
        if (!r)
            return NULL;
        if (i < nr)
            e->args[k + 2 * i + 1] = r;
        else
            e->args[n - 1] = r;
    }
    e->type = common;
    return e;
}

static Expr *bind_row_in(Binder *b, BindScope *s, const AstInExpr *in, SqlError *err);

static Expr *bind_any_list(Binder *b, BindScope *s, Expr *l, const AstList *items, const char *op,
                           bool is_all, int location, SqlError *err)
{
    Expr *e = bind_new_expr(b, EXPR_ANY_LIST, BOOLOID, location, items->n + 1);
    if (!e)
        return NULL;
    e->u.any.is_all = is_all;
    e->u.any.ops = q_alloc(b->arena, sizeof(SqlFuncMatch *) * (size_t)items->n);
    if (!e->u.any.ops) {
        q_oom(err);
        return NULL;
    }
    /* common type of lhs and items when all are of one category, as PG does for IN */
    Oid *types = q_alloc(b->arena, sizeof(Oid) * (size_t)(items->n + 1));
    Expr **vals = q_alloc(b->arena, sizeof(Expr *) * (size_t)(items->n + 1));
    if (!types || !vals) {
        q_oom(err);
        return NULL;
    }
    vals[0] = l;
    types[0] = arg_type(l);
    for (int i = 0; i < items->n; i++) {
        vals[i + 1] = bind_expr(b, s, items->items[i], err);
        if (!vals[i + 1])
            return NULL;
        types[i + 1] = arg_type(vals[i + 1]);
    }
    Oid common;
    SqlError tmp;
    sql_error_clear(&tmp);
    bool have_common = types_common_type(items->n + 1, types, "IN", &common, &tmp) == 0;
    for (int i = 0; i <= items->n; i++)
        if (have_common && !(vals[i] = bind_coerce(b, vals[i], common, -1, TYPES_COERCE_IMPLICIT, err)))
            return NULL;
    e->args[0] = vals[0];
    for (int i = 0; i < items->n; i++) {
        Expr *opx = bind_make_op(b, op, vals[0], vals[i + 1], location, err);
        if (!opx)
            return NULL;
        if (opx->type != BOOLOID) {
            SQL_ERR(err, DATATYPE_MISMATCH, "op ANY/ALL (array) requires operator to yield boolean");
            err_at(b, err, location);
            return NULL;
        }
        e->args[0] = opx->args[0];
        e->args[i + 1] = opx->args[1];
        e->u.any.ops[i] = opx->u.func.m;
    }
    return e;
}

Expr *bind_in(Binder *b, BindScope *s, const AstInExpr *in, SqlError *err)
{
    if (in->lexpr->tag == AST_ROW)
        return bind_row_in(b, s, in, err);
    Expr *l = bind_expr(b, s, in->lexpr, err);
    if (!l)
        return NULL;
    Expr *e;
    if (in->subquery)
        e = bind_sublink(b, s, in->negated ? SUBLINK_ALL : SUBLINK_ANY, in->subquery, l,
                         in->negated ? "<>" : "=", in->hdr.location, err);
    else
        e = bind_any_list(b, s, l, &in->list, in->negated ? "<>" : "=", in->negated, in->hdr.location, err);
    return e;
}

Expr *bind_like(Binder *b, BindScope *s, const AstLikeExpr *lk, SqlError *err)
{
    Expr *a = bind_expr(b, s, lk->arg, err);
    Expr *p = a ? bind_expr(b, s, lk->pattern, err) : NULL;
    if (!p)
        return NULL;
    if (lk->kind == AST_LIKE_SIMILAR || lk->escape) {
        const char *fn = lk->kind == AST_LIKE_SIMILAR ? "similar_to_escape" : "like_escape";
        Expr *args[2] = {p, NULL};
        Oid types[2] = {arg_type(p), TEXTOID};
        int n = 1;
        if (lk->escape) {
            args[1] = bind_expr(b, s, lk->escape, err);
            if (!args[1])
                return NULL;
            types[1] = arg_type(args[1]);
            n = 2;
        }
        SqlFuncMatch m;
        if (types_func_resolve(fn, n, types, &m, err) != 0) {
            err_at(b, err, lk->hdr.location);
            return NULL;
        }
        if (bind_coerce_args(b, &m, n, args, err) != 0)
            return NULL;
        Expr *f = bind_new_expr(b, EXPR_FUNC, m.ret_type, lk->hdr.location, n);
        if (!f)
            return NULL;
        memcpy(f->args, args, sizeof(Expr *) * (size_t)n);
        f->u.func.m = copy_match(b, &m);
        p = f;
    }
    const char *op;
    if (lk->kind == AST_LIKE_SIMILAR)
        op = lk->negated ? "!~" : "~";
    else if (lk->kind == AST_LIKE_ILIKE)
        op = lk->negated ? "!~~*" : "~~*";
    else
        op = lk->negated ? "!~~" : "~~";
    return bind_make_op(b, op, a, p, lk->hdr.location, err);
}

/* (e).field on a record: a catalog SRF's column ((_pg_expandarray(a)).n runs the SRF and
 * yields that column), or field k of a record value (pgcat_record_field). */
static Expr *bind_record_field(Binder *b, Expr *e, const char *field, int location, SqlError *err)
{
    Oid elem = 0, type = INVALIDOID;
    const SqlFunc *srf = pgcat_record_srf(e->typmod, &elem);
    int k = srf ? pgcat_record_column(srf, elem, field, &type) : -1;
    if (k < 0) {
        SQL_ERR(err, UNDEFINED_COLUMN, srf ? "column \"%s\" not found in data type record" :
                "could not identify column \"%s\" in record data type", field);
        err_at(b, err, location);
        return NULL;
    }
    if (e->kind == EXPR_SRF && e->u.srf.field == 0) {
        e->u.srf.field = k + 1;
        e->type = type;
        e->typmod = -1;
        return e;
    }
    SqlFuncMatch m;
    memset(&m, 0, sizeof m);
    m.func = pgcat_record_field_func();
    m.nargs = 2;
    m.arg_types[0] = RECORDOID;
    m.arg_types[1] = INT4OID;
    m.ret_type = type;
    Expr *f = bind_new_expr(b, EXPR_FUNC, type, location, 2);
    if (!f)
        return NULL;
    f->args[0] = e;
    if (!(f->args[1] = bind_make_const(b, value_int(INT4OID, k), location)))
        return NULL;
    f->u.func.m = copy_match(b, &m);
    return f->u.func.m ? f : NULL;
}

Expr *bind_subscript(Binder *b, BindScope *s, const AstIndirection *ind, SqlError *err)
{
    Expr *e = bind_expr(b, s, ind->arg, err);
    if (!e)
        return NULL;
    for (int i = 0; i < ind->n_items; i++) {
        const AstIndirItem *it = &ind->items[i];
        if (it->kind == AST_INDIR_SLICE) {
            /* a[lo:hi] (either bound optional): an array of the same type */
            if (types_array_elem(e->type) == INVALIDOID) {
                SQL_ERR(err, DATATYPE_MISMATCH,
                        "cannot subscript type %s because it does not support subscripting", type_name(e->type));
                err_at(b, err, ind->arg->location);
                return NULL;
            }
            Expr *lo = it->lo ? bind_coerce(b, bind_expr(b, s, it->lo, err), INT4OID, -1, TYPES_COERCE_IMPLICIT, err)
                              : bind_make_const(b, value_null(INT4OID), -1);
            Expr *hi = it->hi ? bind_coerce(b, bind_expr(b, s, it->hi, err), INT4OID, -1, TYPES_COERCE_IMPLICIT, err)
                              : bind_make_const(b, value_null(INT4OID), -1);
            Expr *sub = (lo && hi) ? bind_new_expr(b, EXPR_SUBSCRIPT, e->type, ind->hdr.location, 4) : NULL;
            if (!sub)
                return NULL;
            sub->args[0] = e;
            sub->args[1] = lo;
            sub->args[2] = hi;
            sub->args[3] = bind_make_const(b, value_bool(it->lo != NULL), -1); /* lower bound given */
            if (!sub->args[3])
                return NULL;
            e = sub;
            continue;
        }
        if (it->kind == AST_INDIR_FIELD && e->type == RECORDOID) {
            if (!(e = bind_record_field(b, e, it->field, ind->hdr.location, err)))
                return NULL;
            continue;
        }
        if (it->kind != AST_INDIR_INDEX) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "this kind of indirection is not supported");
            err_at(b, err, ind->hdr.location);
            return NULL;
        }
        Oid elem = types_array_elem(e->type);
        if (e->type == NAMEOID)
            elem = CHAROID; /* pg_dump support: name is a fixed char array in PG (typname[0]) */
        if (elem == INVALIDOID) {
            SQL_ERR(err, DATATYPE_MISMATCH,
                    "cannot subscript type %s because it does not support subscripting", type_name(e->type));
            err_at(b, err, ind->arg->location);
            return NULL;
        }
        /* consecutive subscripts a[i][j] select one element of a multi-dimensional array */
        int k = 1;
        while (e->type != NAMEOID && i + k < ind->n_items && ind->items[i + k].kind == AST_INDIR_INDEX && k < 6)
            k++;
        Expr *sub = bind_new_expr(b, EXPR_SUBSCRIPT, elem, ind->hdr.location, 1 + k);
        if (!sub)
            return NULL;
        sub->args[0] = e;
        sub->u.subscript.n_index = k;
        for (int j = 0; j < k; j++) {
            Expr *ix = bind_coerce(b, bind_expr(b, s, ind->items[i + j].lo, err), INT4OID, -1, TYPES_COERCE_IMPLICIT, err);
            if (!ix)
                return NULL;
            sub->args[1 + j] = ix;
        }
        i += k - 1;
        e = sub;
    }
    return e;
}

Expr *bind_array(Binder *b, BindScope *s, const AstArrayExpr *a, SqlError *err)
{
    int n = a->elements.n;
    Expr *e = bind_new_expr(b, EXPR_ARRAY, UNKNOWNOID, a->hdr.location, n);
    if (!e)
        return NULL;
    Oid common = TEXTOID;
    if (n == 0) {
        SQL_ERR(err, INDETERMINATE_DATATYPE, "cannot determine type of empty array");
        sql_error_hint(err, "Explicitly cast to the desired type, for example ARRAY[]::integer[].");
        err_at(b, err, a->hdr.location);
        return NULL;
    }
    if (!bind_list_common(b, s, &a->elements, e->args, "ARRAY", &common, a->hdr.location, err))
        return NULL;
    if (types_array_elem(common) != INVALIDOID && common != NAMEOID && common != INT2VECTOROID && common != OIDVECTOROID) {
        /* sub-arrays (ARRAY[[1,2],[3,4]], ARRAY[a1, a2]): one more dimension, same type */
        e->type = common;
        e->u.array.elem = types_array_elem(common);
        e->u.array.multi = true;
        return e;
    }
    Oid arr = types_array_of(common);
    if (arr == INVALIDOID) {
        SQL_ERR(err, UNDEFINED_OBJECT, "could not find array type for data type %s", type_name(common));
        err_at(b, err, a->hdr.location);
        return NULL;
    }
    e->type = arr;
    e->u.array.elem = common;
    return e;
}

/* (a, b) op (c, d): = and <> pairwise; <, <=, >, >= lexicographically, as PostgreSQL. */
Expr *bind_row_compare(Binder *b, BindScope *s, const char *op, const AstRowExpr *l, const AstRowExpr *r,
                              int location, SqlError *err)
{
    int n = l->args.n;
    if (n != r->args.n) {
        SQL_ERR(err, SYNTAX_ERROR, "unequal number of entries in row expressions");
        err_at(b, err, location);
        return NULL;
    }
    bool eq = strcmp(op, "=") == 0, ne = strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0;
    bool lt = op[0] == '<' && !ne, gt = op[0] == '>';
    if (!eq && !ne && !lt && !gt) {
        SQL_ERR(err, FEATURE_NOT_SUPPORTED, "operator %s is not supported for row expressions", op);
        err_at(b, err, location);
        return NULL;
    }
    bool strict_last = strcmp(op, "<") == 0 || strcmp(op, ">") == 0;
    Expr **ls = q_alloc(b->arena, sizeof(Expr *) * (size_t)(n + 1));
    Expr **rs = q_alloc(b->arena, sizeof(Expr *) * (size_t)(n + 1));
    if (!ls || !rs) {
        q_oom(err);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (!(ls[i] = bind_expr(b, s, l->args.items[i], err)) || !(rs[i] = bind_expr(b, s, r->args.items[i], err)))
            return NULL;
    }
    if (eq || ne) {
        Expr *e = bind_new_expr(b, eq ? EXPR_AND : EXPR_OR, BOOLOID, location, n);
        if (!e)
            return NULL;
        for (int i = 0; i < n; i++)
            if (!(e->args[i] = bind_make_op(b, eq ? "=" : "<>", ls[i], rs[i], location, err)))
                return NULL;
        return n == 1 ? e->args[0] : e;
    }
    /* a < c OR (a = c AND (b < d OR (b = d AND ...))) built from the last column up */
    const char *strict = lt ? "<" : ">";
    Expr *acc = bind_make_op(b, strict_last ? strict : op, ls[n - 1], rs[n - 1], location, err);
    for (int i = n - 2; i >= 0 && acc; i--) {
        Expr *first = bind_make_op(b, strict, ls[i], rs[i], location, err);
        Expr *same = first ? bind_make_op(b, "=", ls[i], rs[i], location, err) : NULL;
        Expr *both = same ? bind_new_expr(b, EXPR_AND, BOOLOID, location, 2) : NULL;
        Expr *either = both ? bind_new_expr(b, EXPR_OR, BOOLOID, location, 2) : NULL;
        if (!either)
            return NULL;
        both->args[0] = same;
        both->args[1] = acc;
        either->args[0] = first;
        either->args[1] = both;
        acc = either;
    }
    return acc;
}

/* (a, b) [NOT] IN ((1, 2), (3, 4)): OR of row equalities (NOT IN: AND of row <>). */
static Expr *bind_row_in(Binder *b, BindScope *s, const AstInExpr *in, SqlError *err)
{
    if (in->subquery)
        return bind_row_sublink(b, s, in->negated ? SUBLINK_ALL : SUBLINK_ANY, in->subquery,
                                (const AstRowExpr *)in->lexpr, in->negated ? "<>" : "=", in->hdr.location, err);
    Expr *e = bind_new_expr(b, in->negated ? EXPR_AND : EXPR_OR, BOOLOID, in->hdr.location, in->list.n);
    if (!e)
        return NULL;
    for (int i = 0; i < in->list.n; i++) {
        const AstNode *item = in->list.items[i];
        if (item->tag != AST_ROW) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "row-valued IN needs row items");
            err_at(b, err, item->location);
            return NULL;
        }
        if (!(e->args[i] = bind_row_compare(b, s, in->negated ? "<>" : "=", (const AstRowExpr *)in->lexpr,
                                            (const AstRowExpr *)item, in->hdr.location, err)))
            return NULL;
    }
    return in->list.n == 1 ? e->args[0] : e;
}

/* FigureColname: PostgreSQL's naming of unnamed output columns. */
/* FigureColname with PostgreSQL's strengths: 2 = a real name (column, function...), 1 =
 * a weak one (CASE, a cast's type name) that an enclosing cast may replace, 0 = none. */
static const char *colname_s(const AstNode *n, int *st)
{
    *st = 2;
    switch (n->tag) {
    case AST_COLUMN_REF: {
        const AstColumnRef *c = (const AstColumnRef *)n;
        return c->fields.names[c->fields.n - 1];
    }
    case AST_FUNC_CALL: {
        const AstFuncCall *f = (const AstFuncCall *)n;
        return f->name.names[f->name.n - 1];
    }
    case AST_TYPE_CAST: {
        const AstTypeCast *t = (const AstTypeCast *)n;
        const char *inner = colname_s(t->arg, st);
        if (*st >= 2)
            return inner;
        *st = 1;
        return t->type->names.names[t->type->names.n - 1];
    }
    case AST_INDIRECTION: {
        const AstIndirection *ind = (const AstIndirection *)n;
        for (int i = ind->n_items - 1; i >= 0; i--)
            if (ind->items[i].kind == AST_INDIR_FIELD)
                return ind->items[i].field;
        return colname_s(ind->arg, st);
    }
    case AST_CASE:
        *st = 1;
        return "case";
    case AST_ARRAY:
        return "array";
    case AST_ROW:
        return "row";
    case AST_VARARG_FUNC: {
        static const char *const names[] = {"coalesce", "greatest", "least", "nullif"};
        return names[((const AstVarargFunc *)n)->kind];
    }
    case AST_SUBLINK: {
        const AstSubLink *s = (const AstSubLink *)n;
        if (s->kind == AST_SUBLINK_EXISTS)
            return "exists";
        if (s->kind == AST_SUBLINK_ARRAY)
            return "array";
        const AstSelectStmt *sel = (const AstSelectStmt *)s->subquery;
        while (sel->op != AST_SETOP_NONE)
            sel = sel->larg;
        if (sel->targets.n > 0) {
            const AstResTarget *rt = (const AstResTarget *)sel->targets.items[0];
            if (rt->name)
                return rt->name;
            if (rt->val)
                return colname_s(rt->val, st);
        }
        *st = 0;
        return "?column?";
    }
    case AST_SQL_VALUE: {
        static const char *const names[] = {
            "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp",
            "current_role", "current_user", "session_user", "user", "current_catalog", "current_schema"};
        return names[((const AstSqlValue *)n)->kind];
    }
    case AST_COLLATE:
        return colname_s(((const AstCollate *)n)->arg, st);
    default:
        *st = 0;
        return "?column?";
    }
}

const char *bind_colname(const AstNode *n)
{
    int st;
    return colname_s(n, &st);
}
