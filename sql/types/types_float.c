/* types_float.c -- float4/float8 text I/O as PostgreSQL 15 prints and parses them:
 * shortest round-trip digits when extra_float_digits > 0 (scientific notation when the
 * decimal exponent is < -4 or >= 15 (float8) / 6 (float4), exponent at least two digits),
 * %.{15,6}+extra_float_digits g otherwise; 'NaN', 'Infinity', '-Infinity'. */
#include "sql/types/types_int.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shortest digit string d1.d2d3...e<exp> that round-trips. digits receives the significant
 * digits (no point), returns their count; *exp10 the decimal exponent of the first digit. */
static int float_shortest(double d, bool is_float4, char *digits, int *exp10)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        bool ok;
        if (is_float4)
            ok = strtof(buf, NULL) == (float)d;
        else
            ok = strtod(buf, NULL) == d;
        if (ok || prec == 17)
            break;
    }
    /* buf: [-]d.ddde[+-]xx */
    const char *p = buf;
    if (*p == '-')
        p++;
    int n = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    *exp10 = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = 0;
    return n;
}

void types_float_out(double d, bool is_float4, int extra_digits, ShaleBuf *out)
{
    if (isnan(d)) {
        shale_buf_append(out, "NaN", 3);
        return;
    }
    if (isinf(d)) {
        if (d > 0)
            shale_buf_append(out, "Infinity", 8);
        else
            shale_buf_append(out, "-Infinity", 9);
        return;
    }
    char buf[64];
    if (extra_digits <= 0) {
        int prec = (is_float4 ? FLT_DIG : DBL_DIG) + extra_digits;
        if (prec < 1)
            prec = 1;
        int len = snprintf(buf, sizeof buf, "%.*g", prec, d);
        shale_buf_append(out, buf, (size_t)len);
        return;
    }
    if (d == 0) {
        if (signbit(d))
            shale_buf_append(out, "-0", 2);
        else
            shale_buf_append_byte(out, '0');
        return;
    }
    char digits[24];
    int exp10;
    int n = float_shortest(d, is_float4, digits, &exp10);
    int limit = is_float4 ? 6 : 15;
    if (d < 0)
        shale_buf_append_byte(out, '-');
    if (exp10 < -4 || exp10 >= limit) {
        shale_buf_append_byte(out, (uint8_t)digits[0]);
        if (n > 1) {
            shale_buf_append_byte(out, '.');
            shale_buf_append(out, digits + 1, (size_t)n - 1);
        }
        int len = snprintf(buf, sizeof buf, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
        shale_buf_append(out, buf, (size_t)len);
        return;
    }
    if (exp10 < 0) {
        shale_buf_append(out, "0.", 2);
        for (int i = 0; i < -exp10 - 1; i++)
            shale_buf_append_byte(out, '0');
        shale_buf_append(out, digits, (size_t)n);
        return;
    }
    /* exp10 >= 0: integer part has exp10 + 1 digits */
    for (int i = 0; i <= exp10; i++)
        shale_buf_append_byte(out, (uint8_t)(i < n ? digits[i] : '0'));
    if (n > exp10 + 1) {
        shale_buf_append_byte(out, '.');
        shale_buf_append(out, digits + exp10 + 1, (size_t)(n - exp10 - 1));
    }
}

static bool float_ieq_prefix(const char *p, const char *e, const char *word, const char **after)
{
    size_t wl = strlen(word);
    if ((size_t)(e - p) < wl)
        return false;
    for (size_t i = 0; i < wl; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    *after = p + wl;
    return true;
}

int types_float_in(const char *s, size_t n, bool is_float4, const char *tname, double *out, SqlError *err)
{
    const char *p = s, *e = s + n;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f'))
        p++;
    if (p == e)
        return types_err_syntax(err, tname, s, n);
    double val;
    const char *endp = p;
    bool neg = false;
    const char *q = p;
    if (*q == '+' || *q == '-') {
        neg = *q == '-';
        q++;
    }
    if (float_ieq_prefix(q, e, "infinity", &endp) || float_ieq_prefix(q, e, "inf", &endp)) {
        val = neg ? -INFINITY : INFINITY;
    } else if (float_ieq_prefix(p, e, "nan", &endp)) {
        val = NAN;
    } else {
        char buf[512];
        size_t len = (size_t)(e - p);
        char *heap = NULL;
        char *str = buf;
        if (len >= sizeof buf) {
            heap = malloc(len + 1);
            if (!heap)
                return types_oom(err);
            str = heap;
        }
        memcpy(str, p, len);
        str[len] = 0;
        /* strtod accepts hex floats and "infinity" variants PostgreSQL's parser does too;
         * reject things that do not start like a decimal number */
        char *end;
        errno = 0;
        if (is_float4) {
            float f = strtof(str, &end);
            val = f;
        } else {
            val = strtod(str, &end);
        }
        bool range = errno == ERANGE;
        size_t consumed = (size_t)(end - str);
        bool hex = memchr(str, 'x', consumed) || memchr(str, 'X', consumed);
        free(heap);
        if (consumed == 0 || hex)
            return types_err_syntax(err, tname, s, n);
        endp = p + consumed;
        if (range && (val == 0.0 || isinf(val))) {
            /* PostgreSQL: '"1e400" is out of range for type double precision' */
            if (!(val != 0.0 && !isinf(val))) {
                char msg[300];
                size_t ml = (size_t)(endp - p) < 200 ? (size_t)(endp - p) : 200;
                memcpy(msg, p, ml);
                msg[ml] = 0;
                return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "\"%s\" is out of range for type %s", msg, tname);
            }
        }
    }
    while (endp < e && (*endp == ' ' || *endp == '\t' || *endp == '\n' || *endp == '\r' || *endp == '\v' || *endp == '\f'))
        endp++;
    if (endp != e)
        return types_err_syntax(err, tname, s, n);
    *out = val;
    return 0;
}
