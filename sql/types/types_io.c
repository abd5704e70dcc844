/* types_io.c -- text and binary I/O dispatch (types_input/output/recv/send) and the
 * simple types' formats: bool, int2/4/8, oid/regclass/regtype, float4/8, the text family
 * (text, varchar(n), bpchar(n), name, "char", unknown), bytea (hex and escape), uuid.
 * Binary formats are PostgreSQL's typsend/typreceive: big-endian fixed-width integers and
 * IEEE floats, raw bytes for text/bytea/uuid, version byte 1 + text for jsonb, numeric as
 * ndigits:i16 weight:i16 sign:u16 (0x0000 pos, 0x4000 neg, 0xC000 NaN, 0xD000 +inf,
 * 0xF000 -inf) dscale:u16 then base-10000 digits as i16, all big-endian. */
#include "sql/types/types_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

char *types_arena_dup(ShaleArena *a, const void *p, size_t n)
{
    char *d = shale_arena_alloc(a, n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

int types_oom(SqlError *err)
{
    return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
}

int types_buf_to_value(ShaleBuf *b, Oid t, ShaleArena *a, Value *out, SqlError *err)
{
    if (b->oom) {
        shale_buf_free(b);
        return types_oom(err);
    }
    char *p = types_arena_dup(a, b->data, b->len);
    size_t n = b->len;
    shale_buf_free(b);
    if (!p)
        return types_oom(err);
    *out = value_bytes(t, p, (uint32_t)n);
    return 0;
}

int types_err_syntax(SqlError *err, const char *tname, const char *s, size_t n)
{
    int len = n > 400 ? 400 : (int)n;
    return SQL_ERR(err, INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s: \"%.*s\"", tname, len, s);
}

void types_context_init(TypeContext *tc)
{
    memset(tc, 0, sizeof *tc);
    tc->date_style = TYPES_DATESTYLE_ISO;
    tc->date_order = TYPES_DATEORDER_MDY;
    tc->interval_style = TYPES_INTERVALSTYLE_POSTGRES;
    tc->extra_float_digits = 1;
    const TypesTimeZone *utc = NULL;
    if (types_timezone_lookup("UTC", &utc, NULL) == 0)
        tc->tz = utc;
}

/* --- bool / integers ------------------------------------------------------------------ */

static bool io_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int types_bool_in(const char *s, size_t n, bool *out, SqlError *err)
{
    const char *p = s, *e = s + n;
    while (p < e && io_space(*p))
        p++;
    while (e > p && io_space(e[-1]))
        e--;
    size_t len = (size_t)(e - p);
    static const struct { const char *w; bool v; } words[] = {
        {"true", true}, {"false", false}, {"yes", true}, {"no", false}, {"on", true}, {"off", false},
        {"1", true}, {"0", false},
    };
    if (len > 0) {
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
            const char *w = words[i].w;
            size_t wl = strlen(w);
            /* prefixes allowed except that "o" alone is ambiguous (on/off needs 2 chars) */
            if (len > wl)
                continue;
            if ((w[0] == 'o') && len < 2)
                continue;
            if ((w[0] == '1' || w[0] == '0') && len != 1)
                continue;
            bool ok = true;
            for (size_t j = 0; j < len; j++) {
                char c = p[j];
                if (c >= 'A' && c <= 'Z')
                    c = (char)(c - 'A' + 'a');
                if (c != w[j]) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                *out = words[i].v;
                return 0;
            }
        }
    }
    return types_err_syntax(err, "boolean", s, n);
}

int types_int_in(const char *s, size_t n, Oid t, int64_t *out, SqlError *err)
{
    const char *tname = t == INT2OID ? "smallint" : t == INT4OID ? "integer" : t == INT8OID ? "bigint" : "oid";
    const char *p = s, *e = s + n;
    while (p < e && io_space(*p))
        p++;
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }
    if (p >= e || *p < '0' || *p > '9')
        return types_err_syntax(err, tname, s, n);
    unsigned __int128 acc = 0;
    bool over = false;
    while (p < e && *p >= '0' && *p <= '9') {
        acc = acc * 10 + (unsigned)(*p - '0');
        if (acc > ((unsigned __int128)1 << 70))
            over = true, acc = (unsigned __int128)1 << 70;
        p++;
    }
    while (p < e && io_space(*p))
        p++;
    if (p != e)
        return types_err_syntax(err, tname, s, n);
    __int128 v = neg ? -(__int128)acc : (__int128)acc;
    __int128 lo, hi;
    switch (t) {
    case INT2OID: lo = INT16_MIN; hi = INT16_MAX; break;
    case INT4OID: lo = INT32_MIN; hi = INT32_MAX; break;
    case INT8OID: lo = INT64_MIN; hi = INT64_MAX; break;
    default: lo = INT32_MIN; hi = UINT32_MAX; break;   /* oid: negative wraps as PostgreSQL */
    }
    if (over || v < lo || v > hi) {
        int len = n > 400 ? 400 : (int)n;
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value \"%.*s\" is out of range for type %s", len, s, tname);
    }
    if (t != INT2OID && t != INT4OID && t != INT8OID && v < 0)
        v += (__int128)UINT32_MAX + 1;
    *out = (int64_t)v;
    return 0;
}

/* --- character types ------------------------------------------------------------------ */

int types_char_typmod(Oid t, int32_t typmod, bool is_explicit, const char *s, size_t n, ShaleArena *a,
                      Value *out, SqlError *err)
{
    if (typmod < 4 || (t != VARCHAROID && t != BPCHAROID)) {
        char *p = types_arena_dup(a, s, n);
        if (!p)
            return types_oom(err);
        *out = value_bytes(t, p, (uint32_t)n);
        return 0;
    }
    size_t maxlen = (size_t)(typmod - 4);
    /* find the byte offset of character maxlen */
    size_t off = 0, chars = 0;
    const char *e = s + n;
    while (off < n && chars < maxlen) {
        uint32_t cp;
        off += (size_t)types_utf8_decode(s + off, e, &cp);
        chars++;
    }
    size_t keep = n;
    if (off < n) {
        if (!is_explicit) {
            for (size_t i = off; i < n; i++)
                if (s[i] != ' ')
                    return SQL_ERR(err, STRING_DATA_RIGHT_TRUNCATION, "value too long for type %s(%zu)",
                                   t == VARCHAROID ? "character varying" : "character", maxlen);
        }
        keep = off;
    }
    size_t pad = (t == BPCHAROID && chars < maxlen) ? maxlen - chars : 0;
    char *p = shale_arena_alloc(a, keep + pad + 1);
    if (!p)
        return types_oom(err);
    memcpy(p, s, keep);
    memset(p + keep, ' ', pad);
    *out = value_bytes(t, p, (uint32_t)(keep + pad));
    return 0;
}

/* --- bytea ---------------------------------------------------------------------------- */

static int io_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int types_bytea_in(const char *s, size_t n, ShaleArena *a, Value *out, SqlError *err)
{
    char *p = shale_arena_alloc(a, n + 1);
    if (!p)
        return types_oom(err);
    size_t o = 0;
    if (n >= 2 && s[0] == '\\' && s[1] == 'x') {
        for (size_t i = 2; i < n;) {
            if (io_space(s[i])) {
                i++;
                continue;
            }
            int hi = io_hexval(s[i]);
            if (hi < 0)
                return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%c\"", s[i]);
            if (i + 1 >= n)
                return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid hexadecimal data: odd number of digits");
            int lo = io_hexval(s[i + 1]);
            if (lo < 0)
                return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid hexadecimal digit: \"%c\"", s[i + 1]);
            p[o++] = (char)(hi * 16 + lo);
            i += 2;
        }
    } else {
        for (size_t i = 0; i < n;) {
            if (s[i] != '\\') {
                p[o++] = s[i++];
            } else if (i + 1 < n && s[i + 1] == '\\') {
                p[o++] = '\\';
                i += 2;
            } else if (i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
                       s[i + 3] >= '0' && s[i + 3] <= '7') {
                p[o++] = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
                i += 4;
            } else {
                return SQL_ERR(err, INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s", "bytea");
            }
        }
    }
    *out = value_bytes(BYTEAOID, p, (uint32_t)o);
    return 0;
}

void types_bytea_out(const TypeContext *tc, const char *p, size_t n, ShaleBuf *out)
{
    static const char hex[] = "0123456789abcdef";
    if (tc && tc->bytea_output_escape) {
        char tmp[8];
        for (size_t i = 0; i < n; i++) {
            uint8_t c = (uint8_t)p[i];
            if (c == '\\')
                shale_buf_append(out, "\\\\", 2);
            else if (c < 0x20 || c > 0x7e) {
                snprintf(tmp, sizeof tmp, "\\%03o", c);
                shale_buf_append(out, tmp, 4);
            } else
                shale_buf_append_byte(out, c);
        }
        return;
    }
    if (!shale_buf_reserve(out, 2 + 2 * n))
        return;
    shale_buf_append(out, "\\x", 2);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)p[i];
        out->data[out->len++] = hex[c >> 4];
        out->data[out->len++] = hex[c & 15];
    }
}

/* --- uuid ----------------------------------------------------------------------------- */

int types_uuid_in(const char *s, size_t n, ShaleArena *a, Value *out, SqlError *err)
{
    uint8_t b[16];
    size_t i = 0, o = 0;
    bool braces = n > 0 && s[0] == '{';
    if (braces)
        i++;
    while (o < 16) {
        if (i + 1 >= n)
            return types_err_syntax(err, "uuid", s, n);
        int hi = io_hexval(s[i]), lo = io_hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return types_err_syntax(err, "uuid", s, n);
        b[o++] = (uint8_t)(hi * 16 + lo);
        i += 2;
        /* a hyphen may follow any group of 4 hex digits (PostgreSQL's rule) */
        if (o % 2 == 0 && o < 16 && i < n && s[i] == '-')
            i++;
    }
    if (braces) {
        if (i >= n || s[i] != '}')
            return types_err_syntax(err, "uuid", s, n);
        i++;
    }
    if (i != n)
        return types_err_syntax(err, "uuid", s, n);
    char *p = types_arena_dup(a, b, 16);
    if (!p)
        return types_oom(err);
    *out = value_bytes(UUIDOID, p, 16);
    return 0;
}

static void io_uuid_out(const char *p, ShaleBuf *out)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            shale_buf_append_byte(out, '-');
        uint8_t c = (uint8_t)p[i];
        shale_buf_append_byte(out, (uint8_t)hex[c >> 4]);
        shale_buf_append_byte(out, (uint8_t)hex[c & 15]);
    }
}

/* --- dispatch ------------------------------------------------------------------------- */

static int io_text_like(Oid type, int32_t typmod, const char *s, size_t n, ShaleArena *a, Value *out,
                        SqlError *err)
{
    if (!types_utf8_valid(s, n)) {
        return SQL_ERR(err, CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\"");
    }
    if (memchr(s, 0, n))
        return SQL_ERR(err, CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\": 0x00");
    if (type == NAMEOID && n > 63) {
        /* PostgreSQL truncates names to 63 bytes (on a character boundary) */
        size_t off = 0;
        while (off < n) {
            uint32_t cp;
            int l = types_utf8_decode(s + off, s + n, &cp);
            if (off + (size_t)l > 63)
                break;
            off += (size_t)l;
        }
        n = off;
    }
    if (type == CHAROID) {
        /* "char": first byte only */
        char c = n ? s[0] : 0;
        char *p = shale_arena_alloc(a, 1);
        if (!p)
            return types_oom(err);
        p[0] = c;
        *out = value_bytes(CHAROID, p, c ? 1 : 0);
        return 0;
    }
    if (type == BPCHAROID && typmod < 4) {
        /* bpchar without length: trailing spaces are kept in the value but insignificant */
    }
    return types_char_typmod(type, typmod, false, s, n, a, out, err);
}

int types_input(const TypeContext *tc, Oid type, int32_t typmod, const char *s, size_t n, ShaleArena *a,
                Value *out, SqlError *err)
{
    int64_t iv;
    double d;
    switch (type) {
    case BOOLOID: {
        bool b;
        if (types_bool_in(s, n, &b, err) < 0)
            return -1;
        *out = value_bool(b);
        return 0;
    }
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case OIDOID:
    case REGCLASSOID:
    case REGTYPEOID:
    case REGPROCOID:
        if (types_int_in(s, n, type == REGCLASSOID || type == REGTYPEOID || type == REGPROCOID ? OIDOID : type,
                         &iv, err) < 0)
            return -1;
        *out = value_int(type, iv);
        return 0;
    case FLOAT4OID:
        if (types_float_in(s, n, true, "real", &d, err) < 0)
            return -1;
        *out = value_float(type, (double)(float)d);
        return 0;
    case FLOAT8OID:
        if (types_float_in(s, n, false, "double precision", &d, err) < 0)
            return -1;
        *out = value_float(type, d);
        return 0;
    case NUMERICOID: {
        NumVar v;
        num_init(&v);
        int rc = num_parse(s, n, &v, err);
        if (rc == 0)
            rc = num_apply_typmod(&v, typmod, err);
        if (rc == 0)
            rc = num_to_value(&v, a, out, err);
        num_free(&v);
        return rc;
    }
    case TEXTOID:
    case VARCHAROID:
    case BPCHAROID:
    case NAMEOID:
    case CHAROID:
    case UNKNOWNOID:
        return io_text_like(type, typmod, s, n, a, out, err);
    case BYTEAOID:
        return types_bytea_in(s, n, a, out, err);
    case UUIDOID:
        return types_uuid_in(s, n, a, out, err);
    case VECTOROID:   /* pgvector (types_vector.c) */
        return types_vector_in(s, n, typmod, a, out, err);
    case DATEOID: {
        int32_t dv;
        if (types_date_in(tc, s, n, &dv, err) < 0)
            return -1;
        *out = value_int(DATEOID, dv);
        return 0;
    }
    case TIMEOID:
        if (types_time_in(s, n, typmod, &iv, err) < 0)
            return -1;
        *out = value_int(TIMEOID, iv);
        return 0;
    case TIMESTAMPOID:
    case TIMESTAMPTZOID:
        if (types_timestamp_in(tc, s, n, type == TIMESTAMPTZOID, typmod, &iv, err) < 0)
            return -1;
        *out = value_int(type, iv);
        return 0;
    case INTERVALOID:
        return types_interval_in(s, n, typmod, out, err);
    case JSONOID: {
        if (types_json_validate(s, n, err) < 0)
            return -1;
        char *p = types_arena_dup(a, s, n);
        if (!p)
            return types_oom(err);
        *out = value_bytes(JSONOID, p, (uint32_t)n);
        return 0;
    }
    case JSONBOID: {
        const char *p;
        uint32_t pn;
        if (types_jsonb_normalize(s, n, a, &p, &pn, err) < 0)
            return -1;
        *out = value_bytes(JSONBOID, p, pn);
        return 0;
    }
    case INT2VECTOROID:
    case OIDVECTOROID:
        return types_intvec_in(tc, type, s, n, a, out, err);
    default:
        if (types_array_elem(type) != INVALIDOID)
            return types_array_in(tc, type, s, n, a, out, err);
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "type %s is not supported", types_sqlname(type));
    }
}

void types_output(const TypeContext *tc, const Value *v, ShaleBuf *out)
{
    char tmp[64];
    int len;
    switch (v->type) {
    case BOOLOID:
        shale_buf_append_byte(out, v->u.b ? 't' : 'f');
        return;
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case OIDOID:
    case REGCLASSOID:
    case REGTYPEOID:
    case REGPROCOID:
        len = snprintf(tmp, sizeof tmp, "%" PRId64, v->u.i);
        shale_buf_append(out, tmp, (size_t)len);
        return;
    case FLOAT4OID:
        types_float_out(v->u.f, true, tc ? tc->extra_float_digits : 1, out);
        return;
    case FLOAT8OID:
        types_float_out(v->u.f, false, tc ? tc->extra_float_digits : 1, out);
        return;
    case NUMERICOID: {
        NumVar nv;
        num_init(&nv);
        if (num_from_value(v, &nv, NULL) == 0)
            num_format(&nv, out);
        num_free(&nv);
        return;
    }
    case CHAROID:
        if (v->u.s.n && ((uint8_t)v->u.s.p[0] & 0x80)) {
            len = snprintf(tmp, sizeof tmp, "\\%03o", (uint8_t)v->u.s.p[0]);
            shale_buf_append(out, tmp, (size_t)len);
        } else {
            shale_buf_append(out, v->u.s.p, v->u.s.n);
        }
        return;
    case BYTEAOID:
        types_bytea_out(tc, v->u.s.p, v->u.s.n, out);
        return;
    case UUIDOID:
        if (v->u.s.n == 16)
            io_uuid_out(v->u.s.p, out);
        return;
    case DATEOID:
        types_date_out_style(tc, (int32_t)v->u.i, out);
        return;
    case TIMEOID:
        types_time_out(v->u.i, out);
        return;
    case TIMESTAMPOID:
    case TIMESTAMPTZOID:
        types_timestamp_out(tc, v->u.i, v->type == TIMESTAMPTZOID, out);
        return;
    case INTERVALOID:
        types_interval_out_style(tc, v, out);
        return;
    case JSONBOID:
        types_jsonb_out(v->u.s.p, v->u.s.n, out);
        return;
    case VECTOROID:   /* pgvector (types_vector.c) */
        types_vector_out(v, out);
        return;
    case INT2VECTOROID:
    case OIDVECTOROID:
        types_intvec_out(v, out);
        return;
    case RECORDOID:
        types_record_out(tc, v, out);
        return;
    default:
        if (types_array_elem(v->type) != INVALIDOID) {
            types_array_out(tc, v, out);
            return;
        }
        shale_buf_append(out, v->u.s.p, v->u.s.n);
        return;
    }
}

const char *types_output_cstr(const TypeContext *tc, const Value *v, ShaleArena *a)
{
    ShaleBuf b;
    shale_buf_init(&b);
    types_output(tc, v, &b);
    shale_buf_append_byte(&b, 0);
    char *p = b.oom ? NULL : types_arena_dup(a, b.data, b.len);
    shale_buf_free(&b);
    return p;
}
