/* types_datestyle.c -- date/timestamp output in the non-ISO DateStyles (SQL, Postgres,
 * German, each with its MDY/DMY field order) and interval output in the non-default
 * IntervalStyles (sql_standard, iso_8601, postgres_verbose), with PostgreSQL 15's exact
 * formats (EncodeDateOnly / EncodeDateTime / EncodeInterval). The ISO and "postgres" forms
 * stay in types_datetime.c / types_interval.c; types_output picks by the TypeContext. */
#include "sql/types/types_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ds_months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const ds_days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

static void ds_printf(ShaleBuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ds_printf(ShaleBuf *out, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        shale_buf_append(out, buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1));
}

/* Seconds with the fraction (trailing zeros dropped); two digits when fill. */
static void ds_seconds(ShaleBuf *out, int sec, int32_t usec, bool fill)
{
    ds_printf(out, fill ? "%02d" : "%d", abs(sec));
    if (usec) {
        char buf[16];
        int n = snprintf(buf, sizeof buf, ".%06d", abs(usec));
        while (n > 0 && buf[n - 1] == '0')
            n--;
        shale_buf_append(out, buf, (size_t)n);
    }
}

static int ds_year(int y)
{
    return y > 0 ? y : -(y - 1);
}

static void ds_date_fields(const TypeContext *tc, int y, int m, int d, ShaleBuf *out)
{
    bool dmy = tc->date_order == TYPES_DATEORDER_DMY;
    switch (tc->date_style) {
    case TYPES_DATESTYLE_SQL:
        ds_printf(out, "%02d/%02d/%04d", dmy ? d : m, dmy ? m : d, ds_year(y));
        break;
    case TYPES_DATESTYLE_GERMAN:
        ds_printf(out, "%02d.%02d.%04d", d, m, ds_year(y));
        break;
    default:   /* Postgres */
        ds_printf(out, "%02d-%02d-%04d", dmy ? d : m, dmy ? m : d, ds_year(y));
        break;
    }
}

void types_date_out_style(const TypeContext *tc, int32_t d, ShaleBuf *out)
{
    if (!tc || tc->date_style == TYPES_DATESTYLE_ISO || d == TYPES_DATE_NOEND || d == TYPES_DATE_NOBEGIN) {
        types_date_out(d, out);
        return;
    }
    int y, m, day;
    types_j2date(d + TYPES_POSTGRES_EPOCH_JDATE, &y, &m, &day);
    ds_date_fields(tc, y, m, day, out);
    if (y <= 0)
        shale_buf_append(out, " BC", 3);
}

static void ds_zone(const TypesTm *tm, ShaleBuf *out)
{
    /* PostgreSQL always prints " " + pg_localtime's abbreviation here, which is empty for
     * a bare offset zone ('+05:30'); ShaleDB's UTC has no abbreviation record. */
    shale_buf_append_byte(out, ' ');
    if (tm->zone)
        shale_buf_append(out, tm->zone, strlen(tm->zone));
    else if (tm->gmtoff == 0)
        shale_buf_append(out, "UTC", 3);
}

/* Timestamps in the SQL / German / Postgres styles (tm already in local time). */
void types_timestamp_out_style(const TypeContext *tc, const TypesTm *tm, bool is_tz, ShaleBuf *out)
{
    bool dmy = tc->date_order == TYPES_DATEORDER_DMY;
    if (tc->date_style == TYPES_DATESTYLE_POSTGRES) {
        int jd = types_date2j(tm->year, tm->mon, tm->mday);
        shale_buf_append(out, ds_days[(jd + 1) % 7], 3);
        if (dmy)
            ds_printf(out, " %02d %3s", tm->mday, ds_months[tm->mon - 1]);
        else
            ds_printf(out, " %3s %02d", ds_months[tm->mon - 1], tm->mday);
        ds_printf(out, " %02d:%02d:", tm->hour, tm->min);
        ds_seconds(out, tm->sec, tm->usec, true);
        ds_printf(out, " %04d", ds_year(tm->year));
    } else {
        ds_date_fields(tc, tm->year, tm->mon, tm->mday, out);
        ds_printf(out, " %02d:%02d:", tm->hour, tm->min);
        ds_seconds(out, tm->sec, tm->usec, true);
    }
    if (is_tz)
        ds_zone(tm, out);
    if (tm->year <= 0)
        shale_buf_append(out, " BC", 3);
}

/* --- intervals ------------------------------------------------------------------------------ */

static void ds_verbose_part(ShaleBuf *out, int64_t v, const char *unit, bool *is_zero, bool *is_before)
{
    if (v == 0)
        return;
    if (*is_zero) {
        *is_before = v < 0;
        v = v < 0 ? -v : v;
    } else if (*is_before) {
        v = -v;
    }
    ds_printf(out, " %" PRId64 " %s%s", v, unit, v == 1 ? "" : "s");
    *is_zero = false;
}

static void ds_iso_part(ShaleBuf *out, int64_t v, char unit)
{
    if (v != 0)
        ds_printf(out, "%" PRId64 "%c", v, unit);
}

void types_interval_out_style(const TypeContext *tc, const Value *v, ShaleBuf *out)
{
    if (!tc || tc->interval_style == TYPES_INTERVALSTYLE_POSTGRES) {
        types_interval_out(v, out);
        return;
    }
    /* PostgreSQL's interval2itm: fields truncate toward zero and share the sign of their
     * part (months, days, time). */
    int64_t year = v->u.iv.months / 12, mon = v->u.iv.months % 12, mday = v->u.iv.days;
    int64_t t = v->u.iv.us;
    int64_t hour = t / INT64_C(3600000000);
    t -= hour * INT64_C(3600000000);
    int64_t min = t / 60000000;
    t -= min * 60000000;
    int sec = (int)(t / 1000000);
    int32_t fsec = (int32_t)(t - (int64_t)sec * 1000000);
    switch (tc->interval_style) {
    case TYPES_INTERVALSTYLE_SQL_STANDARD: {
        bool has_neg = year < 0 || mon < 0 || mday < 0 || hour < 0 || min < 0 || sec < 0 || fsec < 0;
        bool has_pos = year > 0 || mon > 0 || mday > 0 || hour > 0 || min > 0 || sec > 0 || fsec > 0;
        bool has_ym = year != 0 || mon != 0;
        bool has_dt = mday != 0 || hour != 0 || min != 0 || sec != 0 || fsec != 0;
        bool standard = !(has_neg && has_pos) && !(has_ym && has_dt);
        if (has_neg && standard) {
            shale_buf_append_byte(out, '-');
            year = -year; mon = -mon; mday = -mday; hour = -hour; min = -min; sec = -sec; fsec = -fsec;
        }
        if (!has_neg && !has_pos) {
            shale_buf_append_byte(out, '0');
        } else if (!standard) {
            char ys = (year < 0 || mon < 0) ? '-' : '+', dsg = mday < 0 ? '-' : '+';
            char ss = (hour < 0 || min < 0 || sec < 0 || fsec < 0) ? '-' : '+';
            ds_printf(out, "%c%" PRId64 "-%" PRId64 " %c%" PRId64 " %c%" PRId64 ":%02d:", ys, (int64_t)llabs(year), (int64_t)llabs(mon),
                      dsg, (int64_t)llabs(mday), ss, (int64_t)llabs(hour), (int)llabs(min));
            ds_seconds(out, sec, fsec, true);
        } else if (has_ym) {
            ds_printf(out, "%" PRId64 "-%" PRId64, year, mon);
        } else if (mday != 0) {
            ds_printf(out, "%" PRId64 " %" PRId64 ":%02d:", mday, hour, (int)min);
            ds_seconds(out, sec, fsec, true);
        } else {
            ds_printf(out, "%" PRId64 ":%02d:", hour, (int)min);
            ds_seconds(out, sec, fsec, true);
        }
        break;
    }
    case TYPES_INTERVALSTYLE_ISO_8601:
        if (year == 0 && mon == 0 && mday == 0 && hour == 0 && min == 0 && sec == 0 && fsec == 0) {
            shale_buf_append(out, "PT0S", 4);
            break;
        }
        shale_buf_append_byte(out, 'P');
        ds_iso_part(out, year, 'Y');
        ds_iso_part(out, mon, 'M');
        ds_iso_part(out, mday, 'D');
        if (hour != 0 || min != 0 || sec != 0 || fsec != 0)
            shale_buf_append_byte(out, 'T');
        ds_iso_part(out, hour, 'H');
        ds_iso_part(out, min, 'M');
        if (sec != 0 || fsec != 0) {
            if (sec < 0 || fsec < 0)
                shale_buf_append_byte(out, '-');
            ds_seconds(out, sec, fsec, false);
            shale_buf_append_byte(out, 'S');
        }
        break;
    default: {   /* postgres_verbose */
        bool is_zero = true, is_before = false;
        shale_buf_append_byte(out, '@');
        ds_verbose_part(out, year, "year", &is_zero, &is_before);
        ds_verbose_part(out, mon, "mon", &is_zero, &is_before);
        ds_verbose_part(out, mday, "day", &is_zero, &is_before);
        ds_verbose_part(out, hour, "hour", &is_zero, &is_before);
        ds_verbose_part(out, min, "min", &is_zero, &is_before);
        if (sec != 0 || fsec != 0) {
            shale_buf_append_byte(out, ' ');
            if (sec < 0 || (sec == 0 && fsec < 0)) {
                if (is_zero)
                    is_before = true;
                else if (!is_before)
                    shale_buf_append_byte(out, '-');
            } else if (is_before) {
                shale_buf_append_byte(out, '-');
            }
            ds_seconds(out, sec, fsec, false);
            ds_printf(out, " sec%s", (abs(sec) != 1 || fsec != 0) ? "s" : "");
            is_zero = false;
        }
        if (is_zero)
            shale_buf_append(out, " 0", 2);
        if (is_before)
            shale_buf_append(out, " ago", 4);
        break;
    }
    }
}
