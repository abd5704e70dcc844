/* rowcodec.c -- the row format and the row-field encoding; both byte formats are documented
 * at the top of rowcodec.h (and docs/data-model.md). */
#include "catalog/rowcodec.h"

#include <string.h>

#include "util/coding.h"

typedef enum FieldKind { FK_BOOL, FK_INT, FK_F4, FK_F8, FK_INTERVAL, FK_UUID, FK_VAR } FieldKind;

static FieldKind field_kind(Oid type)
{
    switch (type) {
    case BOOLOID: return FK_BOOL;
    case INT2OID: case INT4OID: case INT8OID: case OIDOID: case REGPROCOID: case REGCLASSOID:
    case REGTYPEOID: case DATEOID: case TIMEOID: case TIMESTAMPOID: case TIMESTAMPTZOID:
        return FK_INT;
    case FLOAT4OID: return FK_F4;
    case FLOAT8OID: return FK_F8;
    case INTERVALOID: return FK_INTERVAL;
    case UUIDOID: return FK_UUID;
    default: return FK_VAR;
    }
}

bool rowcodec_type_is_varlen(Oid type)
{
    return field_kind(type) == FK_VAR;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

void rowcodec_field_encode(ShaleBuf *b, const Value *v)
{
    switch (field_kind(v->type)) {
    case FK_BOOL:
        shale_buf_append_byte(b, v->u.b ? 1 : 0);
        break;
    case FK_INT:
        shale_buf_append_varint64(b, zigzag(v->u.i));
        break;
    case FK_F4: {
        float f = (float)v->u.f;
        uint32_t u;
        memcpy(&u, &f, 4);
        shale_buf_append_fixed32(b, u);
        break;
    }
    case FK_F8: {
        uint64_t u;
        memcpy(&u, &v->u.f, 8);
        shale_buf_append_fixed64(b, u);
        break;
    }
    case FK_INTERVAL:
        shale_buf_append_varint64(b, zigzag(v->u.iv.months));
        shale_buf_append_varint64(b, zigzag(v->u.iv.days));
        shale_buf_append_varint64(b, zigzag(v->u.iv.us));
        break;
    case FK_UUID: {
        char z[16] = { 0 };
        shale_buf_append(b, v->u.s.n == 16 ? v->u.s.p : z, 16);
        break;
    }
    case FK_VAR:
        shale_buf_append(b, v->u.s.p, v->u.s.n);
        break;
    }
}

/* Decodes one self-delimiting field from [*pp, end) (FK_VAR: exactly the rest). */
static bool field_read(Oid type, const char **pp, const char *end, Value *out)
{
    const char *p = *pp;
    uint64_t u;
    out->type = type;
    out->null = false;
    switch (field_kind(type)) {
    case FK_BOOL:
        if (p >= end || (uint8_t)*p > 1)
            return false;
        out->u.b = *p != 0;
        p++;
        break;
    case FK_INT:
        p = shale_decode_varint64(p, end, &u);
        if (!p)
            return false;
        out->u.i = unzigzag(u);
        break;
    case FK_F4: {
        if (end - p < 4)
            return false;
        uint32_t w = shale_get_fixed32(p);
        float f;
        memcpy(&f, &w, 4);
        out->u.f = f;
        p += 4;
        break;
    }
    case FK_F8: {
        if (end - p < 8)
            return false;
        uint64_t w = shale_get_fixed64(p);
        memcpy(&out->u.f, &w, 8);
        p += 8;
        break;
    }
    case FK_INTERVAL: {
        uint64_t m, d, us;
        if (!(p = shale_decode_varint64(p, end, &m)) || !(p = shale_decode_varint64(p, end, &d)) ||
            !(p = shale_decode_varint64(p, end, &us)))
            return false;
        int64_t mi = unzigzag(m), di = unzigzag(d);
        if (mi < INT32_MIN || mi > INT32_MAX || di < INT32_MIN || di > INT32_MAX)
            return false;
        out->u.iv.months = (int32_t)mi;
        out->u.iv.days = (int32_t)di;
        out->u.iv.us = unzigzag(us);
        break;
    }
    case FK_UUID:
        if (end - p < 16)
            return false;
        out->u.s.p = p;
        out->u.s.n = 16;
        p += 16;
        break;
    case FK_VAR:
        if ((size_t)(end - p) > UINT32_MAX)
            return false;
        out->u.s.p = p;
        out->u.s.n = (uint32_t)(end - p);
        p = end;
        break;
    }
    *pp = p;
    return true;
}

ShaleCode rowcodec_field_decode(Oid type, const char *p, size_t n, Value *out, ShaleError *err)
{
    const char *end = p + n;
    if (!field_read(type, &p, end, out) || p != end)
        return SHALE_ERR_CORRUPT(err, "bad field of type %u (%zu bytes)", type, n);
    return SHALE_OK;
}

void rowcodec_encode(ShaleBuf *b, const RowSchema *schema, const Value *vals)
{
    uint32_t n = schema->ncols;
    shale_buf_append_varint32(b, schema->version);
    shale_buf_append_varint32(b, n);
    size_t bm = b->len, nbytes = (n + 7) / 8;
    for (size_t i = 0; i < nbytes; i++)
        shale_buf_append_byte(b, 0);
    for (uint32_t i = 0; i < n; i++) {
        const RowColumn *c = &schema->cols[i];
        if (c->dropped || vals[i].null) {
            if (!b->oom)
                b->data[bm + i / 8] = (char)((uint8_t)b->data[bm + i / 8] | (1u << (i % 8)));
            continue;
        }
        Value v = vals[i];
        v.type = c->type;
        if (field_kind(c->type) == FK_VAR)
            shale_buf_append_varint32(b, v.u.s.n);
        rowcodec_field_encode(b, &v);
    }
}

/* Header of a row: returns the first field, or NULL on bad bytes. */
static const char *row_header(const RowSchema *schema, const char *p, const char *end,
                              uint32_t *version, uint32_t *n, const char **bitmap)
{
    p = shale_decode_varint32(p, end, version);
    if (!p)
        return NULL;
    p = shale_decode_varint32(p, end, n);
    if (!p || *n > schema->ncols)
        return NULL;
    size_t nbytes = (*n + 7) / 8;
    if ((size_t)(end - p) < nbytes)
        return NULL;
    *bitmap = p;
    return p + nbytes;
}

static bool row_field(Oid type, const char **p, const char *end, Value *out)
{
    if (field_kind(type) == FK_VAR) {
        uint32_t len;
        const char *q = shale_decode_varint32(*p, end, &len);
        if (!q || (size_t)(end - q) < len)
            return false;
        *p = q + len;
        return field_read(type, &q, q + len, out);
    }
    return field_read(type, p, end, out);
}

static void missing_value(const RowColumn *c, Value *out)
{
    if (c->dropped || c->missing.null)
        *out = value_null(c->type);
    else {
        *out = c->missing;
        out->type = c->type;
    }
}

ShaleCode rowcodec_decode(const RowSchema *schema, const char *p, size_t len, Value *out,
                          uint32_t *row_version, ShaleError *err)
{
    const char *end = p + len, *bitmap;
    uint32_t version, n;
    p = row_header(schema, p, end, &version, &n, &bitmap);
    if (!p)
        return SHALE_ERR_CORRUPT(err, "bad row header (%zu bytes, schema has %u columns)", len, schema->ncols);
    for (uint32_t i = 0; i < n; i++) {
        const RowColumn *c = &schema->cols[i];
        if ((uint8_t)bitmap[i / 8] & (1u << (i % 8))) {
            out[i] = value_null(c->type);
            continue;
        }
        if (!row_field(c->type, &p, end, &out[i]))
            return SHALE_ERR_CORRUPT(err, "bad row field %u", i + 1);
        if (c->dropped)
            out[i] = value_null(c->type);
    }
    if (p != end)
        return SHALE_ERR_CORRUPT(err, "%zu trailing bytes after row", (size_t)(end - p));
    for (uint32_t i = n; i < schema->ncols; i++)
        missing_value(&schema->cols[i], &out[i]);
    if (row_version)
        *row_version = version;
    return SHALE_OK;
}

ShaleCode rowcodec_decode_column(const RowSchema *schema, const char *p, size_t len, uint32_t col,
                                 Value *out, ShaleError *err)
{
    const char *end = p + len, *bitmap;
    uint32_t version, n;
    if (col >= schema->ncols)
        return SHALE_ERR_INVALID(err, "column %u out of range", col + 1);
    p = row_header(schema, p, end, &version, &n, &bitmap);
    if (!p)
        return SHALE_ERR_CORRUPT(err, "bad row header");
    if (col >= n) {
        missing_value(&schema->cols[col], out);
        return SHALE_OK;
    }
    for (uint32_t i = 0; i <= col; i++) {
        const RowColumn *c = &schema->cols[i];
        if ((uint8_t)bitmap[i / 8] & (1u << (i % 8))) {
            if (i == col)
                *out = value_null(c->type);
            continue;
        }
        Value v;
        if (!row_field(c->type, &p, end, &v))
            return SHALE_ERR_CORRUPT(err, "bad row field %u", i + 1);
        if (i == col)
            *out = c->dropped ? value_null(c->type) : v;
    }
    return SHALE_OK;
}
