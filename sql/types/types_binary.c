/* types_binary.c -- PostgreSQL binary wire formats (typsend/typreceive) of every type.
 * All integers big-endian. int2/int4/int8/oid: 2/4/8 bytes; float4/float8: IEEE bits;
 * bool: 1 byte; text family/json/bytea: raw bytes; "char": 1 byte; uuid: 16 bytes;
 * date: i32 days since 2000-01-01; time: i64 us; timestamp(tz): i64 us since 2000-01-01;
 * interval: i64 us, i32 days, i32 months; jsonb: version byte 1 + JSON text; numeric:
 * ndigits:i16 weight:i16 sign:u16 dscale:u16 digits:i16[ndigits] (base 10000); arrays: see
 * types_array.c. Received bytes are untrusted and fully bounds-checked. */
#include "sql/types/types_int.h"

#include <stdlib.h>
#include <string.h>

static void bin_put16(ShaleBuf *b, uint16_t v)
{
    uint8_t t[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    shale_buf_append(b, t, 2);
}

static void bin_put32(ShaleBuf *b, uint32_t v)
{
    uint8_t t[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    shale_buf_append(b, t, 4);
}

static void bin_put64(ShaleBuf *b, uint64_t v)
{
    bin_put32(b, (uint32_t)(v >> 32));
    bin_put32(b, (uint32_t)v);
}

static uint64_t bin_get(const char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | (uint8_t)p[i];
    return v;
}

static int bin_short(SqlError *err)
{
    return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
}

static int bin_fixed(size_t n, size_t want, SqlError *err)
{
    if (n < want)
        return bin_short(err);
    if (n > want)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
    return 0;
}

void types_send(const TypeContext *tc, const Value *v, ShaleBuf *out)
{
    switch (v->type) {
    case BOOLOID: shale_buf_append_byte(out, v->u.b ? 1 : 0); return;
    case INT2OID: bin_put16(out, (uint16_t)v->u.i); return;
    case INT4OID: case OIDOID: case REGCLASSOID: case REGTYPEOID: case REGPROCOID: case DATEOID:
        bin_put32(out, (uint32_t)v->u.i);
        return;
    case INT8OID: case TIMEOID: case TIMESTAMPOID: case TIMESTAMPTZOID:
        bin_put64(out, (uint64_t)v->u.i);
        return;
    case FLOAT4OID: {
        float f = (float)v->u.f;
        uint32_t u;
        memcpy(&u, &f, 4);
        bin_put32(out, u);
        return;
    }
    case FLOAT8OID: {
        uint64_t u;
        memcpy(&u, &v->u.f, 8);
        bin_put64(out, u);
        return;
    }
    case INTERVALOID:
        bin_put64(out, (uint64_t)v->u.iv.us);
        bin_put32(out, (uint32_t)v->u.iv.days);
        bin_put32(out, (uint32_t)v->u.iv.months);
        return;
    case VECTOROID:   /* pgvector (types_vector.c) */
        types_vector_send(v, out);
        return;
    case RECORDOID:
        types_record_send(tc, v, out);
        return;
    case JSONBOID:
        shale_buf_append_byte(out, 1);
        types_jsonb_out(v->u.s.p, v->u.s.n, out);
        return;
    case NUMERICOID: {
        NumVar nv;
        num_init(&nv);
        if (num_from_value(v, &nv, NULL) < 0) {
            num_free(&nv);
            return;
        }
        uint16_t sign = nv.sign == NUM_NEG ? 0x4000 : nv.sign == NUM_NAN ? 0xC000 : nv.sign == NUM_PINF ? 0xD000 :
                        nv.sign == NUM_NINF ? 0xF000 : 0;
        bin_put16(out, (uint16_t)nv.ndigits);
        bin_put16(out, (uint16_t)(nv.ndigits ? nv.weight : 0));
        bin_put16(out, sign);
        bin_put16(out, (uint16_t)nv.dscale);
        for (int i = 0; i < nv.ndigits; i++)
            bin_put16(out, (uint16_t)nv.digits[i]);
        num_free(&nv);
        return;
    }
    default:
        if (types_array_elem(v->type) != INVALIDOID) {
            types_array_send(tc, v, out);
            return;
        }
        shale_buf_append(out, v->u.s.p, v->u.s.n);
        return;
    }
}

int types_recv(const TypeContext *tc, Oid type, int32_t typmod, const char *p, size_t n, ShaleArena *a,
               Value *out, SqlError *err)
{
    switch (type) {
    case BOOLOID:
        if (bin_fixed(n, 1, err) < 0)
            return -1;
        *out = value_bool(p[0] != 0);
        return 0;
    case INT2OID:
        if (bin_fixed(n, 2, err) < 0)
            return -1;
        *out = value_int(type, (int16_t)bin_get(p, 2));
        return 0;
    case INT4OID: case DATEOID:
        if (bin_fixed(n, 4, err) < 0)
            return -1;
        *out = value_int(type, (int32_t)bin_get(p, 4));
        return 0;
    case OIDOID: case REGCLASSOID: case REGTYPEOID: case REGPROCOID:
        if (bin_fixed(n, 4, err) < 0)
            return -1;
        *out = value_int(type, (int64_t)(uint32_t)bin_get(p, 4));
        return 0;
    case INT8OID: case TIMESTAMPOID: case TIMESTAMPTZOID:
        if (bin_fixed(n, 8, err) < 0)
            return -1;
        *out = value_int(type, (int64_t)bin_get(p, 8));
        if (type != INT8OID && typmod >= 0)
            (void)types_timestamp_round(&out->u.i, typmod);
        return 0;
    case TIMEOID: {
        if (bin_fixed(n, 8, err) < 0)
            return -1;
        int64_t t = (int64_t)bin_get(p, 8);
        if (t < 0 || t > TYPES_USECS_PER_DAY)
            return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "time out of range");
        *out = value_int(type, t);
        return 0;
    }
    case FLOAT4OID: {
        if (bin_fixed(n, 4, err) < 0)
            return -1;
        uint32_t u = (uint32_t)bin_get(p, 4);
        float f;
        memcpy(&f, &u, 4);
        *out = value_float(type, f);
        return 0;
    }
    case FLOAT8OID: {
        if (bin_fixed(n, 8, err) < 0)
            return -1;
        uint64_t u = bin_get(p, 8);
        double d;
        memcpy(&d, &u, 8);
        *out = value_float(type, d);
        return 0;
    }
    case INTERVALOID:
        if (bin_fixed(n, 16, err) < 0)
            return -1;
        out->type = INTERVALOID;
        out->null = false;
        out->u.iv.us = (int64_t)bin_get(p, 8);
        out->u.iv.days = (int32_t)bin_get(p + 8, 4);
        out->u.iv.months = (int32_t)bin_get(p + 12, 4);
        return 0;
    case UUIDOID: {
        if (bin_fixed(n, 16, err) < 0)
            return -1;
        char *d = types_arena_dup(a, p, 16);
        if (!d)
            return types_oom(err);
        *out = value_bytes(type, d, 16);
        return 0;
    }
    case BYTEAOID: {
        char *d = types_arena_dup(a, p, n);
        if (!d)
            return types_oom(err);
        *out = value_bytes(type, d, (uint32_t)n);
        return 0;
    }
    case CHAROID: {
        char *d = types_arena_dup(a, p, n ? 1 : 0);
        if (!d)
            return types_oom(err);
        *out = value_bytes(type, d, n ? 1 : 0);
        return 0;
    }
    case VECTOROID:   /* pgvector (types_vector.c) */
        return types_vector_recv(p, n, typmod, a, out, err);
    case JSONBOID:
        if (n < 1)
            return bin_short(err);
        if (p[0] != 1)
            return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "unsupported jsonb version number %d", (uint8_t)p[0]);
        return types_input(tc, JSONBOID, typmod, p + 1, n - 1, a, out, err);
    case NUMERICOID: {
        if (n < 8)
            return bin_short(err);
        int nd = (int16_t)bin_get(p, 2);
        int weight = (int16_t)bin_get(p + 2, 2);
        uint16_t sign = (uint16_t)bin_get(p + 4, 2);
        int dscale = (uint16_t)bin_get(p + 6, 2);
        if (nd < 0 || (size_t)nd * 2 + 8 != n)
            return nd < 0 || (size_t)nd * 2 + 8 > n ? bin_short(err)
                                                  : SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
        NumVar v;
        num_init(&v);
        v.sign = sign == 0 ? NUM_POS : sign == 0x4000 ? NUM_NEG : sign == 0xC000 ? NUM_NAN : sign == 0xD000 ? NUM_PINF :
                 sign == 0xF000 ? NUM_NINF : -1;
        if (v.sign < 0)
            return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "invalid sign in external \"numeric\" value");
        if (dscale > NUM_MAX_DISPLAY_SCALE)
            return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "invalid scale in external \"numeric\" value");
        v.digits = calloc((size_t)(nd ? nd : 1), sizeof(int32_t));
        if (!v.digits)
            return types_oom(err);
        v.ndigits = nd;
        v.weight = weight;
        v.dscale = dscale;
        for (int i = 0; i < nd; i++) {
            int d = (int16_t)bin_get(p + 8 + 2 * i, 2);
            if (d < 0 || d >= NUM_NBASE) {
                num_free(&v);
                return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "invalid digit in external \"numeric\" value");
            }
            v.digits[i] = d;
        }
        num_strip(&v);
        int rc = num_apply_typmod(&v, typmod, err);
        if (rc == 0)
            rc = num_to_value(&v, a, out, err);
        num_free(&v);
        return rc;
    }
    case TEXTOID: case VARCHAROID: case BPCHAROID: case NAMEOID: case UNKNOWNOID: case JSONOID:
        return types_input(tc, type, typmod, p, n, a, out, err);
    default:
        if (types_array_elem(type) != INVALIDOID)
            return types_array_recv(tc, type, p, n, a, out, err);
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "binary input of type %s is not supported", types_sqlname(type));
    }
}
