/* types_fn_extra.c -- smaller builtins added after the first registry: pg_typeof, bit_length,
 * the ^@ (starts with) operator, bytea || bytea, octet_length(bpchar) (which counts the
 * padding, unlike length), and time +/- interval (wrapping around midnight as PostgreSQL's
 * time_pl_interval does), the integer bitwise operators (& | # ~ << >>), the prefix math
 * operators (@ |/ ||/), get_byte/set_byte, substring(bytea) and generate_series(numeric).
 * Results live in ctx->arena. */
#include "sql/types/types_fn.h"

#include <string.h>

#define USECS_PER_DAY INT64_C(86400000000)

/* pg_typeof("any"): the resolved type of its argument (unknown for untyped literals and a
 * bare NULL, as PostgreSQL reports them), as a regtype. Not strict: NULL has a type too. */
static FN(fn_pg_typeof)
{
    (void)nargs; (void)args; (void)err;
    Oid t = ctx->nargs > 0 && ctx->arg_types ? ctx->arg_types[0] : UNKNOWNOID;
    *out = value_int(REGTYPEOID, (int64_t)t);
    return 0;
}

static FN(fn_bit_length)
{
    (void)ctx; (void)nargs; (void)err;
    *out = value_int(INT4OID, (int64_t)args[0].u.s.n * 8);
    return 0;
}

static FN(fn_starts_with_op)
{
    (void)ctx; (void)nargs; (void)err;
    *out = value_bool(args[1].u.s.n <= args[0].u.s.n && memcmp(args[0].u.s.p, args[1].u.s.p, args[1].u.s.n) == 0);
    return 0;
}

static FN(fn_bytea_concat)
{
    (void)nargs;
    size_t n = args[0].u.s.n + args[1].u.s.n;
    char *p = shale_arena_alloc(ctx->arena, n ? n : 1);
    if (!p)
        return types_oom(err);
    if (args[0].u.s.n)
        memcpy(p, args[0].u.s.p, args[0].u.s.n);
    if (args[1].u.s.n)
        memcpy(p + args[0].u.s.n, args[1].u.s.p, args[1].u.s.n);
    *out = value_bytes(BYTEAOID, p, n);
    return 0;
}

static FN(fn_bpchar_octet_length)
{
    (void)ctx; (void)nargs; (void)err;
    *out = value_int(INT4OID, (int64_t)args[0].u.s.n);
    return 0;
}

/* time +/- interval: only the interval's time part counts (months and days are ignored),
 * and the result wraps into [0, 24h). */
static int extra_time_shift(const Value *t, const Value *iv, int sign, Value *out)
{
    int64_t r = (t->u.i + sign * (iv->u.iv.us % USECS_PER_DAY)) % USECS_PER_DAY;
    if (r < 0)
        r += USECS_PER_DAY;
    *out = value_int(TIMEOID, r);
    return 0;
}

static FN(fn_time_pl_iv)
{
    (void)ctx; (void)nargs; (void)err;
    if (args[0].type == INTERVALOID || (ctx->arg_types && ctx->arg_types[0] == INTERVALOID))
        return extra_time_shift(&args[1], &args[0], 1, out);
    return extra_time_shift(&args[0], &args[1], 1, out);
}

static FN(fn_time_mi_iv)
{
    (void)ctx; (void)nargs; (void)err;
    return extra_time_shift(&args[0], &args[1], -1, out);
}

/* Integer bitwise operators. Values are kept within the operand width by the registry's
 * result type (int2/int4/int8 stay in range: & | # ~ cannot leave it; shifts are truncated
 * to the width like PostgreSQL's C shifts). */
static int64_t extra_int_wrap(Oid t, uint64_t v)
{
    if (t == INT2OID)
        return (int16_t)(uint16_t)v;
    if (t == INT4OID)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

static FN(fn_int_and) { (void)nargs; (void)err; *out = value_int(ctx->ret_type, args[0].u.i & args[1].u.i); return 0; }
static FN(fn_int_or) { (void)nargs; (void)err; *out = value_int(ctx->ret_type, args[0].u.i | args[1].u.i); return 0; }
static FN(fn_int_xor) { (void)nargs; (void)err; *out = value_int(ctx->ret_type, args[0].u.i ^ args[1].u.i); return 0; }
static FN(fn_int_not) { (void)nargs; (void)err; *out = value_int(ctx->ret_type, ~args[0].u.i); return 0; }

static FN(fn_int_shl)
{
    (void)nargs; (void)err;
    int bits = ctx->ret_type == INT2OID ? 16 : ctx->ret_type == INT4OID ? 32 : 64;
    uint64_t sh = (uint64_t)args[1].u.i & (uint64_t)(bits == 64 ? 63 : 31);
    *out = value_int(ctx->ret_type, extra_int_wrap(ctx->ret_type, (uint64_t)args[0].u.i << sh));
    return 0;
}

static FN(fn_int_shr)
{
    (void)nargs; (void)err;
    int bits = ctx->ret_type == INT2OID ? 16 : ctx->ret_type == INT4OID ? 32 : 64;
    int64_t sh = args[1].u.i & (bits == 64 ? 63 : 31);
    *out = value_int(ctx->ret_type, sh >= 63 ? (args[0].u.i < 0 ? -1 : 0) : args[0].u.i >> sh);
    return 0;
}

static FN(fn_get_byte)
{
    (void)ctx; (void)nargs;
    int64_t i = args[1].u.i;
    int64_t n = (int64_t)args[0].u.s.n;
    if (i < 0 || i >= n)
        return SQL_ERR(err, ARRAY_SUBSCRIPT_ERROR, "index %lld out of valid range, 0..%lld", (long long)i,
                       (long long)(n - 1));
    *out = value_int(INT4OID, (unsigned char)args[0].u.s.p[i]);
    return 0;
}

static FN(fn_set_byte)
{
    (void)nargs;
    int64_t i = args[1].u.i;
    int64_t n = (int64_t)args[0].u.s.n;
    if (i < 0 || i >= n)
        return SQL_ERR(err, ARRAY_SUBSCRIPT_ERROR, "index %lld out of valid range, 0..%lld", (long long)i,
                       (long long)(n - 1));
    char *p = shale_arena_alloc(ctx->arena, (size_t)n);
    if (!p)
        return types_oom(err);
    memcpy(p, args[0].u.s.p, (size_t)n);
    p[i] = (char)(args[2].u.i & 0xff);
    *out = value_bytes(BYTEAOID, p, (size_t)n);
    return 0;
}

/* generate_series(numeric, numeric [, numeric]). The SRF state has no destructor and the
 * caller may switch ctx->arena per row, so the running values are kept as ShaleNumeric
 * bytes inside the state itself (bounded: 1000+ digit values are refused). */
#define SERIES_NUM_MAX 600
typedef struct SrfNumSeries {
    char cur[SERIES_NUM_MAX], stop[SERIES_NUM_MAX], step[SERIES_NUM_MAX];
    uint16_t ncur, nstop, nstep;
    int sign;     /* of step */
    bool done;
} SrfNumSeries;

static int nseries_keep(char *dst, uint16_t *n, const Value *v, SqlError *err)
{
    if (v->u.s.n > SERIES_NUM_MAX)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "generate_series value is too large");
    memcpy(dst, v->u.s.p, v->u.s.n);
    *n = (uint16_t)v->u.s.n;
    return 0;
}

static int nseries_var(const char *p, uint16_t n, NumVar *v, SqlError *err)
{
    Value x = value_bytes(NUMERICOID, p, n);
    return num_from_value(&x, v, err);
}

/* done when cur has passed stop in the step's direction */
static int nseries_check(SrfNumSeries *s, SqlError *err)
{
    NumVar c, e;
    num_init(&c);
    num_init(&e);
    if (nseries_var(s->cur, s->ncur, &c, err) < 0 || nseries_var(s->stop, s->nstop, &e, err) < 0) {
        num_free(&c);
        num_free(&e);
        return -1;
    }
    int cmp = num_cmp(&c, &e);
    s->done = s->sign > 0 ? cmp > 0 : cmp < 0;
    num_free(&c);
    num_free(&e);
    return 0;
}

static int nseries_open(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx;
    SrfNumSeries *s = st;
    static const char *const what[] = { "start value", "stop value", "step size" };
    NumVar v[3];
    for (int i = 0; i < 3; i++)
        num_init(&v[i]);
    int rc = 0;
    for (int i = 0; i < nargs && rc == 0; i++) {
        if (num_from_value(&args[i], &v[i], err) < 0) {
            rc = -1;
            break;
        }
        if (v[i].sign == NUM_NAN) {
            rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "%s cannot be NaN", what[i]);
        } else if (v[i].sign == NUM_PINF || v[i].sign == NUM_NINF) {
            rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "%s cannot be infinity", what[i]);
        }
    }
    if (rc == 0) {
        if (nargs > 2) {
            NumVar zero;
            num_init(&zero);
            int c = num_cmp(&v[2], &zero);
            num_free(&zero);
            if (c == 0)
                rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "step size cannot equal zero");
            s->sign = c;
        } else {
            s->sign = 1;
        }
    }
    for (int i = 0; i < 3; i++)
        num_free(&v[i]);
    if (rc != 0)
        return -1;
    if (nseries_keep(s->cur, &s->ncur, &args[0], err) < 0 || nseries_keep(s->stop, &s->nstop, &args[1], err) < 0)
        return -1;
    if (nargs > 2) {
        if (nseries_keep(s->step, &s->nstep, &args[2], err) < 0)
            return -1;
    } else {
        NumVar one;
        num_init(&one);
        Value ov;
        ShaleArena tmp;
        shale_arena_init(&tmp);
        int r = num_set_int64(&one, 1) < 0 ? types_oom(err) : num_to_value(&one, &tmp, &ov, err);
        if (r == 0)
            r = nseries_keep(s->step, &s->nstep, &ov, err);
        num_free(&one);
        shale_arena_destroy(&tmp);
        if (r != 0)
            return -1;
    }
    return nseries_check(s, err);
}

static int nseries_next(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    SrfNumSeries *s = st;
    if (s->done)
        return 0;
    if (ctx->hooks.cancelled && ctx->hooks.cancelled(ctx->hooks.arg))
        return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
    char *p = shale_arena_alloc(ctx->arena, s->ncur ? s->ncur : 1);
    if (!p)
        return types_oom(err);
    memcpy(p, s->cur, s->ncur);
    *out = value_bytes(NUMERICOID, p, s->ncur);
    NumVar c, d, r;
    num_init(&c);
    num_init(&d);
    num_init(&r);
    int rc = nseries_var(s->cur, s->ncur, &c, err);
    if (rc == 0)
        rc = nseries_var(s->step, s->nstep, &d, err);
    if (rc == 0 && num_add(&c, &d, &r) < 0)
        rc = types_oom(err);
    Value nv;
    ShaleArena tmp;
    shale_arena_init(&tmp);
    if (rc == 0)
        rc = num_to_value(&r, &tmp, &nv, err);
    if (rc == 0)
        rc = nseries_keep(s->cur, &s->ncur, &nv, err);
    shale_arena_destroy(&tmp);
    num_free(&c);
    num_free(&d);
    num_free(&r);
    if (rc != 0)
        return -1;
    if (nseries_check(s, err) < 0)
        return -1;
    return 1;
}

/* overlaps(s1, e1, s2, e2) over timestamps, timestamptzs or times (u.i orders them all);
 * an interval end is start + interval. PostgreSQL's overlaps_timestamp null logic. */
static FN(fn_overlaps)
{
    (void)nargs;
    int64_t t[4];
    bool nul[4];
    for (int i = 0; i < 4; i++) {
        nul[i] = args[i].null;
        if (nul[i])
            continue;
        if (ctx->arg_types[i] == INTERVALOID) {
            if (nul[i - 1]) {
                nul[i] = true;
                continue;
            }
            Value r;
            if (ctx->arg_types[i - 1] == TIMEOID) {
                if (extra_time_shift(&args[i - 1], &args[i], 1, &r) != 0)
                    return -1;
            } else if (types_ts_add(ctx, t[i - 1], ctx->arg_types[i - 1] == TIMESTAMPTZOID, args[i].u.iv.months,
                                    args[i].u.iv.days, args[i].u.iv.us, &r, err) != 0) {
                return -1;
            }
            t[i] = r.u.i;
        } else {
            t[i] = args[i].u.i;
        }
    }
    int64_t ts1 = t[0], te1 = t[1], ts2 = t[2], te2 = t[3];
    bool ts1n = nul[0], te1n = nul[1], ts2n = nul[2], te2n = nul[3];
    if (ts1n) {
        if (te1n)
            goto null;
        ts1 = te1;
        te1n = true;
    } else if (!te1n && ts1 > te1) {
        int64_t x = ts1; ts1 = te1; te1 = x;
    }
    if (ts2n) {
        if (te2n)
            goto null;
        ts2 = te2;
        te2n = true;
    } else if (!te2n && ts2 > te2) {
        int64_t x = ts2; ts2 = te2; te2 = x;
    }
    if (ts1 > ts2) {
        if (te2n)
            goto null;
        if (ts1 < te2) {
            *out = value_bool(true);
            return 0;
        }
        if (te1n)
            goto null;
        *out = value_bool(false);
        return 0;
    }
    if (ts1 < ts2) {
        if (te1n)
            goto null;
        if (ts2 < te1) {
            *out = value_bool(true);
            return 0;
        }
        if (te2n)
            goto null;
        *out = value_bool(false);
        return 0;
    }
    if (te1n || te2n)
        goto null;
    *out = value_bool(true);
    return 0;
null:
    *out = value_null(BOOLOID);
    return 0;
}

/* array_assign_element(arr, i, v): UPDATE ... SET a[i] = v. A NULL array becomes the one-
 * element array [i:i]={v}; an index outside the bounds extends the array with NULLs (the
 * lower bound moves down for an index below it), as PostgreSQL's array_set_element. */
static FN(fn_array_assign_element)
{
    (void)nargs;
    Oid et = types_array_elem(ctx->ret_type);
    if (args[1].null)
        return SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "array subscript in assignment must not be null");
    int64_t idx = args[1].u.i;
    Value v = args[2].null ? value_null(et) : args[2];
    v.type = et;
    if (args[0].null)
        return types_array_build(et, (int32_t)idx, 1, &v, ctx->arena, out, err);
    TypesArrayReader r;
    if (types_array_open(&args[0], &r, err) < 0)
        return -1;
    int64_t lower = r.lower, n = r.n;
    if (n == 0)
        return types_array_build(et, (int32_t)idx, 1, &v, ctx->arena, out, err);
    int64_t new_lower = idx < lower ? idx : lower;
    int64_t new_upper = idx > lower + n - 1 ? idx : lower + n - 1;
    int64_t cnt = new_upper - new_lower + 1;
    if (cnt > 134217727)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "array size exceeds the maximum allowed (134217727)");
    Value *el = shale_arena_alloc(ctx->arena, sizeof(Value) * (size_t)cnt);
    if (!el)
        return types_oom(err);
    for (int64_t i = 0; i < cnt; i++)
        el[i] = value_null(et);
    Value e;
    int rc;
    int64_t k = lower - new_lower;
    while ((rc = types_array_next(&r, &e, err)) == 1)
        el[k++] = e;
    if (rc < 0)
        return -1;
    el[idx - new_lower] = v;
    int brc = types_array_build(et, (int32_t)new_lower, (uint32_t)cnt, el, ctx->arena, out, err);
    if (brc == 0)
        out->type = ctx->ret_type;
    return brc;
}

static const SqlSrfImpl srf_generate_series_numeric = { sizeof(SrfNumSeries), 1, NULL, NULL, nseries_open, nseries_next };

void types_fn_extra_register(void)
{
    types_fn_regr_register();
    types_fn_osa_register();
    types_fn_record_register();
    SqlFunc *f = types_reg_fn("array_assign_element", TYPES_ANYARRAYOID, fn_array_assign_element, 3,
                              TYPES_A(TYPES_ANYARRAYOID, INT4OID, TYPES_ANYELEMENTOID));
    f->strict = false;
    static const Oid ov[] = { TIMESTAMPOID, TIMESTAMPTZOID, TIMEOID };
    for (int i = 0; i < 3; i++) {
        Oid t = ov[i], iv = INTERVALOID;
        types_reg_fn("overlaps", BOOLOID, fn_overlaps, 4, TYPES_A(t, t, t, t))->strict = false;
        types_reg_fn("overlaps", BOOLOID, fn_overlaps, 4, TYPES_A(t, iv, t, iv))->strict = false;
        types_reg_fn("overlaps", BOOLOID, fn_overlaps, 4, TYPES_A(t, t, t, iv))->strict = false;
        types_reg_fn("overlaps", BOOLOID, fn_overlaps, 4, TYPES_A(t, iv, t, t))->strict = false;
    }
    types_reg_srf("generate_series", NUMERICOID, &srf_generate_series_numeric, 2, TYPES_A(NUMERICOID, NUMERICOID));
    types_reg_srf("generate_series", NUMERICOID, &srf_generate_series_numeric, 3,
                  TYPES_A(NUMERICOID, NUMERICOID, NUMERICOID));
    static const Oid ints[] = { INT2OID, INT4OID, INT8OID };
    for (int i = 0; i < 3; i++) {
        Oid t = ints[i];
        types_reg_op("&", t, t, t, fn_int_and);
        types_reg_op("|", t, t, t, fn_int_or);
        types_reg_op("#", t, t, t, fn_int_xor);
        types_reg_op("~", INVALIDOID, t, t, fn_int_not);
        types_reg_op("<<", t, INT4OID, t, fn_int_shl);
        types_reg_op(">>", t, INT4OID, t, fn_int_shr);
    }
    static const Oid absr[] = { INT2OID, INT4OID, INT8OID, FLOAT4OID, FLOAT8OID, NUMERICOID };
    for (int i = 0; i < 6; i++)
        types_reg_op("@", INVALIDOID, absr[i], absr[i], fn_abs);
    types_reg_op("|/", INVALIDOID, FLOAT8OID, FLOAT8OID, fn_sqrt);
    types_reg_op("||/", INVALIDOID, FLOAT8OID, FLOAT8OID, fn_cbrt);
    types_reg_fn("get_byte", INT4OID, fn_get_byte, 2, TYPES_A(BYTEAOID, INT4OID));
    types_reg_fn("set_byte", BYTEAOID, fn_set_byte, 3, TYPES_A(BYTEAOID, INT4OID, INT4OID));
    types_reg_fn("substring", BYTEAOID, fn_substr, 2, TYPES_A(BYTEAOID, INT4OID));
    types_reg_fn("substring", BYTEAOID, fn_substr, 3, TYPES_A(BYTEAOID, INT4OID, INT4OID));
    f = types_reg_fn("pg_typeof", REGTYPEOID, fn_pg_typeof, 1, TYPES_A(TYPES_ANYOID));
    f->strict = false;
    f->keep_unknown = true;
    f->volatility = SQL_STABLE;
    f->oid = 1619;
    types_reg_fn("bit_length", INT4OID, fn_bit_length, 1, TYPES_A(TEXTOID));
    types_reg_fn("bit_length", INT4OID, fn_bit_length, 1, TYPES_A(BYTEAOID));
    types_reg_op("^@", TEXTOID, TEXTOID, BOOLOID, fn_starts_with_op);
    types_reg_op("||", BYTEAOID, BYTEAOID, BYTEAOID, fn_bytea_concat);
    types_reg_fn("octet_length", INT4OID, fn_bpchar_octet_length, 1, TYPES_A(BPCHAROID));
    types_reg_op("+", TIMEOID, INTERVALOID, TIMEOID, fn_time_pl_iv);
    types_reg_op("+", INTERVALOID, TIMEOID, TIMEOID, fn_time_pl_iv);
    types_reg_op("-", TIMEOID, INTERVALOID, TIMEOID, fn_time_mi_iv);
}
