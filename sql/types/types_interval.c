/* types_interval.c -- interval text I/O: PostgreSQL's verbose input ('1 day 2 hours',
 * '@ 1 minute ago', '1:30', '-1 day +02:00', fractional units cascading into smaller
 * fields) and ISO 8601 'P1Y2M3DT4H5M6S', and the postgres IntervalStyle output
 * ('1 year 2 mons 3 days 04:05:06.7', '-00:00:01', '-1 days +02:00:00'). Interval values
 * are {months, days, us} (value.h); ordering uses 30-day months and 24-hour days. */
#include "sql/types/types_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int iv_syntax(SqlError *err, const char *s, size_t n)
{
    return SQL_ERR(err, INVALID_DATETIME_FORMAT, "invalid input syntax for type interval: \"%.*s\"", (int)n, s);
}

typedef struct IvAcc {
    double months, days, us;   /* accumulated with fractions, carried at the end */
} IvAcc;

/* unit keyword -> (field, multiplier): field 0 = us, 1 = days, 2 = months */
static int iv_unit(const char *w, size_t n, int *field, double *mult)
{
    static const struct { const char *name; int field; double mult; } units[] = {
        {"microsecond", 0, 1}, {"microseconds", 0, 1}, {"us", 0, 1}, {"usec", 0, 1}, {"usecs", 0, 1},
        {"millisecond", 0, 1e3}, {"milliseconds", 0, 1e3}, {"ms", 0, 1e3}, {"msec", 0, 1e3}, {"msecs", 0, 1e3},
        {"second", 0, 1e6}, {"seconds", 0, 1e6}, {"sec", 0, 1e6}, {"secs", 0, 1e6}, {"s", 0, 1e6},
        {"minute", 0, 6e7}, {"minutes", 0, 6e7}, {"min", 0, 6e7}, {"mins", 0, 6e7}, {"m", 0, 6e7},
        {"hour", 0, 3.6e9}, {"hours", 0, 3.6e9}, {"hr", 0, 3.6e9}, {"hrs", 0, 3.6e9}, {"h", 0, 3.6e9},
        {"day", 1, 1}, {"days", 1, 1}, {"d", 1, 1},
        {"week", 1, 7}, {"weeks", 1, 7}, {"w", 1, 7},
        {"month", 2, 1}, {"months", 2, 1}, {"mon", 2, 1}, {"mons", 2, 1},
        {"year", 2, 12}, {"years", 2, 12}, {"yr", 2, 12}, {"yrs", 2, 12}, {"y", 2, 12},
        {"decade", 2, 120}, {"decades", 2, 120}, {"dec", 2, 120}, {"decs", 2, 120},
        {"century", 2, 1200}, {"centuries", 2, 1200}, {"cent", 2, 1200}, {"c", 2, 1200},
        {"millennium", 2, 12000}, {"millennia", 2, 12000}, {"mil", 2, 12000}, {"mils", 2, 12000},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == n && strncasecmp(units[i].name, w, n) == 0) {
            *field = units[i].field;
            *mult = units[i].mult;
            return 0;
        }
    return -1;
}

static void iv_add(IvAcc *acc, int field, double v)
{
    if (field == 2) {
        double whole = trunc(v);
        acc->months += whole;
        v = (v - whole) * 30;
        field = 1;
    }
    if (field == 1) {
        double whole = trunc(v);
        acc->days += whole;
        v = (v - whole) * 86400e6;
    }
    acc->us += v;
}

static int iv_finish(const IvAcc *acc, bool ago, Value *out, const char *s, size_t n, SqlError *err)
{
    double m = acc->months, d = acc->days, us = rint(acc->us);
    if (ago)
        m = -m, d = -d, us = -us;
    if (fabs(m) > INT32_MAX || fabs(d) > INT32_MAX || fabs(us) > 9.2e18)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval field value out of range: \"%.*s\"", (int)n, s);
    out->type = INTERVALOID;
    out->null = false;
    out->u.iv.months = (int32_t)m;
    out->u.iv.days = (int32_t)d;
    out->u.iv.us = (int64_t)us;
    return 0;
}

static int iv_iso(const char *s, size_t n, Value *out, SqlError *err)
{
    const char *p = s + 1, *e = s + n;
    IvAcc acc = {0, 0, 0};
    bool in_time = false;
    while (p < e) {
        if (*p == 'T') {
            in_time = true;
            p++;
            continue;
        }
        char buf[64];
        size_t k = 0;
        while (p < e && (isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+') && k < 63)
            buf[k++] = *p++;
        buf[k] = 0;
        if (!k || p >= e)
            return iv_syntax(err, s, n);
        double v = strtod(buf, NULL);
        char u = (char)toupper((unsigned char)*p++);
        switch (u) {
        case 'Y': iv_add(&acc, 2, v * 12); break;
        case 'M': if (in_time) iv_add(&acc, 0, v * 6e7); else iv_add(&acc, 2, v); break;
        case 'W': iv_add(&acc, 1, v * 7); break;
        case 'D': iv_add(&acc, 1, v); break;
        case 'H': iv_add(&acc, 0, v * 3.6e9); break;
        case 'S': iv_add(&acc, 0, v * 1e6); break;
        default: return iv_syntax(err, s, n);
        }
    }
    return iv_finish(&acc, false, out, s, n, err);
}

int types_interval_in(const char *s, size_t n, int32_t typmod, Value *out, SqlError *err)
{
    (void)typmod;
    const char *p = s, *e = s + n;
    while (p < e && isspace((unsigned char)*p))
        p++;
    while (e > p && isspace((unsigned char)e[-1]))
        e--;
    if (p < e && *p == 'P')
        return iv_iso(p, (size_t)(e - p), out, err);
    IvAcc acc = {0, 0, 0};
    bool ago = false, any = false;
    if (p < e && *p == '@')
        p++;
    while (p < e) {
        while (p < e && isspace((unsigned char)*p))
            p++;
        if (p >= e)
            break;
        if (isalpha((unsigned char)*p)) {
            const char *w = p;
            while (p < e && isalpha((unsigned char)*p))
                p++;
            if ((size_t)(p - w) == 3 && strncasecmp(w, "ago", 3) == 0) {
                ago = true;
                continue;
            }
            return iv_syntax(err, s, n);
        }
        /* a signed number, maybe hh:mm[:ss] */
        const char *numstart = p;
        int sign = 1;
        if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            p++;
        }
        if (p >= e || !(isdigit((unsigned char)*p) || *p == '.'))
            return iv_syntax(err, s, n);
        const char *ns = p;
        while (p < e && (isdigit((unsigned char)*p) || *p == '.'))
            p++;
        if (p < e && *p == ':') {
            /* time field */
            double h = strtod(ns, NULL);
            p++;
            const char *ms = p;
            while (p < e && isdigit((unsigned char)*p))
                p++;
            double mi = strtod(ms, NULL), sec = 0;
            if (p < e && *p == ':') {
                p++;
                const char *ss = p;
                while (p < e && (isdigit((unsigned char)*p) || *p == '.'))
                    p++;
                sec = strtod(ss, NULL);
            } else if (p < e && *p == '.') {
                /* mm:ss.fff form: h is minutes */
                const char *ss = ms;
                while (p < e && (isdigit((unsigned char)*p) || *p == '.'))
                    p++;
                sec = strtod(ss, NULL);
                mi = h;
                h = 0;
            }
            if (mi > 59 || sec >= 60)
                return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval field value out of range: \"%.*s\"", (int)n, s);
            acc.us += sign * (h * 3.6e9 + mi * 6e7 + sec * 1e6);
            any = true;
            continue;
        }
        char buf[64];
        size_t k = (size_t)(p - numstart) < 63 ? (size_t)(p - numstart) : 63;
        memcpy(buf, numstart, k);
        buf[k] = 0;
        double v = strtod(buf, NULL);
        while (p < e && isspace((unsigned char)*p))
            p++;
        const char *w = p;
        while (p < e && isalpha((unsigned char)*p))
            p++;
        int field = 0;
        double mult = 1e6;
        if (p > w) {
            if ((size_t)(p - w) == 3 && strncasecmp(w, "ago", 3) == 0) {
                p = w;   /* bare number = seconds, then "ago" */
            } else if (iv_unit(w, (size_t)(p - w), &field, &mult) < 0) {
                return iv_syntax(err, s, n);
            }
        }
        iv_add(&acc, field, v * mult);
        any = true;
    }
    if (!any)
        return iv_syntax(err, s, n);
    return iv_finish(&acc, ago, out, s, n, err);
}

static void iv_part(ShaleBuf *out, int64_t v, const char *unit, bool *first, bool *neg_before)
{
    if (v == 0)
        return;
    char buf[64];
    int len = snprintf(buf, sizeof buf, "%s%s%" PRId64 " %s%s", *first ? "" : " ",
                       (*neg_before && v > 0) ? "+" : "", v, unit, (v == 1) ? "" : "s");
    shale_buf_append(out, buf, (size_t)len);
    *first = false;
    if (v < 0)
        *neg_before = true;
}

void types_interval_out(const Value *v, ShaleBuf *out)
{
    int64_t months = v->u.iv.months, days = v->u.iv.days, us = v->u.iv.us;
    bool first = true, neg = false;
    iv_part(out, months / 12, "year", &first, &neg);
    iv_part(out, months % 12, "mon", &first, &neg);
    iv_part(out, days, "day", &first, &neg);
    if (us != 0 || first) {
        char buf[80];
        uint64_t a = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
        uint64_t h = a / UINT64_C(3600000000), rem = a % UINT64_C(3600000000);
        unsigned mi = (unsigned)(rem / 60000000), sec = (unsigned)(rem / 1000000 % 60), frac = (unsigned)(rem % 1000000);
        int len = snprintf(buf, sizeof buf, "%s%s%02" PRIu64 ":%02u:%02u", first ? "" : " ",
                           us < 0 ? "-" : (neg ? "+" : ""), h, mi, sec);
        if (frac) {
            len += snprintf(buf + len, sizeof buf - (size_t)len, ".%06u", frac);
            while (buf[len - 1] == '0')
                len--;
        }
        shale_buf_append(out, buf, (size_t)len);
    }
}

int64_t types_interval_span(const Value *v, __int128 *wide)
{
    __int128 w = (__int128)v->u.iv.months * 30 * TYPES_USECS_PER_DAY + (__int128)v->u.iv.days * TYPES_USECS_PER_DAY +
                 v->u.iv.us;
    if (wide)
        *wide = w;
    return (int64_t)(w >> 20);
}
