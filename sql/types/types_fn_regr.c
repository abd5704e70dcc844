/* types_fn_regr.c -- the ordered-set aggregates percentile_cont/percentile_disc/mode (at
 * the end) and the two-argument float8 statistics aggregates: corr, covar_pop,
 * covar_samp and the regr_* family (count, sxx, syy, sxy, avgx, avgy, r2, slope,
 * intercept). All take (Y, X) like PostgreSQL and share its float8_regr_accum state
 * (N, Sx, Sxx, Sy, Syy, Sxy with the Youngs-Cramer update); the finals follow
 * float8_corr / float8_covar_* / float8_regr_* exactly, so results match bit for bit.
 * The state is plain doubles in the group's arena (state_size bytes, zeroed by the
 * executor); rows with a NULL argument are skipped (step_strict). */
#include "sql/types/types_fn.h"

#include <math.h>
#include <string.h>

typedef struct RegrState {
    double n, sx, sxx, sy, syy, sxy;
} RegrState;

static int regr_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs; (void)err;
    RegrState *s = st;
    double y = args[0].u.f, x = args[1].u.f;
    double old_n = s->n;
    s->n += 1.0;
    s->sx += x;
    s->sy += y;
    if (old_n > 0.0) {
        double tx = x * s->n - s->sx, ty = y * s->n - s->sy;
        double scale = 1.0 / (s->n * old_n);
        s->sxx += tx * tx * scale;
        s->syy += ty * ty * scale;
        s->sxy += tx * ty * scale;
    } else {
        /* a first Inf/NaN input makes the dependent sums NaN (float8_regr_accum) */
        if (isnan(x) || isinf(x))
            s->sxx = s->sxy = NAN;
        if (isnan(y) || isinf(y))
            s->syy = s->sxy = NAN;
    }
    return 0;
}

static int regr_combine(FuncCallCtx *ctx, void *st, const void *o, SqlError *err)
{
    (void)ctx; (void)err;
    RegrState *a = st;
    const RegrState *b = o;
    if (b->n == 0)
        return 0;
    if (a->n == 0) {
        *a = *b;
        return 0;
    }
    double n = a->n + b->n;
    double tx = a->sx / a->n - b->sx / b->n, ty = a->sy / a->n - b->sy / b->n;
    a->sxx += b->sxx + a->n * b->n * tx * tx / n;
    a->syy += b->syy + a->n * b->n * ty * ty / n;
    a->sxy += b->sxy + a->n * b->n * tx * ty / n;
    a->sx += b->sx;
    a->sy += b->sy;
    a->n = n;
    return 0;
}

static int regr_out(double v, bool null, Value *out)
{
    *out = null ? value_null(FLOAT8OID) : value_float(FLOAT8OID, v);
    return 0;
}

#define REGR_FINAL(name, expr_null, expr_val)                                              \
    static int name(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)                 \
    {                                                                                      \
        (void)ctx; (void)err;                                                              \
        const RegrState *s = st;                                                           \
        if (expr_null)                                                                     \
            return regr_out(0, true, out);                                                 \
        return regr_out(expr_val, false, out);                                             \
    }

REGR_FINAL(regr_sxx_final, s->n < 1.0, s->sxx)
REGR_FINAL(regr_syy_final, s->n < 1.0, s->syy)
REGR_FINAL(regr_sxy_final, s->n < 1.0, s->sxy)
REGR_FINAL(regr_avgx_final, s->n < 1.0, s->sx / s->n)
REGR_FINAL(regr_avgy_final, s->n < 1.0, s->sy / s->n)
REGR_FINAL(covar_pop_final, s->n < 1.0, s->sxy / s->n)
REGR_FINAL(covar_samp_final, s->n < 2.0, s->sxy / (s->n - 1.0))
REGR_FINAL(corr_final, s->n < 1.0 || s->sxx == 0 || s->syy == 0, s->sxy / sqrt(s->sxx * s->syy))
REGR_FINAL(regr_r2_final, s->n < 1.0 || s->sxx == 0, s->syy == 0 ? 1.0 : (s->sxy * s->sxy) / (s->sxx * s->syy))
REGR_FINAL(regr_slope_final, s->n < 1.0 || s->sxx == 0, s->sxy / s->sxx)
REGR_FINAL(regr_intercept_final, s->n < 1.0 || s->sxx == 0, (s->sy - s->sx * s->sxy / s->sxx) / s->n)

static int regr_count_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)ctx; (void)err;
    *out = value_int(INT8OID, (int64_t)((const RegrState *)st)->n);
    return 0;
}

#define REGR_IMPL(final) { sizeof(RegrState), true, regr_step, final, regr_combine }
static const SqlAggImpl agg_regr[] = {
    REGR_IMPL(corr_final), REGR_IMPL(covar_pop_final), REGR_IMPL(covar_samp_final),
    REGR_IMPL(regr_sxx_final), REGR_IMPL(regr_syy_final), REGR_IMPL(regr_sxy_final),
    REGR_IMPL(regr_avgx_final), REGR_IMPL(regr_avgy_final), REGR_IMPL(regr_r2_final),
    REGR_IMPL(regr_slope_final), REGR_IMPL(regr_intercept_final), REGR_IMPL(regr_count_final),
};
static const char *const regr_names[] = {
    "corr", "covar_pop", "covar_samp", "regr_sxx", "regr_syy", "regr_sxy",
    "regr_avgx", "regr_avgy", "regr_r2", "regr_slope", "regr_intercept", "regr_count",
};

void types_fn_regr_register(void)
{
    for (size_t i = 0; i < sizeof regr_names / sizeof regr_names[0]; i++)
        types_reg_agg(regr_names[i], !strcmp(regr_names[i], "regr_count") ? INT8OID : FLOAT8OID, &agg_regr[i], 2,
                      TYPES_A(FLOAT8OID, FLOAT8OID));
}

/* --- ordered-set aggregates: percentile_cont, percentile_disc, mode --------------------- */
/* The binder appends the WITHIN GROUP expression as the last argument and makes the
 * executor sort the group's rows by it (AggSpec order), so step sees the values in order.
 * NULL values are skipped; the fraction is the first row's direct argument. Values are
 * copied into the group's arena (ctx->arena). */
typedef struct OsaState {
    Value *vals;
    int64_t n, cap;
    Value frac;
    bool have_frac;
} OsaState;

static int osa_step(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    OsaState *s = st;
    if (!s->have_frac) {
        s->have_frac = true;
        s->frac = nargs > 1 ? args[0] : value_null(FLOAT8OID);
    }
    const Value *v = &args[nargs - 1];
    if (v->null)
        return 0;
    if (s->n == s->cap) {
        int64_t nc = s->cap ? s->cap * 2 : 16;
        Value *nv = shale_arena_alloc(ctx->arena, sizeof(Value) * (size_t)nc);
        if (!nv)
            return types_oom(err);
        if (s->n)
            memcpy(nv, s->vals, sizeof(Value) * (size_t)s->n);
        s->vals = nv;
        s->cap = nc;
    }
    Value c = *v;
    const TypeInfo *ti = type_info(c.type);
    if (c.type != INTERVALOID && !(ti && ti->byval)) {
        char *p = shale_arena_alloc(ctx->arena, c.u.s.n ? c.u.s.n : 1);
        if (!p)
            return types_oom(err);
        memcpy(p, c.u.s.p, c.u.s.n);
        c.u.s.p = p;
    }
    s->vals[s->n++] = c;
    return 0;
}

static int osa_fraction(const OsaState *s, double *p, SqlError *err)
{
    *p = s->frac.u.f;
    if (*p < 0 || *p > 1 || isnan(*p))
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "percentile value %g is not between 0 and 1", *p);
    return 0;
}

static int pcont_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)ctx;
    const OsaState *s = st;
    double p;
    if (s->n == 0 || s->frac.null) {
        *out = value_null(FLOAT8OID);
        return 0;
    }
    if (osa_fraction(s, &p, err) != 0)
        return -1;
    double pos = p * (double)(s->n - 1);
    int64_t lo = (int64_t)floor(pos), hi = (int64_t)ceil(pos);
    double a = s->vals[lo].u.f, b = s->vals[hi].u.f;
    *out = value_float(FLOAT8OID, lo == hi ? a : a + (pos - (double)lo) * (b - a));
    return 0;
}

static int pdisc_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    const OsaState *s = st;
    double p;
    if (s->n == 0 || s->frac.null) {
        *out = value_null(ctx->ret_type);
        return 0;
    }
    if (osa_fraction(s, &p, err) != 0)
        return -1;
    int64_t row = (int64_t)ceil(p * (double)s->n);
    *out = s->vals[row > 1 ? row - 1 : 0];
    return 0;
}

static int mode_final(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    (void)err;
    const OsaState *s = st;
    if (s->n == 0) {
        *out = value_null(ctx->ret_type);
        return 0;
    }
    /* the first of the most frequent values in sort order wins ties (mode_final) */
    int64_t best = 0, best_n = 0;
    for (int64_t i = 0; i < s->n;) {
        int64_t j = i + 1;
        while (j < s->n && types_compare(&s->vals[j], &s->vals[i]) == 0)
            j++;
        if (j - i > best_n) {
            best_n = j - i;
            best = i;
        }
        i = j;
    }
    *out = s->vals[best];
    return 0;
}

static const SqlAggImpl agg_pcont = { sizeof(OsaState), false, osa_step, pcont_final, NULL };
static const SqlAggImpl agg_pdisc = { sizeof(OsaState), false, osa_step, pdisc_final, NULL };
static const SqlAggImpl agg_mode = { sizeof(OsaState), false, osa_step, mode_final, NULL };

void types_fn_osa_register(void)
{
    types_reg_agg("percentile_cont", FLOAT8OID, &agg_pcont, 2, TYPES_A(FLOAT8OID, FLOAT8OID))->ordered_set = true;
    types_reg_agg("percentile_disc", TYPES_ANYELEMENTOID, &agg_pdisc, 2,
                  TYPES_A(FLOAT8OID, TYPES_ANYELEMENTOID))->ordered_set = true;
    types_reg_agg("mode", TYPES_ANYELEMENTOID, &agg_mode, 1, TYPES_A(TYPES_ANYELEMENTOID))->ordered_set = true;
}
