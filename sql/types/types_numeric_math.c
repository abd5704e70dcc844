/* types_numeric_math.c -- numeric sqrt, exp, ln, log and power with PostgreSQL's result
 * scales (the rscale rules of its numeric.c: at least NUM_MIN_SIG_DIGITS significant digits,
 * never less than the inputs' display scales, at most NUM_MAX_DISPLAY_SCALE).
 *
 * The values are computed with our own arbitrary-precision iterations (Newton for sqrt,
 * argument halving + Taylor for exp, square-root reduction + atanh series for ln) at the
 * result scale plus guard digits, then rounded once, so results are correctly rounded to
 * the chosen scale (PostgreSQL's are too, in all but pathological ties).
 * Every NumVar here owns its digits; temporaries are freed on every path. */
#include "sql/types/types_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NM_GUARD 8

/* r = v; swaps ownership (v becomes empty). */
static void nm_move(NumVar *r, NumVar *v)
{
    num_free(r);
    *r = *v;
    num_init(v);
}

/* decimal weight of the most significant digit (0 for zero) */
static int nm_dweight(const NumVar *v)
{
    if (v->ndigits == 0)
        return 0;
    int d = v->digits[0];
    int n = d >= 1000 ? 4 : d >= 100 ? 3 : d >= 10 ? 2 : 1;
    return v->weight * NUM_DEC_DIGITS + n - 1;
}

static bool nm_is_zero(const NumVar *v)
{
    return v->sign == NUM_POS && v->ndigits == 0;
}

static int nm_clamp_scale(int s)
{
    return s < 0 ? 0 : s > NUM_MAX_DISPLAY_SCALE ? NUM_MAX_DISPLAY_SCALE : s;
}

static int nm_oom(SqlError *err)
{
    return types_oom(err);
}

/* r = 10^e */
static int nm_pow10(NumVar *r, int e)
{
    char buf[24];
    snprintf(buf, sizeof buf, "1e%d", e);
    return num_parse(buf, strlen(buf), r, NULL);
}

/* r = a * b rounded to scale (aliasing allowed) */
static int nm_mul(const NumVar *a, const NumVar *b, NumVar *r, int scale)
{
    NumVar t;
    num_init(&t);
    if (num_mul(a, b, &t) < 0) {
        num_free(&t);
        return -1;
    }
    num_round(&t, scale);
    nm_move(r, &t);
    return 0;
}

static int nm_div(const NumVar *a, const NumVar *b, NumVar *r, int scale)
{
    NumVar t;
    num_init(&t);
    if (num_div(a, b, &t, scale, true) < 0) {
        num_free(&t);
        return -1;
    }
    nm_move(r, &t);
    return 0;
}

static int nm_add(const NumVar *a, const NumVar *b, NumVar *r)
{
    NumVar t;
    num_init(&t);
    if (num_add(a, b, &t) < 0) {
        num_free(&t);
        return -1;
    }
    nm_move(r, &t);
    return 0;
}

/* sqrt(a) at scale (a > 0) by Newton's iteration from a double estimate. */
static int nm_sqrt_at(const NumVar *a, NumVar *r, int scale)
{
    int w = scale + NM_GUARD;
    NumVar x, q, two;
    num_init(&x); num_init(&q); num_init(&two);
    int rc = -1;
    double d = num_to_double(a);
    if (d > 0 && isfinite(d) && d > 1e-300 && d < 1e300) {
        if (num_from_double(sqrt(d), 15, &x, NULL) < 0)
            goto out;
    } else if (nm_pow10(&x, nm_dweight(a) / 2) < 0) {
        goto out;
    }
    if (num_set_int64(&two, 2) < 0)
        goto out;
    int max_iter = 8;
    for (int p = 15; p < w + nm_dweight(a); p *= 2)
        max_iter++;
    for (int i = 0; i < max_iter + 40; i++) {
        if (nm_div(a, &x, &q, w) < 0 || nm_add(&x, &q, &q) < 0 || nm_div(&q, &two, &q, w) < 0)
            goto out;
        bool same = num_cmp(&q, &x) == 0;
        nm_move(&x, &q);
        if (same || i > max_iter)
            break;
    }
    num_round(&x, scale);
    nm_move(r, &x);
    rc = 0;
out:
    num_free(&x); num_free(&q); num_free(&two);
    return rc;
}

/* exp(x) with at least rel significant digits (relative precision), x >= 0. */
static int nm_exp_rel(const NumVar *x, NumVar *r, int rel)
{
    double xd = num_to_double(x);
    int k = 0;
    while (xd > 0.01 && k < 4000) {
        xd /= 2;
        k++;
    }
    int w = rel + k + NM_GUARD;
    NumVar y, term, sum, n, p2;
    num_init(&y); num_init(&term); num_init(&sum); num_init(&n); num_init(&p2);
    int rc = -1;
    /* y = x / 2^k */
    if (num_set_int64(&p2, 1) < 0)
        goto out;
    for (int i = 0; i < k; i++) {
        NumVar two;
        num_init(&two);
        if (num_set_int64(&two, 2) < 0 || nm_mul(&p2, &two, &p2, 0) < 0) {
            num_free(&two);
            goto out;
        }
        num_free(&two);
    }
    if (nm_div(x, &p2, &y, w) < 0)
        goto out;
    /* Taylor series */
    if (num_set_int64(&sum, 1) < 0 || num_set_int64(&term, 1) < 0)
        goto out;
    for (int i = 1; i < 10000; i++) {
        if (num_set_int64(&n, i) < 0 || nm_mul(&term, &y, &term, w) < 0 || nm_div(&term, &n, &term, w) < 0)
            goto out;
        if (term.ndigits == 0)
            break;
        if (nm_add(&sum, &term, &sum) < 0)
            goto out;
    }
    for (int i = 0; i < k; i++)
        if (nm_mul(&sum, &sum, &sum, w) < 0)
            goto out;
    nm_move(r, &sum);
    rc = 0;
out:
    num_free(&y); num_free(&term); num_free(&sum); num_free(&n); num_free(&p2);
    return rc;
}

/* exp(x) rounded to rscale; 22003 when the result cannot be represented. */
static int nm_exp_at(const NumVar *x, NumVar *r, int rscale, SqlError *err)
{
    double xd = num_to_double(x);
    double dw = xd * 0.434294481903252;
    if (dw > 131072.0 * 1.0)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
    if (dw < -(double)rscale - 2) {   /* rounds to zero */
        num_free(r);
        r->sign = NUM_POS;
        r->weight = 0;
        r->dscale = rscale;
        return 0;
    }
    NumVar ax, e;
    num_init(&ax); num_init(&e);
    if (num_copy(&ax, x) < 0)
        goto oom;
    bool neg = ax.sign == NUM_NEG;
    ax.sign = NUM_POS;
    int need = rscale + (int)ceil(dw) + NM_GUARD + 2;
    if (need < NM_GUARD + 8)
        need = NM_GUARD + 8;
    if (nm_exp_rel(&ax, &e, need) < 0)
        goto oom;
    if (neg) {
        NumVar one;
        num_init(&one);
        if (num_set_int64(&one, 1) < 0 || nm_div(&one, &e, &e, rscale) < 0) {
            num_free(&one);
            goto oom;
        }
        num_free(&one);
    } else {
        num_round(&e, rscale);
    }
    e.dscale = rscale;
    nm_move(r, &e);
    num_free(&ax);
    return 0;
oom:
    num_free(&ax); num_free(&e);
    return nm_oom(err);
}

/* ln(x) for x > 0 with absolute precision scale. */
static int nm_ln_at(const NumVar *x0, NumVar *r, int scale)
{
    NumVar x, z, z2, term, sum, t, one, n;
    num_init(&x); num_init(&z); num_init(&z2); num_init(&term); num_init(&sum); num_init(&t); num_init(&one);
    num_init(&n);
    int rc = -1;
    bool invert = false;
    if (num_set_int64(&one, 1) < 0 || num_copy(&x, x0) < 0)
        goto out;
    int w0 = scale + NM_GUARD;
    if (num_cmp(&x, &one) < 0) {   /* ln(x) = -ln(1/x): keeps relative precision for tiny x */
        invert = true;
        if (nm_div(&one, &x, &x, w0 + 2 * (-nm_dweight(x0)) + 8) < 0)
            goto out;
    }
    /* reduce toward 1 by square roots: ln x = 2^k ln(x^(1/2^k)) */
    double ld = log(num_to_double(&x));
    if (!isfinite(ld))
        ld = (nm_dweight(&x) + 1) * 2.302585092994046;
    int k = 0;
    while (ld > 0.01 && k < 200) {
        ld /= 2;
        k++;
    }
    int w = w0 + k / 3 + 2 + (int)log10((double)k + 1) + 2;
    for (int i = 0; i < k; i++)
        if (nm_sqrt_at(&x, &x, w + 4) < 0)
            goto out;
    /* ln x = 2 atanh(z), z = (x - 1) / (x + 1) */
    if (num_sub(&x, &one, &t) < 0 || nm_add(&x, &one, &sum) < 0 || nm_div(&t, &sum, &z, w) < 0)
        goto out;
    if (nm_mul(&z, &z, &z2, w) < 0 || num_copy(&term, &z) < 0 || num_copy(&sum, &z) < 0)
        goto out;
    for (int i = 3; i < 100000; i += 2) {
        if (nm_mul(&term, &z2, &term, w) < 0 || num_set_int64(&n, i) < 0 || nm_div(&term, &n, &t, w) < 0)
            goto out;
        if (t.ndigits == 0)
            break;
        if (nm_add(&sum, &t, &sum) < 0)
            goto out;
    }
    /* times 2^(k+1) */
    if (num_set_int64(&n, 2) < 0)
        goto out;
    for (int i = 0; i <= k; i++)
        if (nm_mul(&sum, &n, &sum, w) < 0)
            goto out;
    if (invert && sum.ndigits)
        sum.sign = sum.sign == NUM_POS ? NUM_NEG : NUM_POS;
    num_round(&sum, scale);
    nm_move(r, &sum);
    rc = 0;
out:
    num_free(&x); num_free(&z); num_free(&z2); num_free(&term); num_free(&sum); num_free(&t); num_free(&one);
    num_free(&n);
    return rc;
}

/* PostgreSQL's estimate of the decimal weight of ln(v) */
static int nm_ln_dweight(const NumVar *v)
{
    if (v->sign != NUM_POS || v->ndigits == 0)
        return 0;
    double d = num_to_double(v);
    if (d >= 0.9 && d <= 1.1) {
        NumVar one, x;
        num_init(&one); num_init(&x);
        int dw = 0;
        if (num_set_int64(&one, 1) == 0 && num_sub(v, &one, &x) == 0 && x.ndigits > 0)
            dw = x.weight * NUM_DEC_DIGITS + (int)log10((double)x.digits[0]);
        num_free(&one); num_free(&x);
        return dw;
    }
    int digits = v->digits[0];
    int dweight = v->weight * NUM_DEC_DIGITS;
    if (v->ndigits > 1) {
        digits = digits * NUM_NBASE + v->digits[1];
        dweight -= NUM_DEC_DIGITS;
    }
    double lnv = log((double)digits) + dweight * 2.302585092994046;
    return (int)log10(fabs(lnv));
}

static int nm_special(NumVar *r, int sign)
{
    num_free(r);
    r->sign = sign;
    r->weight = r->dscale = 0;
    return 0;
}

int num_sqrt(const NumVar *a, NumVar *r, SqlError *err)
{
    if (a->sign == NUM_NAN || a->sign == NUM_PINF)
        return nm_special(r, a->sign);
    if (a->sign == NUM_NEG || a->sign == NUM_NINF)
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_POWER_FUNCTION, "cannot take square root of a negative number");
    int sweight = (a->weight + 1) * NUM_DEC_DIGITS / 2 - 1;
    int rscale = NUM_MIN_SIG_DIGITS - sweight;
    if (rscale < a->dscale)
        rscale = a->dscale;
    rscale = nm_clamp_scale(rscale);
    if (nm_is_zero(a)) {
        num_free(r);
        r->sign = NUM_POS;
        r->weight = 0;
        r->dscale = rscale;
        return 0;
    }
    if (nm_sqrt_at(a, r, rscale) < 0)
        return nm_oom(err);
    r->dscale = rscale;
    return 0;
}

int num_exp(const NumVar *a, NumVar *r, SqlError *err)
{
    if (a->sign == NUM_NAN || a->sign == NUM_PINF)
        return nm_special(r, a->sign);
    if (a->sign == NUM_NINF) {
        nm_special(r, NUM_POS);
        return 0;
    }
    double val = num_to_double(a) * 0.434294481903252;
    if (val > 2000) val = 2000;
    if (val < -2000) val = -2000;
    int rscale = NUM_MIN_SIG_DIGITS - (int)val;
    if (rscale < a->dscale)
        rscale = a->dscale;
    rscale = nm_clamp_scale(rscale);
    return nm_exp_at(a, r, rscale, err);
}

static int nm_ln_check(const NumVar *a, SqlError *err)
{
    if (nm_is_zero(a))
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of zero");
    if (a->sign == NUM_NEG || a->sign == NUM_NINF)
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of a negative number");
    return 0;
}

int num_ln(const NumVar *a, NumVar *r, SqlError *err)
{
    if (nm_ln_check(a, err) < 0)
        return -1;
    if (a->sign == NUM_NAN || a->sign == NUM_PINF)
        return nm_special(r, a->sign);
    int rscale = NUM_MIN_SIG_DIGITS - nm_ln_dweight(a);
    if (rscale < a->dscale)
        rscale = a->dscale;
    rscale = nm_clamp_scale(rscale);
    if (nm_ln_at(a, r, rscale) < 0)
        return nm_oom(err);
    r->dscale = rscale;
    return 0;
}

int num_log(const NumVar *base, const NumVar *x, NumVar *r, SqlError *err)
{
    if (base->sign == NUM_NAN || x->sign == NUM_NAN)
        return nm_special(r, NUM_NAN);
    if (nm_ln_check(base, err) < 0 || nm_ln_check(x, err) < 0)
        return -1;
    if (base->sign == NUM_PINF || x->sign == NUM_PINF) {
        if (base->sign == NUM_PINF && x->sign == NUM_PINF)
            return nm_special(r, NUM_NAN);
        if (x->sign == NUM_PINF) {
            NumVar one;
            num_init(&one);
            int c = num_set_int64(&one, 1) < 0 ? 0 : num_cmp(base, &one);
            num_free(&one);
            if (c == 0)
                return SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
            return nm_special(r, c < 0 ? NUM_NINF : NUM_PINF);
        }
        return nm_special(r, NUM_POS);   /* log(inf, finite) = 0 */
    }
    int db = nm_ln_dweight(base), dx = nm_ln_dweight(x);
    int rscale = NUM_MIN_SIG_DIGITS - (dx - db);
    if (rscale < base->dscale)
        rscale = base->dscale;
    if (rscale < x->dscale)
        rscale = x->dscale;
    rscale = nm_clamp_scale(rscale);
    NumVar lb, lx;
    num_init(&lb); num_init(&lx);
    int w = rscale + NM_GUARD + (db < 0 ? -2 * db : 0) + (dx > 0 ? dx : 0) + (db > 0 ? db : 0);
    if (nm_ln_at(base, &lb, w) < 0 || nm_ln_at(x, &lx, w) < 0) {
        num_free(&lb); num_free(&lx);
        return nm_oom(err);
    }
    if (lb.ndigits == 0) {
        num_free(&lb); num_free(&lx);
        return SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
    }
    int rc = num_div(&lx, &lb, r, rscale, true);
    num_free(&lb); num_free(&lx);
    if (rc < 0)
        return nm_oom(err);
    r->dscale = rscale;
    return 0;
}

/* integer powers: exact product (when not huge) rounded to rscale */
static int nm_power_int(const NumVar *base, int64_t e, NumVar *r, int rscale, SqlError *err)
{
    if (e == 0) {
        if (num_set_int64(r, 1) < 0)
            return nm_oom(err);
        r->dscale = rscale;
        return 0;
    }
    if (nm_is_zero(base)) {
        if (e < 0)
            return SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
        num_free(r);
        r->sign = NUM_POS;
        r->weight = 0;
        r->dscale = rscale;
        return 0;
    }
    double f = (double)e * (nm_dweight(base) + log10(fabs(num_to_double(base)) /
                                                  pow(10.0, nm_dweight(base)) + 1e-300));
    if (!isfinite(f)) {
        /* mantissa via digits: fall back to the weight */
        f = (double)e * nm_dweight(base);
    }
    if (f > 3 * 32767 * NUM_DEC_DIGITS)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
    if (f + 1 < -rscale) {
        num_free(r);
        r->sign = NUM_POS;
        r->weight = 0;
        r->dscale = rscale;
        return 0;
    }
    uint64_t m = e < 0 ? (uint64_t)0 - (uint64_t)e : (uint64_t)e;
    /* keep about sig significant digits in the products */
    int sig = rscale + (f > 0 ? (int)f : 0) + 2 * (int)log10((double)m + 1) + NM_GUARD + 8;
    if (e < 0)
        sig = (f < 0 ? (int)-f : 0) + rscale + 2 * (int)log10((double)m + 1) + NM_GUARD + 8;
    NumVar acc, b;
    num_init(&acc); num_init(&b);
    if (num_set_int64(&acc, 1) < 0 || num_copy(&b, base) < 0)
        goto oom;
    while (m) {
        if (m & 1) {
            int sc = sig - nm_dweight(&acc) - nm_dweight(&b);
            if (nm_mul(&acc, &b, &acc, sc > 0 ? sc : 0) < 0)
                goto oom;
        }
        m >>= 1;
        if (m) {
            int sc = sig - 2 * nm_dweight(&b);
            if (nm_mul(&b, &b, &b, sc > 0 ? sc : 0) < 0)
                goto oom;
        }
        if (acc.weight > 32767 || b.weight > 32767) {
            num_free(&acc); num_free(&b);
            if (e > 0)
                return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
            num_free(r);
            r->sign = NUM_POS;
            r->weight = 0;
            r->dscale = rscale;
            return 0;
        }
    }
    if (e < 0) {
        NumVar one;
        num_init(&one);
        if (num_set_int64(&one, 1) < 0 || nm_div(&one, &acc, &acc, rscale) < 0) {
            num_free(&one);
            goto oom;
        }
        num_free(&one);
    } else {
        num_round(&acc, rscale);
    }
    acc.dscale = rscale;
    nm_move(r, &acc);
    num_free(&b);
    return 0;
oom:
    num_free(&acc); num_free(&b);
    return nm_oom(err);
}

int num_power(const NumVar *a, const NumVar *b, NumVar *r, SqlError *err)
{
    NumVar one;
    num_init(&one);
    if (num_set_int64(&one, 1) < 0)
        return nm_oom(err);
    bool a_one = a->sign == NUM_POS && num_cmp(a, &one) == 0;
    num_free(&one);
    bool b_zero = nm_is_zero(b);
    if (a->sign == NUM_NAN || b->sign == NUM_NAN) {
        if (a_one || b_zero) {
            if (num_set_int64(r, 1) < 0)
                return nm_oom(err);
            return 0;
        }
        return nm_special(r, NUM_NAN);
    }
    bool b_int = b->sign <= NUM_NEG && (b->ndigits == 0 || b->ndigits <= b->weight + 1);
    if (nm_is_zero(a) && (b->sign == NUM_NEG || b->sign == NUM_NINF))
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_POWER_FUNCTION, "zero raised to a negative power is undefined");
    if ((a->sign == NUM_NEG || a->sign == NUM_NINF) && b->sign <= NUM_NEG && !b_int)
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                       "a negative number raised to a non-integer power yields a complex result");
    if (a->sign >= NUM_PINF || b->sign >= NUM_PINF) {
        /* PostgreSQL's infinity rules (POSIX pow) */
        if (a_one)
            return num_set_int64(r, 1) < 0 ? nm_oom(err) : 0;
        if (b_zero)
            return num_set_int64(r, 1) < 0 ? nm_oom(err) : 0;
        double x = num_to_double(a), y = num_to_double(b);
        double p = pow(x, y);
        if (isnan(p))
            return nm_special(r, NUM_NAN);
        if (isinf(p))
            return nm_special(r, p > 0 ? NUM_PINF : NUM_NINF);
        num_free(r);
        r->sign = NUM_POS;
        r->weight = r->dscale = 0;
        return 0;
    }
    if (b_int) {
        int64_t e;
        if (num_to_int64(b, &e, "", NULL) == 0 && e >= INT32_MIN && e <= INT32_MAX) {
            int rscale = NUM_MIN_SIG_DIGITS;
            if (rscale < a->dscale)
                rscale = a->dscale;
            rscale = nm_clamp_scale(rscale);
            return nm_power_int(a, e, r, rscale, err);
        }
    }
    if (nm_is_zero(a)) {
        num_free(r);
        r->sign = NUM_POS;
        r->weight = 0;
        r->dscale = NUM_MIN_SIG_DIGITS;
        return 0;
    }
    /* general case: exp(b * ln|a|), sign from an odd integer exponent */
    NumVar aa, l, t;
    num_init(&aa); num_init(&l); num_init(&t);
    if (num_copy(&aa, a) < 0)
        goto oom;
    bool neg = aa.sign == NUM_NEG;
    aa.sign = NUM_POS;
    double val = log(fabs(num_to_double(a))) * num_to_double(b);
    if (!isfinite(val) || fabs(val) > 32767.0 * NUM_DEC_DIGITS * 2.3026) {
        num_free(&aa); num_free(&l); num_free(&t);
        if (val > 0 || isnan(val))
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
        num_free(r);
        r->sign = NUM_POS;
        r->weight = 0;
        r->dscale = NUM_MAX_DISPLAY_SCALE;
        return 0;
    }
    val *= 0.434294481903252;
    int rscale = NUM_MIN_SIG_DIGITS - (int)val;
    if (rscale < a->dscale)
        rscale = a->dscale;
    if (rscale < b->dscale)
        rscale = b->dscale;
    rscale = nm_clamp_scale(rscale);
    int need = rscale + (val > 0 ? (int)val + 1 : 0) + NM_GUARD + (nm_dweight(b) > 0 ? nm_dweight(b) : 0) + 4;
    if (nm_ln_at(&aa, &l, need) < 0 || nm_mul(&l, b, &t, need) < 0)
        goto oom;
    if (nm_exp_at(&t, r, rscale, err) < 0) {
        num_free(&aa); num_free(&l); num_free(&t);
        return -1;
    }
    if (neg && r->ndigits) {
        /* odd integer exponent keeps the sign (non-integers were rejected above) */
        int64_t e = 0;
        (void)num_to_int64(b, &e, "", NULL);
        if (e % 2 != 0)
            r->sign = NUM_NEG;
    }
    num_free(&aa); num_free(&l); num_free(&t);
    return 0;
oom:
    num_free(&aa); num_free(&l); num_free(&t);
    return nm_oom(err);
}

int num_sqrt_scale(const NumVar *a, NumVar *r, int rscale)
{
    if (nm_is_zero(a)) {
        num_free(r);
        r->sign = NUM_POS;
        r->weight = 0;
        r->dscale = rscale;
        return 0;
    }
    if (nm_sqrt_at(a, r, rscale) < 0)
        return -1;
    r->dscale = rscale;
    return 0;
}
