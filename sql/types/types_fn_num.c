/* types_fn_num.c -- numeric/integer math builtins beyond the basics: numeric sqrt, exp,
 * ln, log, log10, power (types_numeric_math.c does the arithmetic), scale, min_scale,
 * trim_scale, factorial, gcd, lcm, width_bucket, and the hyperbolic float functions.
 * Results live in ctx->arena; temporaries are NumVars freed before returning. */
#include "sql/types/types_fn.h"

#include <math.h>
#include <string.h>

static int nf_arg(const Value *v, NumVar *n, SqlError *err)
{
    num_init(n);
    if (v->type == NUMERICOID)
        return num_from_value(v, n, err);
    return num_set_int64(n, v->u.i) < 0 ? types_oom(err) : 0;
}

typedef int (*NfUnary)(const NumVar *a, NumVar *r, SqlError *err);
typedef int (*NfBinary)(const NumVar *a, const NumVar *b, NumVar *r, SqlError *err);

static int nf_unary(FuncCallCtx *ctx, const Value *v, NfUnary f, Value *out, SqlError *err)
{
    NumVar a, r;
    if (nf_arg(v, &a, err) < 0)
        return -1;
    num_init(&r);
    int rc = f(&a, &r, err);
    num_free(&a);
    if (rc < 0) {
        num_free(&r);
        return -1;
    }
    return fn_num_result(ctx, &r, out, err);
}

static int nf_binary(FuncCallCtx *ctx, const Value *args, NfBinary f, Value *out, SqlError *err)
{
    NumVar a, b, r;
    if (nf_arg(&args[0], &a, err) < 0)
        return -1;
    if (nf_arg(&args[1], &b, err) < 0) {
        num_free(&a);
        return -1;
    }
    num_init(&r);
    int rc = f(&a, &b, &r, err);
    num_free(&a);
    num_free(&b);
    if (rc < 0) {
        num_free(&r);
        return -1;
    }
    return fn_num_result(ctx, &r, out, err);
}

static int nf_log10(const NumVar *a, NumVar *r, SqlError *err)
{
    NumVar ten;
    num_init(&ten);
    if (num_set_int64(&ten, 10) < 0)
        return types_oom(err);
    int rc = num_log(&ten, a, r, err);
    num_free(&ten);
    return rc;
}

static FN(fn_num_sqrt) { (void)nargs; return nf_unary(ctx, &args[0], num_sqrt, out, err); }
static FN(fn_num_exp) { (void)nargs; return nf_unary(ctx, &args[0], num_exp, out, err); }
static FN(fn_num_ln) { (void)nargs; return nf_unary(ctx, &args[0], num_ln, out, err); }
static FN(fn_num_log10) { (void)nargs; return nf_unary(ctx, &args[0], nf_log10, out, err); }
static FN(fn_num_log) { (void)nargs; return nf_binary(ctx, args, num_log, out, err); }
static FN(fn_num_power) { (void)nargs; return nf_binary(ctx, args, num_power, out, err); }

/* number of decimal digits needed after the point (trailing zeros dropped) */
static int nf_min_scale(const NumVar *v)
{
    for (int i = v->ndigits - 1; i >= 0; i--) {
        if (v->digits[i] == 0)
            continue;
        int frac_pos = i - v->weight;   /* base-10000 digits after the point up to i */
        if (frac_pos <= 0)
            return 0;
        int d = v->digits[i], tz = 0;
        while (d % 10 == 0) {
            d /= 10;
            tz++;
        }
        return frac_pos * NUM_DEC_DIGITS - tz;
    }
    return 0;
}

static FN(fn_scale)
{
    (void)nargs; (void)ctx;
    NumVar a;
    if (nf_arg(&args[0], &a, err) < 0)
        return -1;
    if (a.sign >= NUM_NAN)
        *out = value_null(INT4OID);
    else
        *out = value_int(INT4OID, a.dscale);
    num_free(&a);
    return 0;
}

static FN(fn_min_scale)
{
    (void)nargs; (void)ctx;
    NumVar a;
    if (nf_arg(&args[0], &a, err) < 0)
        return -1;
    *out = a.sign >= NUM_NAN ? value_null(INT4OID) : value_int(INT4OID, nf_min_scale(&a));
    num_free(&a);
    return 0;
}

static FN(fn_trim_scale)
{
    (void)nargs;
    NumVar a;
    if (nf_arg(&args[0], &a, err) < 0)
        return -1;
    if (a.sign < NUM_NAN)
        a.dscale = nf_min_scale(&a);
    return fn_num_result(ctx, &a, out, err);
}

static FN(fn_factorial)
{
    (void)nargs;
    int64_t n = args[0].u.i;
    if (n < 0)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "factorial of a negative number is undefined");
    if (n > 32177)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
    NumVar r, k, t;
    num_init(&r); num_init(&k); num_init(&t);
    if (num_set_int64(&r, 1) < 0)
        goto oom;
    for (int64_t i = 2; i <= n; i++) {
        if (ctx->hooks.cancelled && (i & 1023) == 0 && ctx->hooks.cancelled(ctx->hooks.arg)) {
            num_free(&r); num_free(&k); num_free(&t);
            return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
        }
        if (num_set_int64(&k, i) < 0 || num_mul(&r, &k, &t) < 0)
            goto oom;
        NumVar sw = r;
        r = t;
        t = sw;
    }
    num_free(&k); num_free(&t);
    return fn_num_result(ctx, &r, out, err);
oom:
    num_free(&r); num_free(&k); num_free(&t);
    return types_oom(err);
}

static const char *nf_range(Oid t)
{
    return t == INT2OID ? "smallint out of range" : t == INT4OID ? "integer out of range" : "bigint out of range";
}

static int64_t nf_int_min(Oid t)
{
    return t == INT2OID ? INT16_MIN : t == INT4OID ? INT32_MIN : INT64_MIN;
}

/* gcd of two integers of type t; the one unrepresentable result (|MIN|) is 22003 */
static int nf_gcd_int(Oid t, int64_t a, int64_t b, int64_t *out, SqlError *err)
{
    int64_t mn = nf_int_min(t);
    /* work in negatives so MIN needs no special case until the end */
    if (a > 0) a = -a;
    if (b > 0) b = -b;
    while (b != 0) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    if (a == mn)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "%s", nf_range(t));
    *out = -a;
    return 0;
}

static int nf_num_gcd(const NumVar *a0, const NumVar *b0, NumVar *r, SqlError *err)
{
    int dscale = a0->dscale > b0->dscale ? a0->dscale : b0->dscale;
    if (a0->sign >= NUM_NAN || b0->sign >= NUM_NAN) {
        num_free(r);
        r->sign = NUM_NAN;
        r->weight = r->dscale = 0;
        return 0;
    }
    NumVar a, b, t;
    num_init(&a); num_init(&b); num_init(&t);
    if (num_copy(&a, a0) < 0 || num_copy(&b, b0) < 0)
        goto oom;
    a.sign = b.sign = NUM_POS;
    while (b.ndigits > 0) {
        if (num_mod(&a, &b, &t) < 0)
            goto oom;
        num_free(&a);
        a = b;
        b = t;
        num_init(&t);
    }
    num_free(&b);
    num_free(&t);
    num_free(r);
    *r = a;
    r->dscale = dscale;
    return 0;
oom:
    num_free(&a); num_free(&b); num_free(&t);
    return types_oom(err);
}

static int nf_num_lcm(const NumVar *a, const NumVar *b, NumVar *r, SqlError *err)
{
    int dscale = a->dscale > b->dscale ? a->dscale : b->dscale;
    if (a->sign >= NUM_NAN || b->sign >= NUM_NAN) {
        num_free(r);
        r->sign = NUM_NAN;
        r->weight = r->dscale = 0;
        return 0;
    }
    if (a->ndigits == 0 || b->ndigits == 0) {
        num_free(r);
        r->sign = NUM_POS;
        r->weight = 0;
        r->dscale = dscale;
        return 0;
    }
    NumVar g, p, q;
    num_init(&g); num_init(&p); num_init(&q);
    if (nf_num_gcd(a, b, &g, err) < 0 || num_div(a, &g, &q, 0, false) < 0 || num_mul(&q, b, &p) < 0) {
        num_free(&g); num_free(&p); num_free(&q);
        return types_oom(err);
    }
    num_free(&g); num_free(&q);
    p.sign = NUM_POS;
    p.dscale = dscale;
    num_free(r);
    *r = p;
    return 0;
}

static FN(fn_gcd)
{
    (void)nargs;
    if (args[0].type == NUMERICOID)
        return nf_binary(ctx, args, nf_num_gcd, out, err);
    int64_t g;
    if (nf_gcd_int(args[0].type, args[0].u.i, args[1].u.i, &g, err) < 0)
        return -1;
    *out = value_int(args[0].type, g);
    return 0;
}

static FN(fn_lcm)
{
    (void)nargs;
    if (args[0].type == NUMERICOID)
        return nf_binary(ctx, args, nf_num_lcm, out, err);
    Oid t = args[0].type;
    int64_t a = args[0].u.i, b = args[1].u.i, g;
    if (a == 0 || b == 0) {
        *out = value_int(t, 0);
        return 0;
    }
    if (nf_gcd_int(t, a, b, &g, err) < 0)
        return -1;
    __int128 r = (__int128)(a / g) * b;
    if (r < 0)
        r = -r;
    __int128 hi = t == INT2OID ? INT16_MAX : t == INT4OID ? INT32_MAX : INT64_MAX;
    if (r > hi)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "%s", nf_range(t));
    *out = value_int(t, (int64_t)r);
    return 0;
}

/* width_bucket: PostgreSQL raises 2201G, which src/catalog/errcodes.def lacks (22023 here) */
static FN(fn_width_bucket)
{
    (void)nargs;
    int64_t count = args[3].u.i;
    if (count <= 0)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "count must be greater than zero");
    if (args[0].type == FLOAT8OID) {
        double op = args[0].u.f, b1 = args[1].u.f, b2 = args[2].u.f;
        if (isnan(op) || isnan(b1) || isnan(b2))
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "operand, lower bound, and upper bound cannot be NaN");
        if (isinf(b1) || isinf(b2))
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "lower and upper bounds must be finite");
        int64_t r;
        if (b1 < b2) {
            if (op < b1)
                r = 0;
            else if (op >= b2)
                r = count + 1;
            else
                r = (int64_t)((double)count * ((op - b1) / (b2 - b1))) + 1;
        } else if (b1 > b2) {
            if (op > b1)
                r = 0;
            else if (op <= b2)
                r = count + 1;
            else
                r = (int64_t)((double)count * ((b1 - op) / (b1 - b2))) + 1;
        } else {
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "lower bound cannot equal upper bound");
        }
        if (r > INT32_MAX)
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range");
        *out = value_int(INT4OID, r);
        return 0;
    }
    NumVar op, b1, b2, x, y, c, q;
    num_init(&x); num_init(&y); num_init(&c); num_init(&q);
    if (nf_arg(&args[0], &op, err) < 0)
        return -1;
    if (nf_arg(&args[1], &b1, err) < 0) {
        num_free(&op);
        return -1;
    }
    if (nf_arg(&args[2], &b2, err) < 0) {
        num_free(&op); num_free(&b1);
        return -1;
    }
    int rc = 0;
    int64_t r = 0;
    if (op.sign == NUM_NAN || b1.sign == NUM_NAN || b2.sign == NUM_NAN) {
        rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "operand, lower bound, and upper bound cannot be NaN");
    } else if (b1.sign >= NUM_PINF || b2.sign >= NUM_PINF) {
        rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "lower and upper bounds must be finite");
    } else {
        int c12 = num_cmp(&b1, &b2);
        if (c12 == 0) {
            rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "lower bound cannot equal upper bound");
        } else if (c12 < 0 ? num_cmp(&op, &b1) < 0 : num_cmp(&op, &b1) > 0) {
            r = 0;
        } else if (c12 < 0 ? num_cmp(&op, &b2) >= 0 : num_cmp(&op, &b2) <= 0) {
            r = count + 1;
        } else {
            /* floor(count * (op - b1) / (b2 - b1)) + 1, exactly */
            bool ok = (c12 < 0 ? num_sub(&op, &b1, &x) : num_sub(&b1, &op, &x)) == 0 &&
                      (c12 < 0 ? num_sub(&b2, &b1, &y) : num_sub(&b1, &b2, &y)) == 0 &&
                      num_set_int64(&c, count) == 0 && num_mul(&x, &c, &q) == 0 &&
                      num_div(&q, &y, &x, 0, false) == 0 && num_to_int64(&x, &r, "integer", err) == 0;
            if (!ok)
                rc = -1;
            r += 1;
        }
    }
    num_free(&op); num_free(&b1); num_free(&b2); num_free(&x); num_free(&y); num_free(&c); num_free(&q);
    if (rc < 0)
        return rc;
    if (r > INT32_MAX)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range");
    *out = value_int(INT4OID, r);
    (void)ctx;
    return 0;
}

static int nf_float(double r, Value *out)
{
    *out = value_float(FLOAT8OID, r);
    return 0;
}

static FN(fn_sinh) { (void)ctx; (void)nargs; (void)err; return nf_float(sinh(args[0].u.f), out); }
static FN(fn_cosh) { (void)ctx; (void)nargs; (void)err; return nf_float(cosh(args[0].u.f), out); }
static FN(fn_tanh) { (void)ctx; (void)nargs; (void)err; return nf_float(tanh(args[0].u.f), out); }
static FN(fn_asinh) { (void)ctx; (void)nargs; (void)err; return nf_float(asinh(args[0].u.f), out); }
static FN(fn_acosh)
{
    (void)ctx; (void)nargs;
    if (args[0].u.f < 1)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "input is out of range");
    return nf_float(acosh(args[0].u.f), out);
}
static FN(fn_atanh)
{
    (void)ctx; (void)nargs;
    double x = args[0].u.f;
    if (x < -1 || x > 1)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "input is out of range");
    if (x == 1 || x == -1)
        return nf_float(x > 0 ? INFINITY : -INFINITY, out);
    return nf_float(atanh(x), out);
}
static FN(fn_cot)
{
    (void)ctx; (void)nargs; (void)err;
    double x = args[0].u.f;
    if (isinf(x))
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "input is out of range");
    return nf_float(1.0 / tan(x), out);
}

void types_fn_num_register(void)
{
    const Oid N = NUMERICOID, F8 = FLOAT8OID, I4 = INT4OID;
    types_reg_fn("sqrt", N, fn_num_sqrt, 1, TYPES_A(N));
    types_reg_fn("exp", N, fn_num_exp, 1, TYPES_A(N));
    types_reg_fn("ln", N, fn_num_ln, 1, TYPES_A(N));
    types_reg_fn("log", N, fn_num_log10, 1, TYPES_A(N));
    types_reg_fn("log10", N, fn_num_log10, 1, TYPES_A(N));
    types_reg_fn("log", N, fn_num_log, 2, TYPES_A(N, N));
    types_reg_fn("power", N, fn_num_power, 2, TYPES_A(N, N));
    types_reg_fn("pow", N, fn_num_power, 2, TYPES_A(N, N));
    types_reg_op("^", N, N, N, fn_num_power);
    types_reg_fn("scale", I4, fn_scale, 1, TYPES_A(N));
    types_reg_fn("min_scale", I4, fn_min_scale, 1, TYPES_A(N));
    types_reg_fn("trim_scale", N, fn_trim_scale, 1, TYPES_A(N));
    types_reg_fn("factorial", N, fn_factorial, 1, TYPES_A(INT8OID));
    static const Oid gt[] = { INT4OID, INT8OID, NUMERICOID };
    for (int i = 0; i < 3; i++) {
        types_reg_fn("gcd", gt[i], fn_gcd, 2, TYPES_A(gt[i], gt[i]));
        types_reg_fn("lcm", gt[i], fn_lcm, 2, TYPES_A(gt[i], gt[i]));
    }
    types_reg_fn("width_bucket", I4, fn_width_bucket, 4, TYPES_A(F8, F8, F8, I4));
    types_reg_fn("width_bucket", I4, fn_width_bucket, 4, TYPES_A(N, N, N, I4));
    types_reg_fn("sinh", F8, fn_sinh, 1, TYPES_A(F8));
    types_reg_fn("cosh", F8, fn_cosh, 1, TYPES_A(F8));
    types_reg_fn("tanh", F8, fn_tanh, 1, TYPES_A(F8));
    types_reg_fn("asinh", F8, fn_asinh, 1, TYPES_A(F8));
    types_reg_fn("acosh", F8, fn_acosh, 1, TYPES_A(F8));
    types_reg_fn("atanh", F8, fn_atanh, 1, TYPES_A(F8));
    types_reg_fn("cot", F8, fn_cot, 1, TYPES_A(F8));
}
