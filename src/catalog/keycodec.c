/* keycodec.c -- order-preserving key encoding of Values and the 12-byte key prefix. The byte
 * format is documented at the top of keycodec.h (and docs/data-model.md). */
#include "catalog/keycodec.h"

#include <math.h>
#include <string.h>

#include "catalog/rowcodec.h"
#include "util/coding.h"

enum KeyClass {
    KC_BOOL, KC_INT, KC_FLOAT, KC_NUMERIC, KC_TEXT, KC_BPCHAR, KC_UUID, KC_INTERVAL, KC_ARRAY, KC_NONE
};

static enum KeyClass key_class(Oid type)
{
    switch (type) {
    case BOOLOID: return KC_BOOL;
    case INT2OID: case INT4OID: case INT8OID: case OIDOID: case REGPROCOID: case REGCLASSOID:
    case REGTYPEOID: case DATEOID: case TIMEOID: case TIMESTAMPOID: case TIMESTAMPTZOID:
        return KC_INT;
    case FLOAT4OID: case FLOAT8OID: return KC_FLOAT;
    case NUMERICOID: return KC_NUMERIC;
    case TEXTOID: case VARCHAROID: case NAMEOID: case CHAROID: case JSONOID: case JSONBOID:
    case BYTEAOID: case UNKNOWNOID:
        return KC_TEXT;
    case BPCHAROID: return KC_BPCHAR;
    case UUIDOID: return KC_UUID;
    case INTERVALOID: return KC_INTERVAL;
    default: {
        const TypeInfo *ti = type_info(type);
        if (ti && ti->elem_oid && key_class(ti->elem_oid) != KC_NONE && key_class(ti->elem_oid) != KC_ARRAY)
            return KC_ARRAY;
        return KC_NONE;
    }
    }
}

bool keycodec_type_supported(Oid type)
{
    return key_class(type) != KC_NONE;
}

bool keycodec_type_lossless(Oid type)
{
    switch (key_class(type)) {
    case KC_BOOL: case KC_INT: case KC_FLOAT: case KC_TEXT: case KC_UUID: return true;
    default: return false;
    }
}

void keycodec_append_prefix(ShaleBuf *b, uint32_t db, uint32_t rel, uint32_t index)
{
    char p[KEY_PREFIX_LEN];
    keycodec_put_u32be(p, db);
    keycodec_put_u32be(p + 4, rel);
    keycodec_put_u32be(p + 8, index);
    shale_buf_append(b, p, sizeof p);
}

static uint32_t get_u32be(const char *p)
{
    const uint8_t *u = (const uint8_t *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}

bool keycodec_decode_prefix(const char *key, size_t klen, uint32_t *db, uint32_t *rel, uint32_t *index)
{
    if (klen < KEY_PREFIX_LEN)
        return false;
    if (db) *db = get_u32be(key);
    if (rel) *rel = get_u32be(key + 4);
    if (index) *index = get_u32be(key + 8);
    return true;
}

bool keycodec_prefix_successor(ShaleBuf *b)
{
    while (b->len > 0 && (uint8_t)b->data[b->len - 1] == 0xFF)
        b->len--;
    if (b->len == 0)
        return false;
    b->data[b->len - 1] = (char)((uint8_t)b->data[b->len - 1] + 1);
    return true;
}

/* ---- bodies (ASC form) -------------------------------------------------------------------- */

static void put_int(ShaleBuf *b, int64_t v)
{
    uint8_t tmp[9];
    int n = 0;
    if (v >= 0) {
        uint64_t u = (uint64_t)v;
        while (n < 8 && (u >> (8 * n)) != 0)
            n++;
        tmp[0] = (uint8_t)(0x80 + n);
    } else {
        uint64_t u = ~(uint64_t)v;
        while (n < 8 && (u >> (8 * n)) != 0)
            n++;
        tmp[0] = (uint8_t)(0x7F - n);
    }
    for (int i = 0; i < n; i++)
        tmp[1 + i] = (uint8_t)((uint64_t)v >> (8 * (n - 1 - i)));
    shale_buf_append(b, tmp, (size_t)n + 1);
}

/* Reads one integer body; *inv = 0xFF for DESC (bytes inverted). */
static bool get_int(const char **pp, const char *end, uint8_t inv, int64_t *out)
{
    const char *p = *pp;
    if (p >= end)
        return false;
    uint8_t h = (uint8_t)*p++ ^ inv;
    int n;
    bool neg;
    if (h >= 0x80 && h <= 0x88) { n = h - 0x80; neg = false; }
    else if (h >= 0x77 && h <= 0x7F) { n = 0x7F - h; neg = true; }
    else return false;
    if (end - p < n)
        return false;
    uint64_t u = neg ? ~(uint64_t)0 : 0;
    for (int i = 0; i < n; i++)
        u = (u << 8) | ((uint8_t)p[i] ^ inv);
    /* minimality: a non-minimal n would break order; reject it */
    if (n > 0) {
        uint64_t mag = neg ? ~u : u;
        if ((mag >> (8 * (n - 1))) == 0)
            return false;
        if (neg && (int64_t)u >= 0)
            return false;
        if (!neg && (int64_t)u < 0)
            return false;
    }
    *out = (int64_t)u;
    *pp = p + n;
    return true;
}

static uint64_t float_key(double d)
{
    uint64_t u;
    if (isnan(d))
        u = 0x7FF8000000000000ull;
    else {
        if (d == 0)
            d = 0;  /* -0 -> +0 */
        memcpy(&u, &d, 8);
    }
    return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

static double float_unkey(uint64_t k)
{
    uint64_t u = (k >> 63) ? (k & 0x7FFFFFFFFFFFFFFFull) : ~k;
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static void put_be64(ShaleBuf *b, uint64_t v)
{
    char t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (char)(v >> (56 - 8 * i));
    shale_buf_append(b, t, 8);
}

static void put_escaped(ShaleBuf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 0) {
            shale_buf_append(b, s + start, i - start + 1);
            shale_buf_append_byte(b, 0xFF);
            start = i + 1;
        }
    }
    shale_buf_append(b, s + start, n - start);
    shale_buf_append_byte(b, 0x00);
    shale_buf_append_byte(b, 0x01);
}

/* numeric: class bytes */
#define NUMK_NEG_INF 0x10
#define NUMK_NEG 0x20
#define NUMK_ZERO 0x30
#define NUMK_POS 0x40
#define NUMK_POS_INF 0x50
#define NUMK_NAN 0x60

static ShaleCode put_numeric(ShaleBuf *b, const char *p, uint32_t n, ShaleError *err)
{
    if (n < 5 || (n - 5) % 2 != 0)
        return SHALE_ERR_INVALID(err, "malformed numeric value");
    uint8_t sign = (uint8_t)p[0];
    int16_t weight = (int16_t)((uint16_t)(uint8_t)p[1] | ((uint16_t)(uint8_t)p[2] << 8));
    uint32_t ndig = (n - 5) / 2;
    const char *d = p + 5;
    if (sign == 2) { shale_buf_append_byte(b, NUMK_NAN); return SHALE_OK; }
    if (sign == 3) { shale_buf_append_byte(b, NUMK_POS_INF); return SHALE_OK; }
    if (sign == 4) { shale_buf_append_byte(b, NUMK_NEG_INF); return SHALE_OK; }
    if (sign > 1)
        return SHALE_ERR_INVALID(err, "malformed numeric sign %u", sign);
    /* base-100 digits, most significant first, of the base-10000 digits */
    uint8_t pairs[2 * 1024 + 2];
    if (ndig > 1024)
        return SHALE_ERR_INVALID(err, "numeric value too long for a key");
    uint32_t np = 0;
    for (uint32_t i = 0; i < ndig; i++) {
        uint16_t dg = (uint16_t)((uint8_t)d[2 * i] | ((uint16_t)(uint8_t)d[2 * i + 1] << 8));
        if (dg >= 10000)
            return SHALE_ERR_INVALID(err, "malformed numeric digit");
        pairs[np++] = (uint8_t)(dg / 100);
        pairs[np++] = (uint8_t)(dg % 100);
    }
    /* first pair sits at 100^(2*weight+1) */
    int64_t e = 2 * (int64_t)weight + 2;
    uint32_t first = 0;
    while (first < np && pairs[first] == 0) { first++; e--; }
    while (np > first && pairs[np - 1] == 0)
        np--;
    if (first == np) { shale_buf_append_byte(b, NUMK_ZERO); return SHALE_OK; }
    shale_buf_append_byte(b, sign ? NUMK_NEG : NUMK_POS);
    size_t body = b->len;
    put_int(b, e);
    for (uint32_t i = first; i < np; i++)
        shale_buf_append_byte(b, (uint8_t)(pairs[i] + 1));
    shale_buf_append_byte(b, 0x00);
    if (sign && !b->oom)
        for (size_t i = body; i < b->len; i++)
            b->data[i] = (char)~b->data[i];
    return SHALE_OK;
}

static __int128 interval_span(const Value *v)
{
    return ((__int128)v->u.iv.months * 30 + v->u.iv.days) * (__int128)86400000000LL + v->u.iv.us;
}

static ShaleCode put_body(ShaleBuf *b, const Value *v, ShaleError *err);

static ShaleCode put_array(ShaleBuf *b, const Value *v, ShaleError *err)
{
    const char *p = v->u.s.p, *end = p + v->u.s.n;
    if (v->u.s.n < 12)
        return SHALE_ERR_INVALID(err, "malformed array value");
    Oid elem = shale_get_fixed32(p);
    uint32_t n = shale_get_fixed32(p + 4);
    const char *bitmap = p + 12;
    size_t bm = ((size_t)n + 7) / 8;
    if ((size_t)(end - bitmap) < bm)
        return SHALE_ERR_INVALID(err, "malformed array value");
    const char *q = bitmap + bm;
    for (uint32_t i = 0; i < n; i++) {
        if ((uint8_t)bitmap[i / 8] & (1u << (i % 8))) {
            shale_buf_append_byte(b, KEY_TAG_NULL_LAST);
            continue;
        }
        if (end - q < 4)
            return SHALE_ERR_INVALID(err, "malformed array value");
        uint32_t len = shale_get_fixed32(q);
        q += 4;
        if ((uint32_t)(end - q) < len)
            return SHALE_ERR_INVALID(err, "malformed array value");
        Value ev;
        if (rowcodec_field_decode(elem, q, len, &ev, err) != SHALE_OK)
            return SHALE_INVALID_ARGUMENT;
        q += len;
        shale_buf_append_byte(b, KEY_TAG_VALUE);
        ShaleCode rc = put_body(b, &ev, err);
        if (rc != SHALE_OK)
            return rc;
    }
    shale_buf_append_byte(b, 0x00);
    return SHALE_OK;
}

static ShaleCode put_body(ShaleBuf *b, const Value *v, ShaleError *err)
{
    switch (key_class(v->type)) {
    case KC_BOOL:
        shale_buf_append_byte(b, v->u.b ? 1 : 0);
        return SHALE_OK;
    case KC_INT:
        put_int(b, v->u.i);
        return SHALE_OK;
    case KC_FLOAT:
        put_be64(b, float_key(v->u.f));
        return SHALE_OK;
    case KC_NUMERIC:
        return put_numeric(b, v->u.s.p, v->u.s.n, err);
    case KC_TEXT:
        put_escaped(b, v->u.s.p, v->u.s.n);
        return SHALE_OK;
    case KC_BPCHAR: {
        uint32_t n = v->u.s.n;
        while (n > 0 && v->u.s.p[n - 1] == ' ')
            n--;
        put_escaped(b, v->u.s.p, n);
        return SHALE_OK;
    }
    case KC_UUID:
        if (v->u.s.n != 16)
            return SHALE_ERR_INVALID(err, "uuid value of %u bytes", v->u.s.n);
        shale_buf_append(b, v->u.s.p, 16);
        return SHALE_OK;
    case KC_INTERVAL: {
        unsigned __int128 s = (unsigned __int128)interval_span(v) ^ ((unsigned __int128)1 << 127);
        put_be64(b, (uint64_t)(s >> 64));
        put_be64(b, (uint64_t)s);
        return SHALE_OK;
    }
    case KC_ARRAY:
        return put_array(b, v, err);
    case KC_NONE:
        break;
    }
    const TypeInfo *ti = type_info(v->type);
    return shale_error_set(err, SHALE_NOT_SUPPORTED, "type %s cannot be used in a key",
                           ti ? ti->name : "unknown");
}

ShaleCode keycodec_append_value(ShaleBuf *b, const Value *v, unsigned flags, ShaleError *err)
{
    if (v->null) {
        if (!keycodec_type_supported(v->type))
            return put_body(b, v, err);
        shale_buf_append_byte(b, (flags & KEY_NULLS_FIRST) ? KEY_TAG_NULL_FIRST : KEY_TAG_NULL_LAST);
        return SHALE_OK;
    }
    size_t start = b->len;
    shale_buf_append_byte(b, KEY_TAG_VALUE);
    size_t body = b->len;
    ShaleCode rc = put_body(b, v, err);
    if (rc != SHALE_OK) {
        b->len = start;
        return rc;
    }
    if ((flags & KEY_DESC) && !b->oom)
        for (size_t i = body; i < b->len; i++)
            b->data[i] = (char)~b->data[i];
    return SHALE_OK;
}

/* ---- decoding ------------------------------------------------------------------------------ */

typedef struct KeyReader {
    const char *p, *end;
    uint8_t inv;              /* 0xFF when the body is inverted (DESC) */
} KeyReader;

static bool kr_byte(KeyReader *r, uint8_t *out)
{
    if (r->p >= r->end)
        return false;
    *out = (uint8_t)*r->p++ ^ r->inv;
    return true;
}

static bool kr_be64(KeyReader *r, uint64_t *out)
{
    if (r->end - r->p < 8)
        return false;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | ((uint8_t)r->p[i] ^ r->inv);
    r->p += 8;
    *out = u;
    return true;
}

/* Unescapes a text body into arena (NULL arena: skip only). */
static bool kr_text(KeyReader *r, ShaleArena *arena, const char **out, uint32_t *outn)
{
    const char *s = r->p;
    size_t n = 0;
    /* first pass: find the terminator and the decoded length */
    const char *q = s;
    for (;;) {
        if (r->end - q < 1)
            return false;
        uint8_t c = (uint8_t)*q ^ r->inv;
        if (c != 0) { q++; n++; continue; }
        if (r->end - q < 2)
            return false;
        uint8_t c2 = (uint8_t)q[1] ^ r->inv;
        if (c2 == 0x01) break;
        if (c2 != 0xFF) return false;
        q += 2;
        n++;
    }
    if (n > UINT32_MAX)
        return false;
    if (arena) {
        char *dst = shale_arena_alloc(arena, n ? n : 1);
        if (!dst)
            return false;
        size_t j = 0;
        for (const char *x = s; x < q; x++) {
            uint8_t c = (uint8_t)*x ^ r->inv;
            dst[j++] = (char)c;
            if (c == 0)
                x++;
        }
        *out = dst;
        *outn = (uint32_t)n;
    }
    r->p = q + 2;
    return true;
}

static bool kr_numeric(KeyReader *r, ShaleArena *arena, Value *out)
{
    uint8_t cls;
    if (!kr_byte(r, &cls))
        return false;
    uint8_t sign;
    switch (cls) {
    case NUMK_NAN: sign = 2; break;
    case NUMK_POS_INF: sign = 3; break;
    case NUMK_NEG_INF: sign = 4; break;
    case NUMK_ZERO: sign = 0; break;
    case NUMK_POS: sign = 0; break;
    case NUMK_NEG: sign = 1; break;
    default: return false;
    }
    uint8_t pairs[2 * 1024 + 2];
    uint32_t np = 0;
    int64_t e = 0;
    if (cls == NUMK_POS || cls == NUMK_NEG) {
        KeyReader sub = *r;
        if (cls == NUMK_NEG)
            sub.inv ^= 0xFF;
        if (!get_int(&sub.p, sub.end, sub.inv, &e))
            return false;
        for (;;) {
            uint8_t c;
            if (!kr_byte(&sub, &c))
                return false;
            if (c == 0)
                break;
            if (c > 100 || np >= sizeof pairs - 1)
                return false;
            pairs[np++] = (uint8_t)(c - 1);
        }
        if (np == 0 || pairs[0] == 0 || pairs[np - 1] == 0 || e < -70000 || e > 70000)
            return false;
        r->p = sub.p;
    }
    if (!arena)
        return true;
    /* E counts base-100 places: pair i (0-based) sits at 100^(e-1-i). Align to base 10000:
     * a base-10000 digit covers places 100^(2w+1) and 100^(2w). */
    int64_t top = e - 1;                       /* base-100 place of pairs[0] */
    int64_t weight = top >= 0 ? top / 2 : -((-top + 1) / 2);   /* floor(top / 2) */
    uint32_t lead = (top - 2 * weight == 0) ? 1 : 0;  /* pairs[0] is a low half: pad a zero */
    if (weight > INT16_MAX || weight < INT16_MIN)
        return false;
    uint32_t total = np + lead;
    uint32_t ndig = (total + 1) / 2;
    char *buf = shale_arena_alloc(arena, 5 + 2 * (size_t)ndig);
    if (!buf)
        return false;
    int64_t dscale = 0;
    if (np > 0) {
        int64_t last_place = top - (int64_t)np + 1;  /* base-100 place of the last pair */
        if (last_place < 0) {
            dscale = -2 * last_place;
            if (pairs[np - 1] % 10 == 0)
                dscale--;
        }
    }
    buf[0] = (char)sign;
    uint16_t w16 = (uint16_t)(int16_t)(np ? weight : 0);
    buf[1] = (char)(w16 & 0xFF);
    buf[2] = (char)(w16 >> 8);
    buf[3] = (char)(dscale & 0xFF);
    buf[4] = (char)((dscale >> 8) & 0xFF);
    for (uint32_t i = 0; i < ndig; i++) {
        uint32_t a = 2 * i, bidx = 2 * i + 1;
        uint32_t hi = (a < lead || a - lead >= np) ? 0 : pairs[a - lead];
        uint32_t lo = (bidx - lead < np) ? pairs[bidx - lead] : 0;
        uint16_t dg = (uint16_t)(hi * 100 + lo);
        buf[5 + 2 * i] = (char)(dg & 0xFF);
        buf[6 + 2 * i] = (char)(dg >> 8);
    }
    out->u.s.p = buf;
    out->u.s.n = 5 + 2 * ndig;
    return true;
}

static ShaleCode get_body(KeyReader *r, Oid type, ShaleArena *arena, Value *out, int depth, ShaleError *err);

static ShaleCode get_array(KeyReader *r, Oid type, ShaleArena *arena, Value *out, int depth, ShaleError *err)
{
    const TypeInfo *ti = type_info(type);
    Oid elem = ti->elem_oid;
    ShaleBuf elems, bitmap;
    shale_buf_init(&elems);
    shale_buf_init(&bitmap);
    uint32_t n = 0;
    ShaleCode rc = SHALE_OK;
    for (;;) {
        uint8_t tag;
        if (!kr_byte(r, &tag)) { rc = SHALE_ERR_CORRUPT(err, "truncated array key"); break; }
        if (tag == 0x00)
            break;
        if (n % 8 == 0)
            shale_buf_append_byte(&bitmap, 0);
        if (tag == KEY_TAG_NULL_LAST) {
            if (!bitmap.oom)
                bitmap.data[n / 8] = (char)((uint8_t)bitmap.data[n / 8] | (1u << (n % 8)));
        } else if (tag == KEY_TAG_VALUE) {
            Value ev;
            rc = get_body(r, elem, arena, &ev, depth + 1, err);
            if (rc != SHALE_OK)
                break;
            if (arena) {
                ev.type = elem;
                ev.null = false;
                size_t lenpos = elems.len;
                shale_buf_append_fixed32(&elems, 0);
                size_t start = elems.len;
                rowcodec_field_encode(&elems, &ev);
                if (!elems.oom)
                    shale_put_fixed32(elems.data + lenpos, (uint32_t)(elems.len - start));
            }
        } else {
            rc = SHALE_ERR_CORRUPT(err, "bad array element tag in key");
            break;
        }
        n++;
    }
    if (rc == SHALE_OK && arena) {
        size_t total = 12 + bitmap.len + elems.len;
        char *buf = (bitmap.oom || elems.oom) ? NULL : shale_arena_alloc(arena, total);
        if (!buf)
            rc = SHALE_ERR_NOMEM(err, "out of memory decoding a key");
        else {
            shale_put_fixed32(buf, elem);
            shale_put_fixed32(buf + 4, n);
            shale_put_fixed32(buf + 8, 1);
            if (bitmap.len) memcpy(buf + 12, bitmap.data, bitmap.len);
            if (elems.len) memcpy(buf + 12 + bitmap.len, elems.data, elems.len);
            out->u.s.p = buf;
            out->u.s.n = (uint32_t)total;
        }
    }
    shale_buf_free(&elems);
    shale_buf_free(&bitmap);
    return rc;
}

static ShaleCode get_body(KeyReader *r, Oid type, ShaleArena *arena, Value *out, int depth, ShaleError *err)
{
    out->type = type;
    out->null = false;
    uint64_t u;
    switch (key_class(type)) {
    case KC_BOOL: {
        uint8_t c;
        if (!kr_byte(r, &c) || c > 1)
            return SHALE_ERR_CORRUPT(err, "bad bool in key");
        out->u.b = c != 0;
        return SHALE_OK;
    }
    case KC_INT:
        if (!get_int(&r->p, r->end, r->inv, &out->u.i))
            return SHALE_ERR_CORRUPT(err, "bad integer in key");
        return SHALE_OK;
    case KC_FLOAT:
        if (!kr_be64(r, &u))
            return SHALE_ERR_CORRUPT(err, "truncated float in key");
        out->u.f = float_unkey(u);
        if (type == FLOAT4OID)
            out->u.f = (double)(float)out->u.f;
        return SHALE_OK;
    case KC_NUMERIC:
        if (!kr_numeric(r, arena, out))
            return SHALE_ERR_CORRUPT(err, "bad numeric in key");
        return SHALE_OK;
    case KC_TEXT: case KC_BPCHAR:
        if (!kr_text(r, arena, &out->u.s.p, &out->u.s.n))
            return SHALE_ERR_CORRUPT(err, "bad string in key");
        return SHALE_OK;
    case KC_UUID: {
        if (r->end - r->p < 16)
            return SHALE_ERR_CORRUPT(err, "truncated uuid in key");
        if (arena) {
            char *d = shale_arena_alloc(arena, 16);
            if (!d)
                return SHALE_ERR_NOMEM(err, "out of memory decoding a key");
            for (int i = 0; i < 16; i++)
                d[i] = (char)((uint8_t)r->p[i] ^ r->inv);
            out->u.s.p = d;
            out->u.s.n = 16;
        }
        r->p += 16;
        return SHALE_OK;
    }
    case KC_INTERVAL: {
        uint64_t hi, lo;
        if (!kr_be64(r, &hi) || !kr_be64(r, &lo))
            return SHALE_ERR_CORRUPT(err, "truncated interval in key");
        unsigned __int128 s = (((unsigned __int128)hi << 64) | lo) ^ ((unsigned __int128)1 << 127);
        __int128 span = (__int128)s;
        __int128 day = (__int128)86400000000LL;
        __int128 days = span / day, us = span % day;
        if (days > INT32_MAX || days < INT32_MIN)
            return SHALE_ERR_CORRUPT(err, "interval out of range in key");
        out->u.iv.months = 0;
        out->u.iv.days = (int32_t)days;
        out->u.iv.us = (int64_t)us;
        return SHALE_OK;
    }
    case KC_ARRAY:
        if (depth > 0)
            return SHALE_ERR_CORRUPT(err, "nested array in key");
        return get_array(r, type, arena, out, depth, err);
    case KC_NONE:
        break;
    }
    return shale_error_set(err, SHALE_NOT_SUPPORTED, "type %u has no key encoding", type);
}

ShaleCode keycodec_decode_value(const char **p, const char *end, Oid type, unsigned flags,
                                ShaleArena *arena, Value *out, ShaleError *err)
{
    KeyReader r = { *p, end, 0 };
    uint8_t tag;
    if (!kr_byte(&r, &tag))
        return SHALE_ERR_CORRUPT(err, "truncated key");
    if (tag == KEY_TAG_NULL_FIRST || tag == KEY_TAG_NULL_LAST) {
        *out = value_null(type);
        *p = r.p;
        return SHALE_OK;
    }
    if (tag != KEY_TAG_VALUE)
        return SHALE_ERR_CORRUPT(err, "bad key tag 0x%02x", tag);
    r.inv = (flags & KEY_DESC) ? 0xFF : 0;
    ShaleCode rc = get_body(&r, type, arena, out, 0, err);
    if (rc == SHALE_OK)
        *p = r.p;
    return rc;
}

ShaleCode keycodec_skip_value(const char **p, const char *end, Oid type, unsigned flags, ShaleError *err)
{
    Value v;
    return keycodec_decode_value(p, end, type, flags, NULL, &v, err);
}
