/* types_array.c -- one-dimensional arrays: the ShaleArray value bytes (reader/builder,
 * element field encoding, both documented in types.h/value.h), PostgreSQL's text format
 * ('{1,2,NULL}', '{"a b",c}', '[0:1]={a,b}') and binary format (ndim:i32 flags:i32
 * elemtype:u32 [size:i32 lbound:i32] then len:i32 (-1 NULL) + element send bytes), and
 * ordering/hashing. Multi-dimensional arrays are not supported (0A000). */
#include "sql/types/types_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/hash.h"

static int arr_corrupt(SqlError *err)
{
    return SQL_ERR(err, DATA_CORRUPTED, "invalid array value bytes");
}

static uint32_t arr_le32(const char *p)
{
    const uint8_t *u = (const uint8_t *)p;
    return (uint32_t)u[0] | ((uint32_t)u[1] << 8) | ((uint32_t)u[2] << 16) | ((uint32_t)u[3] << 24);
}

static int arr_fixed_len(Oid t)
{
    switch (t) {
    case BOOLOID: return 1;
    case INT2OID: return 2;
    case INT4OID: case OIDOID: case REGCLASSOID: case REGTYPEOID: case REGPROCOID: case DATEOID: case FLOAT4OID:
        return 4;
    case INT8OID: case TIMEOID: case TIMESTAMPOID: case TIMESTAMPTZOID: case FLOAT8OID: return 8;
    case INTERVALOID: return 16;
    default: return -1;
    }
}

void types_array_elem_encode(const Value *v, ShaleBuf *out)
{
    uint8_t b[16];
    int n = arr_fixed_len(v->type);
    switch (v->type) {
    case BOOLOID: b[0] = v->u.b ? 1 : 0; break;
    case FLOAT4OID: {
        float f = (float)v->u.f;
        uint32_t u;
        memcpy(&u, &f, 4);
        for (int i = 0; i < 4; i++) b[i] = (uint8_t)(u >> (8 * i));
        break;
    }
    case FLOAT8OID: {
        uint64_t u;
        memcpy(&u, &v->u.f, 8);
        for (int i = 0; i < 8; i++) b[i] = (uint8_t)(u >> (8 * i));
        break;
    }
    case INTERVALOID:
        for (int i = 0; i < 4; i++) b[i] = (uint8_t)((uint32_t)v->u.iv.months >> (8 * i));
        for (int i = 0; i < 4; i++) b[4 + i] = (uint8_t)((uint32_t)v->u.iv.days >> (8 * i));
        for (int i = 0; i < 8; i++) b[8 + i] = (uint8_t)((uint64_t)v->u.iv.us >> (8 * i));
        break;
    default:
        if (n < 0) {
            shale_buf_append(out, v->u.s.p, v->u.s.n);
            return;
        }
        for (int i = 0; i < n; i++) b[i] = (uint8_t)((uint64_t)v->u.i >> (8 * i));
    }
    shale_buf_append(out, b, (size_t)n);
}

int types_array_elem_decode(Oid t, const char *p, size_t n, Value *out)
{
    int fl = arr_fixed_len(t);
    if (fl >= 0 && (size_t)fl != n)
        return -1;
    uint64_t u = 0;
    for (int i = fl - 1; i >= 0 && fl <= 8; i--)
        u = (u << 8) | (uint8_t)p[i];
    out->type = t;
    out->null = false;
    switch (t) {
    case BOOLOID: out->u.b = p[0] != 0; return 0;
    case INT2OID: out->u.i = (int16_t)u; return 0;
    case INT4OID: case DATEOID: out->u.i = (int32_t)u; return 0;
    case OIDOID: case REGCLASSOID: case REGTYPEOID: case REGPROCOID: out->u.i = (uint32_t)u; return 0;
    case INT8OID: case TIMEOID: case TIMESTAMPOID: case TIMESTAMPTZOID: out->u.i = (int64_t)u; return 0;
    case FLOAT4OID: {
        uint32_t w = (uint32_t)u;
        float f;
        memcpy(&f, &w, 4);
        out->u.f = f;
        return 0;
    }
    case FLOAT8OID: memcpy(&out->u.f, &u, 8); return 0;
    case INTERVALOID:
        out->u.iv.months = (int32_t)arr_le32(p);
        out->u.iv.days = (int32_t)arr_le32(p + 4);
        out->u.iv.us = (int64_t)((uint64_t)arr_le32(p + 8) | ((uint64_t)arr_le32(p + 12) << 32));
        return 0;
    default:
        out->u.s.p = p;
        out->u.s.n = (uint32_t)n;
        return 0;
    }
}

int types_array_open(const Value *array, TypesArrayReader *r, SqlError *err)
{
    const char *p = array->u.s.p;
    uint32_t n = array->u.s.n;
    if (n < 12)
        return arr_corrupt(err);
    r->elem_type = arr_le32(p);
    r->n = arr_le32(p + 4);
    r->lower = (int32_t)arr_le32(p + 8);
    size_t bm = ((size_t)r->n + 7) / 8;
    if (r->n > n || 12 + bm > n)
        return arr_corrupt(err);
    r->nulls = (const uint8_t *)p + 12;
    r->cur = p + 12 + bm;
    r->end = p + n;
    r->i = 0;
    return 0;
}

int types_array_next(TypesArrayReader *r, Value *out, SqlError *err)
{
    if (r->i >= r->n)
        return 0;
    uint32_t i = r->i++;
    if (r->nulls[i / 8] & (1u << (i % 8))) {
        *out = value_null(r->elem_type);
        return 1;
    }
    if (r->end - r->cur < 4)
        return arr_corrupt(err);
    uint32_t len = arr_le32(r->cur);
    if ((size_t)(r->end - r->cur - 4) < len)
        return arr_corrupt(err);
    if (types_array_elem_decode(r->elem_type, r->cur + 4, len, out) < 0)
        return arr_corrupt(err);
    r->cur += 4 + len;
    return 1;
}

int types_array_build(Oid elem_type, int32_t lower, uint32_t n, const Value *elems, ShaleArena *a, Value *out,
                      SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append_fixed32(&b, elem_type);
    shale_buf_append_fixed32(&b, n);
    shale_buf_append_fixed32(&b, (uint32_t)lower);
    size_t bm = ((size_t)n + 7) / 8;
    size_t bmoff = b.len;
    for (size_t i = 0; i < bm; i++)
        shale_buf_append_byte(&b, 0);
    for (uint32_t i = 0; i < n; i++) {
        if (elems[i].null) {
            if (!b.oom)
                b.data[bmoff + i / 8] |= (char)(1u << (i % 8));
            continue;
        }
        size_t lenpos = b.len;
        shale_buf_append_fixed32(&b, 0);
        types_array_elem_encode(&elems[i], &b);
        if (!b.oom) {
            uint32_t len = (uint32_t)(b.len - lenpos - 4);
            for (int k = 0; k < 4; k++)
                b.data[lenpos + (size_t)k] = (char)(len >> (8 * k));
        }
    }
    Oid at = types_array_of(elem_type);
    return types_buf_to_value(&b, at ? at : elem_type, a, out, err);
}

/* --- text format ------------------------------------------------------------------------ */

static int arr_malformed(SqlError *err, const char *s, size_t n, const char *detail)
{
    sql_error_set(err, ERRCODE_INVALID_TEXT_REPRESENTATION, "malformed array literal: \"%.*s\"", (int)(n > 300 ? 300 : n), s);
    sql_error_detail(err, "%s", detail);
    return -1;
}

int types_array_in(const TypeContext *tc, Oid array_type, const char *s, size_t n, ShaleArena *a, Value *out,
                   SqlError *err)
{
    Oid et = types_array_elem(array_type);
    const char *p = s, *e = s + n;
    int32_t lower = 1;
    long explicit_n = -1;
    while (p < e && isspace((unsigned char)*p))
        p++;
    if (p < e && *p == '[') {
        long lo, hi;
        char *q;
        lo = strtol(p + 1, &q, 10);
        if (*q != ':')
            return arr_malformed(err, s, n, "\"[\" must introduce explicitly-specified array dimensions.");
        hi = strtol(q + 1, &q, 10);
        if (*q != ']' || q[1] != '=')
            return arr_malformed(err, s, n, "Missing \"=\" after array dimensions.");
        if (hi < lo)
            return SQL_ERR(err, ARRAY_SUBSCRIPT_ERROR, "upper bound cannot be less than lower bound");
        lower = (int32_t)lo;
        explicit_n = hi - lo + 1;
        p = q + 2;
        while (p < e && isspace((unsigned char)*p))
            p++;
    }
    if (p >= e || *p != '{')
        return arr_malformed(err, s, n, "Array value must start with \"{\" or dimension information.");
    p++;
    size_t cap = 16, cnt = 0;
    Value *elems = malloc(cap * sizeof(Value));
    ShaleBuf tok;
    shale_buf_init(&tok);
    int rc = 0;
    if (!elems)
        return types_oom(err);
    while (p < e && isspace((unsigned char)*p))
        p++;
    if (p < e && *p == '}') {
        p++;
    } else {
        for (;;) {
            while (p < e && isspace((unsigned char)*p))
                p++;
            if (p >= e) {
                rc = arr_malformed(err, s, n, "Unexpected end of input.");
                goto done;
            }
            if (*p == '{') {
                rc = SQL_ERR(err, FEATURE_NOT_SUPPORTED, "multidimensional arrays are not supported");
                goto done;
            }
            shale_buf_reset(&tok);
            bool quoted = false, had_quote = false;
            size_t keep = 0;   /* length up to the last significant character */
            while (p < e && (quoted || (*p != ',' && *p != '}'))) {
                char c = *p;
                if (c == '"') {
                    quoted = !quoted;
                    had_quote = true;
                    keep = tok.len;
                    p++;
                    continue;
                }
                if (c == '\\') {
                    if (p + 1 >= e) {
                        rc = arr_malformed(err, s, n, "Unexpected end of input.");
                        goto done;
                    }
                    shale_buf_append_byte(&tok, (uint8_t)p[1]);
                    had_quote = true;
                    keep = tok.len;
                    p += 2;
                    continue;
                }
                if (!quoted && c == '{') {
                    rc = arr_malformed(err, s, n, "Unexpected \"{\" character.");
                    goto done;
                }
                if (!quoted && isspace((unsigned char)c)) {
                    if (tok.len || had_quote)
                        shale_buf_append_byte(&tok, (uint8_t)c);
                    p++;
                    continue;
                }
                shale_buf_append_byte(&tok, (uint8_t)c);
                keep = tok.len;
                p++;
            }
            if (quoted || p >= e) {
                rc = arr_malformed(err, s, n, "Unexpected end of input.");
                goto done;
            }
            if (!tok.oom)
                tok.len = keep;
            if (!had_quote && tok.len == 0) {
                rc = arr_malformed(err, s, n, *p == ',' ? "Unexpected \",\" character." : "Unexpected \"}\" character.");
                goto done;
            }
            if (cnt == cap) {
                Value *ne = realloc(elems, 2 * cap * sizeof(Value));
                if (!ne) {
                    rc = types_oom(err);
                    goto done;
                }
                elems = ne;
                cap *= 2;
            }
            const char *tp = tok.oom || !tok.data ? "" : tok.data;
            if (!had_quote && tok.len == 4 && strncasecmp(tp, "NULL", 4) == 0) {
                elems[cnt++] = value_null(et);
            } else if (types_input(tc, et, -1, tp, tok.len, a, &elems[cnt], err) < 0) {
                rc = -1;
                goto done;
            } else {
                cnt++;
            }
            if (*p == ',') {
                p++;
                continue;
            }
            p++;   /* '}' */
            break;
        }
    }
    while (p < e && isspace((unsigned char)*p))
        p++;
    if (p != e) {
        rc = arr_malformed(err, s, n, "Junk after closing right brace.");
        goto done;
    }
    if (explicit_n >= 0 && (size_t)explicit_n != cnt) {
        rc = arr_malformed(err, s, n, "Specified array dimensions do not match array contents.");
        goto done;
    }
    if (cnt == 0)
        lower = 1;
    rc = types_array_build(et, lower, (uint32_t)cnt, elems, a, out, err);
    if (rc == 0)
        out->type = array_type;
done:
    free(elems);
    shale_buf_free(&tok);
    return rc;
}

static bool arr_needs_quote(const char *p, size_t n)
{
    if (n == 0)
        return true;
    if (n == 4 && strncasecmp(p, "NULL", 4) == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || isspace((unsigned char)c))
            return true;
    }
    return false;
}

void types_array_out(const TypeContext *tc, const Value *v, ShaleBuf *out)
{
    TypesArrayReader r;
    if (types_array_open(v, &r, NULL) < 0)
        return;
    if (r.lower != 1 && r.n > 0) {
        char buf[48];
        int len = snprintf(buf, sizeof buf, "[%d:%d]=", r.lower, (int)(r.lower + (int64_t)r.n - 1));
        shale_buf_append(out, buf, (size_t)len);
    }
    shale_buf_append_byte(out, '{');
    ShaleBuf el;
    shale_buf_init(&el);
    Value e;
    bool first = true;
    while (types_array_next(&r, &e, NULL) == 1) {
        if (!first)
            shale_buf_append_byte(out, ',');
        first = false;
        if (e.null) {
            shale_buf_append(out, "NULL", 4);
            continue;
        }
        shale_buf_reset(&el);
        types_output(tc, &e, &el);
        if (el.oom) {
            out->oom = true;
            break;
        }
        const char *ep = el.data ? el.data : "";
        if (!arr_needs_quote(ep, el.len)) {
            shale_buf_append(out, ep, el.len);
            continue;
        }
        shale_buf_append_byte(out, '"');
        for (size_t i = 0; i < el.len; i++) {
            if (ep[i] == '"' || ep[i] == '\\')
                shale_buf_append_byte(out, '\\');
            shale_buf_append_byte(out, (uint8_t)ep[i]);
        }
        shale_buf_append_byte(out, '"');
    }
    shale_buf_free(&el);
    shale_buf_append_byte(out, '}');
}

static uint32_t arr_be32(const char *p)
{
    const uint8_t *u = (const uint8_t *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}

static void arr_put_be32(ShaleBuf *b, uint32_t v)
{
    uint8_t t[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    shale_buf_append(b, t, 4);
}

void types_array_send(const TypeContext *tc, const Value *v, ShaleBuf *out)
{
    TypesArrayReader r;
    if (types_array_open(v, &r, NULL) < 0)
        return;
    bool has_null = false;
    for (uint32_t i = 0; i < r.n; i++)
        if (r.nulls[i / 8] & (1u << (i % 8)))
            has_null = true;
    arr_put_be32(out, r.n ? 1 : 0);
    arr_put_be32(out, has_null ? 1 : 0);
    arr_put_be32(out, r.elem_type);
    if (r.n) {
        arr_put_be32(out, r.n);
        arr_put_be32(out, (uint32_t)r.lower);
    }
    Value e;
    ShaleBuf el;
    shale_buf_init(&el);
    while (types_array_next(&r, &e, NULL) == 1) {
        if (e.null) {
            arr_put_be32(out, UINT32_MAX);
            continue;
        }
        shale_buf_reset(&el);
        types_send(tc, &e, &el);
        arr_put_be32(out, (uint32_t)el.len);
        shale_buf_append(out, el.data, el.len);
    }
    if (el.oom)
        out->oom = true;
    shale_buf_free(&el);
}

int types_array_recv(const TypeContext *tc, Oid array_type, const char *p, size_t n, ShaleArena *a, Value *out,
                     SqlError *err)
{
    Oid et = types_array_elem(array_type);
    if (n < 12)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    int32_t ndim = (int32_t)arr_be32(p);
    uint32_t flags = arr_be32(p + 4);
    Oid elem = arr_be32(p + 8);
    if (ndim < 0 || ndim > 6)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "invalid number of dimensions: %d", ndim);
    if (ndim > 1)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "multidimensional arrays are not supported");
    if (flags > 1)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "invalid array flags");
    if (elem != et)
        return SQL_ERR(err, DATATYPE_MISMATCH, "binary data has array element type %u (%s) instead of expected %u (%s)",
                       elem, types_sqlname(elem), et, types_sqlname(et));
    uint32_t cnt = 0;
    int32_t lower = 1;
    size_t off = 12;
    if (ndim == 1) {
        if (n < 20)
            return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
        cnt = arr_be32(p + 12);
        lower = (int32_t)arr_be32(p + 16);
        off = 20;
        if (cnt > (n - off) / 4)
            return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    }
    Value *elems = malloc(sizeof(Value) * (cnt ? cnt : 1));
    if (!elems)
        return types_oom(err);
    int rc = 0;
    for (uint32_t i = 0; i < cnt && rc == 0; i++) {
        if (n - off < 4) {
            rc = SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
            break;
        }
        int32_t len = (int32_t)arr_be32(p + off);
        off += 4;
        if (len == -1) {
            elems[i] = value_null(et);
            continue;
        }
        if (len < 0 || (size_t)len > n - off) {
            rc = SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
            break;
        }
        rc = types_recv(tc, et, -1, p + off, (size_t)len, a, &elems[i], err);
        off += (size_t)len;
    }
    if (rc == 0 && off != n)
        rc = SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "incorrect binary data format in array");
    if (rc == 0)
        rc = types_array_build(et, lower, cnt, elems, a, out, err);
    if (rc == 0)
        out->type = array_type;
    free(elems);
    return rc;
}

int types_array_compare(const Value *a, const Value *b)
{
    TypesArrayReader ra, rb;
    if (types_array_open(a, &ra, NULL) < 0 || types_array_open(b, &rb, NULL) < 0)
        return 0;
    Value x, y;
    for (;;) {
        int ha = types_array_next(&ra, &x, NULL), hb = types_array_next(&rb, &y, NULL);
        if (ha != 1 || hb != 1) {
            if (ha == 1) return 1;
            if (hb == 1) return -1;
            break;
        }
        if (x.null || y.null) {
            if (x.null && y.null) continue;
            return x.null ? 1 : -1;
        }
        int c = types_compare(&x, &y);
        if (c)
            return c;
    }
    if (ra.lower != rb.lower)
        return ra.lower < rb.lower ? -1 : 1;
    return 0;
}

uint64_t types_array_hash(const Value *v)
{
    TypesArrayReader r;
    if (types_array_open(v, &r, NULL) < 0)
        return 0;
    uint64_t h = 0x51ed;
    Value e;
    while (types_array_next(&r, &e, NULL) == 1)
        h = shale_hash_u64(h * 31 + (e.null ? 0x6e756c6c : types_hash(&e)));
    return h;
}

/* --- int2vector / oidvector -------------------------------------------------------------- */

int types_intvec_in(const TypeContext *tc, Oid vector_type, const char *s, size_t n, ShaleArena *a,
                    Value *out, SqlError *err)
{
    Oid et = types_array_elem(vector_type);
    uint32_t cap = (uint32_t)(n / 2 + 1);   /* tokens are separated by at least one space */
    Value *elems = shale_arena_alloc(a, sizeof(Value) * cap);
    if (!elems)
        return types_oom(err);
    uint32_t cnt = 0;
    const char *p = s, *e = s + n;
    for (;;) {
        while (p < e && isspace((unsigned char)*p))
            p++;
        if (p == e)
            break;
        const char *tok = p;
        while (p < e && !isspace((unsigned char)*p))
            p++;
        if (types_input(tc, et, -1, tok, (size_t)(p - tok), a, &elems[cnt], err) < 0)
            return -1;
        cnt++;
    }
    if (types_array_build(et, 0, cnt, elems, a, out, err) < 0)
        return -1;
    out->type = vector_type;
    return 0;
}

void types_intvec_out(const Value *v, ShaleBuf *out)
{
    TypesArrayReader r;
    SqlError e;
    memset(&e, 0, sizeof e);
    if (types_array_open(v, &r, &e) < 0) {
        sql_error_clear(&e);
        return;
    }
    Value el;
    bool first = true;
    while (types_array_next(&r, &el, &e) == 1) {
        char num[24];
        int len = snprintf(num, sizeof num, first ? "%lld" : " %lld", el.null ? 0LL : (long long)el.u.i);
        shale_buf_append(out, num, (size_t)len);
        first = false;
    }
    sql_error_clear(&e);
}
