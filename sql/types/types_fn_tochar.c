/* types_fn_tochar.c -- PostgreSQL's date/time formatting templates: to_char(timestamp |
 * timestamptz | interval, text), to_timestamp(text, text) and to_date(text, text).
 *
 * A template is scanned left to right; at each position the longest keyword (case-
 * sensitive, as PostgreSQL's table: "Month" capitalises, "MONTH" upper-cases) wins, with
 * the FM/FX/TM prefixes and TH/th/SP suffixes; double-quoted text is literal (backslash
 * escapes inside), anything else is copied. Names are English (TM is accepted and ignored). */
#include "sql/types/types_fn_tochar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tc_months[] = { "January", "February", "March", "April", "May", "June", "July",
                                         "August", "September", "October", "November", "December" };
static const char *const tc_days[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                       "Saturday" };
static const char *const tc_roman[] = { "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII" };

static const DchWord dch_words[] = {
    {"A.D.", K_AD_DOT, C_UPPER}, {"a.d.", K_AD_DOT, C_LOWER}, {"AD", K_AD, C_UPPER}, {"ad", K_AD, C_LOWER},
    {"A.M.", K_AM_DOT, C_UPPER}, {"a.m.", K_AM_DOT, C_LOWER}, {"AM", K_AM, C_UPPER}, {"am", K_AM, C_LOWER},
    {"B.C.", K_BC_DOT, C_UPPER}, {"b.c.", K_BC_DOT, C_LOWER}, {"BC", K_BC, C_UPPER}, {"bc", K_BC, C_LOWER},
    {"P.M.", K_PM_DOT, C_UPPER}, {"p.m.", K_PM_DOT, C_LOWER}, {"PM", K_PM, C_UPPER}, {"pm", K_PM, C_LOWER},
    {"CC", K_CC, C_UPPER}, {"cc", K_CC, C_LOWER},
    {"DAY", K_DAY, C_UPPER}, {"Day", K_DAY, C_CAP}, {"day", K_DAY, C_LOWER},
    {"DDD", K_DDD, C_UPPER}, {"ddd", K_DDD, C_LOWER}, {"DD", K_DD, C_UPPER}, {"dd", K_DD, C_LOWER},
    {"DY", K_DY, C_UPPER}, {"Dy", K_DY, C_CAP}, {"dy", K_DY, C_LOWER}, {"D", K_D, C_UPPER}, {"d", K_D, C_LOWER},
    {"FF1", K_FF1, C_UPPER}, {"FF2", K_FF2, C_UPPER}, {"FF3", K_FF3, C_UPPER}, {"FF4", K_FF4, C_UPPER},
    {"FF5", K_FF5, C_UPPER}, {"FF6", K_FF6, C_UPPER}, {"ff1", K_FF1, C_LOWER}, {"ff2", K_FF2, C_LOWER},
    {"ff3", K_FF3, C_LOWER}, {"ff4", K_FF4, C_LOWER}, {"ff5", K_FF5, C_LOWER}, {"ff6", K_FF6, C_LOWER},
    {"HH24", K_HH24, C_UPPER}, {"HH12", K_HH12, C_UPPER}, {"HH", K_HH, C_UPPER},
    {"hh24", K_HH24, C_LOWER}, {"hh12", K_HH12, C_LOWER}, {"hh", K_HH, C_LOWER},
    {"IDDD", K_IDDD, C_UPPER}, {"ID", K_ID, C_UPPER}, {"IW", K_IW, C_UPPER}, {"IYYY", K_IYYY, C_UPPER},
    {"IYY", K_IYY, C_UPPER}, {"IY", K_IY, C_UPPER}, {"I", K_I, C_UPPER},
    {"iddd", K_IDDD, C_LOWER}, {"id", K_ID, C_LOWER}, {"iw", K_IW, C_LOWER}, {"iyyy", K_IYYY, C_LOWER},
    {"iyy", K_IYY, C_LOWER}, {"iy", K_IY, C_LOWER}, {"i", K_I, C_LOWER},
    {"J", K_J, C_UPPER}, {"j", K_J, C_LOWER}, {"MI", K_MI, C_UPPER}, {"mi", K_MI, C_LOWER},
    {"MM", K_MM, C_UPPER}, {"mm", K_MM, C_LOWER},
    {"MONTH", K_MONTH, C_UPPER}, {"Month", K_MONTH, C_CAP}, {"month", K_MONTH, C_LOWER},
    {"MON", K_MON, C_UPPER}, {"Mon", K_MON, C_CAP}, {"mon", K_MON, C_LOWER},
    {"MS", K_MS, C_UPPER}, {"ms", K_MS, C_LOWER}, {"OF", K_OF, C_UPPER}, {"of", K_OF, C_LOWER},
    {"Q", K_Q, C_UPPER}, {"q", K_Q, C_LOWER}, {"RM", K_RM, C_UPPER}, {"rm", K_RM, C_LOWER},
    {"SSSSS", K_SSSSS, C_UPPER}, {"SSSS", K_SSSS, C_UPPER}, {"SS", K_SS, C_UPPER},
    {"sssss", K_SSSSS, C_LOWER}, {"ssss", K_SSSS, C_LOWER}, {"ss", K_SS, C_LOWER},
    {"TZH", K_TZH, C_UPPER}, {"TZM", K_TZM, C_UPPER}, {"TZ", K_TZ, C_UPPER},
    {"tzh", K_TZH, C_LOWER}, {"tzm", K_TZM, C_LOWER}, {"tz", K_TZ, C_LOWER},
    {"US", K_US, C_UPPER}, {"us", K_US, C_LOWER}, {"WW", K_WW, C_UPPER}, {"ww", K_WW, C_LOWER},
    {"W", K_W, C_UPPER}, {"w", K_W, C_LOWER},
    {"Y,YYY", K_Y_YYY, C_UPPER}, {"YYYY", K_YYYY, C_UPPER}, {"YYY", K_YYY, C_UPPER}, {"YY", K_YY, C_UPPER},
    {"Y", K_Y, C_UPPER}, {"y,yyy", K_Y_YYY, C_LOWER}, {"yyyy", K_YYYY, C_LOWER}, {"yyy", K_YYY, C_LOWER},
    {"yy", K_YY, C_LOWER}, {"y", K_Y, C_LOWER},
};

/* Matches the longest keyword at p; NULL when none. */
static const DchWord *dch_match(const char *p, const char *e)
{
    const DchWord *best = NULL;
    size_t bestn = 0;
    for (size_t i = 0; i < sizeof dch_words / sizeof dch_words[0]; i++) {
        size_t n = strlen(dch_words[i].name);
        if (n > bestn && (size_t)(e - p) >= n && memcmp(p, dch_words[i].name, n) == 0) {
            best = &dch_words[i];
            bestn = n;
        }
    }
    return best;
}

static bool dch_prefix(const char *p, const char *e, const char *up)
{
    return e - p >= 2 && (memcmp(p, up, 2) == 0 || (p[0] == up[0] + 32 && p[1] == up[1] + 32));
}

int tc_dch_parse(const char *s, size_t n, ShaleArena *a, DchItem **out)
{
    DchItem *items = shale_arena_alloc(a, sizeof(DchItem) * (n + 1));
    if (!items)
        return -1;
    int k = 0;
    const char *p = s, *e = s + n;
    while (p < e) {
        DchItem it;
        memset(&it, 0, sizeof it);
        const char *save = p;
        while (dch_prefix(p, e, "FM") || dch_prefix(p, e, "FX") || dch_prefix(p, e, "TM")) {
            if (p[0] == 'F' || p[0] == 'f')
                it.fm |= p[1] == 'M' || p[1] == 'm';
            else
                it.tm = true;
            p += 2;
        }
        const DchWord *w = p < e ? dch_match(p, e) : NULL;
        if (w) {
            it.w = w;
            p += strlen(w->name);
            if (e - p >= 2 && memcmp(p, "TH", 2) == 0) {
                it.th_upper = true;
                p += 2;
            } else if (e - p >= 2 && memcmp(p, "th", 2) == 0) {
                it.th_lower = true;
                p += 2;
            }
            if (e - p >= 2 && (memcmp(p, "SP", 2) == 0 || memcmp(p, "sp", 2) == 0))
                p += 2;
            items[k++] = it;
            continue;
        }
        p = save;
        if (*p == '"') {
            /* quoted literal: copied without the quotes, backslash escapes the next byte */
            p++;
            while (p < e && *p != '"') {
                if (*p == '\\' && p + 1 < e)
                    p++;
                it.lit = p;
                it.litn = 1;
                it.quoted = true;
                items[k++] = it;
                p++;
            }
            if (p < e)
                p++;
            continue;
        }
        if (*p == '\\' && p + 1 < e && p[1] == '"')
            p++;
        it.lit = p;
        it.litn = 1;
        items[k++] = it;
        p++;
    }
    *out = items;
    return k;
}

/* --- to_char ------------------------------------------------------------------------------ */

typedef struct TcFields {
    int year, mon, mday, wday, yday;
    int64_t hour;
    int min, sec;
    int32_t usec;
    int gmtoff;
    const char *zone;       /* NULL: none (timestamp) */
    bool is_interval;
} TcFields;

static int tc_j2day(int j) { return (j + 1) % 7; }

static int tc_isoweek2j(int year, int week)
{
    int day4 = types_date2j(year, 1, 4);
    int day0 = tc_j2day(day4 - 1);
    return ((week - 1) * 7) + (day4 - day0);
}

static int tc_date2isoweek(int year, int mon, int mday)
{
    int dayn = types_date2j(year, mon, mday);
    int day4 = types_date2j(year, 1, 4);
    int day0 = tc_j2day(day4 - 1);
    if (dayn < day4 - day0) {
        day4 = types_date2j(year - 1, 1, 4);
        day0 = tc_j2day(day4 - 1);
    }
    int result = (dayn - (day4 - day0)) / 7 + 1;
    if (result >= 52) {
        day4 = types_date2j(year + 1, 1, 4);
        day0 = tc_j2day(day4 - 1);
        if (dayn >= day4 - day0)
            result = (dayn - (day4 - day0)) / 7 + 1;
    }
    return result;
}

static int tc_date2isoyear(int year, int mon, int mday)
{
    int dayn = types_date2j(year, mon, mday);
    int day4 = types_date2j(year, 1, 4);
    int day0 = tc_j2day(day4 - 1);
    if (dayn < day4 - day0) {
        day4 = types_date2j(year - 1, 1, 4);
        day0 = tc_j2day(day4 - 1);
        year--;
    }
    int result = (dayn - (day4 - day0)) / 7 + 1;
    if (result >= 52) {
        day4 = types_date2j(year + 1, 1, 4);
        day0 = tc_j2day(day4 - 1);
        if (dayn >= day4 - day0)
            year++;
    }
    return year;
}

static void tc_cased(ShaleBuf *b, const char *s, DchCase cs, int width)
{
    char tmp[32];
    size_t n = strlen(s);
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (cs == C_UPPER && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        else if (cs == C_LOWER && c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        tmp[i] = c;
    }
    tmp[n] = 0;
    shale_buf_append(b, tmp, n);
    for (int i = (int)n; i < width; i++)
        shale_buf_append_byte(b, ' ');
}

/* Appends the ordinal suffix of the number text just written. */
static void tc_th(ShaleBuf *b, size_t start, bool upper)
{
    if (b->oom || b->len <= start)
        return;
    char last = b->data[b->len - 1];
    char seclast = b->len - start >= 2 ? b->data[b->len - 2] : 0;
    const char *suf = "th";
    if (seclast != '1') {
        if (last == '1')
            suf = "st";
        else if (last == '2')
            suf = "nd";
        else if (last == '3')
            suf = "rd";
    }
    char s[3] = { suf[0], suf[1], 0 };
    if (upper) {
        s[0] = (char)(s[0] - 32);
        s[1] = (char)(s[1] - 32);
    }
    shale_buf_append(b, s, 2);
}

static void tc_num(ShaleBuf *b, int width, int64_t v)
{
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%0*lld", width, (long long)v);
    shale_buf_append(b, tmp, (size_t)n);
}

static int tc_invalid_interval(SqlError *err)
{
    sql_error_set(err, ERRCODE_INVALID_DATETIME_FORMAT, "invalid format specification for an interval value");
    sql_error_hint(err, "Intervals are not tied to specific calendar dates.");
    return -1;
}

/* Formats f with the template; PostgreSQL's DCH_to_char. */
static int tc_format(const TcFields *f, const DchItem *items, int nitems, ShaleBuf *b, SqlError *err)
{
    int ayear = f->is_interval ? f->year : (f->year <= 0 ? -(f->year - 1) : f->year);
    for (int i = 0; i < nitems; i++) {
        const DchItem *it = &items[i];
        if (!it->w) {
            shale_buf_append(b, it->lit, it->litn);
            continue;
        }
        bool fm = it->fm;
        size_t start = b->len;
        bool numeric = true;
        DchCase cs = it->w->cs;
        switch (it->w->key) {
        case K_AM: case K_PM: case K_AM_DOT: case K_PM_DOT: {
            bool pm = f->hour % 24 >= 12;
            bool dot = it->w->key == K_AM_DOT || it->w->key == K_PM_DOT;
            tc_cased(b, pm ? (dot ? "P.M." : "PM") : (dot ? "A.M." : "AM"), cs, 0);
            numeric = false;
            break;
        }
        case K_AD: case K_BC: case K_AD_DOT: case K_BC_DOT: {
            if (f->is_interval)
                return tc_invalid_interval(err);
            bool bc = f->year <= 0;
            bool dot = it->w->key == K_AD_DOT || it->w->key == K_BC_DOT;
            tc_cased(b, bc ? (dot ? "B.C." : "BC") : (dot ? "A.D." : "AD"), cs, 0);
            numeric = false;
            break;
        }
        case K_HH: case K_HH12:
            tc_num(b, fm ? 0 : 2, f->hour % 12 == 0 ? 12 : f->hour % 12);
            break;
        case K_HH24: tc_num(b, fm ? 0 : (f->hour >= 0 ? 2 : 3), f->hour); break;
        case K_MI: tc_num(b, fm ? 0 : (f->min >= 0 ? 2 : 3), f->min); break;
        case K_SS: tc_num(b, fm ? 0 : (f->sec >= 0 ? 2 : 3), f->sec); break;
        case K_FF1: case K_FF2: case K_FF3: case K_FF4: case K_FF5: case K_FF6: {
            int digits = (int)(it->w->key - K_FF1) + 1;
            int64_t v = f->usec;
            for (int d = digits; d < 6; d++)
                v /= 10;
            tc_num(b, digits, v);
            break;
        }
        case K_MS: tc_num(b, 3, f->usec / 1000); break;
        case K_US: tc_num(b, 6, f->usec); break;
        case K_SSSS: case K_SSSSS: tc_num(b, 0, f->hour * 3600 + f->min * 60 + f->sec); break;
        case K_TZ:
            if (f->is_interval)
                return tc_invalid_interval(err);
            if (f->zone)
                tc_cased(b, f->zone, cs, 0);
            numeric = false;
            break;
        case K_TZH: case K_TZM: case K_OF: {
            if (f->is_interval)
                return tc_invalid_interval(err);
            int off = abs(f->gmtoff);
            char sign = f->gmtoff >= 0 ? '+' : '-';
            if (it->w->key == K_TZM) {
                tc_num(b, fm ? 0 : 2, (off % 3600) / 60);
                break;
            }
            shale_buf_append_byte(b, sign);
            tc_num(b, fm ? 0 : 2, off / 3600);
            if (it->w->key == K_OF && off % 3600 != 0) {
                shale_buf_append_byte(b, ':');
                tc_num(b, 2, (off % 3600) / 60);
            }
            break;
        }
        case K_MONTH: case K_MON:
            if (f->is_interval)
                return tc_invalid_interval(err);
            numeric = false;
            if (f->mon < 1 || f->mon > 12)
                break;
            if (it->w->key == K_MONTH) {
                tc_cased(b, tc_months[f->mon - 1], cs, fm || it->tm ? 0 : 9);
            } else {
                char ab[4] = { tc_months[f->mon - 1][0], tc_months[f->mon - 1][1], tc_months[f->mon - 1][2], 0 };
                tc_cased(b, ab, cs, 0);
            }
            break;
        case K_MM: tc_num(b, fm ? 0 : (f->mon >= 0 ? 2 : 3), f->mon); break;
        case K_DAY: case K_DY:
            if (f->is_interval)
                return tc_invalid_interval(err);
            numeric = false;
            if (it->w->key == K_DAY) {
                tc_cased(b, tc_days[f->wday], cs, fm || it->tm ? 0 : 9);
            } else {
                char ab[4] = { tc_days[f->wday][0], tc_days[f->wday][1], tc_days[f->wday][2], 0 };
                tc_cased(b, ab, cs, 0);
            }
            break;
        case K_DDD: tc_num(b, fm ? 0 : 3, f->yday); break;
        case K_IDDD: {
            int iy = tc_date2isoyear(f->year, f->mon, f->mday);
            tc_num(b, fm ? 0 : 3, types_date2j(f->year, f->mon, f->mday) - tc_isoweek2j(iy, 1) + 1);
            break;
        }
        case K_DD: tc_num(b, fm ? 0 : 2, f->mday); break;
        case K_D:
            if (f->is_interval)
                return tc_invalid_interval(err);
            tc_num(b, 0, f->wday + 1);
            break;
        case K_ID:
            if (f->is_interval)
                return tc_invalid_interval(err);
            tc_num(b, 0, f->wday == 0 ? 7 : f->wday);
            break;
        case K_WW: tc_num(b, fm ? 0 : 2, (f->yday - 1) / 7 + 1); break;
        case K_IW: tc_num(b, fm ? 0 : 2, tc_date2isoweek(f->year, f->mon, f->mday)); break;
        case K_Q:
            if (f->mon == 0) {
                numeric = false;
                break;
            }
            tc_num(b, 0, (f->mon - 1) / 3 + 1);
            break;
        case K_CC: {
            int c = f->is_interval ? f->year / 100 : (f->year > 0 ? (f->year - 1) / 100 + 1 : f->year / 100 - 1);
            tc_num(b, (c <= 99 && c >= -99) ? (fm ? 0 : (c >= 0 ? 2 : 3)) : 0, c);
            break;
        }
        case K_Y_YYY: {
            char tmp[40];
            int n = snprintf(tmp, sizeof tmp, "%d,%03d", ayear / 1000, ayear % 1000);
            shale_buf_append(b, tmp, (size_t)n);
            break;
        }
        case K_YYYY: case K_IYYY: {
            int y = it->w->key == K_IYYY ? tc_date2isoyear(f->year, f->mon, f->mday) : f->year;
            if (!f->is_interval && y <= 0)
                y = -(y - 1);
            tc_num(b, fm ? 0 : (y >= 0 ? 4 : 5), y);
            break;
        }
        case K_YYY: case K_IYY: case K_YY: case K_IY: case K_Y: case K_I: {
            DchKey k = it->w->key;
            int y = (k == K_IYY || k == K_IY || k == K_I) ? tc_date2isoyear(f->year, f->mon, f->mday) : f->year;
            if (!f->is_interval && y <= 0)
                y = -(y - 1);
            int mod = (k == K_YYY || k == K_IYY) ? 1000 : (k == K_YY || k == K_IY) ? 100 : 10;
            int w = (k == K_YYY || k == K_IYY) ? 3 : (k == K_YY || k == K_IY) ? 2 : 1;
            int v = y % mod;
            tc_num(b, fm ? 0 : (v >= 0 ? w : w + 1), v);
            break;
        }
        case K_RM:
            numeric = false;
            if (f->mon < 1 || f->mon > 12)
                break;
            tc_cased(b, tc_roman[f->mon - 1], cs, fm ? 0 : 4);
            break;
        case K_W: tc_num(b, 0, (f->mday - 1) / 7 + 1); break;
        case K_J: tc_num(b, 0, types_date2j(f->year, f->mon, f->mday)); break;
        }
        if (numeric && (it->th_upper || it->th_lower))
            tc_th(b, start, it->th_upper);
    }
    return 0;
}

static int tc_run(FuncCallCtx *ctx, const TcFields *f, const Value *fmt, Value *out, SqlError *err)
{
    if (fmt->u.s.n == 0) {
        *out = value_null(TEXTOID);
        return 0;
    }
    DchItem *items;
    int n = tc_dch_parse(fmt->u.s.p, fmt->u.s.n, ctx->arena, &items);
    if (n < 0)
        return types_oom(err);
    ShaleBuf b;
    shale_buf_init(&b);
    if (tc_format(f, items, n, &b, err) < 0) {
        shale_buf_free(&b);
        return -1;
    }
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

static void tc_from_tm(const TypesTm *tm, TcFields *f)
{
    memset(f, 0, sizeof *f);
    f->year = tm->year;
    f->mon = tm->mon;
    f->mday = tm->mday;
    f->wday = tm->wday;
    f->yday = tm->yday;
    f->hour = tm->hour;
    f->min = tm->min;
    f->sec = tm->sec;
    f->usec = tm->usec;
    f->gmtoff = tm->gmtoff;
    f->zone = tm->zone;
}

static FN(fn_to_char_ts)
{
    (void)nargs;
    int64_t ts = args[0].u.i;
    if (ts == TYPES_DT_NOBEGIN || ts == TYPES_DT_NOEND) {
        *out = value_null(TEXTOID);
        return 0;
    }
    TypesTm tm;
    bool tz = args[0].type == TIMESTAMPTZOID;
    if ((tz ? types_tstz2tm(ts, ctx->tc->tz, &tm) : types_ts2tm(ts, &tm)) < 0)
        return SQL_ERR(err, DATETIME_FIELD_OVERFLOW, "timestamp out of range");
    TcFields f;
    tc_from_tm(&tm, &f);
    if (tz && !f.zone)
        f.zone = "";
    return tc_run(ctx, &f, &args[1], out, err);
}

static FN(fn_to_char_iv)
{
    (void)nargs;
    TcFields f;
    memset(&f, 0, sizeof f);
    f.is_interval = true;
    int32_t months = args[0].u.iv.months;
    f.year = months / 12;
    f.mon = months % 12;
    f.mday = args[0].u.iv.days;
    int64_t us = args[0].u.iv.us;
    f.hour = us / INT64_C(3600000000);
    us -= f.hour * INT64_C(3600000000);
    f.min = (int)(us / 60000000);
    us -= (int64_t)f.min * 60000000;
    f.sec = (int)(us / 1000000);
    f.usec = (int32_t)(us - (int64_t)f.sec * 1000000);
    f.yday = (f.year * 12 + f.mon) * 30 + f.mday;
    return tc_run(ctx, &f, &args[1], out, err);
}

void types_fn_tochar_register(void)
{
    const Oid T = TEXTOID;
    types_reg_fn("to_char", T, fn_to_char_ts, 2, TYPES_A(TIMESTAMPOID, T));
    types_reg_fn("to_char", T, fn_to_char_ts, 2, TYPES_A(TIMESTAMPTZOID, T))->volatility = SQL_STABLE;
    types_reg_fn("to_char", T, fn_to_char_iv, 2, TYPES_A(INTERVALOID, T));
    types_fn_toparse_register();
    types_fn_tonum_register();
}
