/* types_fn_math.c -- math functions (float8 and numeric variants), session functions
 * (now(), version(), current_user, random(), sequences through FuncCallCtx hooks),
 * gen_random_uuid, num_nulls, and small array functions. */
#include "sql/types/types_fn.h"

#include <math.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static int math_num_arg(const Value *v, NumVar *n, SqlError *err)
{
    num_init(n);
    if (v->type == NUMERICOID)
        return num_from_value(v, n, err);
    return num_set_int64(n, v->u.i) < 0 ? types_oom(err) : 0;
}

static int math_float(FuncCallCtx *ctx, double r, Value *out, SqlError *err)
{
    (void)err;
    *out = value_float(ctx->ret_type == FLOAT4OID ? FLOAT4OID : FLOAT8OID, r);
    return 0;
}

FN(fn_abs)
{
    (void)nargs;
    const Value *v = &args[0];
    switch (v->type) {
    case FLOAT4OID: case FLOAT8OID: return math_float(ctx, fabs(v->u.f), out, err);
    case NUMERICOID: {
        NumVar n;
        if (math_num_arg(v, &n, err) < 0)
            return -1;
        if (n.sign == NUM_NEG) n.sign = NUM_POS;
        if (n.sign == NUM_NINF) n.sign = NUM_PINF;
        return fn_num_result(ctx, &n, out, err);
    }
    default:
        if ((v->type == INT2OID && v->u.i == INT16_MIN) || (v->type == INT4OID && v->u.i == INT32_MIN) ||
            (v->type == INT8OID && v->u.i == INT64_MIN))
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "%s out of range",
                           v->type == INT2OID ? "smallint" : v->type == INT4OID ? "integer" : "bigint");
        *out = value_int(v->type, v->u.i < 0 ? -v->u.i : v->u.i);
        return 0;
    }
}

static int math_num_round(FuncCallCtx *ctx, int nargs, const Value *args, bool round, Value *out, SqlError *err)
{
    NumVar n;
    if (math_num_arg(&args[0], &n, err) < 0)
        return -1;
    int64_t scale = nargs > 1 ? args[1].u.i : 0;
    if (scale > 2000) scale = 2000;
    if (scale < -2000) scale = -2000;
    if (round)
        num_round(&n, (int)scale);
    else
        num_trunc(&n, (int)scale);
    return fn_num_result(ctx, &n, out, err);
}

FN(fn_round)
{
    if (args[0].type == FLOAT8OID)
        return math_float(ctx, rint(args[0].u.f), out, err);
    return math_num_round(ctx, nargs, args, true, out, err);
}

FN(fn_trunc)
{
    if (args[0].type == FLOAT8OID)
        return math_float(ctx, trunc(args[0].u.f), out, err);
    return math_num_round(ctx, nargs, args, false, out, err);
}

static int math_num_ceil_floor(FuncCallCtx *ctx, const Value *v, bool ceil_, Value *out, SqlError *err)
{
    NumVar n, t;
    if (math_num_arg(v, &n, err) < 0)
        return -1;
    num_init(&t);
    if (num_copy(&t, &n) < 0) {
        num_free(&n);
        return types_oom(err);
    }
    num_trunc(&t, 0);
    if (n.sign <= NUM_NEG && num_cmp(&t, &n) != 0) {
        NumVar one, r;
        num_init(&one);
        num_init(&r);
        num_set_int64(&one, 1);
        bool up = ceil_ ? n.sign == NUM_POS : false;
        bool down = !ceil_ && n.sign == NUM_NEG;
        if (up)
            num_add(&t, &one, &r);
        else if (down)
            num_sub(&t, &one, &r);
        else
            num_copy(&r, &t);
        num_free(&one);
        num_free(&t);
        t = r;
    }
    t.dscale = 0;
    num_free(&n);
    return fn_num_result(ctx, &t, out, err);
}

FN(fn_ceil)
{
    (void)nargs;
    if (args[0].type == FLOAT8OID)
        return math_float(ctx, ceil(args[0].u.f), out, err);
    return math_num_ceil_floor(ctx, &args[0], true, out, err);
}

FN(fn_floor)
{
    (void)nargs;
    if (args[0].type == FLOAT8OID)
        return math_float(ctx, floor(args[0].u.f), out, err);
    return math_num_ceil_floor(ctx, &args[0], false, out, err);
}

FN(fn_sign)
{
    (void)nargs;
    if (args[0].type == FLOAT8OID) {
        double d = args[0].u.f;
        return math_float(ctx, d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0, out, err);
    }
    NumVar n, r;
    if (math_num_arg(&args[0], &n, err) < 0)
        return -1;
    num_init(&r);
    if (n.sign == NUM_NAN)
        num_copy(&r, &n);
    else
        num_set_int64(&r, n.sign == NUM_NEG || n.sign == NUM_NINF ? -1 : n.ndigits || n.sign == NUM_PINF ? 1 : 0);
    num_free(&n);
    return fn_num_result(ctx, &r, out, err);
}

FN(fn_mod)
{
    if (args[0].type == NUMERICOID) {
        (void)nargs;
        return fn_num_mod(ctx, nargs, args, out, err);
    }
    return fn_int_mod(ctx, nargs, args, out, err);
}

FN(fn_div)
{
    (void)nargs;
    NumVar a, b, r;
    if (math_num_arg(&args[0], &a, err) < 0)
        return -1;
    if (math_num_arg(&args[1], &b, err) < 0) {
        num_free(&a);
        return -1;
    }
    num_init(&r);
    int rc = 0;
    if (b.sign <= NUM_NEG && b.ndigits == 0)
        rc = SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
    else
        num_div(&a, &b, &r, 0, false);
    num_free(&a);
    num_free(&b);
    if (rc < 0) {
        num_free(&r);
        return -1;
    }
    return fn_num_result(ctx, &r, out, err);
}

FN(fn_sqrt)
{
    (void)nargs;
    double d = args[0].u.f;
    if (d < 0)
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_POWER_FUNCTION, "cannot take square root of a negative number");
    return math_float(ctx, sqrt(d), out, err);
}

FN(fn_cbrt) { (void)nargs; return math_float(ctx, cbrt(args[0].u.f), out, err); }

FN(fn_power)
{
    (void)nargs;
    double a = args[0].u.f, b = args[1].u.f;
    if (a == 0 && b < 0)
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_POWER_FUNCTION, "zero raised to a negative power is undefined");
    if (a < 0 && b != floor(b))
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_POWER_FUNCTION, "a negative number raised to a non-integer power yields a complex result");
    double r = pow(a, b);
    if (isinf(r) && !isinf(a) && !isinf(b))
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
    return math_float(ctx, r, out, err);
}

FN(fn_exp)
{
    (void)nargs;
    double r = exp(args[0].u.f);
    if (isinf(r) && !isinf(args[0].u.f))
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
    return math_float(ctx, r, out, err);
}

static int math_log_check(double d, SqlError *err)
{
    if (d == 0)
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of zero");
    if (d < 0)
        return SQL_ERR(err, INVALID_ARGUMENT_FOR_LOG, "cannot take logarithm of a negative number");
    return 0;
}

FN(fn_ln)
{
    (void)nargs;
    if (math_log_check(args[0].u.f, err) < 0)
        return -1;
    return math_float(ctx, log(args[0].u.f), out, err);
}

FN(fn_log10)
{
    (void)nargs;
    if (math_log_check(args[0].u.f, err) < 0)
        return -1;
    return math_float(ctx, log10(args[0].u.f), out, err);
}

FN(fn_log)
{
    if (nargs == 1)
        return fn_log10(ctx, nargs, args, out, err);
    if (math_log_check(args[0].u.f, err) < 0 || math_log_check(args[1].u.f, err) < 0)
        return -1;
    return math_float(ctx, log(args[1].u.f) / log(args[0].u.f), out, err);
}

FN(fn_pi) { (void)nargs; (void)args; return math_float(ctx, M_PI, out, err); }
FN(fn_degrees) { (void)nargs; return math_float(ctx, args[0].u.f * (180.0 / M_PI), out, err); }
FN(fn_radians) { (void)nargs; return math_float(ctx, args[0].u.f * (M_PI / 180.0), out, err); }
FN(fn_atan2) { (void)nargs; return math_float(ctx, atan2(args[0].u.f, args[1].u.f), out, err); }

/* sin/cos/tan/asin/acos/atan by the return-type trick: the registry passes the function
 * name through ctx->ret_typmod as an index. */
FN(fn_trig)
{
    (void)nargs;
    double x = args[0].u.f, r;
    switch (ctx->ret_typmod) {
    case 0: r = sin(x); break;
    case 1: r = cos(x); break;
    case 2: r = tan(x); break;
    case 3:
        if (x < -1 || x > 1)
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "input is out of range");
        r = asin(x);
        break;
    case 4:
        if (x < -1 || x > 1)
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "input is out of range");
        r = acos(x);
        break;
    default: r = atan(x); break;
    }
    return math_float(ctx, r, out, err);
}

FN(fn_random)
{
    (void)nargs; (void)args;
    uint64_t local = 0x853c49e6748fea9bull;
    uint64_t *st = ctx->random_state ? ctx->random_state : &local;
    if (*st == 0) {
        if (getrandom(st, sizeof *st, 0) != (ssize_t)sizeof *st || *st == 0)
            *st = (uint64_t)time(NULL) | 1;
    }
    uint64_t x = *st;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    uint64_t r = x * 0x2545f4914f6cdd1dull;
    return math_float(ctx, (double)(r >> 11) / 9007199254740992.0, out, err);
}

FN(fn_setseed)
{
    (void)nargs;
    double s = args[0].u.f;
    if (s < -1 || s > 1 || isnan(s))
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "setseed parameter %g is out of allowed range [-1,1]", s);
    if (ctx->random_state)
        *ctx->random_state = (uint64_t)((s + 1.0) * 2147483647.0) * 0x9e3779b97f4a7c15ull | 1;
    *out = value_null(2278 /* void */);
    out->null = false;
    out->type = 2278;
    return 0;
}

static int64_t math_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return ((int64_t)t.tv_sec - INT64_C(946684800)) * 1000000 + t.tv_nsec / 1000;
}

FN(fn_now) { (void)nargs; (void)args; (void)err; *out = value_int(TIMESTAMPTZOID, ctx->txn_timestamp ? ctx->txn_timestamp : math_clock()); return 0; }
FN(fn_stmt_ts) { (void)nargs; (void)args; (void)err; *out = value_int(TIMESTAMPTZOID, ctx->stmt_timestamp ? ctx->stmt_timestamp : math_clock()); return 0; }
FN(fn_clock_ts) { (void)ctx; (void)nargs; (void)args; (void)err; *out = value_int(TIMESTAMPTZOID, math_clock()); return 0; }

FN(fn_current_date)
{
    (void)nargs; (void)args;
    Value ts = value_int(TIMESTAMPTZOID, ctx->txn_timestamp ? ctx->txn_timestamp : math_clock());
    return types_cast(ctx->tc, &ts, DATEOID, -1, TYPES_COERCE_EXPLICIT, ctx->arena, out, err);
}

static int math_cstr(FuncCallCtx *ctx, const char *s, Value *out, SqlError *err)
{
    if (!s)
        s = "";
    Oid save = ctx->ret_type;
    int rc = fn_text_result(ctx, s, strlen(s), out, err);
    out->type = save ? save : TEXTOID;
    return rc;
}

FN(fn_version) { (void)nargs; (void)args; return math_cstr(ctx, ctx->version ? ctx->version : "PostgreSQL 15 (ShaleDB)", out, err); }
FN(fn_current_user) { (void)nargs; (void)args; return math_cstr(ctx, ctx->current_user, out, err); }
FN(fn_session_user)
{
    (void)nargs; (void)args;
    return math_cstr(ctx, ctx->session_user ? ctx->session_user : ctx->current_user, out, err);
}
FN(fn_current_database) { (void)nargs; (void)args; return math_cstr(ctx, ctx->database, out, err); }

FN(fn_gen_random_uuid)
{
    (void)nargs; (void)args;
    uint8_t b[16];
    if (getrandom(b, 16, 0) != 16)
        return SQL_ERR(err, INTERNAL_ERROR, "could not generate random values");
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char *d = types_arena_dup(ctx->arena, b, 16);
    if (!d)
        return types_oom(err);
    *out = value_bytes(UUIDOID, d, 16);
    return 0;
}

FN(fn_num_nulls)
{
    (void)ctx; (void)err;
    int64_t k = 0;
    for (int i = 0; i < nargs; i++)
        k += args[i].null;
    *out = value_int(INT4OID, k);
    return 0;
}

FN(fn_num_nonnulls)
{
    (void)ctx; (void)err;
    int64_t k = 0;
    for (int i = 0; i < nargs; i++)
        k += !args[i].null;
    *out = value_int(INT4OID, k);
    return 0;
}

static int math_no_hook(SqlError *err, const char *f)
{
    return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "%s is not available in this context", f);
}

FN(fn_nextval)
{
    (void)nargs;
    int64_t v;
    if (!ctx->hooks.nextval)
        return math_no_hook(err, "nextval");
    if (ctx->hooks.nextval(ctx->hooks.arg, (Oid)args[0].u.i, &v, err) < 0)
        return -1;
    *out = value_int(INT8OID, v);
    return 0;
}

FN(fn_currval)
{
    (void)nargs;
    int64_t v;
    if (!ctx->hooks.currval)
        return math_no_hook(err, "currval");
    if (ctx->hooks.currval(ctx->hooks.arg, (Oid)args[0].u.i, &v, err) < 0)
        return -1;
    *out = value_int(INT8OID, v);
    return 0;
}

FN(fn_setval)
{
    if (!ctx->hooks.setval)
        return math_no_hook(err, "setval");
    bool called = nargs > 2 ? args[2].u.b : true;
    if (ctx->hooks.setval(ctx->hooks.arg, (Oid)args[0].u.i, args[1].u.i, called, err) < 0)
        return -1;
    *out = value_int(INT8OID, args[1].u.i);
    return 0;
}

FN(fn_array_length)
{
    (void)ctx; (void)nargs;
    TypesArrayReader r;
    if (types_array_open(&args[0], &r, err) < 0)
        return -1;
    if (args[1].u.i < 1 || args[1].u.i > r.ndims || r.n == 0)
        *out = value_null(INT4OID);
    else
        *out = value_int(INT4OID, r.dims[args[1].u.i - 1]);
    return 0;
}

FN(fn_cardinality)
{
    (void)ctx; (void)nargs;
    TypesArrayReader r;
    if (types_array_open(&args[0], &r, err) < 0)
        return -1;
    *out = value_int(INT4OID, r.n);
    return 0;
}

FN(fn_array_append)
{
    (void)nargs;
    Oid et = types_array_elem(ctx->ret_type);
    TypesArrayReader r;
    uint32_t n = 0;
    int32_t lower = 1;
    if (!args[0].null) {
        if (types_array_open(&args[0], &r, err) < 0)
            return -1;
        if (r.ndims > 1)
            return SQL_ERR(err, DATA_EXCEPTION, "argument must be empty or one-dimensional array");
        n = r.n;
        lower = r.lower;
    }
    Value *el = shale_arena_alloc(ctx->arena, sizeof(Value) * (n + 1));
    if (!el)
        return types_oom(err);
    uint32_t i = 0;
    Value e;
    if (!args[0].null)
        while (types_array_next(&r, &e, err) == 1)
            el[i++] = e;
    el[i] = args[1].null ? value_null(et) : args[1];
    el[i].type = et;
    return types_array_build(et, lower, i + 1, el, ctx->arena, out, err);
}

FN(fn_array_to_string)
{
    TypesArrayReader r;
    if (types_array_open(&args[0], &r, err) < 0)
        return -1;
    ShaleBuf b;
    shale_buf_init(&b);
    bool first = true;
    Value e;
    while (types_array_next(&r, &e, err) == 1) {
        if (e.null && nargs < 3)
            continue;
        if (!first)
            shale_buf_append(&b, args[1].u.s.p, args[1].u.s.n);
        first = false;
        if (e.null)
            shale_buf_append(&b, args[2].u.s.p, args[2].u.s.n);
        else if (e.type == TEXTOID || e.type == VARCHAROID)
            shale_buf_append(&b, e.u.s.p, e.u.s.n);
        else
            types_output(ctx->tc, &e, &b);
    }
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}
