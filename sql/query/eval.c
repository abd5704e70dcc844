/* eval.c -- evaluation of bound expressions (Expr) against a row: SQL three-valued logic,
 * builtin calls through sql/types, casts, CASE/COALESCE/NULLIF/GREATEST/LEAST, IN lists,
 * ANY/ALL over arrays, array constructors and subscripts, SQL value functions.
 * Results are allocated in c->arena (the caller names its lifetime); inputs are borrowed. */
#include <string.h>

#include "sql/pgcat/pgcat.h"
#include "sql/query/exec_int.h"

bool eval_value_true(const Value *v)
{
    return !v->null && v->u.b;
}

void eval_func_ctx(EvalCtx *c, FuncCallCtx *f, const SqlFuncMatch *m, int nargs)
{
    *f = c->qc->fcx;
    f->arena = c->arena;
    f->nargs = nargs;
    f->arg_types = m->arg_types;
    f->ret_type = m->ret_type;
    f->ret_typmod = -1;
}

int eval_call(EvalCtx *c, const SqlFuncMatch *m, int nargs, const Value *args, Value *out, SqlError *err)
{
    FuncCallCtx f;
    eval_func_ctx(c, &f, m, nargs);
    return types_func_call(&f, m, nargs, args, out, err);
}

static int eval_args(EvalCtx *c, const Expr *e, Value *vals, SqlError *err)
{
    for (int i = 0; i < e->nargs; i++)
        if (eval_expr(c, e->args[i], &vals[i], err) != 0)
            return -1;
    return 0;
}

/* a op b with the resolved operator; *res = NULL-able bool. */
static int eval_cmp(EvalCtx *c, const SqlFuncMatch *m, const Value *a, const Value *b, Value *res, SqlError *err)
{
    Value args[2] = {*a, *b};
    return eval_call(c, m, 2, args, res, err);
}

static int eval_any(EvalCtx *c, const Expr *e, Value *out, SqlError *err)
{
    Value l;
    if (eval_expr(c, e->args[0], &l, err) != 0)
        return -1;
    bool is_all = e->u.any.is_all;
    bool saw_null = false;
    if (e->kind == EXPR_ANY_LIST) {
        for (int i = 1; i < e->nargs; i++) {
            Value r, res;
            if (eval_expr(c, e->args[i], &r, err) != 0)
                return -1;
            if (eval_cmp(c, e->u.any.ops[i - 1], &l, &r, &res, err) != 0)
                return -1;
            if (res.null) {
                saw_null = true;
            } else if (res.u.b != is_all) {
                *out = value_bool(!is_all);
                return 0;
            }
        }
    } else {
        Value arr;
        if (eval_expr(c, e->args[1], &arr, err) != 0)
            return -1;
        if (arr.null) {
            *out = value_null(BOOLOID);
            return 0;
        }
        TypesArrayReader rd;
        if (types_array_open(&arr, &rd, err) != 0)
            return -1;
        Value el;
        int rc;
        while ((rc = types_array_next(&rd, &el, err)) == 1) {
            Value res;
            if (eval_cmp(c, e->u.any.ops[0], &l, &el, &res, err) != 0)
                return -1;
            if (res.null) {
                saw_null = true;
            } else if (res.u.b != is_all) {
                *out = value_bool(!is_all);
                return 0;
            }
        }
        if (rc < 0)
            return -1;
    }
    *out = saw_null ? value_null(BOOLOID) : value_bool(is_all);
    return 0;
}

static int eval_sqlvalue(EvalCtx *c, const Expr *e, Value *out, SqlError *err)
{
    QueryEnv *env = c->qc->env;
    const char *s = NULL;
    switch (e->u.sqlvalue) {
    case AST_SV_CURRENT_TIMESTAMP:
        *out = value_int(TIMESTAMPTZOID, env->txn_timestamp);
        return 0;
    case AST_SV_LOCALTIMESTAMP: {
        Value ts = value_int(TIMESTAMPTZOID, env->txn_timestamp);
        return types_cast(env->tc, &ts, TIMESTAMPOID, -1, TYPES_COERCE_IMPLICIT, c->arena, out, err);
    }
    case AST_SV_CURRENT_DATE: {
        Value ts = value_int(TIMESTAMPTZOID, env->txn_timestamp);
        return types_cast(env->tc, &ts, DATEOID, -1, TYPES_COERCE_ASSIGNMENT, c->arena, out, err);
    }
    case AST_SV_CURRENT_TIME: case AST_SV_LOCALTIME: {
        Value ts = value_int(TIMESTAMPTZOID, env->txn_timestamp);
        Value lt;
        if (types_cast(env->tc, &ts, TIMESTAMPOID, -1, TYPES_COERCE_IMPLICIT, c->arena, &lt, err) != 0)
            return -1;
        int64_t us = lt.u.i % 86400000000LL;
        if (us < 0)
            us += 86400000000LL;
        *out = value_int(TIMEOID, us);
        return 0;
    }
    case AST_SV_CURRENT_CATALOG:
        s = env->database;
        break;
    case AST_SV_CURRENT_SCHEMA:
        s = "public";
        break;
    case AST_SV_SESSION_USER:
        s = env->session_user ? env->session_user : env->user;
        break;
    default:
        s = env->user;
        break;
    }
    if (!s)
        s = "";
    *out = value_bytes(NAMEOID, s, (uint32_t)strlen(s));
    return 0;
}

/* a[lo:hi]: elements lo..hi (bounds clipped; missing bounds = the array's), lower bound 1. */
static int eval_slice(EvalCtx *c, const Expr *e, Value *out, SqlError *err)
{
    Value arr, lo, hi;
    if (eval_expr(c, e->args[0], &arr, err) != 0 || eval_expr(c, e->args[1], &lo, err) != 0 ||
        eval_expr(c, e->args[2], &hi, err) != 0)
        return -1;
    *out = value_null(e->type);
    bool lo_given = e->args[3]->u.c.u.b, hi_given = !(e->args[2]->kind == EXPR_CONST && e->args[2]->u.c.null);
    if (arr.null || (lo_given && lo.null) || (hi_given && hi.null))
        return 0;
    TypesArrayReader rd;
    if (types_array_open(&arr, &rd, err) != 0)
        return -1;
    int64_t first = lo_given ? lo.u.i : rd.lower, last = hi_given ? hi.u.i : rd.lower + (int64_t)rd.n - 1;
    if (first < rd.lower)
        first = rd.lower;
    if (last > rd.lower + (int64_t)rd.n - 1)
        last = rd.lower + (int64_t)rd.n - 1;
    int64_t cnt = last >= first ? last - first + 1 : 0;
    Value *vals = q_alloc(c->arena, sizeof(Value) * (size_t)(cnt + 1));
    if (!vals)
        return q_oom(err);
    Value el;
    int rc;
    int64_t k = rd.lower, m = 0;
    while ((rc = types_array_next(&rd, &el, err)) == 1) {
        if (k >= first && k <= last)
            vals[m++] = el;
        k++;
    }
    if (rc < 0)
        return -1;
    return types_array_build(rd.elem_type, 1, (uint32_t)m, vals, c->arena, out, err);
}

static int eval_subscript(EvalCtx *c, const Expr *e, Value *out, SqlError *err)
{
    Value arr, ix;
    if (e->u.subscript.n_index == 0)
        return eval_slice(c, e, out, err);
    if (eval_expr(c, e->args[0], &arr, err) != 0 || eval_expr(c, e->args[1], &ix, err) != 0)
        return -1;
    *out = value_null(e->type);
    if (arr.null || ix.null)
        return 0;
    if (e->u.subscript.n_index > 1) {
        /* a[i][j]...: the element when there is one subscript per dimension, in bounds */
        TypesArrayReader rd;
        if (types_array_open(&arr, &rd, err) != 0)
            return -1;
        int k = e->u.subscript.n_index;
        if (k != rd.ndims)
            return 0;
        int64_t off = 0;
        for (int d = 0; d < k; d++) {
            Value x = ix;
            if (d > 0 && eval_expr(c, e->args[1 + d], &x, err) != 0)
                return -1;
            if (x.null)
                return 0;
            int64_t p = x.u.i - rd.lbs[d];
            if (p < 0 || p >= rd.dims[d])
                return 0;
            off = off * rd.dims[d] + p;
        }
        Value el;
        int rc;
        for (int64_t i = 0; (rc = types_array_next(&rd, &el, err)) == 1; i++)
            if (i == off) {
                *out = el;
                return 0;
            }
        return rc < 0 ? -1 : 0;
    }
    if (e->args[0]->type == NAMEOID) {
        /* pg_dump support: name[i] is its i-th byte (0-based) as "char", '' past the end */
        if (ix.u.i < 0 || ix.u.i >= 64)
            return 0;
        *out = value_bytes(CHAROID, ix.u.i < arr.u.s.n ? arr.u.s.p + ix.u.i : "", ix.u.i < arr.u.s.n ? 1u : 0u);
        return 0;
    }
    TypesArrayReader rd;
    if (types_array_open(&arr, &rd, err) != 0)
        return -1;
    if (rd.ndims > 1)
        return 0;   /* one subscript on a multi-dimensional array: NULL, as PostgreSQL */
    int64_t want = ix.u.i - rd.lower;
    if (want < 0 || want >= (int64_t)rd.n)
        return 0;
    Value el;
    int rc;
    int64_t k = 0;
    while ((rc = types_array_next(&rd, &el, err)) == 1) {
        if (k++ == want) {
            *out = el;
            return 0;
        }
    }
    return rc < 0 ? -1 : 0;
}

/* ARRAY[sub1, sub2, ...] over sub-arrays: one more leading dimension. The sub-arrays must
 * agree in dimensions and bounds; NULL or empty ones are only allowed when all are
 * (then the result is empty), as PostgreSQL's ExecEvalArrayExpr. */
static int eval_array_multi(EvalCtx *c, const Expr *e, const Value *subs, Value *out, SqlError *err)
{
    Oid et = e->u.array.elem;
    int32_t dims[TYPES_ARRAY_MAXDIM], lbs[TYPES_ARRAY_MAXDIM];
    int sub_nd = -1;
    bool have_empty = false;
    size_t total = 0;
    TypesArrayReader first;
    for (int i = 0; i < e->nargs; i++) {
        TypesArrayReader r;
        if (subs[i].null) {
            have_empty = true;
            continue;
        }
        if (types_array_open(&subs[i], &r, err) != 0)
            return -1;
        if (r.ndims == 0) {
            have_empty = true;
            continue;
        }
        if (sub_nd < 0) {
            sub_nd = r.ndims;
            first = r;
        } else {
            bool same = r.ndims == first.ndims;
            for (int d = 0; same && d < r.ndims; d++)
                same = r.dims[d] == first.dims[d] && r.lbs[d] == first.lbs[d];
            if (!same)
                return SQL_ERR(err, ARRAY_SUBSCRIPT_ERROR,
                               "multidimensional arrays must have array expressions with matching dimensions");
        }
        total += r.n;
    }
    if (sub_nd < 0)
        return types_array_build(et, 1, 0, NULL, c->arena, out, err);
    if (have_empty)
        return SQL_ERR(err, ARRAY_SUBSCRIPT_ERROR,
                       "multidimensional arrays must have array expressions with matching dimensions");
    if (sub_nd + 1 > TYPES_ARRAY_MAXDIM)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "number of array dimensions (%d) exceeds the maximum allowed (%d)",
                       sub_nd + 1, TYPES_ARRAY_MAXDIM);
    dims[0] = e->nargs;
    lbs[0] = 1;
    for (int d = 0; d < sub_nd; d++) {
        dims[d + 1] = first.dims[d];
        lbs[d + 1] = first.lbs[d];
    }
    Value *el = shale_arena_alloc(c->arena, sizeof(Value) * (total ? total : 1));
    if (!el)
        return q_oom(err);
    size_t k = 0;
    for (int i = 0; i < e->nargs; i++) {
        TypesArrayReader r;
        if (types_array_open(&subs[i], &r, err) != 0)
            return -1;
        Value v;
        int rc;
        while ((rc = types_array_next(&r, &v, err)) == 1)
            el[k++] = v;
        if (rc < 0)
            return -1;
    }
    int rc = types_array_build_md(et, sub_nd + 1, dims, lbs, (uint32_t)k, el, c->arena, out, err);
    if (rc == 0)
        out->type = e->type;
    return rc;
}

static int eval_nextval(EvalCtx *c, const Expr *e, Value *out, SqlError *err)
{
    QueryEnv *env = c->qc->env;
    int64_t v;
    if (env->hooks.nextval) {
        if (env->hooks.nextval(env->hooks.arg, e->u.nextval.seq, &v, err) != 0)
            return -1;
    } else {
        const CatRelation *seq = catsnap_relation_by_oid(env->cat, e->u.nextval.seq);
        if (!seq)
            return SQL_ERR(err, UNDEFINED_TABLE, "could not open relation with OID %u", e->u.nextval.seq);
        if (rel_seq_nextval(env->rdb, env->database_oid, seq, &v, err) != 0)
            return -1;
    }
    *out = value_int(INT8OID, v);
    if (e->type != INT8OID)
        return types_cast(env->tc, out, e->type, -1, TYPES_COERCE_ASSIGNMENT, c->arena, out, err);
    return 0;
}

int eval_expr(EvalCtx *c, const Expr *e, Value *out, SqlError *err)
{
    switch (e->kind) {
    case EXPR_CONST:
        *out = e->u.c;
        return 0;
    case EXPR_PARAM: {
        const Value *p = c->qc->params;
        if (!p || e->u.param >= c->qc->q->n_params) {
            *out = value_null(e->type);
            return 0;
        }
        *out = p[e->u.param];
        return 0;
    }
    case EXPR_VAR: {
        const EvalCtx *x = c;
        for (int l = 0; l < e->u.var.level && x; l++)
            x = x->outer;
        if (!x || !x->row)
            return SQL_ERR(err, INTERNAL_ERROR, "variable of an unavailable row");
        *out = x->row[e->u.var.index];
        return 0;
    }
    case EXPR_FUNC: {
        Value local[8];
        Value *args = local;
        if (e->nargs > 8) {
            args = shale_arena_alloc(c->arena, sizeof(Value) * (size_t)e->nargs);
            if (!args)
                return q_oom(err);
        }
        if (eval_args(c, e, args, err) != 0)
            return -1;
        return eval_call(c, e->u.func.m, e->nargs, args, out, err);
    }
    case EXPR_CAST: {
        Value v;
        if (eval_expr(c, e->args[0], &v, err) != 0)
            return -1;
        if (v.null) {
            *out = value_null(e->type);
            return 0;
        }
        /* regclass/regtype -> text-like prints the name ('emp'::regclass::text = 'emp'), which
         * needs the catalog (pgcat); the types module only knows the number */
        if ((v.type == REGCLASSOID || v.type == REGTYPEOID) &&
            (e->type == TEXTOID || e->type == VARCHAROID || e->type == NAMEOID)) {
            const char *name = NULL;
            int rc = v.type == REGCLASSOID ? pgcat_regclass_out(c->qc->env, (Oid)v.u.i, c->arena, &name)
                                           : pgcat_regtype_out(c->qc->env, (Oid)v.u.i, c->arena, &name);
            if (rc == 0 && name) {
                Value t = value_bytes(TEXTOID, name, (uint32_t)strlen(name));
                return types_cast(c->qc->env->tc, &t, e->type, e->typmod, e->u.cast.ctx, c->arena, out, err);
            }
        }
        /* text-like -> regclass/regtype at run time looks the name up, as the constant case
         * in the binder does (pg_get_serial_sequence(...)::regclass) */
        if ((e->type == REGCLASSOID || e->type == REGTYPEOID) &&
            (v.type == TEXTOID || v.type == VARCHAROID || v.type == NAMEOID || v.type == BPCHAROID)) {
            char *name = shale_arena_alloc(c->arena, (size_t)v.u.s.n + 1);
            if (!name)
                return q_oom(err);
            memcpy(name, v.u.s.p, v.u.s.n);
            name[v.u.s.n] = 0;
            Oid oid = 0;
            int rc = e->type == REGCLASSOID ? pgcat_regclass_in(c->qc->env, name, &oid, err)
                                            : pgcat_regtype_in(c->qc->env, name, &oid, err);
            if (rc != 0)
                return -1;
            *out = value_int(e->type, (int64_t)oid);
            return 0;
        }
        return types_cast(c->qc->env->tc, &v, e->type, e->typmod, e->u.cast.ctx, c->arena, out, err);
    }
    case EXPR_AND: case EXPR_OR: {
        bool is_and = e->kind == EXPR_AND;
        bool saw_null = false;
        for (int i = 0; i < e->nargs; i++) {
            Value v;
            if (eval_expr(c, e->args[i], &v, err) != 0)
                return -1;
            if (v.null)
                saw_null = true;
            else if (v.u.b != is_and) {
                *out = value_bool(!is_and);
                return 0;
            }
        }
        *out = saw_null ? value_null(BOOLOID) : value_bool(is_and);
        return 0;
    }
    case EXPR_NOT: {
        Value v;
        if (eval_expr(c, e->args[0], &v, err) != 0)
            return -1;
        *out = v.null ? value_null(BOOLOID) : value_bool(!v.u.b);
        return 0;
    }
    case EXPR_NULLTEST: {
        Value v;
        if (eval_expr(c, e->args[0], &v, err) != 0)
            return -1;
        *out = value_bool(v.null != e->u.nulltest.is_not);
        return 0;
    }
    case EXPR_BOOLTEST: {
        Value v;
        if (eval_expr(c, e->args[0], &v, err) != 0)
            return -1;
        bool r;
        switch (e->u.booltest) {
        case AST_IS_TRUE: r = !v.null && v.u.b; break;
        case AST_IS_NOT_TRUE: r = v.null || !v.u.b; break;
        case AST_IS_FALSE: r = !v.null && !v.u.b; break;
        case AST_IS_NOT_FALSE: r = v.null || v.u.b; break;
        case AST_IS_UNKNOWN: r = v.null; break;
        default: r = !v.null; break;
        }
        *out = value_bool(r);
        return 0;
    }
    case EXPR_DISTINCT: {
        Value a, b;
        if (eval_expr(c, e->args[0], &a, err) != 0 || eval_expr(c, e->args[1], &b, err) != 0)
            return -1;
        bool distinct;
        if (a.null || b.null) {
            distinct = a.null != b.null;
        } else {
            Value r;
            if (eval_cmp(c, e->u.distinct.eq, &a, &b, &r, err) != 0)
                return -1;
            distinct = r.null || !r.u.b;
        }
        *out = value_bool(e->u.distinct.is_not ? !distinct : distinct);
        return 0;
    }
    case EXPR_CASE: {
        int k = 0;
        Value save = c->case_val;
        if (e->u.kase.has_arg) {
            if (eval_expr(c, e->args[0], &c->case_val, err) != 0)
                return -1;
            k = 1;
        }
        int nwhen = (e->nargs - k - 1) / 2;
        for (int i = 0; i < nwhen; i++) {
            Value cond;
            if (eval_expr(c, e->args[k + 2 * i], &cond, err) != 0)
                return -1;
            if (eval_value_true(&cond)) {
                c->case_val = save;
                return eval_expr(c, e->args[k + 2 * i + 1], out, err);
            }
        }
        c->case_val = save;
        return eval_expr(c, e->args[e->nargs - 1], out, err);
    }
    case EXPR_CASE_TEST:
        *out = c->case_val;
        return 0;
    case EXPR_COALESCE:
        for (int i = 0; i < e->nargs; i++) {
            if (eval_expr(c, e->args[i], out, err) != 0)
                return -1;
            if (!out->null)
                return 0;
        }
        *out = value_null(e->type);
        return 0;
    case EXPR_MINMAX: {
        bool have = false;
        Value best = value_null(e->type);
        for (int i = 0; i < e->nargs; i++) {
            Value v;
            if (eval_expr(c, e->args[i], &v, err) != 0)
                return -1;
            if (v.null)
                continue;
            int cmp = have ? types_compare(&v, &best) : 0;
            if (!have || (e->u.minmax.is_greatest ? cmp > 0 : cmp < 0)) {
                best = v;
                have = true;
            }
        }
        *out = best;
        return 0;
    }
    case EXPR_NULLIF: {
        Value a, b;
        if (eval_expr(c, e->args[0], &a, err) != 0 || eval_expr(c, e->args[1], &b, err) != 0)
            return -1;
        if (!a.null && !b.null) {
            Value r;
            if (eval_cmp(c, e->u.nullif.eq, &a, &b, &r, err) != 0)
                return -1;
            if (eval_value_true(&r)) {
                *out = value_null(e->type);
                return 0;
            }
        }
        *out = a;
        return 0;
    }
    case EXPR_ANY_LIST: case EXPR_ANY_ARRAY:
        return eval_any(c, e, out, err);
    case EXPR_SUBLINK:
        return exec_sublink(c, e, out, err);
    case EXPR_ARRAY: {
        Value *vals = shale_arena_alloc(c->arena, sizeof(Value) * (size_t)(e->nargs + 1));
        if (!vals)
            return q_oom(err);
        if (eval_args(c, e, vals, err) != 0)
            return -1;
        if (e->u.array.multi)
            return eval_array_multi(c, e, vals, out, err);
        for (int i = 0; i < e->nargs; i++)
            vals[i].type = e->u.array.elem;
        return types_array_build(e->u.array.elem, 1, (uint32_t)e->nargs, vals, c->arena, out, err);
    }
    case EXPR_SUBSCRIPT:
        return eval_subscript(c, e, out, err);
    case EXPR_SQLVALUE:
        return eval_sqlvalue(c, e, out, err);
    case EXPR_NEXTVAL:
        return eval_nextval(c, e, out, err);
    case EXPR_PGCAT: {
        const PgCatFunc *pf = e->u.pgcat.fn;
        Value local[8];
        Value *args = e->nargs <= 8 ? local : shale_arena_alloc(c->arena, sizeof(Value) * (size_t)e->nargs);
        if (!args)
            return q_oom(err);
        if (eval_args(c, e, args, err) != 0)
            return -1;
        if (pf->strict)
            for (int i = 0; i < e->nargs; i++)
                if (args[i].null) {
                    *out = value_null(e->type);
                    return 0;
                }
        if (pf->fn(c->qc->env, c->arena, e->nargs, args, out, err) != 0)
            return -1;
        if (!out->null && out->type == INVALIDOID)
            out->type = e->type;
        return 0;
    }
    case EXPR_GROUPING: {
        int64_t r = 0;
        if (e->nargs > 0) {
            Value sv;
            if (eval_expr(c, e->args[0], &sv, err) != 0)
                return -1;
            uint64_t mask = e->u.grouping.sets[sv.u.i];
            for (int i = 0; i < e->u.grouping.n; i++)
                if (!((mask >> e->u.grouping.gidx[i]) & 1))
                    r |= (int64_t)1 << (e->u.grouping.n - 1 - i);
        }
        *out = value_int(INT4OID, r);
        return 0;
    }
    case EXPR_AGGREF: case EXPR_WINDOW: case EXPR_SRF:
        return SQL_ERR(err, INTERNAL_ERROR, "aggregate, window or set-returning call evaluated out of place");
    }
    return SQL_ERR(err, INTERNAL_ERROR, "unknown expression kind %d", (int)e->kind);
}

int eval_quals(EvalCtx *c, Expr *const *qual, int n, bool *pass, SqlError *err)
{
    for (int i = 0; i < n; i++) {
        Value v;
        if (eval_expr(c, qual[i], &v, err) != 0)
            return -1;
        if (!eval_value_true(&v)) {
            *pass = false;
            return 0;
        }
    }
    *pass = true;
    return 0;
}
