/* ddl_setconfig.c -- per-database and per-role settings, as PostgreSQL's
 * pg_db_role_setting: ALTER DATABASE d SET / RESET and ALTER ROLE r SET / RESET edit a list
 * of "name=value" strings kept in the database or role descriptor (src/catalog), and a new
 * session applies the database's list, then the role's (role wins), before its startup
 * options (which win over both). Applied values are also the RESET values. Names are
 * stored as the setting's canonical spelling (TimeZone); values as SET would take them
 * (search_path elements quoted when they need it, as PostgreSQL flattens list settings).
 * ALTER ROLE r IN DATABASE d SET entries live in the role's list as "@<d's oid>:name=value"
 * (no setting name starts with '@') and win over both other lists in database d. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/ddl_int.h"
#include "sql/session_int.h"

/* A search_path element that is not a plain lower-case identifier gets double quotes. */
static void append_list_elem(char *out, size_t cap, const char *t)
{
    bool plain = *t && !(*t >= '0' && *t <= '9');
    for (const char *q = t; *q && plain; q++)
        plain = (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_';
    size_t l = strlen(out);
    if (plain) {
        snprintf(out + l, cap - l, "%s", t);
        return;
    }
    if (l + 1 < cap)
        out[l++] = '"';
    for (const char *q = t; *q && l + 2 < cap; q++) {
        if (*q == '"')
            out[l++] = '"';
        out[l++] = *q;
    }
    out[l++] = '"';
    out[l] = '\0';
}

/* Length of the "@oid:" scope prefix of entry e (0: none); *db = its database. */
static size_t entry_scope(const char *e, Oid *db)
{
    *db = 0;
    if (e[0] != '@')
        return 0;
    char *end;
    unsigned long v = strtoul(e + 1, &end, 10);
    if (*end != ':')
        return 0;
    *db = (Oid)v;
    return (size_t)(end - e) + 1;
}

int ddl_setconfig_update(DdlCtx *d, const AstVariableSetStmt *vs, Oid db, int *n, char ***list, SqlError *err)
{
    if (vs->kind == AST_SET_MULTI)
        return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"",
                             !strcmp(vs->name, "transaction") ? "TRANSACTION" : "SESSION CHARACTERISTICS");
    if (vs->kind != AST_RESET_ALL && (!strcmp(vs->name, "role") || !strcmp(vs->name, "session_authorization")))
        return sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "ALTER ... SET %s is not supported", vs->name);
    const char *name = NULL;
    char value[SETTING_VALUE_MAX] = "";
    bool set = vs->kind == AST_SET_VALUE || vs->kind == AST_SET_CURRENT;
    if (vs->kind != AST_RESET_ALL) {
        int id = settings_lookup(vs->name);
        name = id >= 0 ? settings_name((SettingId)id) : vs->name;
        if (id < 0 && !strchr(vs->name, '.'))
            return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", vs->name);
        if (vs->kind == AST_SET_CURRENT) {
            char buf[SETTING_VALUE_MAX];
            if (settings_show(&d->s->settings, vs->name, buf, sizeof buf, err) != 0)
                return -1;
            snprintf(value, sizeof value, "%s", buf);
        } else if (set) {
            bool quote = id == SETTING_SEARCH_PATH;
            for (int i = 0; i < vs->args.n; i++) {
                char buf[SETTING_VALUE_MAX];
                const char *t = utility_const_text(vs->args.items[i], buf, sizeof buf);
                size_t l = strlen(value);
                if (i)
                    snprintf(value + l, sizeof value - l, ", ");
                if (quote)
                    append_list_elem(value, sizeof value, t ? t : "");
                else {
                    l = strlen(value);
                    snprintf(value + l, sizeof value - l, "%s", t ? t : "");
                }
            }
        }
        if (set) {   /* the checks SET makes: 42704 / 22023 */
            SessionSettings *tmp = malloc(sizeof *tmp);
            if (!tmp)
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            settings_init(tmp);
            int rc = settings_set(tmp, vs->name, value, false, err);
            free(tmp);
            if (rc != 0)
                return -1;
        }
    }
    /* the new list (DdlCtx arena): every other entry, then name=value */
    char **nl = shale_arena_alloc(&d->arena, sizeof(char *) * (size_t)(*n + 1));
    if (!nl)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    int k = 0;
    bool replaced = false;
    char prefix[24] = "";
    if (db)
        snprintf(prefix, sizeof prefix, "@%u:", db);
    for (int i = 0; i < *n; i++) {
        Oid edb;
        const char *e = (*list)[i] + entry_scope((*list)[i], &edb);
        if (edb != db) {   /* another scope: untouched */
            nl[k++] = (*list)[i];
            continue;
        }
        if (vs->kind == AST_RESET_ALL)
            continue;
        size_t nl_len = strlen(name);
        bool same = strncasecmp(e, name, nl_len) == 0 && e[nl_len] == '=';
        if (!same) {
            nl[k++] = (*list)[i];
            continue;
        }
        if (set && !replaced) {   /* keeps its place, as PostgreSQL's array update */
            size_t len = strlen(prefix) + strlen(name) + strlen(value) + 2;
            char *ne = shale_arena_alloc(&d->arena, len);
            if (!ne)
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            snprintf(ne, len, "%s%s=%s", prefix, name, value);
            nl[k++] = ne;
            replaced = true;
        }
    }
    if (set && !replaced) {
        size_t len = strlen(prefix) + strlen(name) + strlen(value) + 2;
        char *ne = shale_arena_alloc(&d->arena, len);
        if (!ne)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        snprintf(ne, len, "%s%s=%s", prefix, name, value);
        nl[k++] = ne;
    }
    *list = nl;
    *n = k;
    return 0;
}

void session_setconfig_apply(SqlSession *s, char *const *list, int n)
{
    /* unscoped entries in order (database, then role), then the role's for this database */
    for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < n; i++) {
        Oid edb;
        const char *e = list[i] + entry_scope(list[i], &edb);
        if (pass == 0 ? edb != 0 : edb != s->db_oid)
            continue;
        char name[SETTING_VALUE_MAX];
        const char *eq = strchr(e, '=');
        if (!eq || (size_t)(eq - e) >= sizeof name)
            continue;
        memcpy(name, e, (size_t)(eq - e));
        name[eq - e] = '\0';
        SqlError se;
        memset(&se, 0, sizeof se);
        /* a value that no longer passes (a setting renamed since) is skipped, as
         * PostgreSQL skips it with a WARNING */
        if (session_set(s, name, eq + 1, false, &se) != 0)
            continue;
        int id = settings_lookup(name);
        if (id >= 0)
            memcpy(s->settings.reset_value[id], s->settings.value[id], SETTING_VALUE_MAX);
    }
}

size_t ddl_setconfig_scope(const char *entry, Oid *db)
{
    return entry_scope(entry, db);
}
