/* types_castexec.c -- executes casts (types_cast): numeric conversions with PostgreSQL's
 * rounding and range errors, date/time conversions, typmod coercions, json<->jsonb,
 * jsonb -> scalar, element-wise array casts, and I/O conversion through text. */
#include "sql/types/types_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *cast_range_msg(Oid t)
{
    return t == INT2OID ? "smallint out of range" : t == INT4OID ? "integer out of range" : "bigint out of range";
}

static int cast_int_range(int64_t v, Oid t, SqlError *err)
{
    if ((t == INT2OID && (v < INT16_MIN || v > INT16_MAX)) || (t == INT4OID && (v < INT32_MIN || v > INT32_MAX)))
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "%s", cast_range_msg(t));
    return 0;
}

static bool cast_is_int(Oid t)
{
    return t == INT2OID || t == INT4OID || t == INT8OID;
}

static bool cast_is_text(Oid t)
{
    return t == TEXTOID || t == VARCHAROID || t == BPCHAROID || t == NAMEOID || t == UNKNOWNOID || t == CHAROID;
}

static int cast_float_to_int(double d, Oid t, Value *out, SqlError *err)
{
    double r = rint(d);
    bool bad = isnan(d) || (t == INT2OID && (r < -32768.0 || r >= 32768.0)) ||
               (t == INT4OID && (r < -2147483648.0 || r >= 2147483648.0)) ||
               (t == INT8OID && (r < -9223372036854775808.0 || r >= 9223372036854775808.0));
    if (bad)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "%s", cast_range_msg(t));
    *out = value_int(t, (int64_t)r);
    return 0;
}

static int cast_numeric(const TypeContext *tc, const Value *in, Oid target, int32_t typmod, ShaleArena *a,
                        Value *out, SqlError *err)
{
    (void)tc;
    NumVar v;
    num_init(&v);
    int rc = 0;
    if (in->type == NUMERICOID) {
        rc = num_from_value(in, &v, err);
    } else if (cast_is_int(in->type) || in->type == OIDOID) {
        rc = num_set_int64(&v, in->u.i) < 0 ? types_oom(err) : 0;
    } else {
        rc = num_from_double(in->u.f, in->type == FLOAT4OID ? 6 : 15, &v, err);
    }
    if (rc == 0) {
        if (target == NUMERICOID) {
            rc = num_apply_typmod(&v, typmod, err);
            if (rc == 0)
                rc = num_to_value(&v, a, out, err);
        } else if (cast_is_int(target)) {
            int64_t iv;
            const char *tn = target == INT2OID ? "smallint" : target == INT4OID ? "integer" : "bigint";
            rc = num_to_int64(&v, &iv, tn, err);
            if (rc == -2)
                rc = SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "%s", cast_range_msg(target));
            if (rc == 0)
                rc = cast_int_range(iv, target, err);
            if (rc == 0)
                *out = value_int(target, iv);
        } else {
            double d = num_to_double(&v);
            if (target == FLOAT4OID) {
                float f = (float)d;
                if (isinf(f) && !isinf(d))
                    rc = SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
                d = f;
            }
            *out = value_float(target, d);
        }
    }
    num_free(&v);
    return rc;
}

static int cast_to_text(const TypeContext *tc, const Value *in, Oid target, int32_t typmod, TypesCoercion ctx,
                        ShaleArena *a, Value *out, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    if (in->type == BPCHAROID && target != BPCHAROID) {
        /* bpchar -> text/varchar drops trailing spaces */
        size_t n = in->u.s.n;
        while (n > 0 && in->u.s.p[n - 1] == ' ')
            n--;
        shale_buf_append(&b, in->u.s.p, n);
    } else if (cast_is_text(in->type) && in->type != CHAROID) {
        shale_buf_append(&b, in->u.s.p, in->u.s.n);
    } else if (in->type == BOOLOID) {
        /* pg_cast's bool -> text/varchar/bpchar is booltext(): "true"/"false", not the
         * output function's "t"/"f" */
        shale_buf_append(&b, in->u.b ? "true" : "false", in->u.b ? 4 : 5);
    } else {
        types_output(tc, in, &b);
    }
    if (b.oom) {
        shale_buf_free(&b);
        return types_oom(err);
    }
    int rc;
    if (target == NAMEOID || target == CHAROID)
        rc = types_input(tc, target, -1, b.data ? b.data : "", b.len, a, out, err);
    else
        rc = types_char_typmod(target, typmod, ctx == TYPES_COERCE_EXPLICIT, b.data ? b.data : "", b.len, a, out, err);
    shale_buf_free(&b);
    return rc;
}

static int cast_datetime(const TypeContext *tc, const Value *in, Oid target, int32_t typmod, Value *out, SqlError *err)
{
    const TypesTimeZone *tz = tc ? tc->tz : NULL;
    int64_t x = in->u.i;
    switch (in->type) {
    case DATEOID:
        if (x == TYPES_DATE_NOBEGIN || x == TYPES_DATE_NOEND) {
            *out = value_int(target, x == TYPES_DATE_NOEND ? TYPES_DT_NOEND : TYPES_DT_NOBEGIN);
            return 0;
        }
        if (target == TIMESTAMPOID) {
            *out = value_int(target, x * TYPES_USECS_PER_DAY);
            return 0;
        } else {
            TypesTm tm;
            memset(&tm, 0, sizeof tm);
            types_j2date((int)x + TYPES_POSTGRES_EPOCH_JDATE, &tm.year, &tm.mon, &tm.mday);
            int64_t ts;
            if (types_local2utc(&tm, tz, &ts) < 0)
                return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date out of range for timestamp");
            *out = value_int(target, ts);
            return 0;
        }
    case TIMESTAMPOID:
    case TIMESTAMPTZOID: {
        if (target == in->type) {
            types_timestamp_round(&x, typmod);
            *out = value_int(target, x);
            return 0;
        }
        if (x == TYPES_DT_NOBEGIN || x == TYPES_DT_NOEND) {
            if (target == DATEOID)
                *out = value_int(target, x == TYPES_DT_NOEND ? TYPES_DATE_NOEND : TYPES_DATE_NOBEGIN);
            else if (target == TIMEOID)
                return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range");
            else
                *out = value_int(target, x);
            return 0;
        }
        TypesTm tm;
        int rc = in->type == TIMESTAMPTZOID ? types_tstz2tm(x, tz, &tm) : types_ts2tm(x, &tm);
        if (rc < 0)
            return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range");
        if (target == DATEOID) {
            *out = value_int(target, types_date2j(tm.year, tm.mon, tm.mday) - TYPES_POSTGRES_EPOCH_JDATE);
        } else if (target == TIMEOID) {
            *out = value_int(target, (((int64_t)tm.hour * 60 + tm.min) * 60 + tm.sec) * 1000000 + tm.usec);
        } else if (target == TIMESTAMPOID) {
            int64_t ts;
            types_tm2ts(&tm, &ts);
            types_timestamp_round(&ts, typmod);
            *out = value_int(target, ts);
        } else {
            int64_t ts;
            types_local2utc(&tm, tz, &ts);
            types_timestamp_round(&ts, typmod);
            *out = value_int(target, ts);
        }
        return 0;
    }
    case TIMEOID:
        if (target == INTERVALOID) {
            out->type = INTERVALOID;
            out->null = false;
            out->u.iv.months = out->u.iv.days = 0;
            out->u.iv.us = x;
            return 0;
        }
        if (target == TIMEOID)
            types_timestamp_round(&x, typmod);   /* time(p): same rounding as timestamps */
        *out = value_int(TIMEOID, x);
        return 0;
    case INTERVALOID: {
        int64_t us = in->u.iv.us % TYPES_USECS_PER_DAY;
        if (us < 0)
            us += TYPES_USECS_PER_DAY;
        *out = value_int(TIMEOID, us);
        return 0;
    }
    default:
        return SQL_ERR(err, CANNOT_COERCE, "cannot cast type %s to %s", types_sqlname(in->type), types_sqlname(target));
    }
}

static int cast_from_jsonb(const TypeContext *tc, const Value *in, Oid target, ShaleArena *a, Value *out, SqlError *err)
{
    ShaleArena tmp;
    shale_arena_init(&tmp);
    JNode *n;
    int rc = json_parse(in->u.s.p, in->u.s.n, true, &tmp, &n, err);
    if (rc == 0) {
        const char *want = target == BOOLOID ? "boolean" : "numeric";
        const char *tn = types_sqlname(target);
        if (target == BOOLOID && (n->kind == JTRUE || n->kind == JFALSE)) {
            *out = value_bool(n->kind == JTRUE);
        } else if (target != BOOLOID && n->kind == JNUM) {
            Value num;
            rc = types_input(tc, NUMERICOID, -1, n->str, n->len, a, &num, err);
            if (rc == 0)
                rc = types_cast(tc, &num, target, -1, TYPES_COERCE_EXPLICIT, a, out, err);
        } else {
            static const char *const kinds[] = { "null", "boolean", "boolean", "number", "string", "array", "object" };
            rc = SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot cast jsonb %s to type %s", kinds[n->kind], tn);
            (void)want;
        }
    }
    shale_arena_destroy(&tmp);
    return rc;
}

static int cast_array(const TypeContext *tc, const Value *in, Oid target, TypesCoercion ctx, ShaleArena *a,
                      Value *out, SqlError *err)
{
    TypesArrayReader r;
    if (types_array_open(in, &r, err) < 0)
        return -1;
    Oid te = types_array_elem(target);
    Value *elems = shale_arena_alloc(a, sizeof(Value) * (r.n ? r.n : 1));
    if (!elems)
        return types_oom(err);
    Value e;
    uint32_t i = 0;
    int rc;
    while ((rc = types_array_next(&r, &e, err)) == 1) {
        if (types_cast(tc, &e, te, -1, ctx, a, &elems[i], err) < 0)
            return -1;
        i++;
    }
    if (rc < 0)
        return -1;
    rc = types_array_build_md(te, r.ndims, r.dims, r.lbs, i, elems, a, out, err);
    if (rc == 0)
        out->type = target;
    return rc;
}

int types_cast(const TypeContext *tc, const Value *in, Oid target, int32_t typmod, TypesCoercion ctx, ShaleArena *a,
               Value *out, SqlError *err)
{
    if (in->null) {
        *out = value_null(target);
        return 0;
    }
    Oid from = in->type;
    if (from == target && typmod < 0 && from != BPCHAROID) {
        *out = *in;
        return 0;
    }
    if (from == UNKNOWNOID && !cast_is_text(target))
        return types_input(tc, target, typmod, in->u.s.p, in->u.s.n, a, out, err);
    if (types_cast_lookup(from, target) == TYPES_CAST_NONE ||
        !types_can_coerce(from, target, ctx)) {
        if (types_cast_lookup(from, target) == TYPES_CAST_NONE)
            return SQL_ERR(err, CANNOT_COERCE, "cannot cast type %s to %s", types_sqlname(from), types_sqlname(target));
    }
    if (types_vector_cast_handles(from, target))   /* pgvector casts (types_vector.c) */
        return types_vector_cast(tc, in, target, typmod, a, out, err);
    /* integers and floats */
    bool fnum = cast_is_int(from) || from == OIDOID || from == REGCLASSOID || from == REGTYPEOID || from == REGPROCOID;
    if (fnum && (cast_is_int(target) || target == OIDOID || target == REGCLASSOID || target == REGTYPEOID ||
                 target == REGPROCOID)) {
        if (cast_int_range(in->u.i, target, err) < 0)
            return -1;
        if ((target == OIDOID || target == REGCLASSOID || target == REGTYPEOID || target == REGPROCOID) &&
            (in->u.i < INT32_MIN || in->u.i > (int64_t)UINT32_MAX))
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "OID out of range");
        int64_t v = in->u.i;
        if ((target == OIDOID || target == REGCLASSOID || target == REGTYPEOID) && v < 0)
            v += (int64_t)UINT32_MAX + 1;
        *out = value_int(target, v);
        return 0;
    }
    if (fnum && (target == FLOAT4OID || target == FLOAT8OID)) {
        double d = target == FLOAT4OID ? (double)(float)in->u.i : (double)in->u.i;
        *out = value_float(target, d);
        return 0;
    }
    if ((from == FLOAT4OID || from == FLOAT8OID) && cast_is_int(target))
        return cast_float_to_int(in->u.f, target, out, err);
    if ((from == FLOAT4OID || from == FLOAT8OID) && (target == FLOAT4OID || target == FLOAT8OID)) {
        double d = in->u.f;
        if (target == FLOAT4OID) {
            float f = (float)d;
            if (isinf(f) && !isinf(d))
                return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
            if (f == 0 && d != 0)
                return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: underflow");
            d = f;
        }
        *out = value_float(target, d);
        return 0;
    }
    if (from == NUMERICOID || target == NUMERICOID) {
        if ((from == NUMERICOID || fnum || from == FLOAT4OID || from == FLOAT8OID) &&
            (target == NUMERICOID || cast_is_int(target) || target == FLOAT4OID || target == FLOAT8OID))
            return cast_numeric(tc, in, target, typmod, a, out, err);
    }
    if (from == BOOLOID && target == INT4OID) {
        *out = value_int(INT4OID, in->u.b ? 1 : 0);
        return 0;
    }
    if (from == INT4OID && target == BOOLOID) {
        *out = value_bool(in->u.i != 0);
        return 0;
    }
    if ((from == DATEOID || from == TIMESTAMPOID || from == TIMESTAMPTZOID || from == TIMEOID || from == INTERVALOID) &&
        (target == DATEOID || target == TIMESTAMPOID || target == TIMESTAMPTZOID || target == TIMEOID ||
         target == INTERVALOID))
        return cast_datetime(tc, in, target, typmod, out, err);
    if (from == JSONOID && target == JSONBOID)
        return types_input(tc, JSONBOID, -1, in->u.s.p, in->u.s.n, a, out, err);
    if (from == JSONBOID && target == JSONOID) {
        ShaleBuf b;
        shale_buf_init(&b);
        types_jsonb_out(in->u.s.p, in->u.s.n, &b);
        return types_buf_to_value(&b, JSONOID, a, out, err);
    }
    if (from == JSONBOID && !cast_is_text(target))
        return cast_from_jsonb(tc, in, target, a, out, err);
    if (types_array_elem(from) && types_array_elem(target))
        return cast_array(tc, in, target, ctx, a, out, err);
    if (from == CHAROID && target == INT4OID) {
        *out = value_int(INT4OID, in->u.s.n ? (int8_t)in->u.s.p[0] : 0);
        return 0;
    }
    if (from == INT4OID && target == CHAROID) {
        if (in->u.i < -128 || in->u.i > 127)
            return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "\"char\" out of range");
        char *p = shale_arena_alloc(a, 1);
        if (!p)
            return types_oom(err);
        p[0] = (char)in->u.i;
        *out = value_bytes(CHAROID, p, p[0] ? 1 : 0);
        return 0;
    }
    if (cast_is_text(target))
        return cast_to_text(tc, in, target, typmod, ctx, a, out, err);
    if (cast_is_text(from)) {
        const char *p = in->u.s.p;
        size_t n = in->u.s.n;
        return types_input(tc, target, typmod, p, n, a, out, err);
    }
    return SQL_ERR(err, CANNOT_COERCE, "cannot cast type %s to %s", types_sqlname(from), types_sqlname(target));
}
