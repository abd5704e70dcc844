/* types_fn_ops.c -- operator implementations: integer/float/numeric arithmetic with
 * PostgreSQL's overflow and division errors, comparisons over types_compare, text ||,
 * LIKE/ILIKE, and date/time arithmetic. Result types come from the resolved operator
 * (ctx->ret_type), so one C function serves every integer width. */
#include "sql/types/types_fn.h"

#include <math.h>
#include <string.h>

static const char *ops_range(Oid t)
{
    return t == INT2OID ? "smallint out of range" : t == INT4OID ? "integer out of range" : "bigint out of range";
}

static int ops_int_result(FuncCallCtx *ctx, __int128 r, Value *out, SqlError *err)
{
    Oid t = ctx->ret_type;
    __int128 lo = t == INT2OID ? INT16_MIN : t == INT4OID ? INT32_MIN : INT64_MIN;
    __int128 hi = t == INT2OID ? INT16_MAX : t == INT4OID ? INT32_MAX : INT64_MAX;
    if (r < lo || r > hi)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "%s", ops_range(t));
    *out = value_int(t, (int64_t)r);
    return 0;
}

FN(fn_int_add) { (void)nargs; return ops_int_result(ctx, (__int128)args[0].u.i + args[1].u.i, out, err); }
FN(fn_int_sub) { (void)nargs; return ops_int_result(ctx, (__int128)args[0].u.i - args[1].u.i, out, err); }
FN(fn_int_mul) { (void)nargs; return ops_int_result(ctx, (__int128)args[0].u.i * args[1].u.i, out, err); }
FN(fn_int_div)
{
    (void)nargs;
    if (args[1].u.i == 0)
        return SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
    return ops_int_result(ctx, (__int128)args[0].u.i / args[1].u.i, out, err);
}
FN(fn_int_mod)
{
    (void)nargs;
    if (args[1].u.i == 0)
        return SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
    return ops_int_result(ctx, (__int128)args[0].u.i % args[1].u.i, out, err);
}
FN(fn_int_neg) { (void)nargs; return ops_int_result(ctx, -(__int128)args[nargs - 1].u.i, out, err); }

static int ops_float_result(FuncCallCtx *ctx, double r, bool inf_ok, bool zero_ok, Value *out, SqlError *err)
{
    if (ctx->ret_type == FLOAT4OID) {
        float f = (float)r;
        if (isinf(f) && !inf_ok)
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
        if (f == 0 && !zero_ok)
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: underflow");
        r = f;
    } else {
        if (isinf(r) && !inf_ok)
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
        if (r == 0 && !zero_ok)
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: underflow");
    }
    *out = value_float(ctx->ret_type, r);
    return 0;
}

static double ops_f(const Value *v)
{
    return v->type == FLOAT4OID || v->type == FLOAT8OID ? v->u.f : (double)v->u.i;
}

FN(fn_float_add)
{
    (void)nargs;
    double a = ops_f(&args[0]), b = ops_f(&args[1]);
    return ops_float_result(ctx, a + b, isinf(a) || isinf(b), true, out, err);
}
FN(fn_float_sub)
{
    (void)nargs;
    double a = ops_f(&args[0]), b = ops_f(&args[1]);
    return ops_float_result(ctx, a - b, isinf(a) || isinf(b), true, out, err);
}
FN(fn_float_mul)
{
    (void)nargs;
    double a = ops_f(&args[0]), b = ops_f(&args[1]);
    return ops_float_result(ctx, a * b, isinf(a) || isinf(b), a == 0 || b == 0, out, err);
}
FN(fn_float_div)
{
    (void)nargs;
    double a = ops_f(&args[0]), b = ops_f(&args[1]);
    if (b == 0 && !isnan(a))
        return SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
    return ops_float_result(ctx, a / b, isinf(a), a == 0 || isinf(b), out, err);
}
FN(fn_float_neg)
{
    *out = value_float(ctx->ret_type, -args[nargs - 1].u.f);
    return 0;
}

int fn_num_result(FuncCallCtx *ctx, NumVar *v, Value *out, SqlError *err)
{
    int rc = num_to_value(v, ctx->arena, out, err);
    num_free(v);
    return rc;
}

/* Loads two numeric arguments (ints are promoted). */
static int ops_num2(const Value *args, NumVar *a, NumVar *b, SqlError *err)
{
    num_init(a);
    num_init(b);
    for (int i = 0; i < 2; i++) {
        NumVar *v = i ? b : a;
        int rc = args[i].type == NUMERICOID ? num_from_value(&args[i], v, err)
                                            : (num_set_int64(v, args[i].u.i) < 0 ? types_oom(err) : 0);
        if (rc < 0) {
            num_free(a);
            num_free(b);
            return -1;
        }
    }
    return 0;
}

static int ops_num_binary(FuncCallCtx *ctx, const Value *args, int op, Value *out, SqlError *err)
{
    NumVar a, b, r;
    if (ops_num2(args, &a, &b, err) < 0)
        return -1;
    num_init(&r);
    int rc = 0;
    if ((op == '/' || op == '%') && b.sign <= NUM_NEG && b.ndigits == 0) {
        rc = SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
    } else {
        switch (op) {
        case '+': rc = num_add(&a, &b, &r); break;
        case '-': rc = num_sub(&a, &b, &r); break;
        case '*': rc = num_mul(&a, &b, &r); break;
        case '/': rc = num_div(&a, &b, &r, num_div_scale(&a, &b), true); break;
        default: rc = num_mod(&a, &b, &r); break;
        }
        if (rc < 0)
            rc = types_oom(err);
    }
    num_free(&a);
    num_free(&b);
    if (rc < 0) {
        num_free(&r);
        return -1;
    }
    return fn_num_result(ctx, &r, out, err);
}

FN(fn_num_add) { (void)nargs; return ops_num_binary(ctx, args, '+', out, err); }
FN(fn_num_sub) { (void)nargs; return ops_num_binary(ctx, args, '-', out, err); }
FN(fn_num_mul) { (void)nargs; return ops_num_binary(ctx, args, '*', out, err); }
FN(fn_num_div) { (void)nargs; return ops_num_binary(ctx, args, '/', out, err); }
FN(fn_num_mod) { (void)nargs; return ops_num_binary(ctx, args, '%', out, err); }
FN(fn_num_neg)
{
    NumVar v;
    num_init(&v);
    if (num_from_value(&args[nargs - 1], &v, err) < 0)
        return -1;
    if (v.sign == NUM_POS && v.ndigits) v.sign = NUM_NEG;
    else if (v.sign == NUM_NEG) v.sign = NUM_POS;
    else if (v.sign == NUM_PINF) v.sign = NUM_NINF;
    else if (v.sign == NUM_NINF) v.sign = NUM_PINF;
    return fn_num_result(ctx, &v, out, err);
}

/* comparisons: both arguments already coerced to one type (or two integer types) */
static int ops_cmp(const Value *args)
{
    return types_compare(&args[0], &args[1]);
}

FN(fn_cmp_eq) { (void)ctx; (void)nargs; (void)err; *out = value_bool(ops_cmp(args) == 0); return 0; }
FN(fn_cmp_ne) { (void)ctx; (void)nargs; (void)err; *out = value_bool(ops_cmp(args) != 0); return 0; }
FN(fn_cmp_lt) { (void)ctx; (void)nargs; (void)err; *out = value_bool(ops_cmp(args) < 0); return 0; }
FN(fn_cmp_le) { (void)ctx; (void)nargs; (void)err; *out = value_bool(ops_cmp(args) <= 0); return 0; }
FN(fn_cmp_gt) { (void)ctx; (void)nargs; (void)err; *out = value_bool(ops_cmp(args) > 0); return 0; }
FN(fn_cmp_ge) { (void)ctx; (void)nargs; (void)err; *out = value_bool(ops_cmp(args) >= 0); return 0; }
FN(fn_bool_not) { (void)ctx; (void)err; *out = value_bool(!args[nargs - 1].u.b); return 0; }

int fn_text_result(FuncCallCtx *ctx, const char *p, size_t n, Value *out, SqlError *err)
{
    char *d = types_arena_dup(ctx->arena, p, n);
    if (!d)
        return types_oom(err);
    *out = value_bytes(ctx->ret_type ? ctx->ret_type : TEXTOID, d, (uint32_t)n);
    return 0;
}

FN(fn_text_concat)
{
    (void)nargs;
    size_t n = (size_t)args[0].u.s.n + args[1].u.s.n;
    char *d = shale_arena_alloc(ctx->arena, n ? n : 1);
    if (!d)
        return types_oom(err);
    memcpy(d, args[0].u.s.p, args[0].u.s.n);
    memcpy(d + args[0].u.s.n, args[1].u.s.p, args[1].u.s.n);
    *out = value_bytes(TEXTOID, d, (uint32_t)n);
    return 0;
}

/* --- LIKE ---------------------------------------------------------------------------- */

static uint32_t like_fold(uint32_t c, bool icase)
{
    return icase ? types_unicode_lower(c) : c;
}

/* Recursive-free LIKE matcher with backtracking on the last %. */
static int like_match(const char *s, const char *se, const char *p, const char *pe, bool icase, int esc,
                      SqlError *err)
{
    const char *star_p = NULL, *star_s = NULL;
    while (s < se || p < pe) {
        if (p < pe) {
            uint32_t pc;
            int pl = types_utf8_decode(p, pe, &pc);
            if (pc == '%') {
                star_p = p + pl;
                star_s = s;
                p += pl;
                continue;
            }
            if (s < se) {
                uint32_t sc;
                int sl = types_utf8_decode(s, se, &sc);
                if (pc == '_') {
                    p += pl;
                    s += sl;
                    continue;
                }
                if (esc >= 0 && pc == (uint32_t)esc) {
                    if (p + pl >= pe)
                        return SQL_ERR(err, INVALID_ESCAPE_SEQUENCE, "LIKE pattern must not end with escape character");
                    p += pl;
                    pl = types_utf8_decode(p, pe, &pc);
                }
                if (like_fold(pc, icase) == like_fold(sc, icase)) {
                    p += pl;
                    s += sl;
                    continue;
                }
            } else if (esc >= 0 && pc == (uint32_t)esc && p + pl >= pe) {
                return SQL_ERR(err, INVALID_ESCAPE_SEQUENCE, "LIKE pattern must not end with escape character");
            }
        }
        if (star_p && star_s < se) {
            uint32_t sc;
            star_s += types_utf8_decode(star_s, se, &sc);
            s = star_s;
            p = star_p;
            continue;
        }
        return 0;
    }
    return 1;
}

int types_like(const char *s, size_t n, const char *pat, size_t pn, bool icase, int escape, bool *match,
               SqlError *err)
{
    int r = like_match(s, s + n, pat, pat + pn, icase, escape, err);
    if (r < 0)
        return -1;
    *match = r == 1;
    return 0;
}

static int ops_like(const Value *args, bool icase, bool negate, Value *out, SqlError *err)
{
    bool m;
    if (types_like(args[0].u.s.p, args[0].u.s.n, args[1].u.s.p, args[1].u.s.n, icase, '\\', &m, err) < 0)
        return -1;
    *out = value_bool(m != negate);
    return 0;
}

FN(fn_like) { (void)ctx; (void)nargs; return ops_like(args, false, false, out, err); }
FN(fn_not_like) { (void)ctx; (void)nargs; return ops_like(args, false, true, out, err); }
FN(fn_ilike) { (void)ctx; (void)nargs; return ops_like(args, true, false, out, err); }
FN(fn_not_ilike) { (void)ctx; (void)nargs; return ops_like(args, true, true, out, err); }

/* like_escape(pattern, escape): rewrites to the default '\' escape. */
FN(fn_like_escape)
{
    (void)nargs;
    const char *p = args[0].u.s.p, *pe = p + args[0].u.s.n;
    const char *e = args[1].u.s.p;
    size_t en = args[1].u.s.n;
    uint32_t ec = 0;
    if (en) {
        int l = types_utf8_decode(e, e + en, &ec);
        if ((size_t)l != en)
            return SQL_ERR(err, INVALID_ESCAPE_SEQUENCE, "invalid escape string");
    }
    ShaleBuf b;
    shale_buf_init(&b);
    while (p < pe) {
        uint32_t c;
        int l = types_utf8_decode(p, pe, &c);
        if (en == 0) {
            if (c == '\\')
                shale_buf_append_byte(&b, '\\');
            shale_buf_append(&b, p, (size_t)l);
        } else if (c == ec) {
            p += l;
            if (p >= pe) {
                shale_buf_free(&b);
                return SQL_ERR(err, INVALID_ESCAPE_SEQUENCE, "LIKE pattern must not end with escape character");
            }
            l = types_utf8_decode(p, pe, &c);
            shale_buf_append_byte(&b, '\\');
            shale_buf_append(&b, p, (size_t)l);
        } else {
            if (c == '\\')
                shale_buf_append_byte(&b, '\\');
            shale_buf_append(&b, p, (size_t)l);
        }
        p += l;
    }
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

/* --- date/time arithmetic -------------------------------------------------------------- */

static int ops_date_result(int64_t d, Value *out, SqlError *err)
{
    if (d < -2451545 || d >= 2147483494 - 2451545)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date out of range");
    *out = value_int(DATEOID, d);
    return 0;
}

FN(fn_date_pl_int)
{
    (void)ctx; (void)nargs;
    const Value *d = args[0].type == DATEOID ? &args[0] : &args[1];
    const Value *i = args[0].type == DATEOID ? &args[1] : &args[0];
    if (d->u.i == TYPES_DATE_NOBEGIN || d->u.i == TYPES_DATE_NOEND) {
        *out = *d;
        return 0;
    }
    return ops_date_result(d->u.i + i->u.i, out, err);
}
FN(fn_date_mi_int)
{
    (void)ctx; (void)nargs;
    if (args[0].u.i == TYPES_DATE_NOBEGIN || args[0].u.i == TYPES_DATE_NOEND) {
        *out = args[0];
        return 0;
    }
    return ops_date_result(args[0].u.i - args[1].u.i, out, err);
}
FN(fn_date_mi_date)
{
    (void)ctx; (void)nargs;
    if (args[0].u.i == TYPES_DATE_NOBEGIN || args[0].u.i == TYPES_DATE_NOEND || args[1].u.i == TYPES_DATE_NOBEGIN ||
        args[1].u.i == TYPES_DATE_NOEND)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "cannot subtract infinite dates");
    *out = value_int(INT4OID, args[0].u.i - args[1].u.i);
    return 0;
}

/* timestamp(tz) + interval: months and days in local calendar time (tz in the session
 * zone for timestamptz), then microseconds. */
int types_ts_add(FuncCallCtx *ctx, int64_t ts, bool tz, int32_t months, int32_t days, int64_t us, Value *out,
                 SqlError *err)
{
    Oid rt = tz ? TIMESTAMPTZOID : TIMESTAMPOID;
    if (ts == TYPES_DT_NOBEGIN || ts == TYPES_DT_NOEND) {
        *out = value_int(rt, ts);
        return 0;
    }
    const TypesTimeZone *z = ctx->tc ? ctx->tc->tz : NULL;
    if (months || days) {
        TypesTm tm;
        if ((tz ? types_tstz2tm(ts, z, &tm) : types_ts2tm(ts, &tm)) < 0)
            return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range");
        if (months) {
            int64_t m = (int64_t)tm.year * 12 + (tm.mon - 1) + months;
            tm.year = (int)(m >= 0 ? m / 12 : -((-m + 11) / 12));
            tm.mon = (int)(m - (int64_t)tm.year * 12) + 1;
            static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
            int y = tm.year;
            int dim = md[tm.mon - 1] + (tm.mon == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
            if (tm.mday > dim)
                tm.mday = dim;
        }
        if (days) {
            int jd = types_date2j(tm.year, tm.mon, tm.mday) + days;
            types_j2date(jd, &tm.year, &tm.mon, &tm.mday);
        }
        int rc = tz ? types_local2utc(&tm, z, &ts) : types_tm2ts(&tm, &ts);
        if (rc < 0)
            return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range");
    }
    __int128 r = (__int128)ts + us;
    if (r <= INT64_C(-211813488000000000) || r >= INT64_C(9223371331200000000))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range");
    *out = value_int(rt, (int64_t)r);
    return 0;
}

FN(fn_ts_pl_iv)
{
    (void)nargs;
    const Value *t = args[0].type == INTERVALOID ? &args[1] : &args[0];
    const Value *iv = args[0].type == INTERVALOID ? &args[0] : &args[1];
    return types_ts_add(ctx, t->u.i, t->type == TIMESTAMPTZOID, iv->u.iv.months, iv->u.iv.days, iv->u.iv.us, out, err);
}
FN(fn_ts_mi_iv)
{
    (void)nargs;
    return types_ts_add(ctx, args[0].u.i, args[0].type == TIMESTAMPTZOID, -args[1].u.iv.months, -args[1].u.iv.days,
                      -args[1].u.iv.us, out, err);
}
FN(fn_date_pl_iv)
{
    (void)nargs;
    const Value *d = args[0].type == INTERVALOID ? &args[1] : &args[0];
    const Value *iv = args[0].type == INTERVALOID ? &args[0] : &args[1];
    int64_t ts = d->u.i == TYPES_DATE_NOEND ? TYPES_DT_NOEND : d->u.i == TYPES_DATE_NOBEGIN ? TYPES_DT_NOBEGIN
                                                                                            : d->u.i * TYPES_USECS_PER_DAY;
    return types_ts_add(ctx, ts, false, iv->u.iv.months, iv->u.iv.days, iv->u.iv.us, out, err);
}
FN(fn_date_mi_iv)
{
    (void)nargs;
    int64_t ts = args[0].u.i == TYPES_DATE_NOEND ? TYPES_DT_NOEND : args[0].u.i == TYPES_DATE_NOBEGIN
                                                                      ? TYPES_DT_NOBEGIN : args[0].u.i * TYPES_USECS_PER_DAY;
    return types_ts_add(ctx, ts, false, -args[1].u.iv.months, -args[1].u.iv.days, -args[1].u.iv.us, out, err);
}

static void ops_iv(Value *out, int64_t months, int64_t days, int64_t us)
{
    out->type = INTERVALOID;
    out->null = false;
    out->u.iv.months = (int32_t)months;
    out->u.iv.days = (int32_t)days;
    out->u.iv.us = us;
}

static int ops_iv_check(int64_t months, int64_t days, SqlError *err)
{
    if (months < INT32_MIN || months > INT32_MAX || days < INT32_MIN || days > INT32_MAX)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    return 0;
}

FN(fn_ts_mi_ts)
{
    (void)ctx; (void)nargs;
    int64_t a = args[0].u.i, b = args[1].u.i;
    if (a == TYPES_DT_NOBEGIN || a == TYPES_DT_NOEND || b == TYPES_DT_NOBEGIN || b == TYPES_DT_NOEND)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "cannot subtract infinite timestamps");
    __int128 diff = (__int128)a - b;
    if (diff > INT64_MAX || diff < INT64_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    /* justify_hours: whole days out of the microseconds */
    int64_t d = (int64_t)diff;
    int64_t days = d / TYPES_USECS_PER_DAY;
    int64_t us = d - days * TYPES_USECS_PER_DAY;
    ops_iv(out, 0, days, us);
    return 0;
}

FN(fn_iv_pl_iv)
{
    (void)ctx; (void)nargs;
    int64_t m = (int64_t)args[0].u.iv.months + args[1].u.iv.months, d = (int64_t)args[0].u.iv.days + args[1].u.iv.days;
    __int128 us = (__int128)args[0].u.iv.us + args[1].u.iv.us;
    if (ops_iv_check(m, d, err) < 0 || us > INT64_MAX || us < INT64_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    ops_iv(out, m, d, (int64_t)us);
    return 0;
}
FN(fn_iv_mi_iv)
{
    (void)ctx; (void)nargs;
    int64_t m = (int64_t)args[0].u.iv.months - args[1].u.iv.months, d = (int64_t)args[0].u.iv.days - args[1].u.iv.days;
    __int128 us = (__int128)args[0].u.iv.us - args[1].u.iv.us;
    if (ops_iv_check(m, d, err) < 0 || us > INT64_MAX || us < INT64_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    ops_iv(out, m, d, (int64_t)us);
    return 0;
}
FN(fn_iv_neg)
{
    (void)ctx;
    const Value *v = &args[nargs - 1];
    if (v->u.iv.months == INT32_MIN || v->u.iv.days == INT32_MIN || v->u.iv.us == INT64_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    ops_iv(out, -(int64_t)v->u.iv.months, -(int64_t)v->u.iv.days, -v->u.iv.us);
    return 0;
}

/* interval * float8 as PostgreSQL's interval_mul: fractional months spill into days (30
 * per month), fractional days into microseconds (24 h per day). */
static int ops_iv_scale(const Value *iv, double f, Value *out, SqlError *err)
{
    double m = iv->u.iv.months * f;
    double d = iv->u.iv.days * f;
    if (isnan(f) || fabs(m) > INT32_MAX || fabs(d) > INT32_MAX)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    int32_t months = (int32_t)m;
    double day_rem = (m - months) * 30;
    int32_t days = (int32_t)d;
    double sec_rem = (d - days + (day_rem - (int32_t)day_rem)) * 86400.0;
    days += (int32_t)day_rem;
    double us = rint(iv->u.iv.us * f + sec_rem * 1e6);
    if (fabs(us) > 9.2e18)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    ops_iv(out, months, days, (int64_t)us);
    return 0;
}

FN(fn_iv_mul_f8)
{
    (void)ctx; (void)nargs;
    const Value *iv = args[0].type == INTERVALOID ? &args[0] : &args[1];
    const Value *f = args[0].type == INTERVALOID ? &args[1] : &args[0];
    return ops_iv_scale(iv, f->u.f, out, err);
}
FN(fn_iv_div_f8)
{
    (void)ctx; (void)nargs;
    if (args[1].u.f == 0)
        return SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
    return ops_iv_scale(&args[0], 1.0 / args[1].u.f, out, err);
}
