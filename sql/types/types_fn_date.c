/* types_fn_date.c -- date/time builtins: date_trunc, extract/date_part (numeric and
 * float8 results as PostgreSQL 14+), age, make_date/time/timestamp(tz)/interval, justify_*,
 * to_timestamp(float8), timezone()/AT TIME ZONE, date_bin, isfinite, generate_series over
 * timestamps. Field arithmetic follows PostgreSQL's timestamp.c: years are astronomical in
 * TypesTm (0 = 1 BC), timestamptz fields are taken in the session zone (or the zone given). */
#include "sql/types/types_fn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* --- units ------------------------------------------------------------------------------ */

typedef enum DtUnit {
    DU_NONE, DU_MICROSEC, DU_MILLISEC, DU_SECOND, DU_MINUTE, DU_HOUR, DU_DAY, DU_WEEK, DU_MONTH, DU_QUARTER,
    DU_YEAR, DU_DECADE, DU_CENTURY, DU_MILLENNIUM, DU_TZ, DU_TZ_HOUR, DU_TZ_MINUTE, DU_EPOCH, DU_JULIAN,
    DU_DOW, DU_ISODOW, DU_DOY, DU_ISOYEAR
} DtUnit;

static const struct { const char *tok; DtUnit u; } dt_units[] = {
    { "c", DU_CENTURY }, { "cent", DU_CENTURY }, { "centuries", DU_CENTURY }, { "century", DU_CENTURY },
    { "d", DU_DAY }, { "day", DU_DAY }, { "days", DU_DAY },
    { "dec", DU_DECADE }, { "decade", DU_DECADE }, { "decades", DU_DECADE }, { "decs", DU_DECADE },
    { "h", DU_HOUR }, { "hour", DU_HOUR }, { "hours", DU_HOUR }, { "hr", DU_HOUR }, { "hrs", DU_HOUR },
    { "m", DU_MINUTE }, { "min", DU_MINUTE }, { "mins", DU_MINUTE }, { "minute", DU_MINUTE }, { "minutes", DU_MINUTE },
    { "mon", DU_MONTH }, { "mons", DU_MONTH }, { "month", DU_MONTH }, { "months", DU_MONTH },
    { "ms", DU_MILLISEC }, { "msec", DU_MILLISEC }, { "msecond", DU_MILLISEC }, { "mseconds", DU_MILLISEC },
    { "msecs", DU_MILLISEC }, { "millisecon", DU_MILLISEC },
    { "mil", DU_MILLENNIUM }, { "millennia", DU_MILLENNIUM }, { "millennium", DU_MILLENNIUM }, { "mils", DU_MILLENNIUM },
    { "q", DU_QUARTER }, { "qtr", DU_QUARTER }, { "quarter", DU_QUARTER },
    { "s", DU_SECOND }, { "sec", DU_SECOND }, { "second", DU_SECOND }, { "seconds", DU_SECOND }, { "secs", DU_SECOND },
    { "timezone", DU_TZ }, { "timezone_h", DU_TZ_HOUR }, { "timezone_m", DU_TZ_MINUTE },
    { "us", DU_MICROSEC }, { "usec", DU_MICROSEC }, { "usecond", DU_MICROSEC }, { "useconds", DU_MICROSEC },
    { "usecs", DU_MICROSEC }, { "microsecon", DU_MICROSEC },
    { "w", DU_WEEK }, { "week", DU_WEEK }, { "weeks", DU_WEEK },
    { "y", DU_YEAR }, { "year", DU_YEAR }, { "years", DU_YEAR }, { "yr", DU_YEAR }, { "yrs", DU_YEAR },
    { "dow", DU_DOW }, { "doy", DU_DOY }, { "epoch", DU_EPOCH }, { "isodow", DU_ISODOW }, { "isoyear", DU_ISOYEAR },
    { "j", DU_JULIAN }, { "jd", DU_JULIAN }, { "julian", DU_JULIAN },
};

/* Lower-cases the unit text into low (NUL-terminated, at most cap-1 bytes kept) and looks it
 * up as PostgreSQL's DecodeUnits/DecodeSpecial do (tokens compare on their first 10 chars). */
static DtUnit dt_unit(const Value *v, char *low, size_t cap)
{
    size_t n = v->u.s.n < cap - 1 ? v->u.s.n : cap - 1;
    for (size_t i = 0; i < n; i++) {
        char c = v->u.s.p[i];
        low[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    low[n] = 0;
    for (size_t i = 0; i < sizeof dt_units / sizeof dt_units[0]; i++)
        if (strncmp(low, dt_units[i].tok, 10) == 0)
            return dt_units[i].u;
    return DU_NONE;
}

/* date_trunc knows only PostgreSQL's DecodeUnits table: dow, epoch, julian ... are "not recognized" */
static DtUnit dt_trunc_unit(DtUnit u)
{
    return u >= DU_EPOCH ? DU_NONE : u;
}

static int dt_unit_error(SqlError *err, DtUnit u, const char *low, Oid t)
{
    if (u == DU_NONE)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "unit \"%s\" not recognized for type %s", low, types_sqlname(t));
    return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "unit \"%s\" not supported for type %s", low, types_sqlname(t));
}

static int dt_range(SqlError *err)
{
    return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range");
}

static int dt_zone(const Value *zone, const TypesTimeZone **out, SqlError *err)
{
    char name[256];
    size_t n = zone->u.s.n < sizeof name - 1 ? zone->u.s.n : sizeof name - 1;
    memcpy(name, zone->u.s.p, n);
    name[n] = 0;
    if (types_timezone_lookup(name, out, NULL) < 0)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "time zone \"%.*s\" not recognized", (int)zone->u.s.n,
                       zone->u.s.p);
    return 0;
}

static bool dt_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int dt_mdays(int y, int m)
{
    static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return md[m - 1] + (m == 2 && dt_leap(y));
}

/* ISO 8601 week number and ISO year of a date (PostgreSQL's date2isoweek/date2isoyear). */
static int dt_isoweek(int y, int m, int d, int *isoyear)
{
    int dayn = types_date2j(y, m, d);
    int day4 = types_date2j(y, 1, 4);
    int day0 = day4 % 7;   /* j2day(day4 - 1): 0 = Sunday */
    int iy = y;
    if (dayn < day4 - day0) {
        iy = y - 1;
        day4 = types_date2j(iy, 1, 4);
        day0 = day4 % 7;
    }
    int result = (dayn - (day4 - day0)) / 7 + 1;
    if (result >= 52) {
        int n4 = types_date2j(iy + 1, 1, 4);
        int n0 = n4 % 7;
        if (dayn >= n4 - n0) {
            result = 1;
            iy++;
        }
    }
    if (isoyear)
        *isoyear = iy;
    return result;
}

/* --- date_trunc -------------------------------------------------------------------------- */

/* Truncates broken-down fields in place; returns false for units date_trunc does not take. */
static bool dt_trunc_tm(DtUnit u, TypesTm *tm)
{
    switch (u) {
    case DU_WEEK: {
        int jd = types_date2j(tm->year, tm->mon, tm->mday);
        int isodow = (jd + 1) % 7;
        if (isodow == 0)
            isodow = 7;
        types_j2date(jd - (isodow - 1), &tm->year, &tm->mon, &tm->mday);
        tm->hour = tm->min = tm->sec = 0;
        tm->usec = 0;
        return true;
    }
    case DU_MILLENNIUM:
        tm->year = tm->year > 0 ? ((tm->year + 999) / 1000) * 1000 - 999 : -((999 - (tm->year - 1)) / 1000) * 1000 + 1;
        goto year;
    case DU_CENTURY:
        tm->year = tm->year > 0 ? ((tm->year + 99) / 100) * 100 - 99 : -((99 - (tm->year - 1)) / 100) * 100 + 1;
        goto year;
    case DU_DECADE:
        tm->year = tm->year > 0 ? (tm->year / 10) * 10 : -((8 - (tm->year - 1)) / 10) * 10;
        goto year;
    case DU_YEAR:
    year:
        tm->mon = 1;
        goto month;
    case DU_QUARTER:
        tm->mon = 3 * ((tm->mon - 1) / 3) + 1;
        goto month;
    case DU_MONTH:
    month:
        tm->mday = 1;
        goto day;
    case DU_DAY:
    day:
        tm->hour = 0;
        goto hour;
    case DU_HOUR:
    hour:
        tm->min = 0;
        goto minute;
    case DU_MINUTE:
    minute:
        tm->sec = 0;
        goto second;
    case DU_SECOND:
    second:
        tm->usec = 0;
        return true;
    case DU_MILLISEC:
        tm->usec = (tm->usec / 1000) * 1000;
        return true;
    case DU_MICROSEC:
        return true;
    default:
        return false;
    }
}

static int dt_trunc_tz(FuncCallCtx *ctx, DtUnit u, const char *low, int64_t ts, const TypesTimeZone *z, Value *out,
                       SqlError *err)
{
    if (ts == TYPES_DT_NOBEGIN || ts == TYPES_DT_NOEND) {
        *out = value_int(TIMESTAMPTZOID, ts);
        return 0;
    }
    TypesTm tm;
    if (types_tstz2tm(ts, z, &tm) < 0)
        return dt_range(err);
    if (!dt_trunc_tm(u, &tm))
        return dt_unit_error(err, u, low, TIMESTAMPTZOID);
    int64_t r;
    /* units of a day or more find the zone offset anew; smaller ones keep the original */
    if (u >= DU_DAY && u <= DU_MILLENNIUM) {
        if (types_local2utc(&tm, z, &r) < 0)
            return dt_range(err);
    } else {
        if (types_tm2ts(&tm, &r) < 0)
            return dt_range(err);
        r -= (int64_t)tm.gmtoff * 1000000;
    }
    (void)ctx;
    *out = value_int(TIMESTAMPTZOID, r);
    return 0;
}

static FN(fn_date_trunc)
{
    char low[64];
    DtUnit u = dt_trunc_unit(dt_unit(&args[0], low, sizeof low));
    Oid t = args[1].type;
    if (t == TIMESTAMPTZOID) {
        const TypesTimeZone *z = ctx->tc->tz;
        if (nargs > 2 && dt_zone(&args[2], &z, err) < 0)
            return -1;
        return dt_trunc_tz(ctx, u, low, args[1].u.i, z, out, err);
    }
    if (t == INTERVALOID) {
        const Value *iv = &args[1];
        int64_t us = iv->u.iv.us;
        TypesTm tm;
        memset(&tm, 0, sizeof tm);
        tm.year = iv->u.iv.months / 12;
        tm.mon = iv->u.iv.months % 12;
        tm.mday = iv->u.iv.days;
        int64_t hours = us / INT64_C(3600000000);
        us -= hours * INT64_C(3600000000);
        tm.min = (int)(us / 60000000);
        us -= (int64_t)tm.min * 60000000;
        tm.sec = (int)(us / 1000000);
        tm.usec = (int32_t)(us - (int64_t)tm.sec * 1000000);
        switch (u) {
        case DU_MILLENNIUM: tm.year = (tm.year / 1000) * 1000; goto iy;
        case DU_CENTURY: tm.year = (tm.year / 100) * 100; goto iy;
        case DU_DECADE: tm.year = (tm.year / 10) * 10; goto iy;
        case DU_YEAR: iy: tm.mon = 0; goto iq;
        case DU_QUARTER: iq: tm.mon = 3 * (tm.mon / 3); goto im;
        case DU_MONTH: im: tm.mday = 0; goto idd;
        case DU_DAY: idd: hours = 0; goto ih;
        case DU_HOUR: ih: tm.min = 0; goto imi;
        case DU_MINUTE: imi: tm.sec = 0; goto is;
        case DU_SECOND: is: tm.usec = 0; break;
        case DU_MILLISEC: tm.usec = (tm.usec / 1000) * 1000; break;
        case DU_MICROSEC: break;
        case DU_WEEK:
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "unit \"%s\" not supported for type interval", low);
            sql_error_detail(err, "Months usually have fractional weeks.");
            return -1;
        default:
            return dt_unit_error(err, u, low, INTERVALOID);
        }
        out->type = INTERVALOID;
        out->null = false;
        out->u.iv.months = tm.year * 12 + tm.mon;
        out->u.iv.days = tm.mday;
        out->u.iv.us = ((hours * 60 + tm.min) * 60 + tm.sec) * 1000000 + tm.usec;
        return 0;
    }
    int64_t ts = args[1].u.i;
    if (ts == TYPES_DT_NOBEGIN || ts == TYPES_DT_NOEND) {
        *out = value_int(TIMESTAMPOID, ts);
        return 0;
    }
    TypesTm tm;
    if (types_ts2tm(ts, &tm) < 0)
        return dt_range(err);
    if (!dt_trunc_tm(u, &tm))
        return dt_unit_error(err, u, low, TIMESTAMPOID);
    if (types_tm2ts(&tm, &ts) < 0)
        return dt_range(err);
    *out = value_int(TIMESTAMPOID, ts);
    return 0;
}

/* --- extract / date_part ------------------------------------------------------------------ */

/* A field value: v / 10^scale (numeric) or f (float8). */
static int dt_part_result(FuncCallCtx *ctx, bool numeric, int64_t v, int scale, double f, Value *out, SqlError *err)
{
    if (!numeric) {
        *out = value_float(FLOAT8OID, f);
        return 0;
    }
    char buf[48];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
    int pos = 0;
    if (v < 0)
        buf[pos++] = '-';
    if (scale == 0) {
        memcpy(buf + pos, digits, (size_t)nd + 1);
    } else if (nd > scale) {
        memcpy(buf + pos, digits, (size_t)(nd - scale));
        pos += nd - scale;
        buf[pos++] = '.';
        memcpy(buf + pos, digits + nd - scale, (size_t)scale + 1);
    } else {
        buf[pos++] = '0';
        buf[pos++] = '.';
        for (int i = 0; i < scale - nd; i++)
            buf[pos++] = '0';
        memcpy(buf + pos, digits, (size_t)nd + 1);
    }
    NumVar n;
    num_init(&n);
    if (num_parse(buf, strlen(buf), &n, err) < 0) {
        num_free(&n);
        return -1;
    }
    return fn_num_result(ctx, &n, out, err);
}

static int dt_part_special(FuncCallCtx *ctx, bool numeric, int sign, Value *out, SqlError *err)
{
    if (!numeric) {
        *out = value_float(FLOAT8OID, sign > 0 ? INFINITY : -INFINITY);
        return 0;
    }
    NumVar n;
    num_init(&n);
    n.sign = sign > 0 ? NUM_PINF : NUM_NINF;
    return fn_num_result(ctx, &n, out, err);
}

static int dt_year_adj(int y)
{
    return y > 0 ? y : y - 1;
}

/* Date fields shared by timestamps and dates. Returns 1 when handled. */
static int dt_part_date(FuncCallCtx *ctx, DtUnit u, bool numeric, const TypesTm *tm, Value *out, SqlError *err,
                        int *rc)
{
    int64_t v;
    int y = tm->year;
    switch (u) {
    case DU_DAY: v = tm->mday; break;
    case DU_MONTH: v = tm->mon; break;
    case DU_QUARTER: v = (tm->mon - 1) / 3 + 1; break;
    case DU_WEEK: v = dt_isoweek(tm->year, tm->mon, tm->mday, NULL); break;
    case DU_YEAR: v = dt_year_adj(y); break;
    case DU_DECADE: v = y >= 0 ? y / 10 : -((8 - (y - 1)) / 10); break;
    case DU_CENTURY: v = y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100); break;
    case DU_MILLENNIUM: v = y > 0 ? (y + 999) / 1000 : -((999 - (y - 1)) / 1000); break;
    case DU_ISOYEAR: {
        int iy;
        dt_isoweek(tm->year, tm->mon, tm->mday, &iy);
        v = iy <= 0 ? iy - 1 : iy;
        break;
    }
    case DU_DOW:
    case DU_ISODOW: {
        int dow = (types_date2j(tm->year, tm->mon, tm->mday) + 1) % 7;
        v = u == DU_ISODOW && dow == 0 ? 7 : dow;
        break;
    }
    case DU_DOY: v = types_date2j(tm->year, tm->mon, tm->mday) - types_date2j(tm->year, 1, 1) + 1; break;
    default: return 0;
    }
    *rc = dt_part_result(ctx, numeric, v, 0, (double)v, out, err);
    return 1;
}

/* infinite timestamps/dates: some fields are +-Infinity, the others NULL */
static int dt_part_infinite(FuncCallCtx *ctx, DtUnit u, bool numeric, int sign, Value *out, SqlError *err)
{
    switch (u) {
    case DU_YEAR: case DU_DECADE: case DU_CENTURY: case DU_MILLENNIUM: case DU_JULIAN: case DU_ISOYEAR: case DU_EPOCH:
        return dt_part_special(ctx, numeric, sign, out, err);
    default:
        *out = value_null(numeric ? NUMERICOID : FLOAT8OID);
        return 0;
    }
}

#define DT_UNIX_EPOCH_US (INT64_C(-946684800) * 1000000)   /* 1970-01-01 since 2000-01-01 */

static int dt_part_time_fields(FuncCallCtx *ctx, DtUnit u, bool numeric, int hour, int min, int sec, int32_t usec,
                               Value *out, SqlError *err, int *rc)
{
    int64_t v;
    switch (u) {
    case DU_MICROSEC:
        v = (int64_t)sec * 1000000 + usec;
        *rc = dt_part_result(ctx, numeric, v, 0, (double)v, out, err);
        return 1;
    case DU_MILLISEC:
        v = (int64_t)sec * 1000000 + usec;
        *rc = dt_part_result(ctx, numeric, v, 3, sec * 1000.0 + usec / 1000.0, out, err);
        return 1;
    case DU_SECOND:
        v = (int64_t)sec * 1000000 + usec;
        *rc = dt_part_result(ctx, numeric, v, 6, sec + usec / 1000000.0, out, err);
        return 1;
    case DU_MINUTE: v = min; break;
    case DU_HOUR: v = hour; break;
    default: return 0;
    }
    *rc = dt_part_result(ctx, numeric, v, 0, (double)v, out, err);
    return 1;
}

static int dt_part(FuncCallCtx *ctx, bool numeric, const Value *unit, const Value *src, Value *out, SqlError *err)
{
    char low[64];
    DtUnit u = dt_unit(unit, low, sizeof low);
    Oid t = src->type;
    int rc = 0;
    if (u == DU_NONE)
        return dt_unit_error(err, u, low, t);
    if (t == DATEOID) {
        int64_t d = src->u.i;
        if (d == TYPES_DATE_NOBEGIN || d == TYPES_DATE_NOEND) {
            if (u >= DU_MICROSEC && u <= DU_HOUR)
                return dt_unit_error(err, u, low, t);
            return dt_part_infinite(ctx, u, numeric, d == TYPES_DATE_NOEND ? 1 : -1, out, err);
        }
        TypesTm tm;
        memset(&tm, 0, sizeof tm);
        types_j2date((int)(d + TYPES_POSTGRES_EPOCH_JDATE), &tm.year, &tm.mon, &tm.mday);
        if (dt_part_date(ctx, u, numeric, &tm, out, err, &rc))
            return rc;
        if (u == DU_JULIAN)
            return dt_part_result(ctx, numeric, d + TYPES_POSTGRES_EPOCH_JDATE, 0, 0, out, err);
        if (u == DU_EPOCH) {
            int64_t secs = (d + 10957) * 86400;
            return dt_part_result(ctx, numeric, secs, 0, (double)secs, out, err);
        }
        return dt_unit_error(err, u, low, t);
    }
    if (t == TIMEOID) {
        int64_t us = src->u.i;
        int hour = (int)(us / INT64_C(3600000000));
        us -= hour * INT64_C(3600000000);
        int min = (int)(us / 60000000);
        us -= (int64_t)min * 60000000;
        int sec = (int)(us / 1000000);
        if (dt_part_time_fields(ctx, u, numeric, hour, min, sec, (int32_t)(us - (int64_t)sec * 1000000), out, err, &rc))
            return rc;
        if (u == DU_EPOCH)
            return dt_part_result(ctx, numeric, src->u.i, 6, src->u.i / 1000000.0, out, err);
        return dt_unit_error(err, u, low, t);
    }
    if (t == INTERVALOID) {
        const Value *iv = src;
        int64_t us = iv->u.iv.us;
        int64_t hours = us / INT64_C(3600000000);
        us -= hours * INT64_C(3600000000);
        int min = (int)(us / 60000000);
        us -= (int64_t)min * 60000000;
        int sec = (int)(us / 1000000);
        int32_t usec = (int32_t)(us - (int64_t)sec * 1000000);
        int years = iv->u.iv.months / 12, mons = iv->u.iv.months % 12;
        int64_t v;
        switch (u) {
        case DU_MICROSEC: case DU_MILLISEC: case DU_SECOND: case DU_MINUTE:
            dt_part_time_fields(ctx, u, numeric, 0, min, sec, usec, out, err, &rc);
            return rc;
        case DU_HOUR: v = hours; break;
        case DU_DAY: v = iv->u.iv.days; break;
        case DU_MONTH: v = mons; break;
        case DU_QUARTER: v = mons / 3 + 1; break;
        case DU_YEAR: v = years; break;
        case DU_DECADE: v = years / 10; break;
        case DU_CENTURY: v = years / 100; break;
        case DU_MILLENNIUM: v = years / 1000; break;
        case DU_EPOCH: {
            __int128 secs = (__int128)INT64_C(31557600) * years + (__int128)2592000 * mons + (__int128)86400 * iv->u.iv.days;
            __int128 total = secs * 1000000 + iv->u.iv.us;
            double f = iv->u.iv.us / 1000000.0 + 365.25 * 86400 * years + 30.0 * 86400 * mons + 86400.0 * iv->u.iv.days;
            if (total > INT64_MAX || total < INT64_MIN)
                return numeric ? SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE, "interval out of range")
                               : dt_part_result(ctx, false, 0, 0, f, out, err);
            return dt_part_result(ctx, numeric, (int64_t)total, 6, f, out, err);
        }
        default:
            return dt_unit_error(err, u, low, t);
        }
        return dt_part_result(ctx, numeric, v, 0, (double)v, out, err);
    }
    /* timestamp / timestamptz */
    bool tz = t == TIMESTAMPTZOID;
    int64_t ts = src->u.i;
    if (ts == TYPES_DT_NOBEGIN || ts == TYPES_DT_NOEND) {
        if (!tz && (u == DU_TZ || u == DU_TZ_HOUR || u == DU_TZ_MINUTE))
            return dt_unit_error(err, u, low, t);
        return dt_part_infinite(ctx, u, numeric, ts == TYPES_DT_NOEND ? 1 : -1, out, err);
    }
    if (u == DU_EPOCH) {
        __int128 d = (__int128)ts - DT_UNIX_EPOCH_US;
        return dt_part_result(ctx, numeric, (int64_t)d, 6, (double)d / 1000000.0, out, err);
    }
    TypesTm tm;
    if ((tz ? types_tstz2tm(ts, ctx->tc->tz, &tm) : types_ts2tm(ts, &tm)) < 0)
        return dt_range(err);
    if (dt_part_time_fields(ctx, u, numeric, tm.hour, tm.min, tm.sec, tm.usec, out, err, &rc))
        return rc;
    if (dt_part_date(ctx, u, numeric, &tm, out, err, &rc))
        return rc;
    if (u == DU_JULIAN) {
        int jd = types_date2j(tm.year, tm.mon, tm.mday);
        int64_t day_us = (((int64_t)tm.hour * 60 + tm.min) * 60 + tm.sec) * 1000000 + tm.usec;
        if (!numeric)
            return dt_part_result(ctx, false, 0, 0,
                                  jd + (((tm.hour * 60 + tm.min) * 60) + tm.sec + tm.usec / 1000000.0) / 86400.0, out, err);
        NumVar a, b, q, r;
        num_init(&a); num_init(&b); num_init(&q); num_init(&r);
        int ok = num_set_int64(&a, day_us) == 0 && num_set_int64(&b, TYPES_USECS_PER_DAY) == 0 &&
                 num_div(&a, &b, &q, num_div_scale(&a, &b), true) == 0 && num_set_int64(&a, jd) == 0 &&
                 num_add(&a, &q, &r) == 0;
        num_free(&a); num_free(&b); num_free(&q);
        if (!ok) {
            num_free(&r);
            return types_oom(err);
        }
        return fn_num_result(ctx, &r, out, err);
    }
    if (tz && (u == DU_TZ || u == DU_TZ_HOUR || u == DU_TZ_MINUTE)) {
        int64_t v = u == DU_TZ ? tm.gmtoff : u == DU_TZ_HOUR ? tm.gmtoff / 3600 : (tm.gmtoff / 60) % 60;
        return dt_part_result(ctx, numeric, v, 0, (double)v, out, err);
    }
    return dt_unit_error(err, u, low, t);
}

static FN(fn_extract) { (void)nargs; return dt_part(ctx, true, &args[0], &args[1], out, err); }
static FN(fn_date_part)
{
    (void)nargs;
    if (args[1].type == DATEOID) {   /* PostgreSQL's date_part(text, date) goes through timestamp */
        Value ts = value_int(TIMESTAMPOID, args[1].u.i == TYPES_DATE_NOEND ? TYPES_DT_NOEND
                                           : args[1].u.i == TYPES_DATE_NOBEGIN ? TYPES_DT_NOBEGIN
                                           : args[1].u.i * TYPES_USECS_PER_DAY);
        return dt_part(ctx, false, &args[0], &ts, out, err);
    }
    return dt_part(ctx, false, &args[0], &args[1], out, err);
}

/* --- age --------------------------------------------------------------------------------- */

static int dt_age(FuncCallCtx *ctx, int64_t t1, int64_t t2, bool tz, Value *out, SqlError *err)
{
    if (t1 == TYPES_DT_NOBEGIN || t1 == TYPES_DT_NOEND || t2 == TYPES_DT_NOBEGIN || t2 == TYPES_DT_NOEND)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "cannot subtract infinite timestamps");
    TypesTm a, b;
    if ((tz ? types_tstz2tm(t1, ctx->tc->tz, &a) : types_ts2tm(t1, &a)) < 0 ||
        (tz ? types_tstz2tm(t2, ctx->tc->tz, &b) : types_ts2tm(t2, &b)) < 0)
        return dt_range(err);
    int64_t fsec = a.usec - b.usec;
    int64_t sec = a.sec - b.sec, min = a.min - b.min, hour = a.hour - b.hour, mday = a.mday - b.mday;
    int64_t mon = a.mon - b.mon, year = (int64_t)a.year - b.year;
    bool neg = t1 < t2;
    if (neg) {
        fsec = -fsec; sec = -sec; min = -min; hour = -hour; mday = -mday; mon = -mon; year = -year;
    }
    while (fsec < 0) { fsec += 1000000; sec--; }
    while (sec < 0) { sec += 60; min--; }
    while (min < 0) { min += 60; hour--; }
    while (hour < 0) { hour += 24; mday--; }
    while (mday < 0) {
        const TypesTm *r = neg ? &a : &b;
        mday += dt_mdays(r->year, r->mon);
        mon--;
    }
    while (mon < 0) { mon += 12; year--; }
    if (neg) {
        fsec = -fsec; sec = -sec; min = -min; hour = -hour; mday = -mday; mon = -mon; year = -year;
    }
    int64_t months = year * 12 + mon;
    if (months > INT32_MAX || months < INT32_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    out->type = INTERVALOID;
    out->null = false;
    out->u.iv.months = (int32_t)months;
    out->u.iv.days = (int32_t)mday;
    out->u.iv.us = ((hour * 60 + min) * 60 + sec) * 1000000 + fsec;
    return 0;
}

/* midnight of the transaction's current_date (local) as timestamp or timestamptz */
static int dt_today(FuncCallCtx *ctx, bool tz, int64_t *out, SqlError *err)
{
    TypesTm tm;
    if (types_tstz2tm(ctx->txn_timestamp, ctx->tc->tz, &tm) < 0)
        return dt_range(err);
    tm.hour = tm.min = tm.sec = 0;
    tm.usec = 0;
    if ((tz ? types_local2utc(&tm, ctx->tc->tz, out) : types_tm2ts(&tm, out)) < 0)
        return dt_range(err);
    return 0;
}

static FN(fn_age)
{
    bool tz = args[0].type == TIMESTAMPTZOID;
    if (nargs == 1) {
        int64_t today;
        if (dt_today(ctx, tz, &today, err) < 0)
            return -1;
        return dt_age(ctx, today, args[0].u.i, tz, out, err);
    }
    return dt_age(ctx, args[0].u.i, args[1].u.i, tz, out, err);
}

/* --- constructors ----------------------------------------------------------------------- */

/* year/month/day as make_date takes them (negative years are BC) -> Julian day */
static int dt_make_jd(int64_t y, int64_t m, int64_t d, int *jd, SqlError *err)
{
    int64_t ay = y < 0 ? y + 1 : y;
    if (y == 0 || m < 1 || m > 12 || d < 1 || y > 5874897 || y < -4714 || d > dt_mdays((int)ay, (int)m))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date field value out of range: %lld-%02lld-%02lld", (long long)y,
                       (long long)m, (long long)d);
    int64_t j = types_date2j((int)ay, (int)m, (int)d);
    if (j < 0 || j >= INT64_C(2147483494))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date out of range: %lld-%02lld-%02lld", (long long)y,
                       (long long)m, (long long)d);
    *jd = (int)j;
    return 0;
}

static bool dt_time_overflows(int64_t h, int64_t m, double s)
{
    if (h < 0 || h > 24 || m < 0 || m >= 60)
        return true;
    if (!(s >= 0.0 && s <= 60.0))
        return true;
    double us = rint(s * 1000000.0);
    return h == 24 && (m > 0 || us > 0);
}

static FN(fn_make_date)
{
    (void)nargs;
    int jd;
    if (dt_make_jd(args[0].u.i, args[1].u.i, args[2].u.i, &jd, err) < 0)
        return -1;
    *out = value_int(DATEOID, jd - TYPES_POSTGRES_EPOCH_JDATE);
    (void)ctx;
    return 0;
}

static FN(fn_make_time)
{
    (void)ctx; (void)nargs;
    int64_t h = args[0].u.i, m = args[1].u.i;
    double s = args[2].u.f;
    if (dt_time_overflows(h, m, s))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "time field value out of range: %lld:%02lld:%02g", (long long)h,
                       (long long)m, s);
    *out = value_int(TIMEOID, (h * 60 + m) * 60 * 1000000 + (int64_t)rint(s * 1000000.0));
    return 0;
}

static int dt_make_ts(const Value *args, int64_t *ts, SqlError *err)
{
    int jd;
    if (dt_make_jd(args[0].u.i, args[1].u.i, args[2].u.i, &jd, err) < 0)
        return -1;
    int64_t h = args[3].u.i, m = args[4].u.i;
    double s = args[5].u.f;
    if (dt_time_overflows(h, m, s))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "time field value out of range: %lld:%02lld:%02g", (long long)h,
                       (long long)m, s);
    __int128 r = (__int128)(jd - TYPES_POSTGRES_EPOCH_JDATE) * TYPES_USECS_PER_DAY + (h * 60 + m) * 60 * 1000000 +
                 (int64_t)rint(s * 1000000.0);
    if (r < INT64_C(-211813488000000000) || r >= INT64_C(9223371331200000000))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range: %lld-%02lld-%02lld %lld:%02lld:%02g",
                       (long long)args[0].u.i, (long long)args[1].u.i, (long long)args[2].u.i, (long long)h,
                       (long long)m, s);
    *ts = (int64_t)r;
    return 0;
}

static FN(fn_make_timestamp)
{
    (void)ctx; (void)nargs;
    int64_t ts;
    if (dt_make_ts(args, &ts, err) < 0)
        return -1;
    *out = value_int(TIMESTAMPOID, ts);
    return 0;
}

static FN(fn_make_timestamptz)
{
    int64_t ts;
    if (dt_make_ts(args, &ts, err) < 0)
        return -1;
    const TypesTimeZone *z = ctx->tc->tz;
    if (nargs > 6 && dt_zone(&args[6], &z, err) < 0)
        return -1;
    TypesTm tm;
    if (types_ts2tm(ts, &tm) < 0 || types_local2utc(&tm, z, &ts) < 0)
        return dt_range(err);
    *out = value_int(TIMESTAMPTZOID, ts);
    return 0;
}

static FN(fn_make_interval)
{
    (void)ctx;
    int64_t f[6] = { 0, 0, 0, 0, 0, 0 };
    for (int i = 0; i < nargs && i < 6; i++)
        f[i] = args[i].u.i;
    double secs = nargs > 6 ? args[6].u.f : 0;
    if (isinf(secs) || isnan(secs))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    int64_t months = f[0] * 12 + f[1], days = f[2] * 7 + f[3];
    if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX || days < INT32_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    out->type = INTERVALOID;
    out->null = false;
    out->u.iv.months = (int32_t)months;
    out->u.iv.days = (int32_t)days;
    out->u.iv.us = f[4] * INT64_C(3600000000) + f[5] * INT64_C(60000000) + (int64_t)rint(secs * 1000000.0);
    return 0;
}

/* --- justify ------------------------------------------------------------------------------ */

static FN(fn_justify_hours)
{
    (void)ctx; (void)nargs; (void)err;
    *out = args[0];
    int64_t whole = out->u.iv.us / TYPES_USECS_PER_DAY;
    out->u.iv.us -= whole * TYPES_USECS_PER_DAY;
    int64_t d = out->u.iv.days + whole;
    if (d > 0 && out->u.iv.us < 0) {
        out->u.iv.us += TYPES_USECS_PER_DAY;
        d--;
    } else if (d < 0 && out->u.iv.us > 0) {
        out->u.iv.us -= TYPES_USECS_PER_DAY;
        d++;
    }
    if (d > INT32_MAX || d < INT32_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    out->u.iv.days = (int32_t)d;
    return 0;
}

static FN(fn_justify_days)
{
    (void)ctx; (void)nargs;
    *out = args[0];
    int32_t whole = out->u.iv.days / 30;
    out->u.iv.days -= whole * 30;
    int64_t m = (int64_t)out->u.iv.months + whole;
    if (m > 0 && out->u.iv.days < 0) {
        out->u.iv.days += 30;
        m--;
    } else if (m < 0 && out->u.iv.days > 0) {
        out->u.iv.days -= 30;
        m++;
    }
    if (m > INT32_MAX || m < INT32_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    out->u.iv.months = (int32_t)m;
    return 0;
}

static FN(fn_justify_interval)
{
    (void)ctx; (void)nargs;
    int64_t us = args[0].u.iv.us;
    int64_t whole = us / TYPES_USECS_PER_DAY;
    us -= whole * TYPES_USECS_PER_DAY;
    int64_t d = args[0].u.iv.days + whole;
    int64_t wm = d / 30;
    d -= wm * 30;
    int64_t m = args[0].u.iv.months + wm;
    if (m > 0 && (d < 0 || (d == 0 && us < 0))) {
        d += 30;
        m--;
    } else if (m < 0 && (d > 0 || (d == 0 && us > 0))) {
        d -= 30;
        m++;
    }
    if (d > 0 && us < 0) {
        us += TYPES_USECS_PER_DAY;
        d--;
    } else if (d < 0 && us > 0) {
        us -= TYPES_USECS_PER_DAY;
        d++;
    }
    if (m > INT32_MAX || m < INT32_MIN || d > INT32_MAX || d < INT32_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    out->type = INTERVALOID;
    out->null = false;
    out->u.iv.months = (int32_t)m;
    out->u.iv.days = (int32_t)d;
    out->u.iv.us = us;
    return 0;
}

/* --- conversions ------------------------------------------------------------------------- */

static FN(fn_to_timestamp_f8)
{
    (void)ctx; (void)nargs;
    double s = args[0].u.f;
    if (isnan(s))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp cannot be NaN");
    if (isinf(s)) {
        *out = value_int(TIMESTAMPTZOID, s > 0 ? TYPES_DT_NOEND : TYPES_DT_NOBEGIN);
        return 0;
    }
    if (s < 86400.0 * (0 - 2440588) || s >= 86400.0 * (109203528.0 - 2440588))
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"%g\"", s);
    s -= 946684800.0;
    double us = rint(s * 1000000.0);
    if (us < -211813488000000000.0 || us >= 9223371331200000000.0)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"%g\"", args[0].u.f);
    *out = value_int(TIMESTAMPTZOID, (int64_t)us);
    return 0;
}

/* timezone(zone, timestamp) -> timestamptz; timezone(zone, timestamptz) -> timestamp */
static FN(fn_timezone)
{
    (void)nargs;
    int64_t ts = args[1].u.i;
    bool to_tz = args[1].type == TIMESTAMPOID;
    Oid rt = to_tz ? TIMESTAMPTZOID : TIMESTAMPOID;
    if (ts == TYPES_DT_NOBEGIN || ts == TYPES_DT_NOEND) {
        *out = value_int(rt, ts);
        return 0;
    }
    if (args[0].type == INTERVALOID) {
        if (args[0].u.iv.months || args[0].u.iv.days) {
            const char *s = types_output_cstr(ctx->tc, &args[0], ctx->arena);
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "interval time zone \"%s\" must not include months or days",
                           s ? s : "");
        }
        int64_t off = (args[0].u.iv.us / 1000000) * 1000000;
        __int128 r = to_tz ? (__int128)ts - off : (__int128)ts + off;
        if (r < INT64_C(-211813488000000000) || r >= INT64_C(9223371331200000000))
            return dt_range(err);
        *out = value_int(rt, (int64_t)r);
        return 0;
    }
    const TypesTimeZone *z;
    if (dt_zone(&args[0], &z, err) < 0)
        return -1;
    TypesTm tm;
    if (to_tz) {
        if (types_ts2tm(ts, &tm) < 0 || types_local2utc(&tm, z, &ts) < 0)
            return dt_range(err);
    } else {
        if (types_tstz2tm(ts, z, &tm) < 0 || types_tm2ts(&tm, &ts) < 0)
            return dt_range(err);
    }
    *out = value_int(rt, ts);
    return 0;
}

static FN(fn_date_bin)
{
    (void)ctx; (void)nargs;
    const Value *stride = &args[0];
    int64_t ts = args[1].u.i, origin = args[2].u.i;
    Oid rt = args[1].type;
    if (ts == TYPES_DT_NOBEGIN || ts == TYPES_DT_NOEND) {
        *out = value_int(rt, ts);
        return 0;
    }
    if (origin == TYPES_DT_NOBEGIN || origin == TYPES_DT_NOEND)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "origin out of range");
    if (stride->u.iv.months != 0)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "timestamps cannot be binned into intervals containing months or years");
    __int128 s = (__int128)stride->u.iv.days * TYPES_USECS_PER_DAY + stride->u.iv.us;
    if (s > INT64_MAX || s < INT64_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    if (s <= 0)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "stride must be greater than zero");
    __int128 diff = (__int128)ts - origin;
    if (diff > INT64_MAX || diff < INT64_MIN)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "interval out of range");
    __int128 delta = diff - diff % s;
    if (diff < 0 && diff % s != 0)
        delta -= s;
    __int128 r = origin + delta;
    if (r < INT64_C(-211813488000000000) || r >= INT64_C(9223371331200000000))
        return dt_range(err);
    *out = value_int(rt, (int64_t)r);
    return 0;
}

static FN(fn_isfinite)
{
    (void)ctx; (void)nargs; (void)err;
    const Value *v = &args[0];
    bool fin = true;
    if (v->type == DATEOID)
        fin = v->u.i != TYPES_DATE_NOBEGIN && v->u.i != TYPES_DATE_NOEND;
    else if (v->type == TIMESTAMPOID || v->type == TIMESTAMPTZOID)
        fin = v->u.i != TYPES_DT_NOBEGIN && v->u.i != TYPES_DT_NOEND;
    *out = value_bool(fin);
    return 0;
}

static FN(fn_localtimestamp)
{
    (void)nargs; (void)args;
    TypesTm tm;
    int64_t ts;
    if (types_tstz2tm(ctx->txn_timestamp, ctx->tc->tz, &tm) < 0 || types_tm2ts(&tm, &ts) < 0)
        return dt_range(err);
    *out = value_int(ctx->ret_type == TIMEOID ? TIMEOID : TIMESTAMPOID,
                     ctx->ret_type == TIMEOID ? ((int64_t)(tm.hour * 60 + tm.min) * 60 + tm.sec) * 1000000 + tm.usec : ts);
    return 0;
}

/* --- generate_series over timestamps ------------------------------------------------------ */

typedef struct SrfTsSeries { int64_t cur, stop; int32_t months, days; int64_t us; int dir; bool done, tz; } SrfTsSeries;

static int tsser_open(FuncCallCtx *ctx, void *st, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)nargs;
    SrfTsSeries *s = st;
    s->cur = args[0].u.i;
    s->stop = args[1].u.i;
    s->months = args[2].u.iv.months;
    s->days = args[2].u.iv.days;
    s->us = args[2].u.iv.us;
    s->tz = args[0].type == TIMESTAMPTZOID;
    Value zero = args[2];
    zero.u.iv.months = zero.u.iv.days = 0;
    zero.u.iv.us = 0;
    s->dir = types_compare(&args[2], &zero);
    if (s->dir == 0)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "step size cannot equal zero");
    s->done = false;
    return 0;
}

static int tsser_next(FuncCallCtx *ctx, void *st, Value *out, SqlError *err)
{
    SrfTsSeries *s = st;
    if (s->done || (s->dir > 0 ? s->cur > s->stop : s->cur < s->stop))
        return 0;
    if (ctx->hooks.cancelled && ctx->hooks.cancelled(ctx->hooks.arg))
        return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
    Oid t = s->tz ? TIMESTAMPTZOID : TIMESTAMPOID;
    *out = value_int(t, s->cur);
    Value nx;
    if (types_ts_add(ctx, s->cur, s->tz, s->months, s->days, s->us, &nx, err) < 0)
        return -1;
    if (nx.u.i == s->cur)
        s->done = true;   /* an infinite start never advances */
    s->cur = nx.u.i;
    return 1;
}

static const SqlSrfImpl srf_generate_series_ts = { sizeof(SrfTsSeries), 1, NULL, NULL, tsser_open, tsser_next };

/* --- registration ----------------------------------------------------------------------- */

void types_fn_date_register(void)
{
    const Oid I4 = INT4OID, F8 = FLOAT8OID, TS = TIMESTAMPOID, TZ = TIMESTAMPTZOID, IV = INTERVALOID, TX = TEXTOID;
    types_reg_fn("date_trunc", TS, fn_date_trunc, 2, TYPES_A(TX, TS));
    types_reg_fn("date_trunc", TZ, fn_date_trunc, 2, TYPES_A(TX, TZ))->volatility = SQL_STABLE;
    types_reg_fn("date_trunc", TZ, fn_date_trunc, 3, TYPES_A(TX, TZ, TX));
    types_reg_fn("date_trunc", IV, fn_date_trunc, 2, TYPES_A(TX, IV));
    static const Oid part_types[] = { TIMESTAMPOID, TIMESTAMPTZOID, DATEOID, TIMEOID, INTERVALOID };
    for (int i = 0; i < 5; i++) {
        types_reg_fn("extract", NUMERICOID, fn_extract, 2, TYPES_A(TX, part_types[i]))->volatility =
            part_types[i] == TIMESTAMPTZOID ? SQL_STABLE : SQL_IMMUTABLE;
        types_reg_fn("date_part", F8, fn_date_part, 2, TYPES_A(TX, part_types[i]))->volatility =
            part_types[i] == TIMESTAMPTZOID ? SQL_STABLE : SQL_IMMUTABLE;
    }
    types_reg_fn("age", IV, fn_age, 2, TYPES_A(TS, TS));
    types_reg_fn("age", IV, fn_age, 2, TYPES_A(TZ, TZ))->volatility = SQL_STABLE;
    types_reg_fn("age", IV, fn_age, 1, TYPES_A(TS))->volatility = SQL_STABLE;
    types_reg_fn("age", IV, fn_age, 1, TYPES_A(TZ))->volatility = SQL_STABLE;
    types_reg_fn("make_date", DATEOID, fn_make_date, 3, TYPES_A(I4, I4, I4));
    types_reg_fn("make_time", TIMEOID, fn_make_time, 3, TYPES_A(I4, I4, F8));
    types_reg_fn("make_timestamp", TS, fn_make_timestamp, 6, TYPES_A(I4, I4, I4, I4, I4, F8));
    types_reg_fn("make_timestamptz", TZ, fn_make_timestamptz, 6, TYPES_A(I4, I4, I4, I4, I4, F8))->volatility =
        SQL_STABLE;
    types_reg_fn("make_timestamptz", TZ, fn_make_timestamptz, 7, TYPES_A(I4, I4, I4, I4, I4, F8, TX))->volatility =
        SQL_STABLE;
    /* make_interval(years, months, weeks, days, hours, mins, secs) with defaults 0 */
    static const Oid mi[7] = { INT4OID, INT4OID, INT4OID, INT4OID, INT4OID, INT4OID, FLOAT8OID };
    static const char *const mi_names[7] = { "years", "months", "weeks", "days", "hours", "mins", "secs" };
    static const char *const mi_defaults[7] = { "0", "0", "0", "0", "0", "0", "0.0" };
    for (int n = 0; n <= 7; n++) {
        SqlFunc *f = types_reg_fn("make_interval", IV, fn_make_interval, n, mi);
        if (n == 7) {
            f->argnames = mi_names;
            f->argdefaults = mi_defaults;
        }
    }
    types_reg_fn("justify_days", IV, fn_justify_days, 1, TYPES_A(IV));
    types_reg_fn("justify_hours", IV, fn_justify_hours, 1, TYPES_A(IV));
    types_reg_fn("justify_interval", IV, fn_justify_interval, 1, TYPES_A(IV));
    types_reg_fn("to_timestamp", TZ, fn_to_timestamp_f8, 1, TYPES_A(F8));
    types_reg_fn("timezone", TZ, fn_timezone, 2, TYPES_A(TX, TS))->volatility = SQL_STABLE;
    types_reg_fn("timezone", TS, fn_timezone, 2, TYPES_A(TX, TZ))->volatility = SQL_STABLE;
    types_reg_fn("timezone", TZ, fn_timezone, 2, TYPES_A(IV, TS));
    types_reg_fn("timezone", TS, fn_timezone, 2, TYPES_A(IV, TZ));
    types_reg_fn("date_bin", TS, fn_date_bin, 3, TYPES_A(IV, TS, TS));
    types_reg_fn("date_bin", TZ, fn_date_bin, 3, TYPES_A(IV, TZ, TZ));
    types_reg_fn("isfinite", BOOLOID, fn_isfinite, 1, TYPES_A(DATEOID));
    types_reg_fn("isfinite", BOOLOID, fn_isfinite, 1, TYPES_A(TS));
    types_reg_fn("isfinite", BOOLOID, fn_isfinite, 1, TYPES_A(TZ));
    types_reg_fn("isfinite", BOOLOID, fn_isfinite, 1, TYPES_A(IV));
    types_reg_fn("localtimestamp", TS, fn_localtimestamp, 0, TYPES_A(0))->volatility = SQL_STABLE;
    types_reg_fn("localtime", TIMEOID, fn_localtimestamp, 0, TYPES_A(0))->volatility = SQL_STABLE;
    types_reg_srf("generate_series", TS, &srf_generate_series_ts, 3, TYPES_A(TS, TS, IV));
    types_reg_srf("generate_series", TZ, &srf_generate_series_ts, 3, TYPES_A(TZ, TZ, IV))->volatility = SQL_STABLE;
}
