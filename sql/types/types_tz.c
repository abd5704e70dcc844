/* types_tz.c -- time zones: fixed offsets, POSIX TZ strings and IANA zones read from the
 * system's TZif files (/usr/share/zoneinfo, version 2+ 64-bit section plus the POSIX
 * footer for instants after the last transition). Loaded zones are immutable and kept in a
 * process-wide list guarded by tz_lock; they live until exit (a handful per process).
 *
 * As in PostgreSQL, a setting of "+02:00" or "UTC+3" is a POSIX offset: hours WEST of
 * Greenwich (so "+02:00" displays as -02). */
#include "sql/types/types_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* POSIX rule "STDoff[DST[off][,start[/time],end[/time]]]", only the M (month.week.day)
 * form of rules, which every current zone uses. */
typedef struct TzRule {
    int std_off, dst_off;          /* seconds east */
    char std_abbr[16], dst_abbr[16];
    bool has_dst;
    int sm, sw, sd, st;            /* start: month, week (5 = last), weekday, secs local */
    int em, ew, ed, et;
} TzRule;

struct TypesTimeZone {
    char name[128];
    int n_trans;
    int64_t *trans;                /* UTC seconds since 1970 */
    uint8_t *trans_type;
    int n_types;
    int32_t *type_off;
    char (*type_abbr)[16];
    bool has_rule;
    TzRule rule;
    TypesTimeZone *next;
};

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static TypesTimeZone *tz_list;     /* guarded by tz_lock; entries never freed */

#define TZ_EPOCH_2000 INT64_C(946684800)

static const char *tz_parse_abbr(const char *p, char *out)
{
    int n = 0;
    if (*p == '<') {
        p++;
        while (*p && *p != '>') {
            if (n < 15)
                out[n++] = *p;
            p++;
        }
        if (*p == '>')
            p++;
    } else {
        while (*p && isalpha((unsigned char)*p)) {
            if (n < 15)
                out[n++] = *p;
            p++;
        }
    }
    out[n] = 0;
    return n >= 1 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] -> seconds (value as written) */
static const char *tz_parse_hms(const char *p, int *secs)
{
    int sign = 1;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    if (!isdigit((unsigned char)*p))
        return NULL;
    int h = 0, m = 0, s = 0;
    while (isdigit((unsigned char)*p))
        h = h * 10 + (*p++ - '0');
    if (*p == ':') {
        p++;
        while (isdigit((unsigned char)*p))
            m = m * 10 + (*p++ - '0');
        if (*p == ':') {
            p++;
            while (isdigit((unsigned char)*p))
                s = s * 10 + (*p++ - '0');
        }
    }
    if (h > 167 || m > 59 || s > 59)
        return NULL;
    *secs = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *tz_parse_mrule(const char *p, int *m, int *w, int *d, int *t)
{
    if (*p != 'M')
        return NULL;
    p++;
    *m = (int)strtol(p, (char **)&p, 10);
    if (*p++ != '.')
        return NULL;
    *w = (int)strtol(p, (char **)&p, 10);
    if (*p++ != '.')
        return NULL;
    *d = (int)strtol(p, (char **)&p, 10);
    *t = 7200;
    if (*p == '/') {
        p = tz_parse_hms(p + 1, t);
        if (!p)
            return NULL;
    }
    if (*m < 1 || *m > 12 || *w < 1 || *w > 5 || *d < 0 || *d > 6)
        return NULL;
    return p;
}

static bool tz_parse_posix(const char *p, TzRule *r)
{
    memset(r, 0, sizeof *r);
    int off;
    p = tz_parse_abbr(p, r->std_abbr);
    if (!p || !(p = tz_parse_hms(p, &off)))
        return false;
    r->std_off = -off;
    if (!*p)
        return true;
    p = tz_parse_abbr(p, r->dst_abbr);
    if (!p)
        return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = tz_parse_hms(p, &off)))
            return false;
        r->dst_off = -off;
    }
    if (*p != ',')
        return *p == 0 && false;
    if (!(p = tz_parse_mrule(p + 1, &r->sm, &r->sw, &r->sd, &r->st)))
        return false;
    if (*p != ',')
        return false;
    if (!(p = tz_parse_mrule(p + 1, &r->em, &r->ew, &r->ed, &r->et)))
        return false;
    return *p == 0;
}

/* days since 1970-01-01 of y-m-d */
static int64_t tz_days(int y, int m, int d)
{
    return (int64_t)types_date2j(y, m, d) - 2440588;
}

/* UTC seconds of a rule transition in year y; local time is given in offset 'off'. */
static int64_t tz_rule_when(int y, int m, int w, int d, int t, int off)
{
    int64_t first = tz_days(y, m, 1);
    int wd_first = (int)((first % 7 + 7 + 4) % 7);  /* 1970-01-01 was a Thursday (4) */
    int day = 1 + (d - wd_first + 7) % 7 + (w - 1) * 7;
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int dim = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    while (day > dim)
        day -= 7;
    return (first + day - 1) * 86400 + t - off;
}

static int tz_rule_offset(const TzRule *r, int64_t utc, const char **abbr)
{
    if (!r->has_dst) {
        if (abbr) *abbr = r->std_abbr;
        return r->std_off;
    }
    int y, mo, d;
    types_j2date((int)(utc / 86400 + 2440588 - (utc < 0 && utc % 86400 ? 1 : 0)), &y, &mo, &d);
    int64_t start = tz_rule_when(y, r->sm, r->sw, r->sd, r->st, r->std_off);
    int64_t end = tz_rule_when(y, r->em, r->ew, r->ed, r->et, r->dst_off);
    bool dst = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start);
    if (abbr)
        *abbr = dst ? r->dst_abbr : r->std_abbr;
    return dst ? r->dst_off : r->std_off;
}

static uint64_t tz_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static void tz_free(TypesTimeZone *z)
{
    free(z->trans);
    free(z->trans_type);
    free(z->type_off);
    free(z->type_abbr);
    free(z);
}

/* Parses a TZif file (bounded by n); false when malformed. */
static bool tz_load_tzif(TypesTimeZone *z, const uint8_t *d, size_t n)
{
    if (n < 44 || memcmp(d, "TZif", 4) != 0 || d[4] < '2')
        return false;
    /* skip the v1 block */
    uint64_t isut = tz_be(d + 20, 4), isstd = tz_be(d + 24, 4), leap = tz_be(d + 28, 4);
    uint64_t timecnt = tz_be(d + 32, 4), typecnt = tz_be(d + 36, 4), charcnt = tz_be(d + 40, 4);
    uint64_t v1 = timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    if (44 + v1 + 44 > n)
        return false;
    const uint8_t *h = d + 44 + v1;
    if (memcmp(h, "TZif", 4) != 0)
        return false;
    isut = tz_be(h + 20, 4), isstd = tz_be(h + 24, 4), leap = tz_be(h + 28, 4);
    timecnt = tz_be(h + 32, 4), typecnt = tz_be(h + 36, 4), charcnt = tz_be(h + 40, 4);
    uint64_t body = timecnt * 9 + typecnt * 6 + charcnt + leap * 12 + isstd + isut;
    const uint8_t *b = h + 44;
    if (typecnt == 0 || typecnt > 256 || timecnt > 100000 || (size_t)(b - d) + body > n)
        return false;
    z->n_trans = (int)timecnt;
    z->n_types = (int)typecnt;
    z->trans = malloc(sizeof(int64_t) * (timecnt + 1));
    z->trans_type = malloc(timecnt + 1);
    z->type_off = malloc(sizeof(int32_t) * typecnt);
    z->type_abbr = malloc(16 * typecnt);
    if (!z->trans || !z->trans_type || !z->type_off || !z->type_abbr)
        return false;
    for (uint64_t i = 0; i < timecnt; i++)
        z->trans[i] = (int64_t)tz_be(b + i * 8, 8);
    const uint8_t *tt = b + timecnt * 8;
    for (uint64_t i = 0; i < timecnt; i++) {
        if (tt[i] >= typecnt)
            return false;
        z->trans_type[i] = tt[i];
    }
    const uint8_t *ti = tt + timecnt;
    const uint8_t *chars = ti + typecnt * 6;
    for (uint64_t i = 0; i < typecnt; i++) {
        z->type_off[i] = (int32_t)tz_be(ti + i * 6, 4);
        uint8_t ai = ti[i * 6 + 5];
        size_t k = 0;
        while (ai + k < charcnt && chars[ai + k] && k < 15) {
            z->type_abbr[i][k] = (char)chars[ai + k];
            k++;
        }
        z->type_abbr[i][k] = 0;
    }
    const uint8_t *foot = b + body;
    if (foot < d + n && *foot == '\n') {
        const uint8_t *e = memchr(foot + 1, '\n', (size_t)(d + n - foot - 1));
        if (e && e - foot - 1 < 120) {
            char tmp[128];
            memcpy(tmp, foot + 1, (size_t)(e - foot - 1));
            tmp[e - foot - 1] = 0;
            if (tmp[0] && tz_parse_posix(tmp, &z->rule))
                z->has_rule = true;
        }
    }
    return true;
}

static bool tz_name_safe(const char *name)
{
    if (!name[0] || name[0] == '/' || strlen(name) > 100)
        return false;
    for (const char *p = name; *p; p++) {
        if (!(isalnum((unsigned char)*p) || *p == '/' || *p == '_' || *p == '-' || *p == '+'))
            return false;
        if (p[0] == '.' || (p[0] == '/' && p[1] == '/'))
            return false;
    }
    return true;
}

static TypesTimeZone *tz_make(const char *name)
{
    TypesTimeZone *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    snprintf(z->name, sizeof z->name, "%s", name);
    /* UTC aliases and fixed offsets */
    if (strcasecmp(name, "UTC") == 0 || strcasecmp(name, "GMT") == 0 || strcasecmp(name, "Z") == 0 ||
        strcasecmp(name, "Etc/UTC") == 0 || strcasecmp(name, "Zulu") == 0 || strcasecmp(name, "UCT") == 0) {
        if (strcasecmp(name, "Z") == 0 || strcasecmp(name, "Zulu") == 0 || strcasecmp(name, "UCT") == 0)
            snprintf(z->name, sizeof z->name, "UTC");
        z->has_rule = true;
        snprintf(z->rule.std_abbr, sizeof z->rule.std_abbr, "UTC");
        return z;
    }
    if (name[0] == '+' || name[0] == '-' || isdigit((unsigned char)name[0])) {
        int secs;
        const char *e = tz_parse_hms(name, &secs);
        if (e && !*e) {
            z->has_rule = true;
            z->rule.std_off = -secs;   /* POSIX: positive = west */
            return z;
        }
        free(z);
        return NULL;
    }
    /* IANA file */
    if (tz_name_safe(name)) {
        char path[256];
        snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
        FILE *f = fopen(path, "rb");
        if (f) {
            uint8_t *buf = malloc(1 << 20);
            size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
            fclose(f);
            bool ok = buf && tz_load_tzif(z, buf, n);
            free(buf);
            if (ok)
                return z;
        }
    }
    /* POSIX string like UTC+3, EST5EDT,M3.2.0,M11.1.0 */
    free(z->trans);
    free(z->trans_type);
    free(z->type_off);
    free(z->type_abbr);
    memset(z, 0, sizeof *z);
    snprintf(z->name, sizeof z->name, "%s", name);
    if (tz_parse_posix(name, &z->rule) && (!z->rule.has_dst || z->rule.sm)) {
        z->has_rule = true;
        return z;
    }
    tz_free(z);
    return NULL;
}

int types_timezone_lookup(const char *name, const TypesTimeZone **out, SqlError *err)
{
    pthread_mutex_lock(&tz_lock);
    for (TypesTimeZone *z = tz_list; z; z = z->next)
        if (strcasecmp(z->name, name) == 0) {
            pthread_mutex_unlock(&tz_lock);
            *out = z;
            return 0;
        }
    TypesTimeZone *z = tz_make(name);
    if (!z) {
        /* IANA names are case-sensitive on disk: retry with each path component capitalised
         * as the database spells most of them (america/new_york -> America/New_York) */
        char fixed[128];
        snprintf(fixed, sizeof fixed, "%s", name);
        bool start = true;
        for (char *p = fixed; *p; p++) {
            *p = start ? (char)toupper((unsigned char)*p) : (char)tolower((unsigned char)*p);
            start = *p == '/' || *p == '_' || *p == '-';
        }
        if (strcmp(fixed, name) != 0)
            z = tz_make(fixed);
    }
    if (z) {
        z->next = tz_list;
        tz_list = z;
    }
    pthread_mutex_unlock(&tz_lock);
    if (!z)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid value for parameter \"TimeZone\": \"%s\"", name);
    *out = z;
    return 0;
}

const char *types_timezone_name(const TypesTimeZone *tz)
{
    return tz ? tz->name : "UTC";
}

int32_t types_timezone_offset_at(const TypesTimeZone *tz, int64_t utc_us, const char **abbrev)
{
    if (!tz) {
        if (abbrev) *abbrev = "UTC";
        return 0;
    }
    int64_t secs = utc_us / 1000000 - (utc_us % 1000000 < 0 ? 1 : 0) + TZ_EPOCH_2000;
    if (tz->n_trans == 0 || secs >= tz->trans[tz->n_trans - 1]) {
        if (tz->has_rule)
            return tz_rule_offset(&tz->rule, secs, abbrev);
        if (tz->n_trans == 0) {
            if (abbrev) *abbrev = tz->n_types ? tz->type_abbr[0] : "UTC";
            return tz->n_types ? tz->type_off[0] : 0;
        }
    }
    if (tz->n_trans == 0 || secs < tz->trans[0]) {
        /* before the first transition: the first non-DST type (type 0 by convention) */
        if (abbrev) *abbrev = tz->type_abbr[0];
        return tz->type_off[0];
    }
    int lo = 0, hi = tz->n_trans - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (tz->trans[mid] <= secs)
            lo = mid;
        else
            hi = mid - 1;
    }
    int t = tz->trans_type[lo];
    if (abbrev)
        *abbrev = tz->type_abbr[t];
    return tz->type_off[t];
}
