/* types_record.c -- anonymous row values (type record, OID 2249): ROW(1, 'a') / (1, 'a')
 * as a whole value. Text output as PostgreSQL's record_out ("(1,a)", NULL fields empty,
 * fields quoted when empty or holding '"', '\', '(', ')', ',' or white space, with '"' and
 * '\' doubled inside quotes), binary output as record_send, ordering field by field (NULLs
 * last, a shorter row first), and the "row" builtin the binder calls for ROW(...).
 *
 * Record value bytes (u.s; only this file reads or writes them):
 *   n:u32 LE | n x ( type:u32 LE | null:u8 | [len:u32 LE | field bytes] )
 * where the field bytes are the array element encoding (types_array_elem_encode). */
#include "sql/types/types_fn.h"

#include <ctype.h>
#include <string.h>

#include "util/hash.h"

static uint32_t rec_le32(const char *p)
{
    const uint8_t *u = (const uint8_t *)p;
    return (uint32_t)u[0] | ((uint32_t)u[1] << 8) | ((uint32_t)u[2] << 16) | ((uint32_t)u[3] << 24);
}

int types_record_build(int n, const Value *fields, ShaleArena *a, Value *out, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append_fixed32(&b, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        shale_buf_append_fixed32(&b, fields[i].type);
        shale_buf_append_byte(&b, fields[i].null ? 1 : 0);
        if (fields[i].null)
            continue;
        size_t lenpos = b.len;
        shale_buf_append_fixed32(&b, 0);
        types_array_elem_encode(&fields[i], &b);
        if (!b.oom) {
            uint32_t len = (uint32_t)(b.len - lenpos - 4);
            for (int k = 0; k < 4; k++)
                b.data[lenpos + (size_t)k] = (char)(len >> (8 * k));
        }
    }
    return types_buf_to_value(&b, RECORDOID, a, out, err);
}

/* Decodes the fields of a record into out[0..cap); returns the field count (may exceed
 * cap: only cap are decoded), -1 on malformed bytes. Variable fields borrow the bytes. */
int types_record_fields(const Value *rec, Value *out, int cap)
{
    const char *p = rec->u.s.p, *e = p + rec->u.s.n;
    if (e - p < 4)
        return -1;
    uint32_t n = rec_le32(p);
    p += 4;
    if (n > rec->u.s.n)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        if (e - p < 5)
            return -1;
        Oid t = rec_le32(p);
        bool null = p[4] != 0;
        p += 5;
        Value v = value_null(t);
        if (!null) {
            if (e - p < 4)
                return -1;
            uint32_t len = rec_le32(p);
            p += 4;
            if ((size_t)(e - p) < len || types_array_elem_decode(t, p, len, &v) < 0)
                return -1;
            p += len;
        }
        if ((int)i < cap)
            out[i] = v;
    }
    return (int)n;
}

#define REC_MAX_FIELDS 1664   /* PostgreSQL's MaxTupleAttributeNumber */

void types_record_out(const TypeContext *tc, const Value *v, ShaleBuf *out)
{
    Value f[64];
    int n = types_record_fields(v, f, 64);
    if (n < 0)
        return;
    shale_buf_append_byte(out, '(');
    ShaleBuf el;
    shale_buf_init(&el);
    for (int i = 0; i < n && i < 64; i++) {
        if (i)
            shale_buf_append_byte(out, ',');
        if (f[i].null)
            continue;
        shale_buf_reset(&el);
        types_output(tc, &f[i], &el);
        const char *p = el.oom || !el.data ? "" : el.data;
        bool quote = el.len == 0;
        for (size_t k = 0; k < el.len && !quote; k++)
            quote = p[k] == '"' || p[k] == '\\' || p[k] == '(' || p[k] == ')' || p[k] == ',' ||
                    isspace((unsigned char)p[k]);
        if (!quote) {
            shale_buf_append(out, p, el.len);
            continue;
        }
        shale_buf_append_byte(out, '"');
        for (size_t k = 0; k < el.len; k++) {
            if (p[k] == '"' || p[k] == '\\')
                shale_buf_append_byte(out, (uint8_t)p[k]);
            shale_buf_append_byte(out, (uint8_t)p[k]);
        }
        shale_buf_append_byte(out, '"');
    }
    if (el.oom)
        out->oom = true;
    shale_buf_free(&el);
    shale_buf_append_byte(out, ')');
}

static void rec_put_be32(ShaleBuf *b, uint32_t v)
{
    uint8_t t[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    shale_buf_append(b, t, 4);
}

void types_record_send(const TypeContext *tc, const Value *v, ShaleBuf *out)
{
    Value f[64];
    int n = types_record_fields(v, f, 64);
    if (n < 0)
        return;
    if (n > 64)
        n = 64;
    rec_put_be32(out, (uint32_t)n);
    ShaleBuf el;
    shale_buf_init(&el);
    for (int i = 0; i < n; i++) {
        rec_put_be32(out, f[i].type == UNKNOWNOID ? TEXTOID : f[i].type);
        if (f[i].null) {
            rec_put_be32(out, UINT32_MAX);
            continue;
        }
        shale_buf_reset(&el);
        types_send(tc, &f[i], &el);
        rec_put_be32(out, (uint32_t)el.len);
        shale_buf_append(out, el.data, el.len);
    }
    if (el.oom)
        out->oom = true;
    shale_buf_free(&el);
}

int types_record_compare(const Value *a, const Value *b)
{
    Value x[64], y[64];
    int na = types_record_fields(a, x, 64), nb = types_record_fields(b, y, 64);
    if (na < 0 || nb < 0)
        return 0;
    for (int i = 0; i < na && i < nb && i < 64; i++) {
        if (x[i].null || y[i].null) {
            if (x[i].null && y[i].null)
                continue;
            return x[i].null ? 1 : -1;
        }
        int c = types_compare(&x[i], &y[i]);
        if (c)
            return c;
    }
    return na < nb ? -1 : na > nb ? 1 : 0;
}

uint64_t types_record_hash(const Value *v)
{
    Value f[64];
    int n = types_record_fields(v, f, 64);
    uint64_t h = 0x7265;
    for (int i = 0; i < n && i < 64; i++)
        h = shale_hash_u64(h * 31 + (f[i].null ? 0x6e756c6c : types_hash(&f[i])));
    return h;
}

/* row(a, b, ...): the binder's ROW(...) / (a, b) constructor */
static FN(fn_row)
{
    if (nargs > REC_MAX_FIELDS)
        return SQL_ERR(err, TOO_MANY_COLUMNS, "ROW expressions can have at most %d entries", REC_MAX_FIELDS);
    Value *f = shale_arena_alloc(ctx->arena, sizeof(Value) * (size_t)(nargs ? nargs : 1));
    if (!f)
        return types_oom(err);
    for (int i = 0; i < nargs; i++) {
        f[i] = args[i];
        Oid t = ctx->arg_types && i < ctx->nargs ? ctx->arg_types[i] : args[i].type;
        f[i].type = t == UNKNOWNOID ? TEXTOID : t;
    }
    return types_record_build(nargs, f, ctx->arena, out, err);
}

void types_fn_record_register(void)
{
    SqlFunc *f = types_reg_fn("row", RECORDOID, fn_row, 1, TYPES_A(TYPES_ANYOID));
    f->variadic = true;
    f->strict = false;
}
