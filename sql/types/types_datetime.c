/* types_datetime.c -- date, time, timestamp and timestamptz: calendar arithmetic (Julian
 * day numbers as PostgreSQL's date2j/j2date), text input of the common ISO, SQL and
 * month-name forms plus the special words (now, today, tomorrow, yesterday, epoch,
 * infinity, -infinity, allballs), and ISO DateStyle output. Values: date = days since
 * 2000-01-01, time = us since midnight, timestamp(tz) = us since 2000-01-01 (UTC for tz). */
#include "sql/types/types_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Valid timestamp range (PostgreSQL): 4713-11-24 BC .. 294276-12-31 AD. */
#define DT_MIN_JULIAN 0
#define DT_END_JULIAN 109203528   /* 294277-01-01 */
#define DT_MIN_TS INT64_C(-211813488000000000)
#define DT_END_TS INT64_C(9223371331200000000)

int types_date2j(int y, int m, int d)
{
    int julian, century;
    if (m > 2) {
        m += 1;
        y += 4800;
    } else {
        m += 13;
        y += 4799;
    }
    century = y / 100;
    julian = y * 365 - 32167;
    julian += y / 4 - century + century / 4;
    julian += 7834 * m / 256 + d;
    return julian;
}

void types_j2date(int jd, int *year, int *month, int *day)
{
    unsigned int julian = (unsigned int)jd + 32044;
    unsigned int quad = julian / 146097;
    unsigned int extra = (julian - quad * 146097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146097;
    quad = julian / 1461;
    julian -= quad * 1461;
    int y = (int)(julian * 4 / 1461);
    julian = ((y != 0) ? ((julian + 305) % 365) : ((julian + 306) % 366)) + 123;
    y += (int)quad * 4;
    *year = y - 4800;
    quad = julian * 2141 / 65536;
    *day = (int)(julian - 7834 * quad / 256);
    *month = (int)((quad + 10) % 12 + 1);
}

static bool dt_leap(int y)
{
    /* y is the astronomical year (1 BC = 0) */
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int dt_mdays(int y, int m)
{
    static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return md[m - 1] + (m == 2 && dt_leap(y));
}

int types_ts2tm(int64_t ts, TypesTm *tm)
{
    int64_t date = ts / TYPES_USECS_PER_DAY;
    int64_t time = ts % TYPES_USECS_PER_DAY;
    if (time < 0) {
        time += TYPES_USECS_PER_DAY;
        date -= 1;
    }
    int64_t jd = date + TYPES_POSTGRES_EPOCH_JDATE;
    if (jd < 0 || jd > INT32_MAX)
        return -1;
    types_j2date((int)jd, &tm->year, &tm->mon, &tm->mday);
    tm->hour = (int)(time / INT64_C(3600000000));
    time -= (int64_t)tm->hour * INT64_C(3600000000);
    tm->min = (int)(time / 60000000);
    time -= (int64_t)tm->min * 60000000;
    tm->sec = (int)(time / 1000000);
    tm->usec = (int32_t)(time - (int64_t)tm->sec * 1000000);
    tm->wday = (int)((jd + 1) % 7);
    tm->yday = (int)(jd - types_date2j(tm->year, 1, 1) + 1);
    tm->gmtoff = 0;
    tm->zone = NULL;
    return 0;
}

int types_tm2ts(const TypesTm *tm, int64_t *ts)
{
    int64_t jd = types_date2j(tm->year, tm->mon, tm->mday);
    int64_t days = jd - TYPES_POSTGRES_EPOCH_JDATE;
    int64_t t = (((int64_t)tm->hour * 60 + tm->min) * 60 + tm->sec) * 1000000 + tm->usec;
    if (jd < DT_MIN_JULIAN || jd >= DT_END_JULIAN + 1)
        return -1;
    __int128 r = (__int128)days * TYPES_USECS_PER_DAY + t;
    if (r < DT_MIN_TS || r >= DT_END_TS)
        return -1;
    *ts = (int64_t)r;
    return 0;
}

int types_tstz2tm(int64_t ts, const TypesTimeZone *tz, TypesTm *tm)
{
    const char *abbr = NULL;
    int off = types_timezone_offset_at(tz, ts, &abbr);
    if (types_ts2tm(ts + (int64_t)off * 1000000, tm) < 0)
        return -1;
    tm->gmtoff = off;
    tm->zone = abbr;
    return 0;
}

int types_local2utc(const TypesTm *tm, const TypesTimeZone *tz, int64_t *ts)
{
    int64_t local;
    if (types_tm2ts(tm, &local) < 0)
        return -1;
    int64_t day = INT64_C(86400000000);
    int before = types_timezone_offset_at(tz, local - day, NULL);
    int after = types_timezone_offset_at(tz, local + day, NULL);
    int64_t u_before = local - (int64_t)before * 1000000;
    int64_t u_after = local - (int64_t)after * 1000000;
    bool ok_before = types_timezone_offset_at(tz, u_before, NULL) == before;
    bool ok_after = types_timezone_offset_at(tz, u_after, NULL) == after;
    /* PostgreSQL: ambiguous local times take the later instant (standard time after a
     * fall-back); nonexistent ones use the offset in effect before the transition */
    if (ok_before && ok_after)
        *ts = u_before > u_after ? u_before : u_after;
    else if (ok_after)
        *ts = u_after;
    else
        *ts = u_before;
    return 0;
}

int types_timestamp_round(int64_t *ts, int32_t typmod)
{
    if (typmod < 0 || typmod >= 6 || *ts == TYPES_DT_NOBEGIN || *ts == TYPES_DT_NOEND)
        return 0;
    static const int64_t scales[] = { 1000000, 100000, 10000, 1000, 100, 10 };
    int64_t s = scales[typmod];
    if (*ts >= 0)
        *ts = ((*ts + s / 2) / s) * s;
    else
        *ts = -(((-*ts + s / 2) / s) * s);
    return 0;
}

/* --- parsing ----------------------------------------------------------------------------- */

typedef struct DtParse {
    const char *p, *e;
    int year, mon, mday;
    bool have_date, have_time, have_tz, bc;
    int hour, min, sec;
    int32_t usec;
    int tzoff;        /* seconds east, when have_tz with a numeric offset */
    const TypesTimeZone *tzone; /* when a zone name was given */
} DtParse;

static const char *const dt_months[] = { "january", "february", "march", "april", "may", "june", "july",
                                         "august", "september", "october", "november", "december" };

static int dt_month_word(const char *w, size_t n)
{
    if (n < 3)
        return 0;
    for (int i = 0; i < 12; i++) {
        size_t ml = strlen(dt_months[i]);
        if (n > ml)
            continue;
        if (strncasecmp(w, dt_months[i], n) == 0 && (n == 3 || n == ml || (i == 8 && n == 4)))
            return i + 1;
    }
    return 0;
}

static void dt_skip_space(DtParse *d)
{
    while (d->p < d->e && (isspace((unsigned char)*d->p) || *d->p == ','))
        d->p++;
}

static int dt_number(DtParse *d, int *out, int *ndig)
{
    int v = 0, n = 0;
    while (d->p < d->e && isdigit((unsigned char)*d->p)) {
        if (n < 9)
            v = v * 10 + (*d->p - '0');
        n++;
        d->p++;
    }
    *out = v;
    if (ndig)
        *ndig = n;
    return n > 0 ? 0 : -1;
}

/* hh:mm[:ss[.frac]] at d->p (digits already known to follow) */
static int dt_parse_time(DtParse *d)
{
    int h, m = 0, s = 0, n;
    if (dt_number(d, &h, &n) < 0)
        return -1;
    if (d->p < d->e && *d->p == ':') {
        d->p++;
        if (dt_number(d, &m, NULL) < 0)
            return -1;
        if (d->p < d->e && *d->p == ':') {
            d->p++;
            if (dt_number(d, &s, NULL) < 0)
                return -1;
        }
    } else if (n == 4 || n == 6) {
        /* hhmm[ss] */
        int v = h;
        if (n == 6) {
            s = v % 100;
            v /= 100;
        }
        m = v % 100;
        h = v / 100;
    } else {
        return -1;
    }
    int32_t us = 0;
    if (d->p < d->e && *d->p == '.') {
        d->p++;
        int digits = 0;
        int64_t frac = 0;
        while (d->p < d->e && isdigit((unsigned char)*d->p)) {
            if (digits < 7) {
                frac = frac * 10 + (*d->p - '0');
                digits++;
            }
            d->p++;
        }
        while (digits < 7) {
            frac *= 10;
            digits++;
        }
        us = (int32_t)((frac + 5) / 10);
    }
    d->hour = h;
    d->min = m;
    d->sec = s;
    d->usec = us;
    d->have_time = true;
    return 0;
}

/* [+-]hh[:mm[:ss]] or [+-]hhmm: seconds east */
static int dt_parse_offset(DtParse *d)
{
    int sign = *d->p == '-' ? -1 : 1;
    d->p++;
    int h, m = 0, s = 0, n;
    if (dt_number(d, &h, &n) < 0)
        return -1;
    if (n == 4) {
        m = h % 100;
        h /= 100;
    } else if (n > 2) {
        return -1;
    }
    if (d->p < d->e && *d->p == ':') {
        d->p++;
        if (dt_number(d, &m, NULL) < 0)
            return -1;
        if (d->p < d->e && *d->p == ':') {
            d->p++;
            if (dt_number(d, &s, NULL) < 0)
                return -1;
        }
    }
    if (h > 15 || m > 59 || s > 59)
        return -2;
    d->tzoff = sign * (h * 3600 + m * 60 + s);
    d->have_tz = true;
    return 0;
}

/* 0 ok, -1 syntax, -2 field out of range, -3 unknown time zone (name in d->p..) */
static int dt_parse(const TypeContext *tc, DtParse *d)
{
    dt_skip_space(d);
    while (d->p < d->e) {
        char c = *d->p;
        if (isdigit((unsigned char)c)) {
            const char *start = d->p;
            int a, na;
            dt_number(d, &a, &na);
            char sep = d->p < d->e ? *d->p : 0;
            if (!d->have_date && (sep == '-' || sep == '/' || sep == '.') && d->p + 1 < d->e &&
                (isdigit((unsigned char)d->p[1]) || isalpha((unsigned char)d->p[1]))) {
                d->p++;
                int b, nb, cc, nc;
                int bmon = 0;
                if (isalpha((unsigned char)*d->p)) {
                    const char *w = d->p;
                    while (d->p < d->e && isalpha((unsigned char)*d->p))
                        d->p++;
                    bmon = dt_month_word(w, (size_t)(d->p - w));
                    if (!bmon)
                        return -1;
                    b = bmon;
                    nb = 2;
                } else if (dt_number(d, &b, &nb) < 0) {
                    return -1;
                }
                if (d->p >= d->e || *d->p != sep)
                    return -1;
                d->p++;
                if (dt_number(d, &cc, &nc) < 0)
                    return -1;
                if (na >= 3) {                /* y-m-d */
                    d->year = a, d->mon = b, d->mday = cc;
                } else if (bmon) {            /* d-Mon-y */
                    d->mday = a, d->mon = b, d->year = cc;
                    if (nc <= 2) d->year += cc < 70 ? 2000 : 1900;
                } else if (tc && tc->date_order == TYPES_DATEORDER_YMD) {
                    d->year = a, d->mon = b, d->mday = cc;
                    if (na <= 2) d->year += a < 70 ? 2000 : 1900;
                } else {
                    if (tc && tc->date_order == TYPES_DATEORDER_DMY)
                        d->mday = a, d->mon = b;
                    else
                        d->mon = a, d->mday = b;
                    d->year = cc;
                    if (nc <= 2) d->year += cc < 70 ? 2000 : 1900;
                }
                d->have_date = true;
            } else if (sep == ':' && !d->have_time) {
                d->p = start;
                if (dt_parse_time(d) < 0)
                    return -1;
            } else if (!d->have_date && na == 8) {
                d->year = a / 10000, d->mon = a / 100 % 100, d->mday = a % 100;
                d->have_date = true;
            } else if (d->have_date && !d->have_time && (na == 4 || na == 6) && start[-1] == 'T') {
                d->p = start;
                if (dt_parse_time(d) < 0)
                    return -1;
            } else if (d->mon && !d->have_date) {
                /* after a month name: day then year, or year */
                if (!d->mday && na <= 2)
                    d->mday = a;
                else {
                    d->year = a;
                    if (!d->mday)
                        return -1;
                    d->have_date = true;
                }
            } else if (!d->have_date && na <= 2 && !d->mon) {
                d->mday = a;  /* "2 Jan 2024" */
            } else if (!d->have_date && d->mon) {
                d->year = a;
                d->have_date = true;
            } else {
                return -1;
            }
        } else if (c == 'T' && d->have_date && d->p + 1 < d->e && isdigit((unsigned char)d->p[1])) {
            d->p++;
            if (dt_parse_time(d) < 0)
                return -1;
        } else if ((c == '+' || c == '-') && d->have_time) {
            int rc = dt_parse_offset(d);
            if (rc < 0)
                return rc;
        } else if (isalpha((unsigned char)c)) {
            const char *w = d->p;
            while (d->p < d->e && (isalnum((unsigned char)*d->p) || *d->p == '/' || *d->p == '_' ||
                                   (*d->p == '-' && d->p + 1 < d->e && isalpha((unsigned char)d->p[1])) ||
                                   ((*d->p == '+' || *d->p == '-') && w[0] != 'Z' && false)))
                d->p++;
            size_t n = (size_t)(d->p - w);
            int mon = dt_month_word(w, n);
            if (mon && !d->have_date) {
                d->mon = mon;
                if (d->mday && d->p < d->e) {
                    /* "2 Jan 2024": year follows */
                }
            } else if (n == 2 && strncasecmp(w, "BC", 2) == 0) {
                d->bc = true;
            } else if (n == 2 && strncasecmp(w, "AD", 2) == 0) {
            } else if (n == 2 && (strncasecmp(w, "AM", 2) == 0 || strncasecmp(w, "PM", 2) == 0)) {
                if (!d->have_time || d->hour > 12 || d->hour < 1)
                    return -2;
                if (toupper((unsigned char)w[0]) == 'P' && d->hour != 12)
                    d->hour += 12;
                else if (toupper((unsigned char)w[0]) == 'A' && d->hour == 12)
                    d->hour = 0;
            } else if (n == 1 && toupper((unsigned char)w[0]) == 'Z') {
                d->have_tz = true;
                d->tzoff = 0;
            } else {
                /* a time zone name: UTC, GMT, an IANA name, or a POSIX-style name */
                char name[128];
                if (n >= sizeof name)
                    return -3;
                memcpy(name, w, n);
                name[n] = 0;
                const TypesTimeZone *z;
                if (types_timezone_lookup(name, &z, NULL) < 0) {
                    d->p = w;
                    /* an unknown word before any date/time field is a syntax error */
                    return d->have_date || d->have_time ? -3 : -1;
                }
                d->tzone = z;
                d->have_tz = true;
                if (d->p < d->e && (*d->p == '+' || *d->p == '-')) {
                    /* "UTC+3" style after a name is not supported in literals */
                    return -1;
                }
            }
        } else {
            return -1;
        }
        dt_skip_space(d);
    }
    if (d->mon && !d->have_date) {
        if (!d->mday || !d->year)
            return -1;
        d->have_date = true;
    }
    if (d->bc && d->have_date)
        d->year = 1 - d->year;
    return 0;
}

static bool dt_word(const char *s, size_t n, const char *w)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

static int64_t dt_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return ((int64_t)t.tv_sec - INT64_C(946684800)) * 1000000 + t.tv_nsec / 1000;
}

static int dt_error(int rc, const char *tname, const char *s, size_t n, DtParse *d, SqlError *err)
{
    int len = n > 300 ? 300 : (int)n;
    if (rc == -2 || rc == -4) {
        SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"%.*s\"", len, s);
        if (rc == -4)
            sql_error_hint(err, "Perhaps you need a different \"datestyle\" setting.");
        return -1;
    }
    if (rc == -3) {
        const char *w = d->p;
        const char *e = w;
        while (e < d->e && !isspace((unsigned char)*e))
            e++;
        char name[128];
        int nl = (int)(e - w) < 127 ? (int)(e - w) : 127;
        for (int i = 0; i < nl; i++)
            name[i] = (char)tolower((unsigned char)w[i]);
        name[nl] = 0;
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "time zone \"%s\" not recognized", name);
    }
    return SQL_ERR(err, INVALID_DATETIME_FORMAT, "invalid input syntax for type %s: \"%.*s\"", tname, len, s);
}

static int dt_check_date(DtParse *d)
{
    /* -4: a month or day no calendar has (PostgreSQL's DTERR_MD_FIELD_OVERFLOW, which hints
     * at DateStyle); -2: a day past this month's end */
    if (d->mon < 1 || d->mon > 12 || d->mday < 1 || d->mday > 31)
        return -4;
    if (d->mday > dt_mdays(d->year, d->mon))
        return -2;
    return 0;
}

static int dt_check_time(DtParse *d)
{
    if (d->hour > 24 || d->min > 59 || d->sec > 60 ||
        (d->hour == 24 && (d->min || d->sec || d->usec)))
        return -2;
    if (d->sec == 60) {
        /* PostgreSQL accepts :60 and carries */
    }
    return 0;
}

int types_date_in(const TypeContext *tc, const char *s, size_t n, int32_t *out, SqlError *err)
{
    if (dt_word(s, n, "infinity") || dt_word(s, n, "+infinity")) {
        *out = TYPES_DATE_NOEND;
        return 0;
    }
    if (dt_word(s, n, "-infinity")) {
        *out = TYPES_DATE_NOBEGIN;
        return 0;
    }
    if (dt_word(s, n, "epoch")) {
        *out = -10957;
        return 0;
    }
    if (dt_word(s, n, "today") || dt_word(s, n, "now") || dt_word(s, n, "tomorrow") || dt_word(s, n, "yesterday")) {
        int64_t now = tc && tc->txn_now ? tc->txn_now : dt_now();
        TypesTm tm;
        if (types_tstz2tm(now, tc ? tc->tz : NULL, &tm) < 0)
            return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date out of range");
        int32_t days = types_date2j(tm.year, tm.mon, tm.mday) - TYPES_POSTGRES_EPOCH_JDATE;
        if (dt_word(s, n, "tomorrow")) days++;
        if (dt_word(s, n, "yesterday")) days--;
        *out = days;
        return 0;
    }
    DtParse d;
    memset(&d, 0, sizeof d);
    d.p = s;
    d.e = s + n;
    int rc = dt_parse(tc, &d);
    if (rc == 0 && !d.have_date)
        rc = -1;
    if (rc == 0)
        rc = dt_check_date(&d);
    if (rc < 0)
        return dt_error(rc, "date", s, n, &d, err);
    int jd = types_date2j(d.year, d.mon, d.mday);
    if (jd < DT_MIN_JULIAN || jd > 2147483494 - 0)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date out of range: \"%.*s\"", (int)n, s);
    *out = jd - TYPES_POSTGRES_EPOCH_JDATE;
    return 0;
}

int types_time_in(const char *s, size_t n, int32_t typmod, int64_t *out, SqlError *err)
{
    if (dt_word(s, n, "allballs")) {
        *out = 0;
        return 0;
    }
    DtParse d;
    memset(&d, 0, sizeof d);
    d.p = s;
    d.e = s + n;
    int rc = dt_parse(NULL, &d);
    if (rc == 0 && !d.have_time)
        rc = -1;
    if (rc == 0)
        rc = dt_check_time(&d);
    if (rc < 0)
        return dt_error(rc, "time", s, n, &d, err);
    int64_t t = (((int64_t)d.hour * 60 + d.min) * 60 + d.sec) * 1000000 + d.usec;
    if (typmod >= 0 && typmod < 6) {
        static const int64_t sc[] = { 1000000, 100000, 10000, 1000, 100, 10 };
        t = (t + sc[typmod] / 2) / sc[typmod] * sc[typmod];
    }
    if (t > TYPES_USECS_PER_DAY)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"%.*s\"", (int)n, s);
    *out = t;
    return 0;
}

int types_timestamp_in(const TypeContext *tc, const char *s, size_t n, bool is_tz, int32_t typmod,
                       int64_t *out, SqlError *err)
{
    const char *tname = is_tz ? "timestamp with time zone" : "timestamp";
    if (dt_word(s, n, "infinity") || dt_word(s, n, "+infinity")) {
        *out = TYPES_DT_NOEND;
        return 0;
    }
    if (dt_word(s, n, "-infinity")) {
        *out = TYPES_DT_NOBEGIN;
        return 0;
    }
    if (dt_word(s, n, "epoch")) {
        *out = -INT64_C(946684800000000);
        return 0;
    }
    const TypesTimeZone *tz = tc ? tc->tz : NULL;
    if (dt_word(s, n, "now")) {
        int64_t now = tc && tc->txn_now ? tc->txn_now : dt_now();
        if (!is_tz) {
            now += (int64_t)types_timezone_offset_at(tz, now, NULL) * 1000000;
        }
        *out = now;
        return 0;
    }
    if (dt_word(s, n, "today") || dt_word(s, n, "tomorrow") || dt_word(s, n, "yesterday")) {
        int32_t days;
        if (types_date_in(tc, s, n, &days, err) < 0)
            return -1;
        TypesTm tm;
        memset(&tm, 0, sizeof tm);
        types_j2date(days + TYPES_POSTGRES_EPOCH_JDATE, &tm.year, &tm.mon, &tm.mday);
        if (is_tz)
            types_local2utc(&tm, tz, out);
        else
            types_tm2ts(&tm, out);
        return 0;
    }
    DtParse d;
    memset(&d, 0, sizeof d);
    d.p = s;
    d.e = s + n;
    int rc = dt_parse(tc, &d);
    if (rc == 0 && !d.have_date)
        rc = -1;
    if (rc == 0)
        rc = dt_check_date(&d);
    if (rc == 0 && d.have_time)
        rc = dt_check_time(&d);
    if (rc < 0)
        return dt_error(rc, tname, s, n, &d, err);
    TypesTm tm;
    memset(&tm, 0, sizeof tm);
    tm.year = d.year;
    tm.mon = d.mon;
    tm.mday = d.mday;
    tm.hour = d.hour;
    tm.min = d.min;
    tm.sec = d.sec;
    tm.usec = d.usec;
    int64_t ts;
    bool extra_sec = tm.sec == 60, extra_day = tm.hour == 24;
    if (extra_sec)
        tm.sec = 59;
    if (extra_day)
        tm.hour = 23, tm.min = 59, tm.sec = 59;
    if (types_tm2ts(&tm, &ts) < 0)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"%.*s\"", (int)n, s);
    if (extra_sec)
        ts += 1000000;
    if (extra_day)
        ts += 1000000;
    if (is_tz) {
        if (d.have_tz && !d.tzone) {
            ts -= (int64_t)d.tzoff * 1000000;
        } else {
            const TypesTimeZone *z = d.tzone ? d.tzone : tz;
            int64_t u;
            tm.hour = d.hour == 24 ? 23 : tm.hour;
            types_local2utc(&tm, z, &u);
            ts = u + (extra_sec || extra_day ? 1000000 : 0);
        }
    }
    types_timestamp_round(&ts, typmod);
    *out = ts;
    return 0;
}

/* --- output ------------------------------------------------------------------------------ */

static void dt_append_date(int y, int m, int d, ShaleBuf *out, bool *bc)
{
    char buf[32];
    *bc = y <= 0;
    int len = snprintf(buf, sizeof buf, "%04d-%02d-%02d", y <= 0 ? 1 - y : y, m, d);
    shale_buf_append(out, buf, (size_t)len);
}

static void dt_append_time(int h, int mi, int s, int32_t us, ShaleBuf *out)
{
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%02d:%02d:%02d", h, mi, s);
    if (us) {
        len += snprintf(buf + len, sizeof buf - (size_t)len, ".%06d", us);
        while (buf[len - 1] == '0')
            len--;
    }
    shale_buf_append(out, buf, (size_t)len);
}

void types_date_out(int32_t d, ShaleBuf *out)
{
    if (d == TYPES_DATE_NOEND) {
        shale_buf_append(out, "infinity", 8);
        return;
    }
    if (d == TYPES_DATE_NOBEGIN) {
        shale_buf_append(out, "-infinity", 9);
        return;
    }
    int y, m, day;
    bool bc;
    types_j2date(d + TYPES_POSTGRES_EPOCH_JDATE, &y, &m, &day);
    dt_append_date(y, m, day, out, &bc);
    if (bc)
        shale_buf_append(out, " BC", 3);
}

void types_time_out(int64_t t, ShaleBuf *out)
{
    int h = (int)(t / INT64_C(3600000000));
    t -= (int64_t)h * INT64_C(3600000000);
    int m = (int)(t / 60000000);
    t -= (int64_t)m * 60000000;
    int s = (int)(t / 1000000);
    dt_append_time(h, m, s, (int32_t)(t - (int64_t)s * 1000000), out);
}

void types_timestamp_out(const TypeContext *tc, int64_t ts, bool is_tz, ShaleBuf *out)
{
    if (ts == TYPES_DT_NOEND) {
        shale_buf_append(out, "infinity", 8);
        return;
    }
    if (ts == TYPES_DT_NOBEGIN) {
        shale_buf_append(out, "-infinity", 9);
        return;
    }
    TypesTm tm;
    int rc = is_tz ? types_tstz2tm(ts, tc ? tc->tz : NULL, &tm) : types_ts2tm(ts, &tm);
    if (rc < 0) {
        shale_buf_append(out, "invalid", 7);
        return;
    }
    if (tc && tc->date_style != TYPES_DATESTYLE_ISO) {
        types_timestamp_out_style(tc, &tm, is_tz, out);
        return;
    }
    bool bc;
    dt_append_date(tm.year, tm.mon, tm.mday, out, &bc);
    shale_buf_append_byte(out, ' ');
    dt_append_time(tm.hour, tm.min, tm.sec, tm.usec, out);
    if (is_tz) {
        char buf[32];
        int off = tm.gmtoff;
        int a = off < 0 ? -off : off;
        int len = snprintf(buf, sizeof buf, "%c%02d", off < 0 ? '-' : '+', a / 3600);
        if (a % 3600) {
            len += snprintf(buf + len, sizeof buf - (size_t)len, ":%02d", a / 60 % 60);
            if (a % 60)
                len += snprintf(buf + len, sizeof buf - (size_t)len, ":%02d", a % 60);
        }
        shale_buf_append(out, buf, (size_t)len);
    }
    if (bc)
        shale_buf_append(out, " BC", 3);
}
