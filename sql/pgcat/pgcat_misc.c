/* pgcat_misc.c -- the non-relation catalogs: pg_type (every type of pg_types.def), pg_am,
 * pg_database, roles (pg_authid, pg_roles, pg_user), pg_settings (the session's
 * settings), pg_collation, pg_extension, pg_language, pg_tablespace, pg_available_extensions,
 * pg_stat_activity (every session: sql/session_activity.c) and the type facts shared with pg_attribute. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/pgcat/pgcat_int.h"
#include "sql/ddl_int.h" /* ddl_setconfig_scope */
#include "sql/session_int.h"
#include "sql/acl.h"

#define ROW_INIT(tab) \
    PgRow r; \
    pgrow_init(&r, PGCAT_TAB_##tab, env, arena, emit, arg, err)

/* ---- type facts ---------------------------------------------------------------------- */

static const Oid all_types[] = {
#define PG_TYPE(NAME, NUM, SQLNAME, LEN, BYVAL, CAT, ARR, ELEM) NUM,
#include "catalog/pg_types.def"
#undef PG_TYPE
};

char pgcat_type_align(Oid type)
{
    const TypeInfo *ti = type_info(type);
    if (!ti)
        return 'i';
    if (ti->elem_oid)
        return pgcat_type_align(ti->elem_oid) == 'd' ? 'd' : 'i';
    if (type == INTERVALOID || type == RECORDOID)
        return 'd';
    switch (ti->len) {
    case 1: return 'c';
    case 2: return 's';
    case 4: return 'i';
    case 8: return 'd';
    case -1: return 'i';
    default: return 'c';          /* name (64), uuid (16) */
    }
}

char pgcat_type_storage(Oid type)
{
    const TypeInfo *ti = type_info(type);
    if (type == NUMERICOID)
        return 'm';
    return ti && ti->len == -1 ? 'x' : 'p';
}

Oid pgcat_type_collation(Oid type)
{
    const TypeInfo *ti = type_info(type);
    if (ti && ti->elem_oid)
        type = ti->elem_oid;
    if (type == NAMEOID)
        return 950;
    if (type == TEXTOID || type == VARCHAROID || type == BPCHAROID)
        return 100;
    return 0;
}

int pgcat_rows_pg_type(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_TYPE);
    for (size_t i = 0; i < sizeof all_types / sizeof all_types[0]; i++) {
        const TypeInfo *ti = type_info(all_types[i]);
        if (!ti)
            continue;
        bool pseudo = ti->category == 'P' || ti->oid == UNKNOWNOID;
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_TYPE_OID, ti->oid);
        pgrow_str(&r, PGCAT_PG_TYPE_TYPNAME, ti->name);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPNAMESPACE, CAT_OID_PG_CATALOG_NSP);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPOWNER, CAT_OID_BOOTSTRAP_SUPERUSER);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPLEN, ti->len);
        pgrow_bool(&r, PGCAT_PG_TYPE_TYPBYVAL, ti->byval);
        pgrow_char(&r, PGCAT_PG_TYPE_TYPTYPE, pseudo ? 'p' : 'b');
        pgrow_char(&r, PGCAT_PG_TYPE_TYPCATEGORY, ti->category);
        pgrow_bool(&r, PGCAT_PG_TYPE_TYPISPREFERRED, types_is_preferred(ti->oid));
        pgrow_bool(&r, PGCAT_PG_TYPE_TYPISDEFINED, true);
        pgrow_char(&r, PGCAT_PG_TYPE_TYPDELIM, ',');
        pgrow_int(&r, PGCAT_PG_TYPE_TYPRELID, 0);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPSUBSCRIPT, 0);
        /* name is a fixed-length array of "char" in PostgreSQL. */
        pgrow_int(&r, PGCAT_PG_TYPE_TYPELEM, ti->oid == NAMEOID ? CHAROID : ti->elem_oid);
        /* Only array types ShaleDB has (PostgreSQL also has _regclass, _record ...). */
        pgrow_int(&r, PGCAT_PG_TYPE_TYPARRAY, type_info(ti->array_oid) ? ti->array_oid : 0);
        /* I/O functions: array types have PostgreSQL's array_in/out/recv/send (pgjdbc tells
         * arrays by typinput = 'array_in'::regproc); the others are not known: 0. */
        bool arr = ti->category == 'A' && ti->oid != INT2VECTOROID && ti->oid != OIDVECTOROID;
        pgrow_int(&r, PGCAT_PG_TYPE_TYPINPUT, arr ? PGCAT_PROC_ARRAY_IN : 0);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPOUTPUT, arr ? PGCAT_PROC_ARRAY_OUT : 0);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPRECEIVE, arr ? PGCAT_PROC_ARRAY_RECV : 0);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPSEND, arr ? PGCAT_PROC_ARRAY_SEND : 0);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPMODIN, 0);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPMODOUT, 0);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPANALYZE, 0);
        pgrow_char(&r, PGCAT_PG_TYPE_TYPALIGN, pgcat_type_align(ti->oid));
        pgrow_char(&r, PGCAT_PG_TYPE_TYPSTORAGE, pgcat_type_storage(ti->oid));
        pgrow_bool(&r, PGCAT_PG_TYPE_TYPNOTNULL, false);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPBASETYPE, 0);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPTYPMOD, -1);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPNDIMS, 0);
        pgrow_int(&r, PGCAT_PG_TYPE_TYPCOLLATION, pgcat_type_collation(ti->oid));
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

/* ---- access methods, collations, languages, extensions, tablespaces ------------------- */

int pgcat_rows_pg_am(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    static const struct { Oid oid; const char *name; char type; } ams[] = {
        {PGCAT_AM_HEAP, "heap", 't'}, {PGCAT_AM_BTREE, "btree", 'i'}, {PGCAT_AM_HASH, "hash", 'i'},
        {PGCAT_AM_HNSW, "hnsw", 'i'}, {PGCAT_AM_IVFFLAT, "ivfflat", 'i'}};
    ROW_INIT(PG_AM);
    for (size_t i = 0; i < sizeof ams / sizeof ams[0]; i++) {
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_AM_OID, ams[i].oid);
        pgrow_str(&r, PGCAT_PG_AM_AMNAME, ams[i].name);
        pgrow_int(&r, PGCAT_PG_AM_AMHANDLER, 0);
        pgrow_char(&r, PGCAT_PG_AM_AMTYPE, ams[i].type);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_collation(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    static const struct { Oid oid; const char *name; char prov; int enc; const char *coll; } colls[] = {
        {100, "default", 'd', -1, NULL}, {950, "C", 'c', -1, "C"}, {951, "POSIX", 'c', -1, "POSIX"},
        {12341, "C.utf8", 'c', 6, "C.utf8"}};
    ROW_INIT(PG_COLLATION);
    for (size_t i = 0; i < sizeof colls / sizeof colls[0]; i++) {
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_COLLATION_OID, colls[i].oid);
        pgrow_str(&r, PGCAT_PG_COLLATION_COLLNAME, colls[i].name);
        pgrow_int(&r, PGCAT_PG_COLLATION_COLLNAMESPACE, CAT_OID_PG_CATALOG_NSP);
        pgrow_int(&r, PGCAT_PG_COLLATION_COLLOWNER, CAT_OID_BOOTSTRAP_SUPERUSER);
        pgrow_char(&r, PGCAT_PG_COLLATION_COLLPROVIDER, colls[i].prov);
        pgrow_bool(&r, PGCAT_PG_COLLATION_COLLISDETERMINISTIC, true);
        pgrow_int(&r, PGCAT_PG_COLLATION_COLLENCODING, colls[i].enc);
        pgrow_str(&r, PGCAT_PG_COLLATION_COLLCOLLATE, colls[i].coll);
        pgrow_str(&r, PGCAT_PG_COLLATION_COLLCTYPE, colls[i].coll);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_language(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    static const struct { Oid oid; const char *name; bool pl; } langs[] = {
        {12, "internal", false}, {13, "c", false}, {14, "sql", false}, {13563, "plpgsql", true}};
    ROW_INIT(PG_LANGUAGE);
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_LANGUAGE_OID, langs[i].oid);
        pgrow_str(&r, PGCAT_PG_LANGUAGE_LANNAME, langs[i].name);
        pgrow_int(&r, PGCAT_PG_LANGUAGE_LANOWNER, CAT_OID_BOOTSTRAP_SUPERUSER);
        pgrow_bool(&r, PGCAT_PG_LANGUAGE_LANISPL, langs[i].pl);
        pgrow_bool(&r, PGCAT_PG_LANGUAGE_LANPLTRUSTED, langs[i].pl || langs[i].oid == 14);
        /* plpgsql's handler/inline/validator: PostgreSQL 15's OIDs (\dL lists languages with
         * a call handler) */
        pgrow_int(&r, PGCAT_PG_LANGUAGE_LANPLCALLFOID, langs[i].pl ? 13560 : 0);
        pgrow_int(&r, PGCAT_PG_LANGUAGE_LANINLINE, langs[i].pl ? 13561 : 0);
        pgrow_int(&r, PGCAT_PG_LANGUAGE_LANVALIDATOR, langs[i].pl ? 13562 : langs[i].oid == 14 ? 2248 : 0);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

/* The extensions ShaleDB provides built in: plpgsql (as every PostgreSQL database) and
 * vector (HNSW/IVFFlat indexes and the vector type family). */
static const struct { Oid oid; const char *name; const char *version; const char *comment; } extensions[] = {
    {13564, "plpgsql", "1.0", "PL/pgSQL procedural language"},
    {16010, "vector", "0.7.0", "vector data type and ivfflat and hnsw access methods"}};

int pgcat_rows_pg_extension(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_EXTENSION);
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++) {
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_EXTENSION_OID, extensions[i].oid);
        pgrow_str(&r, PGCAT_PG_EXTENSION_EXTNAME, extensions[i].name);
        pgrow_int(&r, PGCAT_PG_EXTENSION_EXTOWNER, CAT_OID_BOOTSTRAP_SUPERUSER);
        pgrow_int(&r, PGCAT_PG_EXTENSION_EXTNAMESPACE, i == 0 ? CAT_OID_PG_CATALOG_NSP : CAT_OID_PUBLIC_NSP);
        pgrow_bool(&r, PGCAT_PG_EXTENSION_EXTRELOCATABLE, i != 0);
        pgrow_str(&r, PGCAT_PG_EXTENSION_EXTVERSION, extensions[i].version);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_available_extensions(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                                       SqlError *err)
{
    ROW_INIT(PG_AVAILABLE_EXTENSIONS);
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++) {
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_PG_AVAILABLE_EXTENSIONS_NAME, extensions[i].name);
        pgrow_str(&r, PGCAT_PG_AVAILABLE_EXTENSIONS_DEFAULT_VERSION, extensions[i].version);
        pgrow_str(&r, PGCAT_PG_AVAILABLE_EXTENSIONS_INSTALLED_VERSION, extensions[i].version);
        pgrow_str(&r, PGCAT_PG_AVAILABLE_EXTENSIONS_COMMENT, extensions[i].comment);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_tablespace(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_TABLESPACE);
    static const char *const names[2] = {"pg_default", "pg_global"};
    for (int i = 0; i < 2; i++) {
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_TABLESPACE_OID, 1663 + i);
        pgrow_str(&r, PGCAT_PG_TABLESPACE_SPCNAME, names[i]);
        pgrow_int(&r, PGCAT_PG_TABLESPACE_SPCOWNER, CAT_OID_BOOTSTRAP_SUPERUSER);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

/* ---- databases and roles ---------------------------------------------------------------- */

int pgcat_rows_pg_database(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_DATABASE);
    int n = catsnap_n_databases(env->cat);
    for (int i = 0; i < n; i++) {
        const CatDatabase *d = catsnap_database(env->cat, i);
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_DATABASE_OID, d->oid);
        pgrow_str(&r, PGCAT_PG_DATABASE_DATNAME, d->name);
        pgrow_int(&r, PGCAT_PG_DATABASE_DATDBA, d->owner);
        pgrow_int(&r, PGCAT_PG_DATABASE_ENCODING, 6);            /* UTF8 */
        pgrow_char(&r, PGCAT_PG_DATABASE_DATLOCPROVIDER, 'c');
        pgrow_bool(&r, PGCAT_PG_DATABASE_DATISTEMPLATE, d->is_template);
        pgrow_bool(&r, PGCAT_PG_DATABASE_DATALLOWCONN, d->allow_conn);
        pgrow_int(&r, PGCAT_PG_DATABASE_DATCONNLIMIT, d->conn_limit);
        pgrow_int(&r, PGCAT_PG_DATABASE_DATFROZENXID, 0);
        pgrow_int(&r, PGCAT_PG_DATABASE_DATMINMXID, 1);
        pgrow_int(&r, PGCAT_PG_DATABASE_DATTABLESPACE, 1663);
        pgrow_str(&r, PGCAT_PG_DATABASE_DATCOLLATE, "C.UTF-8");
        pgrow_str(&r, PGCAT_PG_DATABASE_DATCTYPE, "C.UTF-8");
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

/* rolvaliduntil: the catalog keeps ISO text (written with the default TypeContext). */
static void role_valid_until(PgRow *r, int col, const char *text)
{
    TypeContext tc;
    types_context_init(&tc);
    Value v;
    SqlError e;
    if (!text || types_input(&tc, TIMESTAMPTZOID, -1, text, strlen(text), r->arena, &v, &e) != 0)
        r->vals[col] = value_null(TIMESTAMPTZOID);
    else
        r->vals[col] = v;
}

int pgcat_rows_pg_authid(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_AUTHID);
    /* verifiers are for superusers' eyes only (PostgreSQL denies pg_authid altogether) */
    const CatRole *viewer = catsnap_role_by_oid(env->cat, env->user_oid);
    bool viewer_su = !env->user_oid || (viewer && viewer->superuser);
    int n = catsnap_n_roles(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRole *ro = catsnap_role(env->cat, i);
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_AUTHID_OID, ro->oid);
        pgrow_str(&r, PGCAT_PG_AUTHID_ROLNAME, ro->name);
        pgrow_bool(&r, PGCAT_PG_AUTHID_ROLSUPER, ro->superuser);
        pgrow_bool(&r, PGCAT_PG_AUTHID_ROLINHERIT, ro->inherit);
        pgrow_bool(&r, PGCAT_PG_AUTHID_ROLCREATEROLE, ro->createrole);
        pgrow_bool(&r, PGCAT_PG_AUTHID_ROLCREATEDB, ro->createdb);
        pgrow_bool(&r, PGCAT_PG_AUTHID_ROLCANLOGIN, ro->login);
        pgrow_bool(&r, PGCAT_PG_AUTHID_ROLREPLICATION, ro->replication);
        pgrow_bool(&r, PGCAT_PG_AUTHID_ROLBYPASSRLS, ro->bypassrls);
        pgrow_int(&r, PGCAT_PG_AUTHID_ROLCONNLIMIT, ro->conn_limit);
        pgrow_str(&r, PGCAT_PG_AUTHID_ROLPASSWORD, viewer_su ? ro->password : NULL);
        role_valid_until(&r, PGCAT_PG_AUTHID_ROLVALIDUNTIL, ro->valid_until);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_roles(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_ROLES);
    int n = catsnap_n_roles(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRole *ro = catsnap_role(env->cat, i);
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_PG_ROLES_ROLNAME, ro->name);
        pgrow_bool(&r, PGCAT_PG_ROLES_ROLSUPER, ro->superuser);
        pgrow_bool(&r, PGCAT_PG_ROLES_ROLINHERIT, ro->inherit);
        pgrow_bool(&r, PGCAT_PG_ROLES_ROLCREATEROLE, ro->createrole);
        pgrow_bool(&r, PGCAT_PG_ROLES_ROLCREATEDB, ro->createdb);
        pgrow_bool(&r, PGCAT_PG_ROLES_ROLCANLOGIN, ro->login);
        pgrow_bool(&r, PGCAT_PG_ROLES_ROLREPLICATION, ro->replication);
        pgrow_int(&r, PGCAT_PG_ROLES_ROLCONNLIMIT, ro->conn_limit);
        pgrow_str(&r, PGCAT_PG_ROLES_ROLPASSWORD, "********");
        role_valid_until(&r, PGCAT_PG_ROLES_ROLVALIDUNTIL, ro->valid_until);
        pgrow_bool(&r, PGCAT_PG_ROLES_ROLBYPASSRLS, ro->bypassrls);
        pgrow_int(&r, PGCAT_PG_ROLES_OID, ro->oid);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_user(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_USER);
    int n = catsnap_n_roles(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRole *ro = catsnap_role(env->cat, i);
        if (!ro->login)
            continue;
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_PG_USER_USENAME, ro->name);
        pgrow_int(&r, PGCAT_PG_USER_USESYSID, ro->oid);
        pgrow_bool(&r, PGCAT_PG_USER_USECREATEDB, ro->createdb);
        pgrow_bool(&r, PGCAT_PG_USER_USESUPER, ro->superuser);
        pgrow_bool(&r, PGCAT_PG_USER_USEREPL, ro->replication);
        pgrow_bool(&r, PGCAT_PG_USER_USEBYPASSRLS, ro->bypassrls);
        pgrow_str(&r, PGCAT_PG_USER_PASSWD, "********");
        role_valid_until(&r, PGCAT_PG_USER_VALUNTIL, ro->valid_until);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_auth_members(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_AUTH_MEMBERS);
    int n = catsnap_n_roles(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRole *ro = catsnap_role(env->cat, i);
        for (int k = 0; k < ro->n_member_of; k++) {
            pgrow_clear(&r);
            pgrow_int(&r, PGCAT_PG_AUTH_MEMBERS_ROLEID, ro->member_of[k].role);
            pgrow_int(&r, PGCAT_PG_AUTH_MEMBERS_MEMBER, ro->oid);
            pgrow_int(&r, PGCAT_PG_AUTH_MEMBERS_GRANTOR, ro->member_of[k].grantor);
            pgrow_bool(&r, PGCAT_PG_AUTH_MEMBERS_ADMIN_OPTION, ro->member_of[k].admin);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

/* ALTER DATABASE d SET rows (setrole 0), then per role its ALTER ROLE r SET row
 * (setdatabase 0) and its IN DATABASE rows (existing databases only). */
int pgcat_rows_pg_db_role_setting(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_DB_ROLE_SETTING);
    int nd = catsnap_n_databases(env->cat);
    for (int i = 0; i < nd; i++) {
        const CatDatabase *db = catsnap_database(env->cat, i);
        if (db->n_settings <= 0)
            continue;
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_DB_ROLE_SETTING_SETDATABASE, db->oid);
        pgrow_int(&r, PGCAT_PG_DB_ROLE_SETTING_SETROLE, 0);
        pgrow_text_array(&r, PGCAT_PG_DB_ROLE_SETTING_SETCONFIG, TEXTOID, db->n_settings,
                         (const char *const *)db->settings);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    int nr = catsnap_n_roles(env->cat);
    for (int i = 0; i < nr; i++) {
        const CatRole *ro = catsnap_role(env->cat, i);
        if (ro->n_settings <= 0)
            continue;
        const char **vals = shale_arena_alloc(arena, sizeof(char *) * (size_t)ro->n_settings);
        if (!vals)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        /* scope 0 first, then each database in the order its first entry appears */
        for (int j = -1; j < ro->n_settings; j++) {
            Oid want = 0;
            if (j >= 0) {
                ddl_setconfig_scope(ro->settings[j], &want);
                bool first = want != 0;
                for (int k = 0; k < j && first; k++) {
                    Oid o;
                    ddl_setconfig_scope(ro->settings[k], &o);
                    first = o != want;
                }
                if (!first || !catsnap_database_by_oid(env->cat, want))
                    continue;
            }
            int nv = 0;
            for (int k = 0; k < ro->n_settings; k++) {
                Oid o;
                size_t skip = ddl_setconfig_scope(ro->settings[k], &o);
                if (o == want)
                    vals[nv++] = ro->settings[k] + skip;
            }
            if (nv == 0)
                continue;
            pgrow_clear(&r);
            pgrow_int(&r, PGCAT_PG_DB_ROLE_SETTING_SETDATABASE, want);
            pgrow_int(&r, PGCAT_PG_DB_ROLE_SETTING_SETROLE, ro->oid);
            pgrow_text_array(&r, PGCAT_PG_DB_ROLE_SETTING_SETCONFIG, TEXTOID, nv, vals);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- settings and activity ------------------------------------------------------------ */

static const char *setting_category(const char *name)
{
    if (!strncmp(name, "lc_", 3) || !strcmp(name, "DateStyle") || !strcmp(name, "TimeZone") ||
        !strcmp(name, "IntervalStyle") || !strcmp(name, "extra_float_digits") || !strcmp(name, "client_encoding"))
        return "Client Connection Defaults / Locale and Formatting";
    if (!strcmp(name, "server_version") || !strcmp(name, "server_version_num") || !strcmp(name, "server_encoding") ||
        !strcmp(name, "integer_datetimes") || !strcmp(name, "max_identifier_length") || !strcmp(name, "in_hot_standby"))
        return "Preset Options";
    return "Client Connection Defaults / Statement Behavior";
}

static bool setting_is_bool(const char *v)
{
    return !strcmp(v, "on") || !strcmp(v, "off");
}

int pgcat_rows_pg_settings(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_SETTINGS);
    const SqlSession *s = env->session;
    SessionSettings defaults;
    if (!s)
        settings_init(&defaults);
    const SessionSettings *ss = s ? &s->settings : &defaults;
    for (int i = 0; i < SETTING__COUNT; i++) {
        const char *name = settings_name((SettingId)i);
        const char *v = settings_get(ss, (SettingId)i);
        const char *cat = setting_category(name);
        pgrow_clear(&r);
        pgrow_str(&r, PGCAT_PG_SETTINGS_NAME, name);
        pgrow_str(&r, PGCAT_PG_SETTINGS_SETTING, pgrow_strdup(&r, v, strlen(v)));
        pgrow_str(&r, PGCAT_PG_SETTINGS_CATEGORY, cat);
        pgrow_str(&r, PGCAT_PG_SETTINGS_SHORT_DESC, "");
        pgrow_str(&r, PGCAT_PG_SETTINGS_CONTEXT, !strcmp(cat, "Preset Options") ? "internal" : "user");
        pgrow_str(&r, PGCAT_PG_SETTINGS_VARTYPE, setting_is_bool(v) ? "bool" : "string");
        pgrow_str(&r, PGCAT_PG_SETTINGS_SOURCE, strcmp(v, ss->reset_value[i]) ? "session" : "default");
        pgrow_str(&r, PGCAT_PG_SETTINGS_BOOT_VAL, pgrow_strdup(&r, ss->reset_value[i], strlen(ss->reset_value[i])));
        pgrow_str(&r, PGCAT_PG_SETTINGS_RESET_VAL, pgrow_strdup(&r, ss->reset_value[i], strlen(ss->reset_value[i])));
        pgrow_bool(&r, PGCAT_PG_SETTINGS_PENDING_RESTART, false);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

static const char *activity_state_text(char st)
{
    switch (st) {
    case 'A': return "active";
    case 'I': return "idle";
    case 'T': return "idle in transaction";
    case 'E': return "idle in transaction (aborted)";
    default: return NULL;
    }
}

/* Every open session (session_activity.c copies them out; rows are emitted after the
 * registry's locks are released). Other roles' sessions show only their identity and
 * '<insufficient privilege>' unless the current role has their privileges or
 * pg_read_all_stats' (PostgreSQL 15's HAS_PGSTAT_PERMISSIONS). */
int pgcat_rows_pg_stat_activity(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_STAT_ACTIVITY);
    SqlSession *s = env->session;
    if (!s)
        return 0;
    SessionActivityRow *rows;
    int n;
    if (session_registry_snapshot(s->eng, arena, &rows, &n) != 0)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    const CatRole *stats = catsnap_role_by_name(env->cat, "pg_read_all_stats");
    bool all = s->superuser || (stats && acl_has_privs_of_role(env->cat, s->user_oid, stats->oid));
    for (int i = 0; i < n; i++) {
        const SessionActivityRow *a = &rows[i];
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_STAT_ACTIVITY_PID, a->pid);
        pgrow_int(&r, PGCAT_PG_STAT_ACTIVITY_USESYSID, a->user_oid);
        pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_USENAME, a->user);
        pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_APPLICATION_NAME, a->act.application_name);
        pgrow_int(&r, PGCAT_PG_STAT_ACTIVITY_DATID, a->db_oid);
        pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_DATNAME, a->database);
        if (!all && !acl_has_privs_of_role(env->cat, s->user_oid, a->user_oid)) {
            pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_QUERY, "<insufficient privilege>");
            if (pgrow_emit(&r) != 0)
                return -1;
            continue;
        }
        if (a->act.has_client) {
            pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_CLIENT_ADDR, a->act.client_addr[0] ? a->act.client_addr : NULL);
            pgrow_int(&r, PGCAT_PG_STAT_ACTIVITY_CLIENT_PORT, a->act.client_port);
        }
        pgrow_int(&r, PGCAT_PG_STAT_ACTIVITY_BACKEND_START, a->act.backend_start);
        if (a->act.xact_start)
            pgrow_int(&r, PGCAT_PG_STAT_ACTIVITY_XACT_START, a->act.xact_start);
        if (a->act.query_start)
            pgrow_int(&r, PGCAT_PG_STAT_ACTIVITY_QUERY_START, a->act.query_start);
        pgrow_int(&r, PGCAT_PG_STAT_ACTIVITY_STATE_CHANGE, a->act.state_change);
        pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_STATE, activity_state_text(a->act.state));
        if (a->waiting) { /* ShaleDB's lock waits are row (transaction) locks */
            pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_WAIT_EVENT_TYPE, "Lock");
            pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_WAIT_EVENT, "transactionid");
        } else if (a->act.has_client && a->act.state != 'A') { /* waiting for its client */
            pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_WAIT_EVENT_TYPE, "Client");
            pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_WAIT_EVENT, "ClientRead");
        }
        pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_QUERY, a->act.query);
        pgrow_str(&r, PGCAT_PG_STAT_ACTIVITY_BACKEND_TYPE, a->act.has_client ? "client backend" : "background worker");
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}
