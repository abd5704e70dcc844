/* types_fn_stat.c -- statistical and bitwise aggregates: stddev/stddev_samp/stddev_pop/
 * variance/var_samp/var_pop (numeric results for integer and numeric input computed
 * exactly as PostgreSQL's numeric_stddev_internal; float8 for float input with the
 * Youngs-Cramer accumulation of float8_accum) and bit_and/bit_or/bit_xor.
 *
 * Numeric states keep sum(x) and sum(x*x) as ShaleNumeric bytes in the group's arena
 * (ctx->arena); each step re-encodes them, overwriting in place when the new bytes fit. */
#include "sql/types/types_fn.h"

#include <math.h>
#include <string.h>

typedef struct StatNum {
    int64_t n;
    char *sx, *sxx;
    uint32_t sxn, sxxn, sxcap, sxxcap;
} StatNum;

static int stat_store(FuncCallCtx *ctx, const NumVar *v, char **buf, uint32_t *len, uint32_t *cap, SqlError *err)
{
    Value tmp;
    ShaleArena scratch;
    shale_arena_init(&scratch);
    int rc = num_to_value(v, &scratch, &tmp, err);
    if (rc == 0) {
        if (tmp.u.s.n > *cap) {
            uint32_t nc = tmp.u.s.n * 2 + 16;
            char *nb = shale_arena_alloc(ctx->arena, nc);
            if (!nb)
                rc = types_oom(err);
            else {
                *buf = nb;
                *cap = nc;
            }
        }
        if (rc == 0) {
            memcpy(*buf, tmp.u.s.p, tmp.u.s.n);
            *len = tmp.u.s.n;
        }
    }
    shale_arena_destroy(&scratch);
    return rc;
}

static int stat_load(const char *p, uint32_t n, NumVar *v, SqlError *err)
{
    num_init(v);
    if (!p)
        return 0;
    Value val = value_bytes(NUMERICOID, p, n);
    return num_from_value(&val, v, err);
}

static int statn_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)nargs;
    StatNum *s = st;
    NumVar x, sx, sxx, t, u;
    num_init(&x); num_init(&t); num_init(&u);
    int rc = args[0].type == NUMERICOID ? num_from_value(&args[0], &x, err)
                                        : (num_set_int64(&x, args[0].u.i) < 0 ? types_oom(err) : 0);
    if (rc < 0)
        return -1;
    if (stat_load(s->sx, s->sxn, &sx, err) < 0 || stat_load(s->sxx, s->sxxn, &sxx, err) < 0) {
        num_free(&x);
        return -1;
    }
    if (x.sign == NUM_NAN || x.sign >= NUM_PINF) {
        /* NaN/Infinity poison the sums the way PostgreSQL's do (result NaN) */
        num_free(&sx);
        num_init(&sx);
        sx.sign = NUM_NAN;
        num_free(&sxx);
        num_init(&sxx);
        sxx.sign = NUM_NAN;
    } else if (num_add(&sx, &x, &t) < 0 || num_mul(&x, &x, &u) < 0) {
        rc = types_oom(err);
    } else {
        int ds = sx.dscale > x.dscale ? sx.dscale : x.dscale;
        if (sx.sign != NUM_NAN) {
            num_free(&sx);
            sx = t;
            num_init(&t);
            sx.dscale = ds;
        }
        if (sxx.sign != NUM_NAN) {
            int ds2 = sxx.dscale > 2 * x.dscale ? sxx.dscale : 2 * x.dscale;
            if (num_add(&sxx, &u, &t) < 0)
                rc = types_oom(err);
            num_free(&sxx);
            sxx = t;
            num_init(&t);
            sxx.dscale = ds2;
        }
    }
    if (rc == 0)
        rc = stat_store(ctx, &sx, &s->sx, &s->sxn, &s->sxcap, err);
    if (rc == 0)
        rc = stat_store(ctx, &sxx, &s->sxx, &s->sxxn, &s->sxxcap, err);
    if (rc == 0)
        s->n++;
    num_free(&x); num_free(&sx); num_free(&sxx); num_free(&t); num_free(&u);
    return rc;
}

/* kind: bit 1 = sample, bit 2 = variance (else stddev) */
static int statn_final(FuncCallCtx *ctx, const StatNum *s, bool sample, bool variance, Value *out, SqlError *err)
{
    if (s->n == 0 || (sample && s->n == 1)) {
        *out = value_null(NUMERICOID);
        return 0;
    }
    NumVar sx, sxx, vn, vn1, a, b, r;
    num_init(&vn); num_init(&vn1); num_init(&a); num_init(&b); num_init(&r);
    if (stat_load(s->sx, s->sxn, &sx, err) < 0 || stat_load(s->sxx, s->sxxn, &sxx, err) < 0)
        return -1;
    int rc = 0;
    if (sx.sign == NUM_NAN) {
        r.sign = NUM_NAN;
        goto done;
    }
    int rscale = sx.dscale * 2;
    if (num_mul(&sx, &sx, &a) < 0 || num_set_int64(&vn, s->n) < 0 || num_mul(&vn, &sxx, &b) < 0) {
        rc = types_oom(err);
        goto done;
    }
    num_round(&a, rscale);
    num_round(&b, rscale);
    if (num_sub(&b, &a, &r) < 0) {
        rc = types_oom(err);
        goto done;
    }
    if (r.sign == NUM_NEG || r.ndigits == 0) {
        num_free(&r);
        num_init(&r);
        goto done;
    }
    if (num_set_int64(&vn1, sample ? s->n - 1 : s->n) < 0 || num_mul(&vn, &vn1, &a) < 0) {
        rc = types_oom(err);
        goto done;
    }
    int ds = num_div_scale(&r, &a);
    if (num_div(&r, &a, &b, ds, true) < 0) {
        rc = types_oom(err);
        goto done;
    }
    num_free(&r);
    num_init(&r);
    if (variance) {
        r = b;
        num_init(&b);
    } else if (num_sqrt_scale(&b, &r, ds) < 0) {
        rc = types_oom(err);
    }
done:
    if (rc == 0)
        rc = fn_num_result(ctx, &r, out, err);
    else
        num_free(&r);
    num_free(&sx); num_free(&sxx); num_free(&vn); num_free(&vn1); num_free(&a); num_free(&b);
    return rc;
}

static int statn_var_samp(FuncCallCtx *c, void *s, Value *o, SqlError *e) { return statn_final(c, s, true, true, o, e); }
static int statn_var_pop(FuncCallCtx *c, void *s, Value *o, SqlError *e) { return statn_final(c, s, false, true, o, e); }
static int statn_sd_samp(FuncCallCtx *c, void *s, Value *o, SqlError *e) { return statn_final(c, s, true, false, o, e); }
static int statn_sd_pop(FuncCallCtx *c, void *s, Value *o, SqlError *e) { return statn_final(c, s, false, false, o, e); }

static const SqlAggImpl agg_var_samp_num = { sizeof(StatNum), true, statn_step, statn_var_samp, NULL };
static const SqlAggImpl agg_var_pop_num = { sizeof(StatNum), true, statn_step, statn_var_pop, NULL };
static const SqlAggImpl agg_sd_samp_num = { sizeof(StatNum), true, statn_step, statn_sd_samp, NULL };
static const SqlAggImpl agg_sd_pop_num = { sizeof(StatNum), true, statn_step, statn_sd_pop, NULL };

/* float input: PostgreSQL's float8_accum (Youngs-Cramer) */
typedef struct StatF { double n, sx, sxx; } StatF;

static int statf_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs;
    StatF *s = st;
    double x = args[0].u.f;
    double n = s->n + 1.0, sx = s->sx + x, sxx = s->sxx;
    if (s->n > 0.0) {
        double tmp = x * n - sx;
        sxx += tmp * tmp / (n * s->n);
        if (isinf(sx) || isinf(sxx)) {
            if (!isinf(s->sx) && !isinf(x))
                return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
            sxx = NAN;
        }
    } else if (isnan(x) || isinf(x)) {
        sxx = NAN;
    }
    s->n = n;
    s->sx = sx;
    s->sxx = sxx;
    return 0;
}

static int statf_final(const StatF *s, bool sample, bool variance, Value *out)
{
    if (s->n == 0.0 || (sample && s->n == 1.0)) {
        *out = value_null(FLOAT8OID);
        return 0;
    }
    double v = s->sxx / (sample ? s->n - 1.0 : s->n);
    *out = value_float(FLOAT8OID, variance ? v : sqrt(v));
    return 0;
}

static int statf_var_samp(FuncCallCtx *c, void *s, Value *o, SqlError *e) { (void)c; (void)e; return statf_final(s, true, true, o); }
static int statf_var_pop(FuncCallCtx *c, void *s, Value *o, SqlError *e) { (void)c; (void)e; return statf_final(s, false, true, o); }
static int statf_sd_samp(FuncCallCtx *c, void *s, Value *o, SqlError *e) { (void)c; (void)e; return statf_final(s, true, false, o); }
static int statf_sd_pop(FuncCallCtx *c, void *s, Value *o, SqlError *e) { (void)c; (void)e; return statf_final(s, false, false, o); }

static const SqlAggImpl agg_var_samp_f = { sizeof(StatF), true, statf_step, statf_var_samp, NULL };
static const SqlAggImpl agg_var_pop_f = { sizeof(StatF), true, statf_step, statf_var_pop, NULL };
static const SqlAggImpl agg_sd_samp_f = { sizeof(StatF), true, statf_step, statf_sd_samp, NULL };
static const SqlAggImpl agg_sd_pop_f = { sizeof(StatF), true, statf_step, statf_sd_pop, NULL };

/* bit_and / bit_or / bit_xor over integers */
typedef struct StatBit { int64_t v; bool any; } StatBit;

static int bit_and_step(FuncCallCtx *c, void *st, int n, const Value *a, SqlError *e)
{
    (void)c; (void)n; (void)e;
    StatBit *s = st;
    s->v = s->any ? s->v & a[0].u.i : a[0].u.i;
    s->any = true;
    return 0;
}
static int bit_or_step(FuncCallCtx *c, void *st, int n, const Value *a, SqlError *e)
{
    (void)c; (void)n; (void)e;
    StatBit *s = st;
    s->v = s->any ? s->v | a[0].u.i : a[0].u.i;
    s->any = true;
    return 0;
}
static int bit_xor_step(FuncCallCtx *c, void *st, int n, const Value *a, SqlError *e)
{
    (void)c; (void)n; (void)e;
    StatBit *s = st;
    s->v = s->any ? s->v ^ a[0].u.i : a[0].u.i;
    s->any = true;
    return 0;
}
static int bit_final(FuncCallCtx *c, void *st, Value *out, SqlError *e)
{
    (void)e;
    const StatBit *s = st;
    *out = s->any ? value_int(c->ret_type, s->v) : value_null(c->ret_type);
    return 0;
}

static const SqlAggImpl agg_bit_and = { sizeof(StatBit), true, bit_and_step, bit_final, NULL };
static const SqlAggImpl agg_bit_or = { sizeof(StatBit), true, bit_or_step, bit_final, NULL };
static const SqlAggImpl agg_bit_xor = { sizeof(StatBit), true, bit_xor_step, bit_final, NULL };

void types_fn_stat_register(void)
{
    static const Oid num_in[] = { INT2OID, INT4OID, INT8OID, NUMERICOID };
    static const Oid flt_in[] = { FLOAT4OID, FLOAT8OID };
    static const struct { const char *name; const SqlAggImpl *num, *flt; } aggs[] = {
        { "stddev", &agg_sd_samp_num, &agg_sd_samp_f }, { "stddev_samp", &agg_sd_samp_num, &agg_sd_samp_f },
        { "stddev_pop", &agg_sd_pop_num, &agg_sd_pop_f }, { "variance", &agg_var_samp_num, &agg_var_samp_f },
        { "var_samp", &agg_var_samp_num, &agg_var_samp_f }, { "var_pop", &agg_var_pop_num, &agg_var_pop_f },
    };
    for (size_t k = 0; k < sizeof aggs / sizeof aggs[0]; k++) {
        for (int i = 0; i < 4; i++)
            types_reg_agg(aggs[k].name, NUMERICOID, aggs[k].num, 1, TYPES_A(num_in[i]));
        for (int i = 0; i < 2; i++)
            types_reg_agg(aggs[k].name, FLOAT8OID, aggs[k].flt, 1, TYPES_A(flt_in[i]));
    }
    static const Oid ints[] = { INT2OID, INT4OID, INT8OID };
    for (int i = 0; i < 3; i++) {
        types_reg_agg("bit_and", ints[i], &agg_bit_and, 1, TYPES_A(ints[i]));
        types_reg_agg("bit_or", ints[i], &agg_bit_or, 1, TYPES_A(ints[i]));
        types_reg_agg("bit_xor", ints[i], &agg_bit_xor, 1, TYPES_A(ints[i]));
    }
}
