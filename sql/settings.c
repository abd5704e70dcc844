/* settings.c -- the settings table and SET/SHOW/RESET (see settings.h). */
#include "sql/settings.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { CHECK_NONE, CHECK_BOOL, CHECK_INT, CHECK_DATESTYLE, CHECK_INTERVALSTYLE,
               CHECK_TIMEZONE, CHECK_ENCODING, CHECK_ISOLATION, CHECK_HNSW_ITERATIVE,
               CHECK_PGSS_TRACK } CheckKind;

static const struct {
    const char *name;
    const char *dflt;
    bool report;
    CheckKind check;
} setting_defs[] = {
#define SETTING(ID, NAME, DEFAULT, REPORT, CHECK) { NAME, DEFAULT, REPORT, CHECK_##CHECK },
#include "sql/settings.def"
#undef SETTING
};

void settings_init(SessionSettings *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < SETTING__COUNT; i++) {
        snprintf(s->value[i], SETTING_VALUE_MAX, "%s", setting_defs[i].dflt);
        snprintf(s->reset_value[i], SETTING_VALUE_MAX, "%s", setting_defs[i].dflt);
    }
}

int settings_lookup(const char *name)
{
    for (int i = 0; i < SETTING__COUNT; i++)
        if (strcasecmp(setting_defs[i].name, name) == 0)
            return i;
    return -1;
}

const char *settings_name(SettingId id)
{
    return setting_defs[id].name;
}

bool settings_reported(SettingId id)
{
    return setting_defs[id].report;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "on", "true", "yes", "1", "t", "y" };
    static const char *const no[] = { "off", "false", "no", "0", "f", "n" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return true;
        }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return true;
        }
    return false;
}

/* Normalises value into out per the setting's check; false when invalid. */
static bool normalise(SettingId id, const char *v, const char *cur, char *out, size_t cap, SqlError *err)
{
    const char *name = setting_defs[id].name;
    switch (setting_defs[id].check) {
    case CHECK_BOOL: {
        bool b;
        if (!parse_bool(v, &b)) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "parameter \"%s\" requires a Boolean value", name);
            return false;
        }
        snprintf(out, cap, "%s", b ? "on" : "off");
        return true;
    }
    case CHECK_INT: {
        char *end;
        long long x = strtoll(v, &end, 10);
        while (*end && isspace((unsigned char)*end))
            end++;
        /* statement_timeout and friends take units: ms (default), s, min. */
        if (*end && (id == SETTING_STATEMENT_TIMEOUT || id == SETTING_LOCK_TIMEOUT ||
                     id == SETTING_IDLE_IN_TRANSACTION_SESSION_TIMEOUT)) {
            if (strcasecmp(end, "ms") == 0) end += 2;
            else if (strcasecmp(end, "s") == 0) { x *= 1000; end += 1; }
            else if (strcasecmp(end, "min") == 0) { x *= 60000; end += 3; }
        }
        if (end == v || *end) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", name, v);
            return false;
        }
        /* pgvector's ranges (hnsw.c) */
        long long lo = 0, hi = 0;
        if (id == SETTING_HNSW_EF_SEARCH) { lo = 1; hi = 1000; }
        else if (id == SETTING_HNSW_MAX_SCAN_TUPLES) { lo = 1; hi = 2147483647; }
        else if (id == SETTING_PGSS_MAX) { lo = 100; hi = 1073741823; }
        if (hi && (x < lo || x > hi)) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "%lld is outside the valid range for parameter \"%s\" (%lld .. %lld)",
                          x, name, lo, hi);
            return false;
        }
        snprintf(out, cap, "%lld", x);
        return true;
    }
    case CHECK_PGSS_TRACK:
        if (strcasecmp(v, "none") && strcasecmp(v, "top") && strcasecmp(v, "all")) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", name, v);
            sql_error_hint(err, "Available values: none, top, all.");
            return false;
        }
        snprintf(out, cap, "%s", v);
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        return true;
    case CHECK_HNSW_ITERATIVE:
        if (strcasecmp(v, "off") && strcasecmp(v, "relaxed_order") && strcasecmp(v, "strict_order")) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", name, v);
            sql_error_hint(err, "Available values: off, relaxed_order, strict_order.");
            return false;
        }
        snprintf(out, cap, "%s", v);
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        return true;
    case CHECK_DATESTYLE: {
        /* "ISO", "ISO, MDY", "MDY", "Postgres, DMY", "SQL", "German" ... */
        char style[32] = "ISO", order[32] = "MDY";
        bool have_order = false;
        /* a style or an order alone keeps the other part of the current value */
        if (cur && strchr(cur, ',')) {
            snprintf(style, sizeof style, "%.*s", (int)(strchr(cur, ',') - cur), cur);
            snprintf(order, sizeof order, "%s", strchr(cur, ',') + 1 + (strchr(cur, ',')[1] == ' '));
        }
        char buf[SETTING_VALUE_MAX];
        snprintf(buf, sizeof buf, "%s", v);
        for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
            if (!strcasecmp(tok, "ISO") || !strcasecmp(tok, "SQL") || !strcasecmp(tok, "Postgres") ||
                !strcasecmp(tok, "German")) {
                snprintf(style, sizeof style, "%s", !strcasecmp(tok, "ISO") ? "ISO" : !strcasecmp(tok, "SQL") ? "SQL"
                                                  : !strcasecmp(tok, "German") ? "German" : "Postgres");
                /* German also sets DMY unless an order is given (PostgreSQL's check_datestyle) */
                if (!strcasecmp(tok, "German") && !have_order)
                    snprintf(order, sizeof order, "DMY");
            } else if (!strcasecmp(tok, "MDY") || !strcasecmp(tok, "DMY") || !strcasecmp(tok, "YMD") ||
                       !strcasecmp(tok, "US") || !strcasecmp(tok, "European") || !strcasecmp(tok, "NonEuropean")) {
                have_order = true;
                const char *o = !strcasecmp(tok, "European") ? "DMY"
                                : (!strcasecmp(tok, "US") || !strcasecmp(tok, "NonEuropean")) ? "MDY" : tok;
                snprintf(order, sizeof order, "%s", o);
                for (char *p = order; *p; p++)
                    *p = (char)toupper((unsigned char)*p);
            } else if (strcasecmp(tok, "DEFAULT") != 0) {
                sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"DateStyle\": \"%s\"", v);
                sql_error_detail(err, "Unrecognized key word: \"%s\".", tok);
                return false;
            }
        }
        snprintf(out, cap, "%s, %s", style, order);
        return true;
    }
    case CHECK_INTERVALSTYLE:
        if (strcasecmp(v, "postgres") && strcasecmp(v, "iso_8601") && strcasecmp(v, "sql_standard") &&
            strcasecmp(v, "postgres_verbose")) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"IntervalStyle\": \"%s\"", v);
            sql_error_hint(err, "Available values: postgres, postgres_verbose, sql_standard, iso_8601.");
            return false;
        }
        snprintf(out, cap, "%s", v);
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        return true;
    case CHECK_ENCODING:
        if (strcasecmp(v, "UTF8") && strcasecmp(v, "UTF-8") && strcasecmp(v, "unicode")) {
            sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "conversion between %s and UTF8 is not supported", v);
            return false;
        }
        snprintf(out, cap, "UTF8");
        return true;
    case CHECK_ISOLATION:
        if (strcasecmp(v, "read committed") && strcasecmp(v, "repeatable read") &&
            strcasecmp(v, "serializable") && strcasecmp(v, "read uncommitted")) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", name, v);
            return false;
        }
        snprintf(out, cap, "%s", strcasecmp(v, "read uncommitted") == 0 ? "read committed" : v);
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        return true;
    case CHECK_TIMEZONE:
    case CHECK_NONE:
        snprintf(out, cap, "%s", v);
        return true;
    }
    return false;
}

int settings_set(SessionSettings *s, const char *name, const char *value, bool local, SqlError *err)
{
    int id = settings_lookup(name);
    if (id < 0) {
        if (strchr(name, '.'))
            return 0; /* placeholder variables of extensions (PostgreSQL accepts them too) */
        return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", name);
    }
    if (id == SETTING_SERVER_VERSION || id == SETTING_SERVER_VERSION_NUM || id == SETTING_SERVER_ENCODING ||
        id == SETTING_INTEGER_DATETIMES || id == SETTING_MAX_IDENTIFIER_LENGTH || id == SETTING_IS_SUPERUSER ||
        id == SETTING_IN_HOT_STANDBY || id == SETTING_MAX_INDEX_KEYS || id == SETTING_BLOCK_SIZE)
        return sql_error_set(err, ERRCODE_CANT_CHANGE_RUNTIME_PARAM, "parameter \"%s\" cannot be changed", setting_defs[id].name);
    char norm[SETTING_VALUE_MAX];
    if (!normalise((SettingId)id, value ? value : s->reset_value[id], s->value[id], norm, sizeof norm, err))
        return -1;
    if (local && !s->saved[id]) {
        s->saved[id] = true;
        memcpy(s->saved_value[id], s->value[id], SETTING_VALUE_MAX);
    }
    if (strcmp(s->value[id], norm) != 0 && setting_defs[id].report)
        s->changed[id] = true;
    snprintf(s->value[id], SETTING_VALUE_MAX, "%s", norm);
    return 0;
}

int settings_show(const SessionSettings *s, const char *name, char *buf, size_t cap, SqlError *err)
{
    int id = settings_lookup(name);
    if (id < 0)
        return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", name);
    snprintf(buf, cap, "%s", s->value[id]);
    return 0;
}

void settings_end_transaction(SessionSettings *s)
{
    for (int i = 0; i < SETTING__COUNT; i++) {
        if (!s->saved[i])
            continue;
        if (strcmp(s->value[i], s->saved_value[i]) != 0 && setting_defs[i].report)
            s->changed[i] = true;
        memcpy(s->value[i], s->saved_value[i], SETTING_VALUE_MAX);
        s->saved[i] = false;
    }
}
