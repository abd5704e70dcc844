/* types_numeric.c -- exact arbitrary-precision numeric: the NumVar working form (base 10000
 * digits), PostgreSQL's text format, the ShaleNumeric value bytes, and the four operations
 * with PostgreSQL's result-scale rules.
 *
 * ShaleNumeric bytes (catalog/value.h, frozen): sign:u8 (0 pos, 1 neg, 2 NaN, 3 +Inf,
 * 4 -Inf) | weight:i16 LE | dscale:u16 LE | digits: u16 LE each, base 10000, most
 * significant first, no leading/trailing zero digits; zero = no digits, sign 0. */
#include "sql/types/types_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

void num_init(NumVar *v)
{
    memset(v, 0, sizeof *v);
}

void num_free(NumVar *v)
{
    free(v->digits);
    v->digits = NULL;
    v->ndigits = 0;
}

/* Gives v room for n digits (contents undefined); returns -1 on OOM. */
static int num_alloc(NumVar *v, int n)
{
    int32_t *d = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    if (!d)
        return -1;
    free(v->digits);
    v->digits = d;
    v->ndigits = n;
    return 0;
}

void num_strip(NumVar *v)
{
    int start = 0;
    while (start < v->ndigits && v->digits[start] == 0)
        start++;
    if (start == v->ndigits) {
        v->ndigits = 0;
        v->weight = 0;
        if (v->sign == NUM_NEG)
            v->sign = NUM_POS;
        return;
    }
    if (start) {
        memmove(v->digits, v->digits + start, sizeof(int32_t) * (size_t)(v->ndigits - start));
        v->ndigits -= start;
        v->weight -= start;
    }
    while (v->ndigits > 0 && v->digits[v->ndigits - 1] == 0)
        v->ndigits--;
}

int num_set_int128(NumVar *v, __int128 x)
{
    int32_t tmp[40];
    int n = 0;
    unsigned __int128 u = x < 0 ? (unsigned __int128)0 - (unsigned __int128)x : (unsigned __int128)x;
    while (u) {
        tmp[n++] = (int32_t)(u % NUM_NBASE);
        u /= NUM_NBASE;
    }
    if (num_alloc(v, n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        v->digits[i] = tmp[n - 1 - i];
    v->sign = x < 0 ? NUM_NEG : NUM_POS;
    v->weight = n - 1;
    v->dscale = 0;
    num_strip(v);
    return 0;
}

int num_set_int64(NumVar *v, int64_t x)
{
    return num_set_int128(v, x);
}

int num_copy(NumVar *dst, const NumVar *src)
{
    if (dst == src)
        return 0;
    if (num_alloc(dst, src->ndigits) < 0)
        return -1;
    if (src->ndigits)
        memcpy(dst->digits, src->digits, sizeof(int32_t) * (size_t)src->ndigits);
    dst->sign = src->sign;
    dst->weight = src->weight;
    dst->dscale = src->dscale;
    return 0;
}

int num_from_value(const Value *val, NumVar *v, SqlError *err)
{
    const uint8_t *p = (const uint8_t *)val->u.s.p;
    uint32_t n = val->u.s.n;
    if (n < 5 || (n - 5) % 2 != 0 || p[0] > NUM_NINF)
        return SQL_ERR(err, DATA_CORRUPTED, "invalid numeric value bytes");
    int nd = (int)(n - 5) / 2;
    if (num_alloc(v, nd) < 0)
        return types_oom(err);
    v->sign = p[0];
    v->weight = (int16_t)(p[1] | (p[2] << 8));
    v->dscale = p[3] | (p[4] << 8);
    for (int i = 0; i < nd; i++) {
        int d = p[5 + 2 * i] | (p[6 + 2 * i] << 8);
        if (d >= NUM_NBASE)
            return SQL_ERR(err, DATA_CORRUPTED, "invalid numeric value bytes");
        v->digits[i] = d;
    }
    return 0;
}

int num_to_value(const NumVar *v0, ShaleArena *a, Value *out, SqlError *err)
{
    NumVar v;
    num_init(&v);
    if (num_copy(&v, v0) < 0)
        return types_oom(err);
    if (v.sign == NUM_POS || v.sign == NUM_NEG)
        num_strip(&v);
    else
        v.ndigits = 0;
    if (v.ndigits && (v.weight > 32767 || v.weight < -32768)) {
        num_free(&v);
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
    }
    size_t n = 5 + 2 * (size_t)v.ndigits;
    uint8_t *p = shale_arena_alloc(a, n);
    if (!p) {
        num_free(&v);
        return types_oom(err);
    }
    int w = v.ndigits ? v.weight : 0;
    p[0] = (uint8_t)v.sign;
    p[1] = (uint8_t)(w & 0xff);
    p[2] = (uint8_t)((w >> 8) & 0xff);
    int ds = v.sign <= NUM_NEG ? v.dscale : 0;
    p[3] = (uint8_t)(ds & 0xff);
    p[4] = (uint8_t)(ds >> 8);
    for (int i = 0; i < v.ndigits; i++) {
        p[5 + 2 * i] = (uint8_t)(v.digits[i] & 0xff);
        p[6 + 2 * i] = (uint8_t)(v.digits[i] >> 8);
    }
    num_free(&v);
    *out = value_bytes(NUMERICOID, (const char *)p, (uint32_t)n);
    return 0;
}

static bool num_ieq(const char *s, size_t n, const char *word)
{
    size_t wl = strlen(word);
    if (n != wl)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

static bool num_isspace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int num_parse(const char *s0, size_t n0, NumVar *v, SqlError *err)
{
    const char *s = s0, *e = s0 + n0;
    while (s < e && num_isspace(*s))
        s++;
    while (e > s && num_isspace(e[-1]))
        e--;
    size_t n = (size_t)(e - s);
    if (num_ieq(s, n, "nan")) {
        num_free(v);
        v->sign = NUM_NAN;
        v->dscale = v->weight = 0;
        return 0;
    }
    if (num_ieq(s, n, "infinity") || num_ieq(s, n, "+infinity") || num_ieq(s, n, "inf") ||
        num_ieq(s, n, "+inf")) {
        num_free(v);
        v->sign = NUM_PINF;
        v->dscale = v->weight = 0;
        return 0;
    }
    if (num_ieq(s, n, "-infinity") || num_ieq(s, n, "-inf")) {
        num_free(v);
        v->sign = NUM_NINF;
        v->dscale = v->weight = 0;
        return 0;
    }
    const char *p = s;
    int sign = NUM_POS;
    if (p < e && (*p == '+' || *p == '-')) {
        if (*p == '-')
            sign = NUM_NEG;
        p++;
    }
    /* collect decimal digits */
    const char *dstart = p;
    int ndec = 0, nfrac = 0;
    bool seen_point = false, seen_digit = false;
    for (; p < e; p++) {
        if (*p >= '0' && *p <= '9') {
            seen_digit = true;
            ndec++;
            if (seen_point)
                nfrac++;
        } else if (*p == '.' && !seen_point) {
            seen_point = true;
        } else {
            break;
        }
    }
    if (!seen_digit)
        return types_err_syntax(err, "numeric", s0, n0);
    const char *dend = p;
    long exponent = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p >= e || *p < '0' || *p > '9')
            return types_err_syntax(err, "numeric", s0, n0);
        while (p < e && *p >= '0' && *p <= '9') {
            exponent = exponent * 10 + (*p - '0');
            if (exponent > 2000000)
                return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
            p++;
        }
        if (eneg)
            exponent = -exponent;
    }
    if (p != e)
        return types_err_syntax(err, "numeric", s0, n0);
    /* decimal digit string -> base 10000, aligned so the point falls on a digit boundary */
    long dweight = (long)(ndec - nfrac) - 1 + exponent;  /* decimal weight of first digit */
    long dscale = (long)nfrac - exponent;
    if (dscale < 0)
        dscale = 0;
    if (dweight > 131072 * 4 || dscale > NUM_MAX_DISPLAY_SCALE * 2)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
    /* weight in base NBASE of the first decimal digit */
    long w = dweight >= 0 ? dweight / NUM_DEC_DIGITS : -((-dweight - 1) / NUM_DEC_DIGITS) - 1;
    int offset = (int)(NUM_DEC_DIGITS - 1 - (dweight - w * NUM_DEC_DIGITS)); /* leading pad */
    int total = offset + ndec;
    int nd = (total + NUM_DEC_DIGITS - 1) / NUM_DEC_DIGITS;
    if (num_alloc(v, nd) < 0)
        return types_oom(err);
    memset(v->digits, 0, sizeof(int32_t) * (size_t)nd);
    int pos = offset;
    for (const char *q = dstart; q < dend; q++) {
        if (*q == '.')
            continue;
        v->digits[pos / 4] = v->digits[pos / 4] * 10 + (*q - '0');
        pos++;
    }
    /* finish partially filled last digit */
    while (pos % 4) {
        v->digits[pos / 4] *= 10;
        pos++;
    }
    v->weight = (int)w;
    v->sign = sign;
    v->dscale = (int)dscale;
    num_strip(v);
    if (v->dscale > NUM_MAX_DISPLAY_SCALE) {
        /* PostgreSQL rejects display scales above 1000 (only reachable via exponents) */
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
    }
    return 0;
}

void num_format(const NumVar *v, ShaleBuf *out)
{
    switch (v->sign) {
    case NUM_NAN: shale_buf_append(out, "NaN", 3); return;
    case NUM_PINF: shale_buf_append(out, "Infinity", 8); return;
    case NUM_NINF: shale_buf_append(out, "-Infinity", 9); return;
    default: break;
    }
    char tmp[8];
    if (v->sign == NUM_NEG && v->ndigits)
        shale_buf_append_byte(out, '-');
    /* integer part */
    if (v->ndigits == 0 || v->weight < 0) {
        shale_buf_append_byte(out, '0');
    } else {
        for (int i = 0; i <= v->weight; i++) {
            int d = i < v->ndigits ? v->digits[i] : 0;
            int len = i == 0 ? snprintf(tmp, sizeof tmp, "%d", d) : snprintf(tmp, sizeof tmp, "%04d", d);
            shale_buf_append(out, tmp, (size_t)len);
        }
    }
    if (v->dscale > 0) {
        shale_buf_append_byte(out, '.');
        int written = 0;
        for (int i = v->weight + 1; written < v->dscale; i++) {
            int d = (i >= 0 && i < v->ndigits) ? v->digits[i] : 0;
            snprintf(tmp, sizeof tmp, "%04d", d);
            int take = v->dscale - written < 4 ? v->dscale - written : 4;
            shale_buf_append(out, tmp, (size_t)take);
            written += take;
        }
    }
}

int num_from_double(double d, int digits, NumVar *v, SqlError *err)
{
    if (isnan(d)) {
        num_free(v);
        v->sign = NUM_NAN;
        v->dscale = 0;
        return 0;
    }
    if (isinf(d)) {
        num_free(v);
        v->sign = d > 0 ? NUM_PINF : NUM_NINF;
        v->dscale = 0;
        return 0;
    }
    char buf[64];
    int len = snprintf(buf, sizeof buf, "%.*g", digits, d);
    return num_parse(buf, (size_t)len, v, err);
}

double num_to_double(const NumVar *v)
{
    switch (v->sign) {
    case NUM_NAN: return NAN;
    case NUM_PINF: return INFINITY;
    case NUM_NINF: return -INFINITY;
    default: break;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    num_format(v, &b);
    shale_buf_append_byte(&b, 0);
    double r = b.oom ? 0.0 : strtod(b.data, NULL);
    shale_buf_free(&b);
    return r;
}

int num_to_int64(const NumVar *v0, int64_t *out, const char *range_msg, SqlError *err)
{
    if (v0->sign == NUM_NAN)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "cannot convert NaN to %s", range_msg);
    if (v0->sign == NUM_PINF || v0->sign == NUM_NINF)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "cannot convert infinity to %s", range_msg);
    NumVar v;
    num_init(&v);
    if (num_copy(&v, v0) < 0)
        return types_oom(err);
    num_round(&v, 0);
    __int128 acc = 0;
    bool over = v.weight > 5;
    for (int i = 0; !over && i <= v.weight && v.ndigits; i++) {
        acc = acc * NUM_NBASE + (i < v.ndigits ? v.digits[i] : 0);
        if (acc > ((__int128)1 << 64))
            over = true;
    }
    if (v.sign == NUM_NEG)
        acc = -acc;
    num_free(&v);
    if (over || acc > INT64_MAX || acc < INT64_MIN)
        return -2;
    *out = (int64_t)acc;
    return 0;
}

/* |a| vs |b| */
static int num_cmp_abs(const NumVar *a, const NumVar *b)
{
    if (a->ndigits == 0)
        return b->ndigits == 0 ? 0 : -1;
    if (b->ndigits == 0)
        return 1;
    if (a->weight != b->weight)
        return a->weight > b->weight ? 1 : -1;
    int n = a->ndigits > b->ndigits ? a->ndigits : b->ndigits;
    for (int i = 0; i < n; i++) {
        int da = i < a->ndigits ? a->digits[i] : 0;
        int db = i < b->ndigits ? b->digits[i] : 0;
        if (da != db)
            return da > db ? 1 : -1;
    }
    return 0;
}

/* Order rank of the special values: -inf < finite < +inf < NaN. */
static int num_rank(const NumVar *v)
{
    switch (v->sign) {
    case NUM_NINF: return 0;
    case NUM_PINF: return 2;
    case NUM_NAN: return 3;
    default: return 1;
    }
}

int num_cmp(const NumVar *a, const NumVar *b)
{
    int ra = num_rank(a), rb = num_rank(b);
    if (ra != rb || ra != 1)
        return ra < rb ? -1 : ra > rb ? 1 : 0;
    bool an = a->ndigits && a->sign == NUM_NEG, bn = b->ndigits && b->sign == NUM_NEG;
    if (an != bn)
        return an ? -1 : 1;
    int c = num_cmp_abs(a, b);
    return an ? -c : c;
}

/* r = |a| + |b| (r may alias neither) */
static int num_add_abs(const NumVar *a, const NumVar *b, NumVar *r)
{
    int wmax = a->weight > b->weight ? a->weight : b->weight;
    int aend = a->weight - a->ndigits, bend = b->weight - b->ndigits; /* weight just past last */
    int wmin = aend < bend ? aend : bend;
    if (!a->ndigits)
        wmax = b->weight, wmin = bend;
    if (!b->ndigits)
        wmax = a->weight, wmin = aend;
    int n = wmax - wmin + 1;
    if (num_alloc(r, n) < 0)
        return -1;
    int carry = 0;
    for (int i = n - 1; i >= 0; i--) {
        int w = wmax + 1 - i;  /* weight of r->digits[i] is wmax + 1 - i */
        int ia = a->weight - w, ib = b->weight - w;
        int s = carry;
        if (ia >= 0 && ia < a->ndigits)
            s += a->digits[ia];
        if (ib >= 0 && ib < b->ndigits)
            s += b->digits[ib];
        carry = s >= NUM_NBASE;
        r->digits[i] = carry ? s - NUM_NBASE : s;
    }
    r->weight = wmax + 1;
    return 0;
}

/* r = |a| - |b|, requires |a| >= |b| */
static int num_sub_abs(const NumVar *a, const NumVar *b, NumVar *r)
{
    int wmax = a->weight;
    int aend = a->weight - a->ndigits, bend = b->weight - b->ndigits;
    int wmin = b->ndigits && bend < aend ? bend : aend;
    int n = wmax - wmin;
    if (n < 1)
        n = 1;
    if (num_alloc(r, n) < 0)
        return -1;
    int borrow = 0;
    for (int i = n - 1; i >= 0; i--) {
        int w = wmax - i;
        int ia = a->weight - w, ib = b->weight - w;
        int s = -borrow;
        if (ia >= 0 && ia < a->ndigits)
            s += a->digits[ia];
        if (ib >= 0 && ib < b->ndigits)
            s -= b->digits[ib];
        borrow = s < 0;
        r->digits[i] = borrow ? s + NUM_NBASE : s;
    }
    r->weight = wmax;
    return 0;
}

static int num_special_result(int sign, NumVar *r)
{
    num_free(r);
    r->sign = sign;
    r->dscale = 0;
    r->weight = 0;
    return 0;
}

static int num_addsub(const NumVar *a, const NumVar *b, NumVar *r0, bool subtract)
{
    int bsign = b->sign;
    if (subtract) {
        if (bsign == NUM_POS) bsign = NUM_NEG;
        else if (bsign == NUM_NEG) bsign = NUM_POS;
        else if (bsign == NUM_PINF) bsign = NUM_NINF;
        else if (bsign == NUM_NINF) bsign = NUM_PINF;
    }
    if (a->sign == NUM_NAN || bsign == NUM_NAN)
        return num_special_result(NUM_NAN, r0);
    if (a->sign >= NUM_PINF || bsign >= NUM_PINF) {
        if (a->sign >= NUM_PINF && bsign >= NUM_PINF && a->sign != bsign)
            return num_special_result(NUM_NAN, r0);
        return num_special_result(a->sign >= NUM_PINF ? a->sign : bsign, r0);
    }
    NumVar r;
    num_init(&r);
    int rc;
    int asg = a->ndigits ? a->sign : NUM_POS, bsg = b->ndigits ? bsign : NUM_POS;
    if (!b->ndigits) {
        rc = num_copy(&r, a);
        r.sign = asg;
    } else if (!a->ndigits) {
        rc = num_copy(&r, b);
        r.sign = bsg;
    } else if (asg == bsg) {
        rc = num_add_abs(a, b, &r);
        r.sign = asg;
    } else {
        int c = num_cmp_abs(a, b);
        if (c >= 0) {
            rc = num_sub_abs(a, b, &r);
            r.sign = asg;
        } else {
            rc = num_sub_abs(b, a, &r);
            r.sign = bsg;
        }
    }
    r.dscale = a->dscale > b->dscale ? a->dscale : b->dscale;
    if (rc == 0)
        num_strip(&r);
    num_free(r0);
    *r0 = r;
    return rc;
}

int num_add(const NumVar *a, const NumVar *b, NumVar *r)
{
    return num_addsub(a, b, r, false);
}

int num_sub(const NumVar *a, const NumVar *b, NumVar *r)
{
    return num_addsub(a, b, r, true);
}

int num_mul(const NumVar *a, const NumVar *b, NumVar *r0)
{
    if (a->sign == NUM_NAN || b->sign == NUM_NAN)
        return num_special_result(NUM_NAN, r0);
    if (a->sign >= NUM_PINF || b->sign >= NUM_PINF) {
        const NumVar *fin = a->sign >= NUM_PINF ? b : a;
        if (fin->sign <= NUM_NEG && fin->ndigits == 0)
            return num_special_result(NUM_NAN, r0);
        bool neg = (a->sign == NUM_NEG || a->sign == NUM_NINF) != (b->sign == NUM_NEG || b->sign == NUM_NINF);
        return num_special_result(neg ? NUM_NINF : NUM_PINF, r0);
    }
    NumVar r;
    num_init(&r);
    int n = a->ndigits + b->ndigits + 1;
    if (num_alloc(&r, n) < 0)
        return -1;
    int64_t *acc = calloc((size_t)n, sizeof(int64_t));
    if (!acc) {
        num_free(&r);
        return -1;
    }
    for (int i = 0; i < a->ndigits; i++)
        for (int j = 0; j < b->ndigits; j++)
            acc[i + j + 1] += (int64_t)a->digits[i] * b->digits[j];
    int64_t carry = 0;
    for (int k = n - 1; k >= 0; k--) {
        int64_t s = acc[k] + carry;
        r.digits[k] = (int32_t)(s % NUM_NBASE);
        carry = s / NUM_NBASE;
    }
    free(acc);
    r.weight = a->weight + b->weight + 1;
    r.sign = a->sign == b->sign ? NUM_POS : NUM_NEG;
    r.dscale = a->dscale + b->dscale;
    num_strip(&r);
    if (r.dscale > NUM_MAX_DISPLAY_SCALE) {
        num_round(&r, NUM_MAX_DISPLAY_SCALE);
        r.dscale = NUM_MAX_DISPLAY_SCALE;
    }
    num_free(r0);
    *r0 = r;
    return 0;
}

/* Rounds (half away from zero) or truncates to scale decimal places and sets dscale. */
static void num_round_common(NumVar *v, int scale, bool round)
{
    if (v->sign > NUM_NEG)
        return;
    v->dscale = scale < 0 ? 0 : scale;
    /* number of base-NBASE digits to keep after the point, then the decimal digit cut */
    int di = scale >= 0 ? (scale + NUM_DEC_DIGITS - 1) / NUM_DEC_DIGITS : -((-scale) / NUM_DEC_DIGITS);
    int ndigits = v->weight + 1 + di;   /* digits to keep (last may be partially cut) */
    if (ndigits < 0) {
        v->ndigits = 0;
        v->weight = 0;
        v->sign = NUM_POS;
        return;
    }
    if (ndigits >= v->ndigits && scale % NUM_DEC_DIGITS == 0)
        return;
    if (ndigits > v->ndigits)
        return; /* nothing beyond the cut */
    int carry = 0;
    int carry_from;     /* index of the digit a carry is added to first */
    int cut;            /* decimal digits to drop inside digit[ndigits-1] */
    if (scale >= 0)
        cut = (NUM_DEC_DIGITS - scale % NUM_DEC_DIGITS) % NUM_DEC_DIGITS;
    else
        cut = (-scale) % NUM_DEC_DIGITS;
    if (cut == 0) {
        /* cut exactly at a digit boundary: look at digits[ndigits] */
        if (round && ndigits < v->ndigits && v->digits[ndigits] >= NUM_NBASE / 2)
            carry = 1;
        v->ndigits = ndigits;
        carry_from = ndigits - 1;
    } else {
        /* ndigits may be 0 when scale < 0 cuts inside the first digit */
        if (ndigits == 0) {
            /* the kept digit is a virtual zero before digits[0]: only rounding can produce a value */
            int pow10 = 1;
            for (int i = 0; i < cut; i++)
                pow10 *= 10;
            (void)pow10;
            v->ndigits = 0;
            v->sign = NUM_POS;
            return;
        }
        int pow10 = 1;
        for (int i = 0; i < cut; i++)
            pow10 *= 10;
        int d = v->digits[ndigits - 1];
        int rem = d % pow10;
        d -= rem;
        if (round && rem >= pow10 / 2)
            d += pow10;
        v->ndigits = ndigits;
        if (d >= NUM_NBASE) {
            d -= NUM_NBASE;
            carry = 1;
        }
        v->digits[ndigits - 1] = d;
        carry_from = ndigits - 2;
    }
    for (int i = carry_from; carry && i >= 0; i--) {
        v->digits[i] += 1;
        if (v->digits[i] >= NUM_NBASE)
            v->digits[i] -= NUM_NBASE;
        else
            carry = 0;
    }
    if (carry) {
        /* all digits overflowed: prepend a 1 */
        int32_t *nd = malloc(sizeof(int32_t) * (size_t)(v->ndigits + 1));
        if (nd) {
            nd[0] = 1;
            memcpy(nd + 1, v->digits, sizeof(int32_t) * (size_t)v->ndigits);
            free(v->digits);
            v->digits = nd;
            v->ndigits++;
            v->weight++;
        }
    }
    int ds = v->dscale;
    num_strip(v);
    v->dscale = ds;
}

/* Rounding with scale < 0 where the cut falls before the first digit: handle via a
 * virtual leading zero digit. */
static void num_round_neg(NumVar *v, int scale, bool round)
{
    if (v->sign > NUM_NEG || v->ndigits == 0) {
        if (v->sign <= NUM_NEG)
            v->dscale = 0;
        return;
    }
    /* prepend a zero digit so a carry has room, then cut */
    int32_t *nd = malloc(sizeof(int32_t) * (size_t)(v->ndigits + 1));
    if (!nd)
        return;
    nd[0] = 0;
    memcpy(nd + 1, v->digits, sizeof(int32_t) * (size_t)v->ndigits);
    free(v->digits);
    v->digits = nd;
    v->ndigits++;
    v->weight++;
    num_round_common(v, scale, round);
}

void num_round(NumVar *v, int scale)
{
    if (scale < 0)
        num_round_neg(v, scale, true);
    else
        num_round_common(v, scale, true);
}

void num_trunc(NumVar *v, int scale)
{
    if (scale < 0)
        num_round_neg(v, scale, false);
    else
        num_round_common(v, scale, false);
}

int num_div_scale(const NumVar *a, const NumVar *b)
{
    int w1 = 0, f1 = 0, w2 = 0, f2 = 0;
    for (int i = 0; i < a->ndigits; i++)
        if (a->digits[i]) {
            f1 = a->digits[i];
            w1 = a->weight - i;
            break;
        }
    for (int i = 0; i < b->ndigits; i++)
        if (b->digits[i]) {
            f2 = b->digits[i];
            w2 = b->weight - i;
            break;
        }
    int qweight = w1 - w2;
    if (f1 <= f2)
        qweight--;
    int rscale = NUM_MIN_SIG_DIGITS - qweight * NUM_DEC_DIGITS;
    if (rscale < a->dscale) rscale = a->dscale;
    if (rscale < b->dscale) rscale = b->dscale;
    if (rscale < 0) rscale = 0;
    if (rscale > NUM_MAX_DISPLAY_SCALE) rscale = NUM_MAX_DISPLAY_SCALE;
    return rscale;
}

/* Big-integer long division (Knuth D) on base-NBASE digit arrays, most significant first:
 * q = u / v, u has m+n digits, v has n digits (v[0] != 0). q gets m+1 digits. */
static int num_bigdiv(const int32_t *u0, int ulen, const int32_t *v0, int n, int32_t *q)
{
    if (n == 1) {
        int64_t rem = 0;
        for (int i = 0; i < ulen; i++) {
            int64_t cur = rem * NUM_NBASE + u0[i];
            q[i] = (int32_t)(cur / v0[0]);
            rem = cur % v0[0];
        }
        return 0;
    }
    int m = ulen - n;
    int32_t *u = malloc(sizeof(int32_t) * (size_t)(ulen + 1));
    int32_t *v = malloc(sizeof(int32_t) * (size_t)n);
    if (!u || !v) {
        free(u);
        free(v);
        return -1;
    }
    int d = NUM_NBASE / (v0[0] + 1);
    /* normalise: u*d (one extra leading digit), v*d */
    int64_t carry = 0;
    for (int i = ulen - 1; i >= 0; i--) {
        int64_t t = (int64_t)u0[i] * d + carry;
        u[i + 1] = (int32_t)(t % NUM_NBASE);
        carry = t / NUM_NBASE;
    }
    u[0] = (int32_t)carry;
    carry = 0;
    for (int i = n - 1; i >= 0; i--) {
        int64_t t = (int64_t)v0[i] * d + carry;
        v[i] = (int32_t)(t % NUM_NBASE);
        carry = t / NUM_NBASE;
    }
    for (int j = 0; j <= m; j++) {
        int64_t num = (int64_t)u[j] * NUM_NBASE + u[j + 1];
        int64_t qhat = num / v[0];
        int64_t rhat = num % v[0];
        while (qhat >= NUM_NBASE || qhat * v[1] > rhat * NUM_NBASE + u[j + 2]) {
            qhat--;
            rhat += v[0];
            if (rhat >= NUM_NBASE)
                break;
        }
        /* multiply and subtract */
        int64_t borrow = 0, mc = 0;
        for (int i = n - 1; i >= 0; i--) {
            int64_t p = qhat * v[i] + mc;
            mc = p / NUM_NBASE;
            int64_t t = (int64_t)u[j + 1 + i] - p % NUM_NBASE - borrow;
            borrow = 0;
            if (t < 0) {
                t += NUM_NBASE;
                borrow = 1;
            }
            u[j + 1 + i] = (int32_t)t;
        }
        int64_t t = (int64_t)u[j] - mc - borrow;
        if (t < 0) {
            /* add back */
            qhat--;
            int64_t c = 0;
            for (int i = n - 1; i >= 0; i--) {
                int64_t s = (int64_t)u[j + 1 + i] + v[i] + c;
                c = s >= NUM_NBASE;
                u[j + 1 + i] = (int32_t)(c ? s - NUM_NBASE : s);
            }
            t += c + NUM_NBASE;
            t -= NUM_NBASE;
        }
        u[j] = (int32_t)t;
        q[j] = (int32_t)qhat;
    }
    free(u);
    free(v);
    return 0;
}

int num_div(const NumVar *a, const NumVar *b, NumVar *r0, int rscale, bool round)
{
    if (a->sign == NUM_NAN || b->sign == NUM_NAN)
        return num_special_result(NUM_NAN, r0);
    bool aneg = a->sign == NUM_NEG || a->sign == NUM_NINF;
    bool bneg = b->sign == NUM_NEG || b->sign == NUM_NINF;
    if (a->sign >= NUM_PINF) {
        if (b->sign >= NUM_PINF)
            return num_special_result(NUM_NAN, r0);
        return num_special_result(aneg != bneg ? NUM_NINF : NUM_PINF, r0);
    }
    if (b->sign >= NUM_PINF) {
        num_free(r0);
        r0->sign = NUM_POS;
        r0->weight = 0;
        r0->dscale = rscale < 0 ? 0 : rscale;
        return 0;
    }
    NumVar r;
    num_init(&r);
    if (a->ndigits == 0) {
        num_free(r0);
        r0->sign = NUM_POS;
        r0->weight = 0;
        r0->dscale = rscale;
        return 0;
    }
    /* integer division of U = a digits shifted left by k digits, V = b digits.
     * a = A * NBASE^(a.w - a.n + 1), b = B * NBASE^(b.w - b.n + 1). Need quotient down to
     * weight -(fracdigits), fracdigits = ceil((rscale+1)/4) + 1. */
    int frac = (rscale + 1 + NUM_DEC_DIGITS - 1) / NUM_DEC_DIGITS + 1;
    int aexp = a->weight - a->ndigits + 1, bexp = b->weight - b->ndigits + 1;
    /* q = A*NBASE^k / B * NBASE^(aexp - bexp - k); want aexp - bexp - k = -frac */
    int k = aexp - bexp + frac;
    if (k < 0)
        k = 0;
    int qexp = aexp - bexp - k;
    int ulen = a->ndigits + k;
    if (ulen < b->ndigits) {
        /* quotient is zero at this precision */
        k += b->ndigits - ulen;
        qexp = aexp - bexp - k;
        ulen = b->ndigits;
    }
    int32_t *u = calloc((size_t)ulen, sizeof(int32_t));
    int32_t *q = calloc((size_t)ulen, sizeof(int32_t));
    if (!u || !q) {
        free(u);
        free(q);
        return -1;
    }
    memcpy(u, a->digits, sizeof(int32_t) * (size_t)a->ndigits);
    if (num_bigdiv(u, ulen, b->digits, b->ndigits, q) < 0) {
        free(u);
        free(q);
        return -1;
    }
    /* when n == 1 q has ulen digits aligned to u; otherwise m+1 = ulen-n+1 digits */
    int qlen = b->ndigits == 1 ? ulen : ulen - b->ndigits + 1;
    free(u);
    r.digits = q;
    r.ndigits = qlen;
    r.weight = qexp + qlen - 1;
    r.sign = aneg != bneg ? NUM_NEG : NUM_POS;
    num_strip(&r);
    if (round)
        num_round(&r, rscale);
    else
        num_trunc(&r, rscale);
    r.dscale = rscale;
    if (r.ndigits == 0)
        r.sign = NUM_POS;
    num_free(r0);
    *r0 = r;
    return 0;
}

int num_mod(const NumVar *a, const NumVar *b, NumVar *r)
{
    if (a->sign == NUM_NAN || b->sign == NUM_NAN)
        return num_special_result(NUM_NAN, r);
    if (a->sign >= NUM_PINF)
        return num_special_result(NUM_NAN, r);
    if (b->sign >= NUM_PINF)
        return num_copy(r, a);
    NumVar q, p;
    num_init(&q);
    num_init(&p);
    int rc = num_div(a, b, &q, 0, false);
    if (rc == 0)
        rc = num_mul(b, &q, &p);
    if (rc == 0)
        rc = num_sub(a, &p, r);
    num_free(&q);
    num_free(&p);
    if (rc == 0) {
        int ds = a->dscale > b->dscale ? a->dscale : b->dscale;
        r->dscale = ds;
    }
    return rc;
}

int num_apply_typmod(NumVar *v, int32_t typmod, SqlError *err)
{
    if (typmod < 4)
        return 0;
    int precision = ((typmod - 4) >> 16) & 0xffff;
    int scale = (int16_t)((typmod - 4) & 0xffff);
    if (v->sign == NUM_NAN)
        return 0;
    if (v->sign >= NUM_PINF) {
        sql_error_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
        sql_error_detail(err, "A field with precision %d, scale %d cannot hold an infinite value.",
                         precision, scale);
        return -1;
    }
    num_round(v, scale);
    v->dscale = scale < 0 ? 0 : scale;
    int maxdigits = precision - scale;
    if (v->ndigits) {
        /* number of decimal digits before the point */
        int first = v->digits[0];
        int ddigits = v->weight * NUM_DEC_DIGITS + (first >= 1000 ? 4 : first >= 100 ? 3 : first >= 10 ? 2 : 1);
        if (ddigits > maxdigits) {
            sql_error_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
            if (maxdigits <= 0)
                sql_error_detail(err, "A field with precision %d, scale %d must round to an absolute value less than 1.",
                                 precision, scale);
            else
                sql_error_detail(err, "A field with precision %d, scale %d must round to an absolute value less than 10^%d.",
                                 precision, scale, maxdigits);
            return -1;
        }
    }
    return 0;
}

uint64_t num_hash(const NumVar *v)
{
    if (v->sign > NUM_NEG)
        return shale_hash_u64(0x9e37 + (uint64_t)v->sign);
    /* normalised digits + weight + sign: independent of dscale */
    uint64_t h = shale_hash_u64((uint64_t)(v->ndigits ? v->sign : 0) * 131 + (uint64_t)(uint32_t)v->weight);
    int n = v->ndigits;
    while (n > 0 && v->digits[n - 1] == 0)
        n--;
    for (int i = 0; i < n; i++)
        h = shale_hash_u64(h ^ (uint64_t)v->digits[i]);
    return h;
}
