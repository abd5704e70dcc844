/* ddl_database.c -- CREATE DATABASE, DROP DATABASE and ALTER DATABASE, with PostgreSQL 15's
 * checks, messages and SQLSTATEs.
 *
 * A database is a catalog entry (CatDatabase) plus its own key range; creating one writes
 * the entry and the three initial schemas (catalog_create_database), which is exactly what
 * a fresh template1 or template0 holds, so "copying the template" needs nothing more. A
 * template holding user objects cannot be copied (0A000). Only what ShaleDB honours is
 * accepted: encoding UTF8 and the C / C.UTF-8 locales (bytewise collation).
 *
 * DROP DATABASE removes the entry through the statement's transaction; the commit leaves a
 * purge record that catalog_purge turns into one dropped key range (shale_db_drop_range).
 * Sessions still connected to the database make it fail with 55006, unless WITH (FORCE),
 * which terminates them (session_registry.c) and waits up to 5 s for them to go, as
 * PostgreSQL does.
 *
 * These statements cannot run inside a transaction block (25001), nor in a Query message of
 * several statements (PostgreSQL's implicit block). They run in their own implicit
 * transaction, committed by the caller as usual. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/blocking.h"
#include "sql/ddl_int.h"

bool ddl_database_is_stmt(const AstNode *stmt)
{
    switch (stmt->tag) {
    case AST_CREATE_DATABASE:
        return true;
    case AST_DROP:
        return ((const AstDropStmt *)stmt)->kind == AST_OBJ_DATABASE;
    case AST_ALTER_TABLE:
        return ((const AstAlterTableStmt *)stmt)->kind == AST_OBJ_DATABASE;
    default:
        return false;
    }
}

/* ---- helpers ----------------------------------------------------------------------------- */

/* The option's value as text (borrowed from the AST), NULL when it has none. */
static const char *opt_text(const AstNode *arg)
{
    if (!arg)
        return NULL;
    if (arg->tag == AST_CONST) {
        const AstConst *c = (const AstConst *)arg;
        if (c->kind == AST_CONST_BOOL)
            return c->bval ? "true" : "false";
        return c->str;
    }
    if (arg->tag == AST_COLUMN_REF) {
        const AstColumnRef *r = (const AstColumnRef *)arg;
        return r->fields.n ? r->fields.names[r->fields.n - 1] : NULL;
    }
    return NULL;
}

static int opt_bool(const char *name, const AstNode *arg, bool *out, SqlError *err)
{
    const char *v = opt_text(arg);
    if (!v) {
        *out = true;
        return 0;
    }
    static const char *const yes[] = { "true", "on", "1", "t", "yes", "y" };
    static const char *const no[] = { "false", "off", "0", "f", "no", "n" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return SQL_ERR(err, SYNTAX_ERROR, "%s requires a Boolean value", name);
}

static int opt_int(const char *name, const AstNode *arg, int64_t *out, SqlError *err)
{
    const char *v = opt_text(arg);
    char *end = NULL;
    long long x = v ? strtoll(v, &end, 10) : 0;
    if (!v || end == v || *end || x < -2147483648LL || x > 2147483647LL)
        return SQL_ERR(err, SYNTAX_ERROR, "%s requires an integer value", name);
    *out = x;
    return 0;
}

/* Lower-case alphanumerics only: PostgreSQL's encoding-name comparison. */
static void enc_key(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        if (isalnum((unsigned char)*in))
            out[n++] = (char)tolower((unsigned char)*in);
    out[n] = 0;
}

/* The canonical name of a server encoding PostgreSQL knows, NULL when unknown. */
static const char *encoding_canonical(const char *name)
{
    static const char *const known[] = {
        "UTF8", "SQL_ASCII", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004", "MULE_INTERNAL",
        "LATIN1", "LATIN2", "LATIN3", "LATIN4", "LATIN5", "LATIN6", "LATIN7", "LATIN8", "LATIN9",
        "LATIN10", "WIN1256", "WIN1258", "WIN866", "WIN874", "KOI8R", "WIN1251", "WIN1252",
        "ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8", "WIN1250", "WIN1253", "WIN1254",
        "WIN1255", "WIN1257", "KOI8U",
    };
    char k[64], c[64];
    enc_key(name, k, sizeof k);
    if (strcmp(k, "unicode") == 0)
        return "UTF8";
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        enc_key(known[i], c, sizeof c);
        if (strcmp(k, c) == 0)
            return known[i];
    }
    return NULL;
}

static bool locale_supported(const char *v)
{
    return strcmp(v, "C") == 0 || strcmp(v, "POSIX") == 0 || strcasecmp(v, "C.UTF-8") == 0 ||
           strcasecmp(v, "C.utf8") == 0;
}

static int in_block_check(SqlSession *s, const char *what, SqlError *err)
{
    if (s->tx == TX_BLOCK || s->tx == TX_FAILED || s->msg_multi)
        return SQL_ERR(err, ACTIVE_SQL_TRANSACTION, "%s cannot run inside a transaction block", what);
    return 0;
}

static int set_position(SqlError *err, const char *text, int location)
{
    if (location >= 0 && text)
        err->position = sql_parser_position(text, strlen(text), location);
    return -1;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    shale_block_enter();
    nanosleep(&ts, NULL);
    shale_block_leave();
}

/* Waits up to wait_ms for the other sessions of db to leave; returns how many remain. */
static int wait_other_sessions(SqlSession *s, Oid db, int wait_ms)
{
    int n = session_registry_count_db(s->eng, db, s);
    for (int waited = 0; n > 0 && waited < wait_ms; waited += 50) {
        sleep_ms(50);
        n = session_registry_count_db(s->eng, db, s);
    }
    return n;
}

static int busy_error(SqlError *err, const char *fmt, const char *name, int n)
{
    sql_error_set(err, ERRCODE_OBJECT_IN_USE, fmt, name);
    if (n == 1)
        sql_error_detail(err, "There is 1 other session using the database.");
    else
        sql_error_detail(err, "There are %d other sessions using the database.", n);
    return -1;
}

/* Runs fn inside the session's (implicit) transaction with a catalog snapshot of it. */
typedef int (*DbDdlFn)(DdlCtx *d, const AstNode *stmt, const SqlSink *sink, SqlError *err);

static SqlStatus with_txn(SqlSession *s, const AstNode *stmt, const char *text, DbDdlFn fn, const SqlSink *sink,
                          SqlError *err)
{
    if (session_ensure_txn(s, err) != 0)
        return SQL_ERROR;
    DdlCtx d;
    memset(&d, 0, sizeof d);
    d.s = s;
    d.cat = rel_db_catalog(s->eng->rdb);
    d.ctxn = rel_txn_catalog(s->txn);
    d.text = text;
    d.text_len = strlen(text);
    shale_arena_init(&d.arena);
    int rc = catalog_snapshot(d.cat, d.ctxn, s->db_oid, &d.snap, err);
    if (rc == 0)
        rc = fn(&d, stmt, sink, err);
    if (d.snap)
        catalog_snapshot_release(d.snap);
    shale_arena_destroy(&d.arena);
    return rc == 0 ? SQL_DONE : SQL_ERROR;
}

static bool is_owner_or_super(const SqlSession *s, const CatDatabase *db)
{
    return s->superuser || db->owner == s->user_oid;
}

/* ---- CREATE DATABASE ---------------------------------------------------------------------- */

static int create_database(DdlCtx *d, const AstNode *stmt, const SqlSink *sink, SqlError *err)
{
    const AstCreateDatabaseStmt *cs = (const AstCreateDatabaseStmt *)stmt;
    CatDatabase db;
    memset(&db, 0, sizeof db);
    db.name = (char *)cs->name;
    db.owner = d->s->user_oid;
    db.allow_conn = true;
    db.conn_limit = -1;
    const char *tmpl = "template1", *encoding = NULL, *ctype = NULL;
    for (int i = 0; i < cs->options.n; i++) {
        const AstDefElem *e = (const AstDefElem *)cs->options.items[i];
        const char *v = opt_text(e->arg);
        int64_t x;
        if (strcmp(e->name, "owner") == 0) {
            if (v) {
                const CatRole *r = catsnap_role_by_name(d->snap, v);
                if (!r)
                    return SQL_ERR(err, UNDEFINED_OBJECT, "role \"%s\" does not exist", v);
                db.owner = r->oid;
            }
        } else if (strcmp(e->name, "template") == 0) {
            if (v)
                tmpl = v;
        } else if (strcmp(e->name, "encoding") == 0) {
            if (v && e->arg->tag == AST_CONST && ((const AstConst *)e->arg)->kind == AST_CONST_INTEGER) {
                if (strcmp(v, "6") != 0 && strcmp(v, "-1") != 0) {
                    sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "%s is not a valid encoding code", v);
                    return set_position(err, d->text, e->hdr.location);
                }
                encoding = "UTF8";
            } else if (v) {
                encoding = encoding_canonical(v);
                if (!encoding) {
                    sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "%s is not a valid encoding name", v);
                    return set_position(err, d->text, e->hdr.location);
                }
            }
        } else if (strcmp(e->name, "locale") == 0 || strcmp(e->name, "lc_collate") == 0 ||
                   strcmp(e->name, "lc_ctype") == 0 || strcmp(e->name, "icu_locale") == 0) {
            if (v && !locale_supported(v))
                return SQL_ERR(err, WRONG_OBJECT_TYPE, "invalid locale name: \"%s\"", v);
            if (v && strcmp(e->name, "icu_locale") != 0 && strcmp(e->name, "lc_collate") != 0)
                ctype = v;
        } else if (strcmp(e->name, "locale_provider") == 0) {
            if (v && strcasecmp(v, "libc") != 0) {
                if (strcasecmp(v, "icu") == 0)
                    return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "ICU is not supported in this build");
                return SQL_ERR(err, INVALID_PARAMETER_VALUE, "unrecognized locale provider: %s", v);
            }
        } else if (strcmp(e->name, "connection_limit") == 0) {
            if (opt_int("connection_limit", e->arg, &x, err) != 0)
                return -1;
            if (x < -1)
                return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid connection limit: %lld", (long long)x);
            db.conn_limit = (int32_t)x;
        } else if (strcmp(e->name, "is_template") == 0) {
            if (opt_bool("is_template", e->arg, &db.is_template, err) != 0)
                return -1;
        } else if (strcmp(e->name, "allow_connections") == 0) {
            if (opt_bool("allow_connections", e->arg, &db.allow_conn, err) != 0)
                return -1;
        } else if (strcmp(e->name, "strategy") == 0) {
            if (v && strcasecmp(v, "wal_log") != 0 && strcasecmp(v, "file_copy") != 0) {
                sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "invalid create database strategy \"%s\"", v);
                sql_error_hint(err, "Valid strategies are \"wal_log\" and \"file_copy\".");
                return -1;
            }
        } else if (strcmp(e->name, "tablespace") == 0) {
            if (v && strcmp(v, "pg_default") != 0)
                return SQL_ERR(err, UNDEFINED_OBJECT, "tablespace \"%s\" does not exist", v);
        } else if (strcmp(e->name, "collation_version") == 0 || strcmp(e->name, "oid") == 0) {
            /* accepted and ignored: OIDs are ours to choose, collations have no versions */
        } else {
            sql_error_set(err, ERRCODE_SYNTAX_ERROR, "option \"%s\" not recognized", e->name);
            return set_position(err, d->text, e->hdr.location);
        }
    }
    if (!d->s->superuser) {
        const CatRole *me = catsnap_role_by_oid(d->snap, d->s->user_oid);
        if (!me || !me->createdb)
            return SQL_ERR(err, INSUFFICIENT_PRIVILEGE, "permission denied to create database");
    }
    if (encoding && strcmp(encoding, "UTF8") != 0) {
        sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "encoding \"%s\" does not match locale \"%s\"", encoding,
                      ctype ? ctype : "C.UTF-8");
        sql_error_detail(err, "The chosen LC_CTYPE setting requires encoding \"UTF8\".");
        return -1;
    }
    /* template0 is not stored: it is by definition a fresh database's initial contents. */
    if (strcmp(tmpl, "template0") != 0) {
        const CatDatabase *t = catsnap_database_by_name(d->snap, tmpl);
        if (!t) {
            return SQL_ERR(err, INVALID_CATALOG_NAME, "template database \"%s\" does not exist", tmpl);
        }
        if (!t->is_template && !is_owner_or_super(d->s, t))
            return SQL_ERR(err, INSUFFICIENT_PRIVILEGE, "permission denied to copy database \"%s\"", tmpl);
        int busy = session_registry_count_db(d->s->eng, t->oid, d->s);
        if (busy > 0)
            return busy_error(err, "source database \"%s\" is being accessed by other users", tmpl, busy);
        CatSnapshot *ts;
        if (catalog_snapshot(d->cat, d->ctxn, t->oid, &ts, err) != 0)
            return -1;
        bool has_objects = catsnap_n_relations(ts) > 0 || catsnap_n_namespaces(ts) > 3 ||
                           catsnap_n_embedders(ts) > 0;
        catalog_snapshot_release(ts);
        if (has_objects)
            return SQL_ERR(err, FEATURE_NOT_SUPPORTED,
                           "copying template database \"%s\" is not supported: it holds user objects", tmpl);
    }
    if (catalog_create_database(d->cat, d->ctxn, &db, err) != 0)
        return -1;
    sink->command_complete(sink->arg, "CREATE DATABASE");
    return 0;
}

/* ---- DROP DATABASE ------------------------------------------------------------------------ */

static int drop_database(DdlCtx *d, const AstNode *stmt, const SqlSink *sink, SqlError *err)
{
    const AstDropStmt *ds = (const AstDropStmt *)stmt;
    const char *name = ((const AstRangeVar *)ds->objects.items[0])->relname;
    const CatDatabase *db = catsnap_database_by_name(d->snap, name);
    if (!db) {
        if (ds->missing_ok) {
            ddl_notice_skip(sink, "database", name);
            sink->command_complete(sink->arg, "DROP DATABASE");
            return 0;
        }
        return SQL_ERR(err, INVALID_CATALOG_NAME, "database \"%s\" does not exist", name);
    }
    if (!is_owner_or_super(d->s, db))
        return SQL_ERR(err, INSUFFICIENT_PRIVILEGE, "must be owner of database %s", name);
    if (db->is_template)
        return SQL_ERR(err, WRONG_OBJECT_TYPE, "cannot drop a template database");
    if (db->oid == d->s->db_oid)
        return SQL_ERR(err, OBJECT_IN_USE, "cannot drop the currently open database");
    if (ds->force)
        session_registry_terminate_db(d->s->eng, db->oid, d->s);
    int others = wait_other_sessions(d->s, db->oid, ds->force ? 5000 : 1000);
    if (others > 0)
        return busy_error(err, "database \"%s\" is being accessed by other users", name, others);
    if (catalog_drop_database(d->cat, d->ctxn, db, err) != 0)
        return -1;
    sink->command_complete(sink->arg, "DROP DATABASE");
    return 0;
}

/* ---- ALTER DATABASE ----------------------------------------------------------------------- */

static int alter_database(DdlCtx *d, const AstNode *stmt, const SqlSink *sink, SqlError *err)
{
    const AstAlterTableStmt *as = (const AstAlterTableStmt *)stmt;
    const char *name = as->relation->relname;
    const CatDatabase *old = catsnap_database_by_name(d->snap, name);
    if (!old)
        return SQL_ERR(err, INVALID_CATALOG_NAME, "database \"%s\" does not exist", name);
    CatDatabase nd = *old;
    for (int i = 0; i < as->cmds.n; i++) {
        const AstAlterCmd *c = (const AstAlterCmd *)as->cmds.items[i];
        int64_t x;
        switch (c->kind) {
        case AST_AT_RENAME_TABLE:
            if (!is_owner_or_super(d->s, old))
                return SQL_ERR(err, INSUFFICIENT_PRIVILEGE, "must be owner of database %s", name);
            if (catsnap_database_by_name(d->snap, c->newname))
                return SQL_ERR(err, DUPLICATE_DATABASE, "database \"%s\" already exists", c->newname);
            if (old->oid == d->s->db_oid)
                return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "current database cannot be renamed");
            {
                int others = session_registry_count_db(d->s->eng, old->oid, d->s);
                if (others > 0)
                    return busy_error(err, "database \"%s\" is being accessed by other users", name, others);
            }
            nd.name = (char *)c->newname;
            break;
        case AST_AT_OWNER_TO: {
            const char *role = c->missing_ok ? d->s->user : c->newname;
            const CatRole *r = catsnap_role_by_name(d->snap, role);
            if (!r)
                return SQL_ERR(err, UNDEFINED_OBJECT, "role \"%s\" does not exist", role);
            if (!is_owner_or_super(d->s, old))
                return SQL_ERR(err, INSUFFICIENT_PRIVILEGE, "must be owner of database %s", name);
            nd.owner = r->oid;
            break;
        }
        case AST_AT_SET_DEFAULT:
            if (!is_owner_or_super(d->s, old))
                return SQL_ERR(err, INSUFFICIENT_PRIVILEGE, "must be owner of database %s", name);
            if (strcmp(c->name, "connection_limit") == 0) {
                if (opt_int("connection_limit", c->def, &x, err) != 0)
                    return -1;
                if (x < -1)
                    return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid connection limit: %lld", (long long)x);
                nd.conn_limit = (int32_t)x;
            } else if (strcmp(c->name, "is_template") == 0) {
                if (opt_bool("is_template", c->def, &nd.is_template, err) != 0)
                    return -1;
            } else if (strcmp(c->name, "allow_connections") == 0) {
                if (opt_bool("allow_connections", c->def, &nd.allow_conn, err) != 0)
                    return -1;
                if (!nd.allow_conn && old->oid == d->s->db_oid)
                    return SQL_ERR(err, INVALID_PARAMETER_VALUE,
                                   "cannot disallow connections for current database");
            } else {
                sql_error_set(err, ERRCODE_SYNTAX_ERROR, "option \"%s\" not recognized", c->name);
                return set_position(err, d->text, c->hdr.location);
            }
            break;
        case AST_AT_DROP_DEFAULT:   /* SET / RESET param (sql/ddl_setconfig.c) */
            if (!is_owner_or_super(d->s, old))
                return SQL_ERR(err, INSUFFICIENT_PRIVILEGE, "must be owner of database %s", name);
            if (!c->def || c->def->tag != AST_VARIABLE_SET)
                return SQL_ERR(err, SYNTAX_ERROR, "syntax error in ALTER DATABASE");
            if (ddl_setconfig_update(d, (const AstVariableSetStmt *)c->def, 0, &nd.n_settings, &nd.settings, err) != 0)
                return -1;
            break;
        default:
            return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "unsupported ALTER DATABASE command");
        }
    }
    if (catalog_alter_database(d->cat, d->ctxn, old, &nd, err) != 0)
        return -1;
    sink->command_complete(sink->arg, "ALTER DATABASE");
    return 0;
}

/* ---- entry -------------------------------------------------------------------------------- */

SqlStatus ddl_database_execute(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink,
                               SqlError *err)
{
    switch (stmt->tag) {
    case AST_CREATE_DATABASE:
        if (in_block_check(s, "CREATE DATABASE", err) != 0)
            return SQL_ERROR;
        return with_txn(s, stmt, text, create_database, sink, err);
    case AST_DROP:
        if (in_block_check(s, "DROP DATABASE", err) != 0)
            return SQL_ERROR;
        return with_txn(s, stmt, text, drop_database, sink, err);
    default:
        return with_txn(s, stmt, text, alter_database, sink, err);
    }
}
