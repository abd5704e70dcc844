/* types_array.c -- arrays: the ShaleArray value bytes (reader/builder, element field
 * encoding, documented in types.h/value.h; multi-dimensional arrays flag the count word,
 * see types_array_build_md), PostgreSQL's text format ('{1,2,NULL}', '{"a b",c}',
 * '{{1,2},{3,4}}', '[0:1]={a,b}', '[1:2][0:0]={{a},{b}}') and binary format (ndim:i32
 * flags:i32 elemtype:u32 ndim x (size:i32 lbound:i32) then len:i32 (-1 NULL) + element
 * send bytes), and ordering/hashing. Up to 6 dimensions, as PostgreSQL. */
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
    uint32_t cw = arr_le32(p + 4);
    r->n = cw & 0x7fffffffu;
    r->lower = (int32_t)arr_le32(p + 8);
    size_t hdr = 12;
    if (cw & 0x80000000u) {
        if (n < 16)
            return arr_corrupt(err);
        uint32_t nd = arr_le32(p + 12);
        if (nd < 2 || nd > TYPES_ARRAY_MAXDIM || n < 16 + 8 * (size_t)nd)
            return arr_corrupt(err);
        r->ndims = (int)nd;
        uint64_t prod = 1;
        for (uint32_t d = 0; d < nd; d++) {
            r->dims[d] = (int32_t)arr_le32(p + 16 + 8 * d);
            r->lbs[d] = (int32_t)arr_le32(p + 20 + 8 * d);
            if (r->dims[d] <= 0)
                return arr_corrupt(err);
            prod *= (uint64_t)r->dims[d];
            if (prod > r->n)
                return arr_corrupt(err);
        }
        if (prod != r->n || r->lbs[0] != r->lower)
            return arr_corrupt(err);
        hdr = 16 + 8 * (size_t)nd;
    } else {
        r->ndims = r->n ? 1 : 0;
        r->dims[0] = (int32_t)r->n;
        r->lbs[0] = r->lower;
    }
    size_t bm = ((size_t)r->n + 7) / 8;
    if (r->n > n || hdr + bm > n)
        return arr_corrupt(err);
    r->nulls = (const uint8_t *)p + hdr;
    r->cur = p + hdr + bm;
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
    int32_t dims[1] = { (int32_t)n }, lbs[1] = { lower };
    return types_array_build_md(elem_type, 1, dims, lbs, n, elems, a, out, err);
}

int types_array_build_md(Oid elem_type, int ndims, const int32_t *dims, const int32_t *lbs, uint32_t n,
                         const Value *elems, ShaleArena *a, Value *out, SqlError *err)
{
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append_fixed32(&b, elem_type);
    if (ndims > 1 && n > 0) {
        shale_buf_append_fixed32(&b, n | 0x80000000u);
        shale_buf_append_fixed32(&b, (uint32_t)lbs[0]);
        shale_buf_append_fixed32(&b, (uint32_t)ndims);
        for (int d = 0; d < ndims; d++) {
            shale_buf_append_fixed32(&b, (uint32_t)dims[d]);
            shale_buf_append_fixed32(&b, (uint32_t)lbs[d]);
        }
    } else {
        shale_buf_append_fixed32(&b, n);
        shale_buf_append_fixed32(&b, (uint32_t)(ndims >= 1 ? lbs[0] : 1));
    }
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

/* Parser state of one array literal: elements in row-major order, the dimensions seen. */
typedef struct ArrParse {
    const TypeContext *tc;
    Oid et;
    ShaleArena *a;
    const char *s, *p, *e;      /* whole literal, cursor, end */
    size_t n_lit;
    Value *elems;
    size_t cnt, cap;
    int ndims;                  /* -1 until the first element fixes the depth */
    int32_t dims[TYPES_ARRAY_MAXDIM];
    bool dim_set[TYPES_ARRAY_MAXDIM];
    ShaleBuf tok;
} ArrParse;

static void arr_skip_space(ArrParse *ap)
{
    while (ap->p < ap->e && isspace((unsigned char)*ap->p))
        ap->p++;
}

static int arr_push(ArrParse *ap, const Value *v, SqlError *err)
{
    if (ap->cnt == ap->cap) {
        size_t nc = ap->cap ? ap->cap * 2 : 16;
        Value *ne = realloc(ap->elems, nc * sizeof(Value));
        if (!ne)
            return types_oom(err);
        ap->elems = ne;
        ap->cap = nc;
    }
    ap->elems[ap->cnt++] = *v;
    return 0;
}

/* One scalar element (quoted or not) up to the next ',' or '}' at this level. */
static int arr_scalar(ArrParse *ap, SqlError *err)
{
    const char *s = ap->s;
    size_t n = ap->n_lit;
    ShaleBuf *tok = &ap->tok;
    shale_buf_reset(tok);
    bool quoted = false, had_quote = false;
    size_t keep = 0;   /* length up to the last significant character */
    while (ap->p < ap->e && (quoted || (*ap->p != ',' && *ap->p != '}'))) {
        char c = *ap->p;
        if (c == '"') {
            quoted = !quoted;
            had_quote = true;
            keep = tok->len;
            ap->p++;
            continue;
        }
        if (c == '\\') {
            if (ap->p + 1 >= ap->e)
                return arr_malformed(err, s, n, "Unexpected end of input.");
            shale_buf_append_byte(tok, (uint8_t)ap->p[1]);
            had_quote = true;
            keep = tok->len;
            ap->p += 2;
            continue;
        }
        if (!quoted && c == '{')
            return arr_malformed(err, s, n, "Unexpected \"{\" character.");
        if (!quoted && isspace((unsigned char)c)) {
            if (tok->len || had_quote)
                shale_buf_append_byte(tok, (uint8_t)c);
            ap->p++;
            continue;
        }
        shale_buf_append_byte(tok, (uint8_t)c);
        keep = tok->len;
        ap->p++;
    }
    if (quoted || ap->p >= ap->e)
        return arr_malformed(err, s, n, "Unexpected end of input.");
    if (!tok->oom)
        tok->len = keep;
    if (!had_quote && tok->len == 0)
        return arr_malformed(err, s, n, *ap->p == ',' ? "Unexpected \",\" character." : "Unexpected \"}\" character.");
    const char *tp = tok->oom || !tok->data ? "" : tok->data;
    Value v;
    if (!had_quote && tok->len == 4 && strncasecmp(tp, "NULL", 4) == 0)
        v = value_null(ap->et);
    else if (types_input(ap->tc, ap->et, -1, tp, tok->len, ap->a, &v, err) < 0)
        return -1;
    return arr_push(ap, &v, err);
}

/* The brace group at ap->p ('{' already checked) at nesting depth. Sub-arrays at one level
 * must all have the same length, and elements must all be at the same depth. */
static int arr_group(ArrParse *ap, int depth, SqlError *err)
{
    const char *s = ap->s;
    size_t n = ap->n_lit;
    if (depth >= TYPES_ARRAY_MAXDIM)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "number of array dimensions (%d) exceeds the maximum allowed (%d)",
                       depth + 1, TYPES_ARRAY_MAXDIM);
    ap->p++;   /* '{' */
    arr_skip_space(ap);
    int32_t items = 0;
    if (ap->p < ap->e && *ap->p == '}') {
        ap->p++;
    } else {
        for (;;) {
            arr_skip_space(ap);
            if (ap->p >= ap->e)
                return arr_malformed(err, s, n, "Unexpected end of input.");
            if (*ap->p == '{') {
                if (ap->ndims >= 0 && depth + 1 >= ap->ndims)
                    return arr_malformed(err, s, n, "Unexpected \"{\" character.");
                if (arr_group(ap, depth + 1, err) != 0)
                    return -1;
                arr_skip_space(ap);
                if (ap->p >= ap->e)
                    return arr_malformed(err, s, n, "Unexpected end of input.");
                if (*ap->p != ',' && *ap->p != '}')
                    return arr_malformed(err, s, n, "Unexpected array element.");
            } else {
                if (ap->ndims < 0)
                    ap->ndims = depth + 1;
                else if (ap->ndims != depth + 1)
                    return arr_malformed(err, s, n, "Unexpected array element.");
                if (arr_scalar(ap, err) != 0)
                    return -1;
            }
            items++;
            if (*ap->p == ',') {
                ap->p++;
                continue;
            }
            ap->p++;   /* '}' */
            break;
        }
    }
    if (items == 0 && depth > 0)
        return arr_malformed(err, s, n, "Unexpected \"}\" character.");
    if (ap->dim_set[depth] && ap->dims[depth] != items)
        return arr_malformed(err, s, n, "Multidimensional arrays must have sub-arrays with matching dimensions.");
    ap->dims[depth] = items;
    ap->dim_set[depth] = true;
    return 0;
}

int types_array_in(const TypeContext *tc, Oid array_type, const char *s, size_t n, ShaleArena *a, Value *out,
                   SqlError *err)
{
    Oid et = types_array_elem(array_type);
    const char *p = s, *e = s + n;
    int ndim_given = 0;
    int32_t gdims[TYPES_ARRAY_MAXDIM], glbs[TYPES_ARRAY_MAXDIM];
    while (p < e && isspace((unsigned char)*p))
        p++;
    /* explicit dimensions: [lo:hi] or [hi], one per dimension, then '=' (array_in) */
    while (p < e && *p == '[') {
        if (ndim_given >= TYPES_ARRAY_MAXDIM)
            return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "number of array dimensions (%d) exceeds the maximum allowed (%d)",
                           ndim_given + 1, TYPES_ARRAY_MAXDIM);
        p++;
        const char *q = p;
        while (q < e && (isdigit((unsigned char)*q) || *q == '-' || *q == '+'))
            q++;
        if (q == p)
            return arr_malformed(err, s, n, "\"[\" must introduce explicitly-specified array dimensions.");
        long lo = 1, hi = strtol(p, NULL, 10);
        if (q < e && *q == ':') {
            lo = hi;
            p = q + 1;
            q = p;
            while (q < e && (isdigit((unsigned char)*q) || *q == '-' || *q == '+'))
                q++;
            if (q == p)
                return arr_malformed(err, s, n, "Missing array dimension value.");
            hi = strtol(p, NULL, 10);
        }
        if (q >= e || *q != ']')
            return arr_malformed(err, s, n, "Missing \"]\" after array dimensions.");
        p = q + 1;
        if (hi < lo)
            return SQL_ERR(err, ARRAY_SUBSCRIPT_ERROR, "upper bound cannot be less than lower bound");
        glbs[ndim_given] = (int32_t)lo;
        gdims[ndim_given] = (int32_t)(hi - lo + 1);
        ndim_given++;
    }
    if (ndim_given > 0) {
        if (p >= e || *p != '=')
            return arr_malformed(err, s, n, "Missing \"=\" after array dimensions.");
        p++;
        while (p < e && isspace((unsigned char)*p))
            p++;
        if (p >= e || *p != '{')
            return arr_malformed(err, s, n, "Array contents must start with \"{\".");
    } else if (p >= e || *p != '{') {
        return arr_malformed(err, s, n, "Array value must start with \"{\" or dimension information.");
    }
    ArrParse ap;
    memset(&ap, 0, sizeof ap);
    ap.tc = tc;
    ap.et = et;
    ap.a = a;
    ap.s = s;
    ap.n_lit = n;
    ap.p = p;
    ap.e = e;
    ap.ndims = -1;
    shale_buf_init(&ap.tok);
    int rc = arr_group(&ap, 0, err);
    if (rc == 0) {
        arr_skip_space(&ap);
        if (ap.p != ap.e)
            rc = arr_malformed(err, s, n, "Junk after closing right brace.");
    }
    int ndims = ap.cnt == 0 ? 0 : ap.ndims;
    int32_t lbs[TYPES_ARRAY_MAXDIM];
    for (int d = 0; d < TYPES_ARRAY_MAXDIM; d++)
        lbs[d] = 1;
    if (rc == 0 && ndim_given > 0) {
        bool match = ndim_given == ndims;
        for (int d = 0; match && d < ndims; d++)
            match = gdims[d] == ap.dims[d];
        if (!match)
            rc = arr_malformed(err, s, n, "Specified array dimensions do not match array contents.");
        for (int d = 0; d < ndim_given && d < TYPES_ARRAY_MAXDIM; d++)
            lbs[d] = glbs[d];
    }
    if (rc == 0) {
        rc = types_array_build_md(et, ndims, ap.dims, lbs, (uint32_t)ap.cnt, ap.elems, a, out, err);
        if (rc == 0)
            out->type = array_type;
    }
    free(ap.elems);
    shale_buf_free(&ap.tok);
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
    bool decorate = false;
    for (int d = 0; d < r.ndims; d++)
        decorate |= r.lbs[d] != 1;
    if (decorate) {
        for (int d = 0; d < r.ndims; d++) {
            char buf[48];
            int len = snprintf(buf, sizeof buf, "[%d:%d]", r.lbs[d], (int)(r.lbs[d] + (int64_t)r.dims[d] - 1));
            shale_buf_append(out, buf, (size_t)len);
        }
        shale_buf_append_byte(out, '=');
    }
    int nd = r.ndims ? r.ndims : 1;
    /* idx[d]: position within dimension d of the next element (row-major odometer) */
    int32_t idx[TYPES_ARRAY_MAXDIM] = { 0 };
    for (int d = 0; d < nd; d++)
        shale_buf_append_byte(out, '{');
    ShaleBuf el;
    shale_buf_init(&el);
    Value e;
    bool first = true;
    while (types_array_next(&r, &e, NULL) == 1) {
        if (!first) {
            /* close the dimensions that wrapped, then reopen them */
            int d = nd - 1;
            while (d > 0 && idx[d] == r.dims[d]) {
                idx[d] = 0;
                idx[d - 1]++;
                d--;
            }
            int closed = nd - 1 - d;
            for (int k = 0; k < closed; k++)
                shale_buf_append_byte(out, '}');
            shale_buf_append_byte(out, ',');
            for (int k = 0; k < closed; k++)
                shale_buf_append_byte(out, '{');
        }
        first = false;
        idx[nd - 1]++;
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
    for (int d = 0; d < nd; d++)
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
    arr_put_be32(out, (uint32_t)r.ndims);
    arr_put_be32(out, has_null ? 1 : 0);
    arr_put_be32(out, r.elem_type);
    for (int d = 0; d < r.ndims; d++) {
        arr_put_be32(out, (uint32_t)r.dims[d]);
        arr_put_be32(out, (uint32_t)r.lbs[d]);
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
    if (flags > 1)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "invalid array flags");
    if (elem != et)
        return SQL_ERR(err, DATATYPE_MISMATCH, "binary data has array element type %u (%s) instead of expected %u (%s)",
                       elem, types_sqlname(elem), et, types_sqlname(et));
    uint32_t cnt = ndim ? 1 : 0;
    int32_t dims[TYPES_ARRAY_MAXDIM], lbs[TYPES_ARRAY_MAXDIM];
    size_t off = 12;
    if (n < 12 + 8 * (size_t)ndim)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    for (int d = 0; d < ndim; d++) {
        dims[d] = (int32_t)arr_be32(p + off);
        lbs[d] = (int32_t)arr_be32(p + off + 4);
        off += 8;
        if (dims[d] < 0)
            return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "invalid array dimensions");
        uint64_t prod = (uint64_t)cnt * (uint64_t)dims[d];
        if (prod > 134217727)
            return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "array size exceeds the maximum allowed (134217727)");
        cnt = (uint32_t)prod;
    }
    if (cnt > (n - off) / 4)
        return SQL_ERR(err, INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    if (cnt == 0)
        ndim = 0;
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
        rc = types_array_build_md(et, ndim, dims, lbs, cnt, elems, a, out, err);
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
    /* equal elements: then the number of dimensions, the dimensions and the lower bounds
     * decide (array_cmp) */
    if (ra.ndims != rb.ndims)
        return ra.ndims < rb.ndims ? -1 : 1;
    for (int d = 0; d < ra.ndims; d++)
        if (ra.dims[d] != rb.dims[d])
            return ra.dims[d] < rb.dims[d] ? -1 : 1;
    for (int d = 0; d < ra.ndims; d++)
        if (ra.lbs[d] != rb.lbs[d])
            return ra.lbs[d] < rb.lbs[d] ? -1 : 1;
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
