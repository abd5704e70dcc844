/* types_fn_toparse.c -- to_timestamp(text, text) and to_date(text, text): the input is read
 * against a date/time template (types_fn_tochar.h) the way PostgreSQL 15 does outside FX
 * mode: leading blanks before a field are skipped, a template separator consumes one input
 * separator (blanks match any run of blanks), a numeric field takes its exact width when the
 * next template item is another field and otherwise all consecutive digits, names match
 * case-insensitively, fractions are scaled (".5" as MS is 500 ms). Fields then compose a
 * date/time; impossible dates fail like the date input function. */
#include "sql/types/types_fn_tochar.h"

#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

static const char *const tp_months[] = { "january", "february", "march", "april", "may", "june", "july",
                                         "august", "september", "october", "november", "december" };
static const char *const tp_days[] = { "sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
                                       "saturday" };

typedef struct TpFields {
    int year, yy_digits, mon, mday, hour, min, sec, usec, ddd, j, tzh, tzm, ww, d;
    bool has_year, has_mon, has_mday, has_ddd, has_j, has_tz, pm_set, pm, bc, clock12, has_cc;
    int cc;
} TpFields;

static int tp_field_width(DchKey k)
{
    switch (k) {
    case K_YYYY: case K_IYYY: return 4;
    case K_YYY: case K_IYY: case K_DDD: case K_IDDD: case K_MS: return 3;
    case K_YY: case K_IY: case K_MM: case K_DD: case K_HH: case K_HH12: case K_HH24: case K_MI: case K_SS:
    case K_WW: case K_IW: case K_CC: case K_TZH: case K_TZM: return 2;
    case K_Y: case K_I: case K_D: case K_ID: case K_Q: case K_W: return 1;
    case K_US: return 6;
    case K_FF1: case K_FF2: case K_FF3: case K_FF4: case K_FF5: case K_FF6: return (int)(k - K_FF1) + 1;
    default: return 0;
    }
}

static int tp_bad_int(SqlError *err, const char *p, const char *e, int width, const char *name)
{
    int n = 0;
    while (p + n < e && !isspace((unsigned char)p[n]) && n < 64 && (width <= 0 || n < width))
        n++;
    sql_error_set(err, ERRCODE_INVALID_DATETIME_FORMAT, "invalid value \"%.*s\" for \"%s\"", n, p, name);
    sql_error_detail(err, "Value must be an integer.");
    return -1;
}

/* Reads an integer field; exact = take exactly width digits. */
static int tp_int(const char **pp, const char *e, int width, bool exact, bool sign, const char *name, int *out,
                  int *ndigits, SqlError *err)
{
    const char *p = *pp;
    bool neg = false;
    if (sign && p < e && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    const char *st = p;
    int64_t v = 0;
    while (p < e && isdigit((unsigned char)*p) && (!exact || p - st < width) && p - st < 18) {
        v = v * 10 + (*p - '0');
        p++;
    }
    if (p == st)
        return tp_bad_int(err, *pp, e, width, name);
    if (v > INT32_MAX)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "value for \"%s\" in source string is out of range", name);
    *out = (int)(neg ? -v : v);
    if (ndigits)
        *ndigits = (int)(p - st);
    *pp = p;
    return 0;
}

/* Matches one of names (full, or its first 3 letters when abbrev) case-insensitively. */
static int tp_name(const char **pp, const char *e, const char *const *names, int n, bool abbrev, const char *fname,
                   int *out, SqlError *err)
{
    const char *p = *pp;
    for (int i = 0; i < n; i++) {
        size_t len = abbrev ? 3 : strlen(names[i]);
        if ((size_t)(e - p) >= len && strncasecmp(p, names[i], len) == 0) {
            *out = i;
            *pp = p + len;
            return 0;
        }
    }
    int k = 0;
    while (p + k < e && !isspace((unsigned char)p[k]) && k < 64)
        k++;
    sql_error_set(err, ERRCODE_INVALID_DATETIME_FORMAT, "invalid value \"%.*s\" for \"%s\"", k, p, fname);
    sql_error_detail(err, "The given value did not match any of the allowed values for this field.");
    return -1;
}

static bool tp_is_sep(char c) { return !isalnum((unsigned char)c); }

static int tp_parse(const char *s, size_t n, const DchItem *items, int nitems, TpFields *f, SqlError *err)
{
    const char *p = s, *e = s + n;
    memset(f, 0, sizeof *f);
    for (int i = 0; i < nitems && p < e; i++) {
        const DchItem *it = &items[i];
        if (!it->w) {
            if (it->quoted) {
                p++;
            } else if (it->lit[0] == ' ') {
                while (p < e && isspace((unsigned char)*p))
                    p++;
            } else {
                while (p < e && isspace((unsigned char)*p))
                    p++;
                if (p < e && tp_is_sep(*p))
                    p++;
            }
            continue;
        }
        while (p < e && isspace((unsigned char)*p))
            p++;
        if (p >= e)
            break;
        DchKey k = it->w->key;
        const char *name = it->w->name;
        bool exact = i + 1 < nitems && items[i + 1].w != NULL;
        int width = tp_field_width(k), v = 0, nd = 0;
        switch (k) {
        case K_TZ: case K_OF:
            return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "formatting field \"%s\" is only supported in to_char", name);
        case K_MONTH: case K_MON:
            if (tp_name(&p, e, tp_months, 12, k == K_MON, name, &v, err) < 0)
                return -1;
            f->mon = v + 1;
            f->has_mon = true;
            break;
        case K_DAY: case K_DY:
            if (tp_name(&p, e, tp_days, 7, k == K_DY, name, &v, err) < 0)
                return -1;
            break;
        case K_AM: case K_PM: case K_AM_DOT: case K_PM_DOT: {
            bool dot = k == K_AM_DOT || k == K_PM_DOT;
            size_t len = dot ? 4 : 2;
            if ((size_t)(e - p) >= len && (strncasecmp(p, dot ? "P.M." : "PM", len) == 0 ||
                                           strncasecmp(p, dot ? "A.M." : "AM", len) == 0)) {
                f->pm = toupper((unsigned char)p[0]) == 'P';
                f->pm_set = true;
                p += len;
            } else {
                static const char *const ampm[] = { "am", "pm" };
                if (tp_name(&p, e, ampm, 0, false, name, &v, err) < 0)
                    return -1;
            }
            break;
        }
        case K_AD: case K_BC: case K_AD_DOT: case K_BC_DOT: {
            bool dot = k == K_AD_DOT || k == K_BC_DOT;
            size_t len = dot ? 4 : 2;
            if ((size_t)(e - p) >= len && toupper((unsigned char)p[0]) == 'B')
                f->bc = true;
            p += (size_t)(e - p) >= len ? len : (size_t)(e - p);
            break;
        }
        case K_Y_YYY: {
            int th, rest;
            if (tp_int(&p, e, 0, false, false, name, &th, NULL, err) < 0)
                return -1;
            if (p < e && *p == ',')
                p++;
            if (tp_int(&p, e, 3, true, false, name, &rest, NULL, err) < 0)
                return -1;
            f->year = th * 1000 + rest;
            f->has_year = true;
            f->yy_digits = 4;
            break;
        }
        case K_RM: {
            static const char *const rm[] = { "xii", "xi", "x", "ix", "viii", "vii", "vi", "v", "iv", "iii", "ii", "i" };
            static const int rmv[] = { 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
            if (tp_name(&p, e, rm, 12, false, name, &v, err) < 0)
                return -1;
            f->mon = rmv[v];
            f->has_mon = true;
            break;
        }
        default: {
            bool sign = k == K_YYYY || k == K_J || k == K_TZH;
            if (tp_int(&p, e, width, exact && width > 0, sign, name, &v, &nd, err) < 0)
                return -1;
            switch (k) {
            case K_YYYY: case K_YYY: case K_YY: case K_Y: case K_IYYY: case K_IYY: case K_IY: case K_I:
                f->year = v;
                f->has_year = true;
                f->yy_digits = nd;
                break;
            case K_MM: f->mon = v; f->has_mon = true; break;
            case K_DD: f->mday = v; f->has_mday = true; break;
            case K_HH: case K_HH12: f->hour = v; f->clock12 = true; break;
            case K_HH24: f->hour = v; break;
            case K_MI: f->min = v; break;
            case K_SS: f->sec = v; break;
            case K_MS: {
                int scaled = v;
                for (int d = nd; d < 3; d++)
                    scaled *= 10;
                f->usec += scaled * 1000;
                break;
            }
            case K_US: case K_FF1: case K_FF2: case K_FF3: case K_FF4: case K_FF5: case K_FF6: {
                int scaled = v;
                for (int d = nd; d < 6; d++)
                    scaled *= 10;
                f->usec += scaled;
                break;
            }
            case K_SSSS: case K_SSSSS:
                f->hour = v / 3600;
                f->min = (v / 60) % 60;
                f->sec = v % 60;
                break;
            case K_DDD: case K_IDDD: f->ddd = v; f->has_ddd = true; break;
            case K_J: f->j = v; f->has_j = true; break;
            case K_TZH: f->tzh = v; f->has_tz = true; break;
            case K_TZM: f->tzm = v; f->has_tz = true; break;
            case K_CC: f->cc = v; f->has_cc = true; break;
            default: break;   /* D, ID, W, WW, IW, Q: read and ignored */
            }
        }
        }
    }
    return 0;
}

/* Composes the fields into a date (Julian day) and time of day (us). */
static int tp_compose(const TpFields *in, const char *src, size_t srcn, int *jd, int64_t *time_us, SqlError *err)
{
    TpFields f = *in;
    if (f.has_year && f.yy_digits < 4 && f.year >= 0) {
        if (f.yy_digits == 2)
            f.year += f.year < 70 ? 2000 : 1900;
        else if (f.yy_digits == 3)
            f.year += f.year < 100 ? 2000 : 1000;
        else if (f.yy_digits == 1)
            f.year += 2000;
    }
    if (!f.has_year && f.has_cc)
        f.year = (f.cc - 1) * 100 + 1;
    /* no year at all: PostgreSQL leaves year 0, i.e. 1 BC */
    if (f.bc)
        f.year = -(f.year - 1);
    if (f.clock12) {
        if (f.hour < 1 || f.hour > 12) {
            sql_error_set(err, ERRCODE_INVALID_DATETIME_FORMAT, "hour \"%d\" is invalid for the 12-hour clock", f.hour);
            sql_error_hint(err, "Use the 24-hour clock, or give an hour between 1 and 12.");
            return -1;
        }
    }
    if (f.pm_set) {
        if (f.pm && f.hour < 12)
            f.hour += 12;
        else if (!f.pm && f.hour == 12)
            f.hour = 0;
    }
    if (f.has_j) {
        *jd = f.j;
    } else if (f.has_ddd && !f.has_mon) {
        *jd = types_date2j(f.year, 1, 1) + f.ddd - 1;
    } else {
        int mon = f.has_mon ? f.mon : 1, mday = f.has_mday ? f.mday : 1;
        static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (f.year % 4 == 0 && f.year % 100 != 0) || f.year % 400 == 0;
        if (mon < 1 || mon > 12 || mday < 1 || mday > mdays[mon - 1] + (mon == 2 && leap))
            return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"%.*s\"", (int)srcn, src);
        *jd = types_date2j(f.year, mon, mday);
    }
    if (f.hour < 0 || f.hour > 24 || f.min < 0 || f.min > 59 || f.sec < 0 || f.sec > 60 ||
        (f.hour == 24 && (f.min || f.sec || f.usec)))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"%.*s\"", (int)srcn, src);
    *time_us = (((int64_t)f.hour * 60 + f.min) * 60 + f.sec) * 1000000 + f.usec;
    return 0;
}

static int tp_run(FuncCallCtx *ctx, const Value *args, TpFields *f, int *jd, int64_t *t, SqlError *err)
{
    DchItem *items;
    int n = tc_dch_parse(args[1].u.s.p, args[1].u.s.n, ctx->arena, &items);
    if (n < 0)
        return types_oom(err);
    if (tp_parse(args[0].u.s.p, args[0].u.s.n, items, n, f, err) < 0)
        return -1;
    return tp_compose(f, args[0].u.s.p, args[0].u.s.n, jd, t, err);
}

static FN(fn_to_date)
{
    (void)nargs;
    TpFields f;
    int jd;
    int64_t t;
    if (tp_run(ctx, args, &f, &jd, &t, err) < 0)
        return -1;
    int64_t d = (int64_t)jd - TYPES_POSTGRES_EPOCH_JDATE;
    if (jd < 0 || d > INT32_MAX / 2)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date out of range: \"%.*s\"", (int)args[0].u.s.n, args[0].u.s.p);
    *out = value_int(DATEOID, d);
    return 0;
}

static FN(fn_to_timestamp_fmt)
{
    (void)nargs;
    TpFields f;
    int jd;
    int64_t t;
    if (tp_run(ctx, args, &f, &jd, &t, err) < 0)
        return -1;
    int64_t local = ((int64_t)jd - TYPES_POSTGRES_EPOCH_JDATE) * TYPES_USECS_PER_DAY + t;
    int64_t ts;
    if (f.has_tz) {
        int off = (f.tzh < 0 ? -1 : 1) * (abs(f.tzh) * 3600 + f.tzm * 60);
        ts = local - (int64_t)off * 1000000;
    } else {
        TypesTm tm;
        if (types_ts2tm(local, &tm) < 0 || types_local2utc(&tm, ctx->tc->tz, &ts) < 0)
            return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range");
    }
    *out = value_int(TIMESTAMPTZOID, ts);
    return 0;
}

void types_fn_toparse_register(void)
{
    const Oid T = TEXTOID;
    types_reg_fn("to_date", DATEOID, fn_to_date, 2, TYPES_A(T, T))->volatility = SQL_STABLE;
    types_reg_fn("to_timestamp", TIMESTAMPTZOID, fn_to_timestamp_fmt, 2, TYPES_A(T, T))->volatility = SQL_STABLE;
}
