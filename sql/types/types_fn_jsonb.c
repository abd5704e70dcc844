/* types_fn_jsonb.c -- values into JSON: to_json/to_jsonb, json(b)_build_object/array, the
 * aggregates json(b)_agg and json(b)_object_agg, and generate_subscripts.
 *
 * json results are built as text in PostgreSQL's exact spacing (json_build_object
 * '{"a" : 1}', json_agg '[1, 2]', json_object_agg '{ "a" : 1 }', arrays inside to_json
 * without spaces); jsonb results are built as JSON text and normalised into canonical
 * text (value.h) with types_jsonb_normalize. */
#include "sql/types/types_fn_json.h"

#include <stdio.h>
#include <string.h>

/* --- to_json ------------------------------------------------------------------------------- */

static bool jb_is_text(Oid t)
{
    return t == TEXTOID || t == VARCHAROID || t == NAMEOID || t == BPCHAROID || t == UNKNOWNOID;
}

/* PostgreSQL prints timestamps in JSON as XSD: a 'T' between date and time and a full
 * "+HH:MM" offset. s is the ISO output ("2024-01-01 10:00:00+05:30", "infinity"). */
static void jb_xsd_timestamp(const char *s, size_t n, bool tz, ShaleBuf *out)
{
    shale_buf_append_byte(out, '"');
    const char *sp = memchr(s, ' ', n);
    if (!sp || n < 10 || s[4] != '-') {
        shale_buf_append(out, s, n);
        shale_buf_append_byte(out, '"');
        return;
    }
    shale_buf_append(out, s, (size_t)(sp - s));
    shale_buf_append_byte(out, 'T');
    const char *rest = sp + 1, *end = s + n;
    const char *bc = NULL;
    if (end - rest > 3 && memcmp(end - 3, " BC", 3) == 0) {
        bc = end - 3;
        end -= 3;
    }
    const char *off = NULL;
    if (tz)
        for (const char *q = rest; q < end; q++)
            if (*q == '+' || *q == '-')
                off = q;
    if (!off) {
        shale_buf_append(out, rest, (size_t)(end - rest));
    } else {
        shale_buf_append(out, rest, (size_t)(end - rest));
        if (end - off == 3)
            shale_buf_append(out, ":00", 3);
    }
    if (bc)
        shale_buf_append(out, bc, 3);
    shale_buf_append_byte(out, '"');
}

void jfn_to_json_text(FuncCallCtx *ctx, const Value *v, bool jsonb, ShaleBuf *out)
{
    if (v->null) {
        shale_buf_append(out, "null", 4);
        return;
    }
    Oid t = v->type;
    if (jb_is_text(t)) {
        json_escape_string(v->u.s.p, v->u.s.n, out);
        return;
    }
    if ((t == DATEOID || t == TIMESTAMPOID || t == TIMESTAMPTZOID) && ctx->tc &&
        ctx->tc->date_style != TYPES_DATESTYLE_ISO) {
        /* JSON dates are ISO 8601 whatever the DateStyle (PostgreSQL's USE_XSD_DATES) */
        TypeContext iso = *ctx->tc;
        iso.date_style = TYPES_DATESTYLE_ISO;
        const TypeContext *save = ctx->tc;
        ctx->tc = &iso;
        jfn_to_json_text(ctx, v, jsonb, out);
        ctx->tc = save;
        return;
    }
    if (t == RECORDOID) {
        /* an anonymous row: {"f1":..,"f2":..} (to_jsonb: "f1": .., spaced by normalisation) */
        Value f[64];
        int n = types_record_fields(v, f, 64);
        shale_buf_append_byte(out, '{');
        for (int i = 0; i < n && i < 64; i++) {
            char key[16];
            int kl = snprintf(key, sizeof key, "%s\"f%d\":", i ? "," : "", i + 1);
            shale_buf_append(out, key, (size_t)kl);
            jfn_to_json_text(ctx, &f[i], jsonb, out);
        }
        shale_buf_append_byte(out, '}');
        return;
    }
    switch (t) {
    case BOOLOID:
        if (v->u.b)
            shale_buf_append(out, "true", 4);
        else
            shale_buf_append(out, "false", 5);
        return;
    case JSONOID:
        shale_buf_append(out, v->u.s.p, v->u.s.n);
        return;
    case JSONBOID:
        if (jsonb)
            shale_buf_append(out, v->u.s.p, v->u.s.n);
        else
            types_jsonb_out(v->u.s.p, v->u.s.n, out);
        return;
    case INT2OID: case INT4OID: case INT8OID: case FLOAT4OID: case FLOAT8OID: case NUMERICOID: {
        ShaleBuf b;
        shale_buf_init(&b);
        types_output(ctx->tc, v, &b);
        bool finite = !b.oom && b.len > 0 && !memchr(b.data, 'N', b.len) && !memchr(b.data, 'I', b.len);
        if (finite)
            shale_buf_append(out, b.data, b.len);
        else
            json_escape_string(b.oom ? "" : b.data, b.oom ? 0 : b.len, out);
        shale_buf_free(&b);
        return;
    }
    case TIMESTAMPOID: case TIMESTAMPTZOID: {
        ShaleBuf b;
        shale_buf_init(&b);
        types_output(ctx->tc, v, &b);
        jb_xsd_timestamp(b.oom ? "" : b.data, b.oom ? 0 : b.len, t == TIMESTAMPTZOID, out);
        shale_buf_free(&b);
        return;
    }
    default:
        break;
    }
    if (types_is_array(t)) {
        TypesArrayReader r;
        if (types_array_open(v, &r, NULL) < 0) {
            shale_buf_append(out, "null", 4);
            return;
        }
        /* nested JSON arrays follow the dimensions (row-major odometer as array_out) */
        int nd = r.ndims ? r.ndims : 1;
        int32_t idx[TYPES_ARRAY_MAXDIM] = { 0 };
        for (int d = 0; d < nd; d++)
            shale_buf_append_byte(out, '[');
        Value e;
        for (uint32_t i = 0; types_array_next(&r, &e, NULL) == 1; i++) {
            if (i) {
                int d = nd - 1;
                while (d > 0 && idx[d] == r.dims[d]) {
                    idx[d] = 0;
                    idx[d - 1]++;
                    d--;
                }
                for (int k = 0; k < nd - 1 - d; k++)
                    shale_buf_append_byte(out, ']');
                shale_buf_append_byte(out, ',');
                for (int k = 0; k < nd - 1 - d; k++)
                    shale_buf_append_byte(out, '[');
            }
            idx[nd - 1]++;
            jfn_to_json_text(ctx, &e, jsonb, out);
        }
        for (int d = 0; d < nd; d++)
            shale_buf_append_byte(out, ']');
        return;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    types_output(ctx->tc, v, &b);
    json_escape_string(b.oom ? "" : b.data, b.oom ? 0 : b.len, out);
    shale_buf_free(&b);
}

/* Turns JSON text into a json or jsonb Value (jsonb: normalised). */
static int jb_finish(FuncCallCtx *ctx, ShaleBuf *b, bool jsonb, Value *out, SqlError *err)
{
    if (b->oom) {
        shale_buf_free(b);
        return types_oom(err);
    }
    if (!jsonb)
        return types_buf_to_value(b, JSONOID, ctx->arena, out, err);
    const char *p;
    uint32_t n;
    int rc = types_jsonb_normalize(b->data, b->len, ctx->arena, &p, &n, err);
    shale_buf_free(b);
    if (rc == 0)
        *out = value_bytes(JSONBOID, p, n);
    return rc;
}

static int jb_to_json(FuncCallCtx *ctx, const Value *v, bool jsonb, Value *out, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    jfn_to_json_text(ctx, v, jsonb, &b);
    return jb_finish(ctx, &b, jsonb, out, err);
}

static FN(fn_to_json) { (void)nargs; return jb_to_json(ctx, &args[0], false, out, err); }
static FN(fn_to_jsonb) { (void)nargs; return jb_to_json(ctx, &args[0], true, out, err); }

/* --- constructors -------------------------------------------------------------------------- */

/* An object key: text as is, other scalars through their output function. */
static void jb_key(FuncCallCtx *ctx, const Value *k, ShaleBuf *out)
{
    if (jb_is_text(k->type)) {
        json_escape_string(k->u.s.p, k->u.s.n, out);
        return;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    types_output(ctx->tc, k, &b);
    json_escape_string(b.oom ? "" : b.data, b.oom ? 0 : b.len, out);
    shale_buf_free(&b);
}

static int jb_build_object(FuncCallCtx *ctx, int nargs, const Value *args, bool jsonb, Value *out, SqlError *err)
{
    if (nargs % 2) {
        sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "argument list must have even number of elements");
        sql_error_hint(err, "The arguments of %s() must consist of alternating keys and values.",
                       jsonb ? "jsonb_build_object" : "json_build_object");
        return -1;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append_byte(&b, '{');
    for (int i = 0; i < nargs; i += 2) {
        if (args[i].null) {
            shale_buf_free(&b);
            if (jsonb)
                return SQL_ERR(err, INVALID_PARAMETER_VALUE, "argument %d: key must not be null", i + 1);
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "argument %d cannot be null", i + 1);
            sql_error_hint(err, "Object keys should be text.");
            return -1;
        }
        if (i)
            shale_buf_append(&b, ", ", 2);
        jb_key(ctx, &args[i], &b);
        shale_buf_append(&b, " : ", 3);
        jfn_to_json_text(ctx, &args[i + 1], jsonb, &b);
    }
    shale_buf_append_byte(&b, '}');
    return jb_finish(ctx, &b, jsonb, out, err);
}

static int jb_build_array(FuncCallCtx *ctx, int nargs, const Value *args, bool jsonb, Value *out, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append_byte(&b, '[');
    for (int i = 0; i < nargs; i++) {
        if (i)
            shale_buf_append(&b, ", ", 2);
        jfn_to_json_text(ctx, &args[i], jsonb, &b);
    }
    shale_buf_append_byte(&b, ']');
    return jb_finish(ctx, &b, jsonb, out, err);
}

static FN(fn_json_build_object) { return jb_build_object(ctx, nargs, args, false, out, err); }
static FN(fn_jsonb_build_object) { return jb_build_object(ctx, nargs, args, true, out, err); }
static FN(fn_json_build_array) { return jb_build_array(ctx, nargs, args, false, out, err); }
static FN(fn_jsonb_build_array) { return jb_build_array(ctx, nargs, args, true, out, err); }

/* --- aggregates ---------------------------------------------------------------------------- */

/* The group's accumulated JSON text (elements or members, already separated); its bytes
 * live in the group arena (ctx->arena) and are reallocated there as they grow. */
typedef struct JAggState {
    char *p;
    uint32_t n, cap;
    int64_t count;
} JAggState;

static int jagg_append(FuncCallCtx *ctx, JAggState *st, const ShaleBuf *b, SqlError *err)
{
    if (b->oom)
        return types_oom(err);
    if ((uint64_t)st->n + b->len > UINT32_MAX / 2)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "out of memory");
    if (st->n + b->len > st->cap) {
        uint32_t cap = st->cap ? st->cap : 64;
        while (cap < st->n + b->len)
            cap *= 2;
        char *p = shale_arena_alloc(ctx->arena, cap);
        if (!p)
            return types_oom(err);
        if (st->n)
            memcpy(p, st->p, st->n);
        st->p = p;
        st->cap = cap;
    }
    memcpy(st->p + st->n, b->data, b->len);
    st->n += (uint32_t)b->len;
    st->count++;
    return 0;
}

static int jagg_step(FuncCallCtx *ctx, JAggState *st, const Value *args, bool pair, bool jsonb, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    if (st->count)
        shale_buf_append(&b, ", ", 2);
    if (pair) {
        if (args[0].null) {
            shale_buf_free(&b);
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "field name must not be null");
        }
        jb_key(ctx, &args[0], &b);
        shale_buf_append(&b, " : ", 3);
        jfn_to_json_text(ctx, &args[1], jsonb, &b);
    } else {
        jfn_to_json_text(ctx, &args[0], jsonb, &b);
    }
    int rc = jagg_append(ctx, st, &b, err);
    shale_buf_free(&b);
    return rc;
}

static int jagg_final(FuncCallCtx *ctx, JAggState *st, bool pair, bool jsonb, Value *out, SqlError *err)
{
    if (!st->count) {
        *out = value_null(jsonb ? JSONBOID : JSONOID);
        return 0;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append(&b, pair ? (jsonb ? "{" : "{ ") : "[", pair && !jsonb ? 2 : 1);
    shale_buf_append(&b, st->p, st->n);
    shale_buf_append(&b, pair ? (jsonb ? "}" : " }") : "]", pair && !jsonb ? 2 : 1);
    return jb_finish(ctx, &b, jsonb, out, err);
}

#define JAGG(name, pair, jsonb)                                                                        \
    static int name##_step(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err) \
    {                                                                                                  \
        (void)nargs;                                                                                   \
        return jagg_step(ctx, state, args, pair, jsonb, err);                                          \
    }                                                                                                  \
    static int name##_final(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)                  \
    {                                                                                                  \
        return jagg_final(ctx, state, pair, jsonb, out, err);                                          \
    }                                                                                                  \
    static const SqlAggImpl name = { sizeof(JAggState), false, name##_step, name##_final, NULL };
JAGG(agg_json_agg, false, false)
JAGG(agg_jsonb_agg, false, true)
JAGG(agg_json_object_agg, true, false)
JAGG(agg_jsonb_object_agg, true, true)

/* --- generate_subscripts ------------------------------------------------------------------- */

typedef struct SubsState {
    int64_t cur, last, step;
} SubsState;

static int subs_open(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err)
{
    (void)ctx;
    SubsState *st = state;
    TypesArrayReader r;
    if (types_array_open(&args[0], &r, err) < 0)
        return -1;
    st->step = 1;
    st->cur = 1;
    st->last = 0;
    if (args[1].u.i != 1 || r.n == 0)
        return 0;
    bool reverse = nargs > 2 && args[2].u.b;
    int64_t lo = r.lower, hi = (int64_t)r.lower + r.n - 1;
    st->cur = reverse ? hi : lo;
    st->last = reverse ? lo : hi;
    st->step = reverse ? -1 : 1;
    return 0;
}

static int subs_next(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    (void)ctx;
    (void)err;
    SubsState *st = state;
    if (st->step > 0 ? st->cur > st->last : st->cur < st->last)
        return 0;
    out[0] = value_int(INT4OID, st->cur);
    st->cur += st->step;
    return 1;
}

static const SqlSrfImpl srf_generate_subscripts = { sizeof(SubsState), 1, NULL, NULL, subs_open, subs_next };

void types_fn_jsonb_register(void)
{
    const Oid AN = TYPES_ANYOID, J = JSONOID, JB = JSONBOID;
    types_reg_fn("to_json", J, fn_to_json, 1, TYPES_A(TYPES_ANYELEMENTOID))->volatility = SQL_STABLE;
    types_reg_fn("row_to_json", J, fn_to_json, 1, TYPES_A(RECORDOID))->volatility = SQL_STABLE;
    types_reg_fn("array_to_json", J, fn_to_json, 1, TYPES_A(TYPES_ANYARRAYOID))->volatility = SQL_STABLE;
    types_reg_fn("to_jsonb", JB, fn_to_jsonb, 1, TYPES_A(TYPES_ANYELEMENTOID))->volatility = SQL_STABLE;
    SqlFunc *f;
    f = types_reg_fn("json_build_object", J, fn_json_build_object, 1, TYPES_A(AN));
    f->variadic = true;
    f->strict = false;
    f = types_reg_fn("json_build_object", J, fn_json_build_object, 0, NULL);
    f = types_reg_fn("jsonb_build_object", JB, fn_jsonb_build_object, 1, TYPES_A(AN));
    f->variadic = true;
    f->strict = false;
    f = types_reg_fn("jsonb_build_object", JB, fn_jsonb_build_object, 0, NULL);
    f = types_reg_fn("json_build_array", J, fn_json_build_array, 1, TYPES_A(AN));
    f->variadic = true;
    f->strict = false;
    f = types_reg_fn("json_build_array", J, fn_json_build_array, 0, NULL);
    f = types_reg_fn("jsonb_build_array", JB, fn_jsonb_build_array, 1, TYPES_A(AN));
    f->variadic = true;
    f->strict = false;
    f = types_reg_fn("jsonb_build_array", JB, fn_jsonb_build_array, 0, NULL);
    types_reg_agg("json_agg", J, &agg_json_agg, 1, TYPES_A(TYPES_ANYELEMENTOID));
    types_reg_agg("jsonb_agg", JB, &agg_jsonb_agg, 1, TYPES_A(TYPES_ANYELEMENTOID));
    types_reg_agg("json_object_agg", J, &agg_json_object_agg, 2, TYPES_A(AN, AN));
    types_reg_agg("jsonb_object_agg", JB, &agg_jsonb_object_agg, 2, TYPES_A(AN, AN));
    types_reg_srf("generate_subscripts", INT4OID, &srf_generate_subscripts, 2, TYPES_A(TYPES_ANYARRAYOID, INT4OID));
    types_reg_srf("generate_subscripts", INT4OID, &srf_generate_subscripts, 3,
                  TYPES_A(TYPES_ANYARRAYOID, INT4OID, BOOLOID));
}
