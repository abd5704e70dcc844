/* types_fn_agg.c -- aggregates (count, sum, avg, min/max, string_agg, array_agg,
 * bool_and/bool_or) and set-returning functions (generate_series over integers, unnest).
 * Aggregate states live in the group's arena (ctx->arena) and grow by doubling there, so
 * garbage per group stays within a factor of two of the live state. */
#include "sql/types/types_fn.h"

#include <math.h>
#include <string.h>

/* --- count ---------------------------------------------------------------------------- */

typedef struct AggCount { int64_t n; } AggCount;

static int count_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs; (void)args; (void)err;
    ((AggCount *)st)->n++;
    return 0;
}
static int count_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)ctx; (void)err;
    *out = value_int(INT8OID, ((AggCount *)st)->n);
    return 0;
}
static int count_combine(FuncCallCtx *ctx, void *st, const void *o, SqlError *err)
{
    (void)ctx; (void)err;
    ((AggCount *)st)->n += ((const AggCount *)o)->n;
    return 0;
}
const SqlAggImpl agg_count_star = { sizeof(AggCount), false, count_step, count_final, count_combine };
const SqlAggImpl agg_count = { sizeof(AggCount), true, count_step, count_final, count_combine };

/* --- sum/avg over integers: exact 128-bit accumulator ---------------------------------- */

/* the 128-bit sum is kept as bytes: states are only 8-aligned (types.h) */
typedef struct AggIntSum { unsigned char sum[16]; int64_t n; } AggIntSum;

static __int128 isum_get(const AggIntSum *s)
{
    __int128 v;
    memcpy(&v, s->sum, sizeof v);
    return v;
}

static void isum_set(AggIntSum *s, __int128 v)
{
    memcpy(s->sum, &v, sizeof v);
}

static int isum_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs; (void)err;
    AggIntSum *s = st;
    isum_set(s, isum_get(s) + args[0].u.i);
    s->n++;
    return 0;
}
static int isum_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    AggIntSum *s = st;
    if (s->n == 0) {
        *out = value_null(ctx->ret_type);
        return 0;
    }
    __int128 sum = isum_get(s);
    if (ctx->ret_type == INT8OID) {
        if (sum > INT64_MAX || sum < INT64_MIN)
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
        *out = value_int(INT8OID, (int64_t)sum);
        return 0;
    }
    NumVar v;
    num_init(&v);
    if (num_set_int128(&v, sum) < 0)
        return types_oom(err);
    return fn_num_result(ctx, &v, out, err);
}
static int isum_combine(FuncCallCtx *ctx, void *st, const void *o, SqlError *err)
{
    (void)ctx; (void)err;
    isum_set(st, isum_get(st) + isum_get(o));
    ((AggIntSum *)st)->n += ((const AggIntSum *)o)->n;
    return 0;
}
const SqlAggImpl agg_sum_int = { sizeof(AggIntSum), true, isum_step, isum_final, isum_combine };

static int iavg_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    AggIntSum *s = st;
    if (s->n == 0) {
        *out = value_null(NUMERICOID);
        return 0;
    }
    NumVar a, b, r;
    num_init(&a);
    num_init(&b);
    num_init(&r);
    int rc = num_set_int128(&a, isum_get(s)) | num_set_int64(&b, s->n);
    if (rc == 0)
        rc = num_div(&a, &b, &r, num_div_scale(&a, &b), true);
    num_free(&a);
    num_free(&b);
    if (rc < 0) {
        num_free(&r);
        return types_oom(err);
    }
    return fn_num_result(ctx, &r, out, err);
}
const SqlAggImpl agg_avg_int = { sizeof(AggIntSum), true, isum_step, iavg_final, isum_combine };

/* --- sum over numeric: digits copied into the group arena -------------------------------- */

typedef struct AggNumSum {
    Value sum;        /* NUMERIC in the group arena; null until the first row */
    int64_t n;
} AggNumSum;

static int nsum_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)nargs;
    AggNumSum *s = st;
    s->n++;
    if (s->n == 1) {
        char *p = types_arena_dup(ctx->arena, args[0].u.s.p, args[0].u.s.n);
        if (!p)
            return types_oom(err);
        s->sum = value_bytes(NUMERICOID, p, args[0].u.s.n);
        return 0;
    }
    NumVar a, b, r;
    num_init(&a);
    num_init(&b);
    num_init(&r);
    if (num_from_value(&s->sum, &a, err) < 0)
        return -1;
    if (num_from_value(&args[0], &b, err) < 0) {
        num_free(&a);
        return -1;
    }
    int rc = num_add(&a, &b, &r);
    num_free(&a);
    num_free(&b);
    if (rc < 0) {
        num_free(&r);
        return types_oom(err);
    }
    rc = num_to_value(&r, ctx->arena, &s->sum, err);
    num_free(&r);
    return rc;
}
static int nsum_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)err;
    AggNumSum *s = st;
    *out = s->n ? s->sum : value_null(NUMERICOID);
    (void)ctx;
    return 0;
}
const SqlAggImpl agg_sum_numeric = { sizeof(AggNumSum), true, nsum_step, nsum_final, NULL };

/* avg(numeric): the exact sum divided by the count with numeric division's result scale */
static int navg_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    AggNumSum *s = st;
    if (s->n == 0) {
        *out = value_null(NUMERICOID);
        return 0;
    }
    NumVar a, b, r;
    num_init(&a);
    num_init(&b);
    num_init(&r);
    if (num_from_value(&s->sum, &a, err) < 0)
        return -1;
    int rc = num_set_int64(&b, s->n);
    if (rc == 0)
        rc = num_div(&a, &b, &r, num_div_scale(&a, &b), true);
    num_free(&a);
    num_free(&b);
    if (rc < 0) {
        num_free(&r);
        return types_oom(err);
    }
    return fn_num_result(ctx, &r, out, err);
}
const SqlAggImpl agg_avg_numeric = { sizeof(AggNumSum), true, nsum_step, navg_final, NULL };

/* --- floats --------------------------------------------------------------------------- */

typedef struct AggFloat { double sum; int64_t n; } AggFloat;

static int fsum_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs; (void)err;
    AggFloat *s = st;
    s->sum += args[0].u.f;
    s->n++;
    return 0;
}
static int fsum_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)err;
    AggFloat *s = st;
    *out = s->n ? value_float(ctx->ret_type, ctx->ret_type == FLOAT4OID ? (double)(float)s->sum : s->sum)
                : value_null(ctx->ret_type);
    return 0;
}
static int favg_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)ctx; (void)err;
    AggFloat *s = st;
    *out = s->n ? value_float(FLOAT8OID, s->sum / (double)s->n) : value_null(FLOAT8OID);
    return 0;
}
const SqlAggImpl agg_sum_float4 = { sizeof(AggFloat), true, fsum_step, fsum_final, NULL };
const SqlAggImpl agg_sum_float8 = { sizeof(AggFloat), true, fsum_step, fsum_final, NULL };
const SqlAggImpl agg_avg_float = { sizeof(AggFloat), true, fsum_step, favg_final, NULL };

/* --- min/max over any comparable type --------------------------------------------------- */

typedef struct AggMinMax { Value v; bool have; } AggMinMax;

static bool mm_is_bytes(Oid t)
{
    switch (t) {
    case BOOLOID: case INT2OID: case INT4OID: case INT8OID: case OIDOID: case REGCLASSOID: case REGTYPEOID:
    case REGPROCOID: case FLOAT4OID: case FLOAT8OID: case DATEOID: case TIMEOID: case TIMESTAMPOID:
    case TIMESTAMPTZOID: case INTERVALOID:
        return false;
    default:
        return true;
    }
}

/* Keeps a copy of v in the group arena (its bytes may belong to a row arena). */
static int mm_keep(FuncCallCtx *ctx, AggMinMax *s, const Value *v, SqlError *err)
{
    s->v = *v;
    s->have = true;
    if (!mm_is_bytes(v->type))
        return 0;
    char *p = types_arena_dup(ctx->arena, v->u.s.p, v->u.s.n);
    if (!p)
        return types_oom(err);
    s->v.u.s.p = p;
    return 0;
}
static int min_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)nargs;
    AggMinMax *s = st;
    if (!s->have || types_compare(&args[0], &s->v) < 0)
        return mm_keep(ctx, s, &args[0], err);
    return 0;
}
static int max_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)nargs;
    AggMinMax *s = st;
    if (!s->have || types_compare(&args[0], &s->v) > 0)
        return mm_keep(ctx, s, &args[0], err);
    return 0;
}
static int mm_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)err;
    AggMinMax *s = st;
    *out = s->have ? s->v : value_null(ctx->ret_type);
    return 0;
}
const SqlAggImpl agg_min = { sizeof(AggMinMax), true, min_step, mm_final, NULL };
const SqlAggImpl agg_max = { sizeof(AggMinMax), true, max_step, mm_final, NULL };

/* --- bool_and / bool_or -------------------------------------------------------------------- */

typedef struct AggBool { bool v, have; } AggBool;

static int band_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs; (void)err;
    AggBool *s = st;
    s->v = s->have ? (s->v && args[0].u.b) : args[0].u.b;
    s->have = true;
    return 0;
}
static int bor_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs; (void)err;
    AggBool *s = st;
    s->v = s->have ? (s->v || args[0].u.b) : args[0].u.b;
    s->have = true;
    return 0;
}
static int bool_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)ctx; (void)err;
    AggBool *s = st;
    *out = s->have ? value_bool(s->v) : value_null(BOOLOID);
    return 0;
}
const SqlAggImpl agg_bool_and = { sizeof(AggBool), true, band_step, bool_final, NULL };
const SqlAggImpl agg_bool_or = { sizeof(AggBool), true, bor_step, bool_final, NULL };

/* --- string_agg / array_agg: a growable byte area in the group arena ------------------- */

typedef struct AggBytes {
    char *p;
    size_t len, cap;
    int64_t n;
    bool have;
} AggBytes;

static int bytes_append(FuncCallCtx *ctx, AggBytes *s, const void *d, size_t n, SqlError *err)
{
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        while (cap < s->len + n)
            cap *= 2;
        char *np = shale_arena_alloc(ctx->arena, cap);
        if (!np)
            return types_oom(err);
        if (s->len)
            memcpy(np, s->p, s->len);
        s->p = np;
        s->cap = cap;
    }
    if (n)
        memcpy(s->p + s->len, d, n);
    s->len += n;
    return 0;
}

static int sagg_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    AggBytes *s = st;
    if (args[0].null)
        return 0;
    if (s->have && nargs > 1 && !args[1].null && bytes_append(ctx, s, args[1].u.s.p, args[1].u.s.n, err) < 0)
        return -1;
    s->have = true;
    return bytes_append(ctx, s, args[0].u.s.p, args[0].u.s.n, err);
}
static int sagg_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)err;
    AggBytes *s = st;
    *out = s->have ? value_bytes(ctx->ret_type ? ctx->ret_type : TEXTOID, s->p ? s->p : "", (uint32_t)s->len)
                   : value_null(ctx->ret_type);
    return 0;
}
const SqlAggImpl agg_string_agg = { sizeof(AggBytes), false, sagg_step, sagg_final, NULL };

/* array_agg keeps each element as (null:u8, len:u32, field bytes) then builds at final */
static int aagg_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)nargs;
    AggBytes *s = st;
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append_byte(&b, args[0].null ? 1 : 0);
    shale_buf_append_fixed32(&b, 0);
    if (!args[0].null)
        types_array_elem_encode(&args[0], &b);
    if (b.oom) {
        shale_buf_free(&b);
        return types_oom(err);
    }
    uint32_t len = (uint32_t)(b.len - 5);
    memcpy(b.data + 1, &len, 4);
    int rc = bytes_append(ctx, s, b.data, b.len, err);
    shale_buf_free(&b);
    s->n++;
    s->have = true;
    return rc;
}
static int aagg_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    AggBytes *s = st;
    Oid et = types_array_elem(ctx->ret_type);
    if (!s->have) {
        *out = value_null(ctx->ret_type);
        return 0;
    }
    Value *el = shale_arena_alloc(ctx->arena, sizeof(Value) * (size_t)s->n);
    if (!el)
        return types_oom(err);
    size_t off = 0;
    for (int64_t i = 0; i < s->n; i++) {
        bool isnull = s->p[off] != 0;
        uint32_t len;
        memcpy(&len, s->p + off + 1, 4);
        if (isnull)
            el[i] = value_null(et);
        else
            (void)types_array_elem_decode(et, s->p + off + 5, len, &el[i]);
        off += 5 + len;
    }
    return types_array_build(et, 1, (uint32_t)s->n, el, ctx->arena, out, err);
}
const SqlAggImpl agg_array_agg = { sizeof(AggBytes), false, aagg_step, aagg_final, NULL };

/* --- set-returning functions ------------------------------------------------------------- */

typedef struct SrfSeries { int64_t cur, stop, step; bool done; } SrfSeries;

static int series_open(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx;
    SrfSeries *s = st;
    s->cur = args[0].u.i;
    s->stop = args[1].u.i;
    s->step = nargs > 2 ? args[2].u.i : 1;
    if (s->step == 0)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "step size cannot equal zero");
    s->done = s->step > 0 ? s->cur > s->stop : s->cur < s->stop;
    return 0;
}
static int series_next(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    SrfSeries *s = st;
    if (s->done)
        return 0;
    if (ctx->hooks.cancelled && ctx->hooks.cancelled(ctx->hooks.arg))
        return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
    *out = value_int(ctx->ret_type, s->cur);
    __int128 nx = (__int128)s->cur + s->step;
    if (s->step > 0 ? nx > s->stop : nx < s->stop)
        s->done = true;
    else
        s->cur = (int64_t)nx;
    return 1;
}
const SqlSrfImpl srf_generate_series_int = { sizeof(SrfSeries), 1, NULL, NULL, series_open, series_next };

typedef struct SrfUnnest { TypesArrayReader r; } SrfUnnest;

static int unnest_open(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs;
    return types_array_open(&args[0], &((SrfUnnest *)st)->r, err);
}
static int unnest_next(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)ctx;
    return types_array_next(&((SrfUnnest *)st)->r, out, err);
}
const SqlSrfImpl srf_unnest = { sizeof(SrfUnnest), 1, NULL, NULL, unnest_open, unnest_next };
