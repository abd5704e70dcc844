/* keycodec_test.c -- property tests of the order-preserving key encoding: for random values
 * of every type (and composite keys, NULL placement, DESC), memcmp order of the encodings
 * equals PostgreSQL's comparison order, and decoding returns the value. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "catalog/keycodec.h"
#include "catalog/rowcodec.h"
#include "config.h"
#include "tests/harness/test.h"
#include "util/coding.h"
#include "util/hash.h"

#ifdef SHALE_SANITIZERS
#define N_PAIRS 3000
#else
#define N_PAIRS 20000
#endif

static ShaleArena arena;

/* numeric m * 10^-s as ShaleNumeric bytes in arena */
static Value num_make(int64_t m, int s)
{
    char digits[64];
    int sign = m < 0;
    uint64_t um = sign ? (uint64_t)(-(m + 1)) + 1 : (uint64_t)m;
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)um);
    /* integer part digits = nd - s (may be <= 0) */
    char dec[160];
    int ip = nd - s;
    /* Build a decimal digit string aligned so the point is at a multiple of 4. */
    int int_digits = ip > 0 ? ip : 0;
    int lead = (4 - int_digits % 4) % 4;
    int pos = 0;
    for (int i = 0; i < lead; i++) dec[pos++] = '0';
    for (int i = 0; i < int_digits; i++) dec[pos++] = digits[i];
    int point = pos;
    if (ip < 0) for (int i = 0; i < -ip; i++) dec[pos++] = '0';
    for (int i = int_digits; i < nd; i++) dec[pos++] = digits[i];
    while ((pos - point) % 4) dec[pos++] = '0';
    int ngroups = pos / 4;
    int weight = point / 4 - 1;
    uint16_t g[40];
    for (int i = 0; i < ngroups; i++)
        g[i] = (uint16_t)((dec[4 * i] - '0') * 1000 + (dec[4 * i + 1] - '0') * 100 + (dec[4 * i + 2] - '0') * 10 + (dec[4 * i + 3] - '0'));
    int first = 0, last = ngroups;
    while (first < last && g[first] == 0) { first++; weight--; }
    while (last > first && g[last - 1] == 0) last--;
    int n = last - first;
    char *b = shale_arena_alloc(&arena, 5 + 2 * (size_t)n);
    b[0] = (char)(n == 0 ? 0 : sign);
    uint16_t w = (uint16_t)(int16_t)(n ? weight : 0);
    b[1] = (char)w; b[2] = (char)(w >> 8);
    b[3] = (char)s; b[4] = 0;
    for (int i = 0; i < n; i++) { b[5 + 2 * i] = (char)g[first + i]; b[6 + 2 * i] = (char)(g[first + i] >> 8); }
    return value_bytes(NUMERICOID, b, (uint32_t)(5 + 2 * n));
}

static Value num_special(int sign)
{
    char *b = shale_arena_alloc(&arena, 5);
    memset(b, 0, 5);
    b[0] = (char)sign;
    return value_bytes(NUMERICOID, b, 5);
}

/* exact compare of two numerics produced by num_make: value = sum digit * 10000^(w-i) */
static long double num_to_ld(const Value *v)
{
    const char *p = v->u.s.p;
    int sign = (uint8_t)p[0];
    if (sign == 2) return NAN;
    if (sign == 3) return INFINITY;
    if (sign == 4) return -INFINITY;
    int16_t w = (int16_t)((uint8_t)p[1] | ((uint8_t)p[2] << 8));
    int n = (int)(v->u.s.n - 5) / 2;
    long double x = 0;
    for (int i = 0; i < n; i++) {
        uint16_t d = (uint16_t)((uint8_t)p[5 + 2 * i] | ((uint8_t)p[6 + 2 * i] << 8));
        x += d * powl(10000.0L, w - i);
    }
    return sign == 1 ? -x : x;
}

static int cmp3(long double a, long double b)
{
    return a < b ? -1 : a > b;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int r = n ? memcmp(a, b, n) : 0;
    if (r) return r < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn;
}

/* PostgreSQL's order of two non-NULL values of one type */
static int value_cmp(const Value *a, const Value *b)
{
    switch (a->type) {
    case BOOLOID: return (int)a->u.b - (int)b->u.b;
    case FLOAT8OID: case FLOAT4OID: {
        double x = a->u.f, y = b->u.f;
        if (isnan(x)) return isnan(y) ? 0 : 1;
        if (isnan(y)) return -1;
        return x < y ? -1 : x > y;
    }
    case NUMERICOID: {
        long double x = num_to_ld(a), y = num_to_ld(b);
        if (isnan(x)) return isnan(y) ? 0 : 1;
        if (isnan(y)) return -1;
        return cmp3(x, y);
    }
    case TEXTOID: case BYTEAOID: case UUIDOID:
        return cmp_bytes(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
    case BPCHAROID: {
        size_t an = a->u.s.n, bn = b->u.s.n;
        while (an && a->u.s.p[an - 1] == ' ') an--;
        while (bn && b->u.s.p[bn - 1] == ' ') bn--;
        return cmp_bytes(a->u.s.p, an, b->u.s.p, bn);
    }
    case INTERVALOID: {
        __int128 x = ((__int128)a->u.iv.months * 30 + a->u.iv.days) * 86400000000LL + a->u.iv.us;
        __int128 y = ((__int128)b->u.iv.months * 30 + b->u.iv.days) * 86400000000LL + b->u.iv.us;
        return x < y ? -1 : x > y;
    }
    default:
        return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    }
}

static int col_cmp(const Value *a, const Value *b, unsigned flags)
{
    if (a->null || b->null) {
        if (a->null && b->null) return 0;
        bool nf = flags & KEY_NULLS_FIRST;
        return a->null ? (nf ? -1 : 1) : (nf ? 1 : -1);
    }
    int r = value_cmp(a, b);
    return (flags & KEY_DESC) ? -r : r;
}

static const Oid types[] = { BOOLOID, INT2OID, INT4OID, INT8OID, OIDOID, DATEOID, TIMESTAMPOID,
                             FLOAT4OID, FLOAT8OID, NUMERICOID, TEXTOID, BPCHAROID, BYTEAOID,
                             UUIDOID, INTERVALOID };
#define N_TYPES (sizeof types / sizeof types[0])

static int64_t rand_int(ShaleRandom *r, int bits)
{
    switch (shale_random_uniform(r, 4)) {
    case 0: return (int64_t)shale_random_uniform(r, 5) - 2;
    case 1: { int64_t ext[] = { INT64_MIN, INT64_MAX, -256, -255, 255, 256, -257, 65535, -65536 }; return ext[shale_random_uniform(r, 9)] >> (64 - bits); }
    default: return (int64_t)shale_random_next(r) >> (64 - bits) >> shale_random_uniform(r, (uint64_t)bits - 1);
    }
}

static char *rand_str(ShaleRandom *r, uint32_t *n)
{
    *n = (uint32_t)shale_random_uniform(r, 6);
    char *s = shale_arena_alloc(&arena, *n + 1);
    static const char alpha[] = { 0, 1, 'a', 'b', (char)0xFF, ' ', (char)0xFE, 'z' };
    for (uint32_t i = 0; i < *n; i++)
        s[i] = alpha[shale_random_uniform(r, sizeof alpha)];
    return s;
}

static Value rand_value(ShaleRandom *r, Oid t)
{
    if (shale_random_uniform(r, 12) == 0)
        return value_null(t);
    uint32_t n;
    switch (t) {
    case BOOLOID: return value_bool(shale_random_uniform(r, 2));
    case INT2OID: return value_int(t, rand_int(r, 16));
    case INT4OID: case DATEOID: return value_int(t, rand_int(r, 32));
    case OIDOID: return value_int(t, (int64_t)(uint32_t)rand_int(r, 32));
    case INT8OID: case TIMESTAMPOID: return value_int(t, rand_int(r, 64));
    case FLOAT4OID: case FLOAT8OID: {
        double sp[] = { 0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, 1e-310, -1e-310, 1.5, -1.5 };
        double d = shale_random_uniform(r, 3) == 0 ? sp[shale_random_uniform(r, 10)]
                 : ((double)rand_int(r, 32)) / (double)(1 + shale_random_uniform(r, 1000));
        if (t == FLOAT4OID) d = (double)(float)d;
        return value_float(t, d);
    }
    case NUMERICOID: {
        uint64_t k = shale_random_uniform(r, 20);
        if (k == 0) return num_special(2);
        if (k == 1) return num_special(3);
        if (k == 2) return num_special(4);
        int64_t m = rand_int(r, 50);
        return num_make(m, (int)shale_random_uniform(r, 10));
    }
    case TEXTOID: case BPCHAROID: case BYTEAOID: {
        char *s = rand_str(r, &n);
        return value_bytes(t, s, n);
    }
    case UUIDOID: {
        char *s = shale_arena_alloc(&arena, 16);
        for (int i = 0; i < 16; i++) s[i] = (char)(shale_random_uniform(r, 3) ? 0 : shale_random_next(r));
        return value_bytes(t, s, 16);
    }
    case INTERVALOID: {
        Value v;
        v.type = t; v.null = false;
        v.u.iv.months = (int32_t)rand_int(r, 8);
        v.u.iv.days = (int32_t)rand_int(r, 10);
        v.u.iv.us = rand_int(r, 40);
        return v;
    }
    }
    return value_null(t);
}

static size_t encode(ShaleBuf *b, const Value *v, int n, const unsigned *flags)
{
    shale_buf_reset(b);
    for (int i = 0; i < n; i++) {
        ShaleError err;
        ShaleCode rc = keycodec_append_value(b, &v[i], flags[i], &err);
        if (rc != SHALE_OK) { printf("encode failed: %s\n", err.msg); return 0; }
    }
    return b->len;
}

TEST(order_single_columns)
{
    ShaleRandom r;
    shale_random_seed(&r, 42);
    ShaleBuf ba, bb;
    shale_buf_init(&ba); shale_buf_init(&bb);
    long bad = 0;
    for (size_t ti = 0; ti < N_TYPES; ti++) {
        for (unsigned fl = 0; fl < 4; fl++) {
            for (int i = 0; i < N_PAIRS / 20; i++) {
                Value a = rand_value(&r, types[ti]), b = rand_value(&r, types[ti]);
                encode(&ba, &a, 1, &fl);
                encode(&bb, &b, 1, &fl);
                int want = col_cmp(&a, &b, fl);
                int got = cmp_bytes(ba.data, ba.len, bb.data, bb.len);
                if (want != got && bad++ < 5)
                    CHECK_MSG(0, "type %u flags %u: want %d got %d", types[ti], fl, want, got);
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
    shale_buf_free(&ba); shale_buf_free(&bb);
}

TEST(order_composite)
{
    ShaleRandom r;
    shale_random_seed(&r, 7);
    ShaleBuf ba, bb;
    shale_buf_init(&ba); shale_buf_init(&bb);
    long bad = 0;
    for (int i = 0; i < N_PAIRS; i++) {
        int n = 1 + (int)shale_random_uniform(&r, 3);
        Oid ct[3];
        unsigned fl[3];
        Value a[3], b[3];
        for (int c = 0; c < n; c++) {
            ct[c] = types[shale_random_uniform(&r, N_TYPES)];
            fl[c] = (unsigned)shale_random_uniform(&r, 4);
            a[c] = rand_value(&r, ct[c]);
            /* share prefixes often so later columns matter */
            b[c] = shale_random_uniform(&r, 2) ? a[c] : rand_value(&r, ct[c]);
        }
        int want = 0;
        for (int c = 0; c < n && !want; c++)
            want = col_cmp(&a[c], &b[c], fl[c]);
        encode(&ba, a, n, fl);
        encode(&bb, b, n, fl);
        int got = cmp_bytes(ba.data, ba.len, bb.data, bb.len);
        if (want != got && bad++ < 5)
            CHECK_MSG(0, "composite n=%d: want %d got %d", n, want, got);
    }
    CHECK_EQ_INT(bad, 0);
    shale_buf_free(&ba); shale_buf_free(&bb);
}

TEST(decode_round_trip)
{
    ShaleRandom r;
    shale_random_seed(&r, 99);
    ShaleBuf b;
    shale_buf_init(&b);
    long bad = 0;
    for (int i = 0; i < N_PAIRS; i++) {
        int n = 1 + (int)shale_random_uniform(&r, 3);
        Value v[3];
        unsigned fl[3];
        for (int c = 0; c < n; c++) {
            v[c] = rand_value(&r, types[shale_random_uniform(&r, N_TYPES)]);
            fl[c] = (unsigned)shale_random_uniform(&r, 4);
        }
        encode(&b, v, n, fl);
        const char *p = b.data, *end = b.data + b.len;
        for (int c = 0; c < n; c++) {
            Value out;
            ShaleError err;
            ShaleCode rc = keycodec_decode_value(&p, end, v[c].type, fl[c], &arena, &out, &err);
            if (rc != SHALE_OK) { if (bad++ < 5) CHECK_MSG(0, "decode: %s", err.msg); break; }
            bool same = out.null == v[c].null && (out.null || col_cmp(&out, &v[c], 0) == 0);
            if (same && !out.null && keycodec_type_lossless(v[c].type) && v[c].type != FLOAT4OID &&
                v[c].type != FLOAT8OID && v[c].type != BOOLOID && v[c].type < 100 && v[c].type != OIDOID &&
                v[c].type != INT2OID && v[c].type != INT4OID && v[c].type != INT8OID)
                same = out.u.s.n == v[c].u.s.n && memcmp(out.u.s.p, v[c].u.s.p, out.u.s.n) == 0;
            if (v[c].type == FLOAT8OID && !out.null && !isnan(v[c].u.f) && v[c].u.f != 0)
                same = same && out.u.f == v[c].u.f;
            if (!same && bad++ < 5)
                CHECK_MSG(0, "round trip of type %u differs", v[c].type);
        }
        if (p != end && bad++ < 5)
            CHECK_MSG(0, "decode left %td bytes", end - p);
    }
    CHECK_EQ_INT(bad, 0);
    shale_buf_free(&b);
}

TEST(numeric_equal_scales_and_examples)
{
    ShaleBuf a, b;
    shale_buf_init(&a); shale_buf_init(&b);
    unsigned f = 0;
    Value x = num_make(10, 1), y = num_make(100, 2);  /* 1.0 and 1.00 */
    encode(&a, &x, 1, &f);
    encode(&b, &y, 1, &f);
    CHECK_MEM(a.data, a.len, b.data, b.len);
    /* decode keeps the value; scale is the minimal one */
    const char *p = a.data;
    Value out;
    CHECK_OK(keycodec_decode_value(&p, a.data + a.len, NUMERICOID, 0, &arena, &out, NULL), NULL);
    CHECK(num_to_ld(&out) == 1.0L);
    /* 1 -> 81 01 for every integer width */
    Value i4 = value_int(INT4OID, 1), i8 = value_int(INT8OID, 1);
    encode(&a, &i4, 1, &f);
    encode(&b, &i8, 1, &f);
    CHECK_MEM(a.data, a.len, b.data, b.len);
    CHECK_MEM(a.data, a.len, "\x80\x81\x01", 3);
    /* text prefix and NUL escaping */
    Value t = value_bytes(TEXTOID, "a\0b", 3);
    encode(&a, &t, 1, &f);
    CHECK_MEM(a.data, a.len, "\x80" "a\x00\xff" "b\x00\x01", 7);
    /* NULL placement */
    Value n = value_null(INT4OID);
    encode(&a, &n, 1, &f);
    CHECK_MEM(a.data, a.len, "\xfe", 1);
    f = KEY_DESC | KEY_NULLS_FIRST;
    encode(&a, &n, 1, &f);
    CHECK_MEM(a.data, a.len, "\x01", 1);
    shale_buf_free(&a); shale_buf_free(&b);
}

TEST(arrays_order)
{
    /* int4[] arrays: element-wise, shorter prefix first, NULL elements greatest */
    ShaleBuf a, b, arr;
    shale_buf_init(&a); shale_buf_init(&b); shale_buf_init(&arr);
    const int64_t lists[][4] = { { 1, 2, -1, 0 }, { 1, 2, 3, -1 }, { 1, 3, -1, 0 }, { 2, -1, 0, 0 } };
    /* -1 terminates; the fourth has one element */
    size_t prev_len = 0;
    char prev[64];
    for (int k = 0; k < 4; k++) {
        shale_buf_reset(&arr);
        uint32_t n = 0;
        while (n < 4 && lists[k][n] != -1) n++;
        shale_buf_append_fixed32(&arr, INT4OID);
        shale_buf_append_fixed32(&arr, n);
        shale_buf_append_fixed32(&arr, 1);
        shale_buf_append_byte(&arr, 0);
        for (uint32_t i = 0; i < n; i++) {
            ShaleBuf e;
            shale_buf_init(&e);
            Value ev = value_int(INT4OID, lists[k][i]);
            rowcodec_field_encode(&e, &ev);
            shale_buf_append_fixed32(&arr, (uint32_t)e.len);
            shale_buf_append(&arr, e.data, e.len);
            shale_buf_free(&e);
        }
        Value v = value_bytes(INT4_ARRAYOID, arr.data, (uint32_t)arr.len);
        unsigned f = 0;
        encode(&a, &v, 1, &f);
        if (k > 0)
            CHECK(cmp_bytes(prev, prev_len, a.data, a.len) < 0);
        memcpy(prev, a.data, a.len);
        prev_len = a.len;
        const char *p = a.data;
        Value out;
        CHECK_OK(keycodec_decode_value(&p, a.data + a.len, INT4_ARRAYOID, 0, &arena, &out, NULL), NULL);
        CHECK_MEM(out.u.s.p, out.u.s.n, arr.data, arr.len);
    }
    shale_buf_free(&a); shale_buf_free(&b); shale_buf_free(&arr);
}

TEST(corrupt_bytes_never_crash)
{
    ShaleRandom r;
    shale_random_seed(&r, 5);
    char buf[24];
    int ok = 0;
    for (int i = 0; i < N_PAIRS; i++) {
        size_t n = shale_random_uniform(&r, sizeof buf);
        for (size_t j = 0; j < n; j++) buf[j] = (char)shale_random_next(&r);
        if (shale_random_uniform(&r, 2)) buf[0] = (char)KEY_TAG_VALUE;
        const char *p = buf;
        Value out;
        Oid t = types[shale_random_uniform(&r, N_TYPES)];
        if (keycodec_decode_value(&p, buf + n, t, (unsigned)shale_random_uniform(&r, 2), &arena, &out, NULL) == SHALE_OK)
            ok++;
        CHECK(p >= buf && p <= buf + (n ? n : 0) + 0);
    }
    CHECK(ok >= 0);
}

TEST(prefix_helpers)
{
    ShaleBuf b;
    shale_buf_init(&b);
    keycodec_append_prefix(&b, 1, 16384, 0);
    CHECK_EQ_INT(b.len, 12);
    uint32_t db, rel, idx;
    CHECK(keycodec_decode_prefix(b.data, b.len, &db, &rel, &idx));
    CHECK_EQ_INT(db, 1); CHECK_EQ_INT(rel, 16384); CHECK_EQ_INT(idx, 0);
    CHECK(keycodec_prefix_successor(&b));
    CHECK(keycodec_decode_prefix(b.data, b.len, &db, &rel, &idx));
    CHECK_EQ_INT(idx, 1);
    shale_buf_reset(&b);
    shale_buf_append(&b, "\x01\xff\xff", 3);
    CHECK(keycodec_prefix_successor(&b));
    CHECK_MEM(b.data, b.len, "\x02", 1);
    shale_buf_reset(&b);
    shale_buf_append(&b, "\xff", 1);
    CHECK(!keycodec_prefix_successor(&b));
    shale_buf_free(&b);
}

TEST_MAIN(
    shale_arena_init(&arena);
    RUN(order_single_columns);
    RUN(order_composite);
    RUN(decode_round_trip);
    RUN(numeric_equal_scales_and_examples);
    RUN(arrays_order);
    RUN(corrupt_bytes_never_crash);
    RUN(prefix_helpers);
    shale_arena_destroy(&arena);
)
