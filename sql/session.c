/* session.c -- the SQL engine and sessions behind sql.h: opening the engine over storage,
 * starting sessions, the transaction state machine (session_int.h), the simple-query loop
 * and sending result rows in the client's formats. */
#include "sql/session_int.h"
#include "sql/pgcat/pgcat.h"
#include "sql/embed.h"
#include "sql/obs.h"
#include "sql/pgss.h"
#include "sql/vecindex.h"
#include "sql/acl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "storage/shale_storage.h"

#define SHALE_VERSION "0.1.0"

/* ---- engine -------------------------------------------------------------------------- */

int sql_engine_open(const SqlEngineOptions *opts, SqlEngine **out, SqlError *err)
{
    *out = NULL;
    SqlEngine *eng = calloc(1, sizeof *eng);
    if (!eng)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    eng->db = opts->db;
    if (opts->data_dir)
        snprintf(eng->data_dir, sizeof eng->data_dir, "%s", opts->data_dir);
    RelDBOptions ro = { opts->bootstrap_superuser, opts->bootstrap_database };
    if (rel_db_open(opts->db, &ro, &eng->rdb, err) != 0) {
        free(eng);
        return -1;
    }
    if (vecreg_open(eng->rdb, opts->data_dir, &eng->vreg, err) != 0) {
        rel_db_close(eng->rdb);
        free(eng);
        return -1;
    }
    snprintf(eng->server_version, sizeof eng->server_version, "%s", "15.7");
    snprintf(eng->version_text, sizeof eng->version_text,
             "PostgreSQL 15.7 (ShaleDB %s) on x86_64-pc-linux-gnu, compiled by gcc, 64-bit", SHALE_VERSION);
    atomic_init(&eng->next_pid, 0x40000000); /* above wire pids (sql_session_set_client) */
    eng->obs = obs_state_new();
    pthread_mutex_init(&eng->sessions_mu, NULL);
    EmbedConfig ec = { opts->embedding_workers, opts->embedding_retry_base_ms, opts->embedding_retry_max_ms,
                       opts->embedding_max_attempts };
    if (embed_engine_open(eng, &ec, &eng->embed, err) != 0) {
        rel_db_close(eng->rdb);
        free(eng);
        return -1;
    }
    *out = eng;
    return 0;
}

void sql_engine_close(SqlEngine *eng)
{
    if (!eng)
        return;
    embed_engine_close(eng->embed); /* joins the workers, which use the relational facet */
    vecreg_close(eng->vreg);
    rel_db_close(eng->rdb);
    pthread_mutex_destroy(&eng->sessions_mu);
    obs_state_free(eng->obs);
    free(eng);
}

static int64_t now_pg_micros(void);

int sql_engine_role_info(SqlEngine *eng, const char *role, SqlRoleInfo *out, SqlError *err)
{
    memset(out, 0, sizeof *out);
    CatSnapshot *snap;
    if (catalog_snapshot(rel_db_catalog(eng->rdb), NULL, CAT_OID_DB_POSTGRES, &snap, err) != 0)
        return -1;
    const CatRole *r = catsnap_role_by_name(snap, role);
    if (r) {
        out->exists = true;
        out->can_login = r->login;
        out->superuser = r->superuser;
        snprintf(out->password, sizeof out->password, "%s", r->password ? r->password : "");
        if (r->valid_until) {   /* an expired password is no password (PG: auth fails) */
            TypeContext tc;
            types_context_init(&tc);
            Value v;
            SqlError e;
            ShaleArena a;
            shale_arena_init(&a);
            if (types_input(&tc, TIMESTAMPTZOID, -1, r->valid_until, strlen(r->valid_until), &a, &v, &e) == 0 &&
                v.u.i < now_pg_micros())
                out->password[0] = '\0';
            shale_arena_destroy(&a);
        }
    }
    catalog_snapshot_release(snap);
    return 0;
}

/* ---- sessions ------------------------------------------------------------------------- */

static int64_t now_pg_micros(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* PostgreSQL's epoch is 2000-01-01 00:00:00 UTC = Unix time 946684800. */
    return ((int64_t)ts.tv_sec - 946684800) * 1000000 + ts.tv_nsec / 1000;
}

/* Applies a setting that also lives in the TypeContext. */
int session_apply_setting(SqlSession *s, const char *name, SqlError *err)
{
    int id = settings_lookup(name);
    if (id == SETTING_TIMEZONE) {
        const TypesTimeZone *tz;
        if (types_timezone_lookup(settings_get(&s->settings, SETTING_TIMEZONE), &tz, err) != 0)
            return -1;
        s->tc.tz = tz;
    } else if (id == SETTING_EXTRA_FLOAT_DIGITS) {
        int v = atoi(settings_get(&s->settings, SETTING_EXTRA_FLOAT_DIGITS));
        s->tc.extra_float_digits = v < -15 ? -15 : v > 3 ? 3 : v;
    } else if (id == SETTING_BYTEA_OUTPUT) {
        s->tc.bytea_output_escape = strcasecmp(settings_get(&s->settings, SETTING_BYTEA_OUTPUT), "escape") == 0;
    } else if (id == SETTING_DATESTYLE) {
        const char *v = settings_get(&s->settings, SETTING_DATESTYLE);
        s->tc.date_order = strstr(v, "DMY") ? TYPES_DATEORDER_DMY : strstr(v, "YMD") ? TYPES_DATEORDER_YMD
                                                                                     : TYPES_DATEORDER_MDY;
        s->tc.date_style = !strncmp(v, "SQL", 3) ? TYPES_DATESTYLE_SQL : !strncmp(v, "German", 6) ? TYPES_DATESTYLE_GERMAN
                           : !strncmp(v, "Postgres", 8) ? TYPES_DATESTYLE_POSTGRES : TYPES_DATESTYLE_ISO;
    } else if (id == SETTING_INTERVALSTYLE) {
        const char *v = settings_get(&s->settings, SETTING_INTERVALSTYLE);
        s->tc.interval_style = !strcmp(v, "sql_standard") ? TYPES_INTERVALSTYLE_SQL_STANDARD
                               : !strcmp(v, "iso_8601") ? TYPES_INTERVALSTYLE_ISO_8601
                               : !strcmp(v, "postgres_verbose") ? TYPES_INTERVALSTYLE_POSTGRES_VERBOSE
                                                                : TYPES_INTERVALSTYLE_POSTGRES;
    }
    return 0;
}

/* SET from SQL or the startup packet: validate, store, mirror into the TypeContext. */
int session_set(SqlSession *s, const char *name, const char *value, bool local, SqlError *err)
{
    char saved[SETTING_VALUE_MAX] = "";
    int id = settings_lookup(name);
    if (id >= 0)
        snprintf(saved, sizeof saved, "%s", settings_get(&s->settings, (SettingId)id));
    if (id >= 0 && session_undo_note_setting(s, id) != 0)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (id >= 0 && !local && (s->txn || s->msg_multi) && !s->tx_set_saved[id]) {
        /* Before-transaction value: a pending SET LOCAL already saved it. */
        s->tx_set_saved[id] = true;
        s->tx_set_any = true;
        memcpy(s->tx_set_value[id], s->settings.saved[id] ? s->settings.saved_value[id] : saved, SETTING_VALUE_MAX);
    }
    if (settings_set(&s->settings, name, value, local, err) != 0)
        return -1;
    if (session_apply_setting(s, name, err) != 0) {
        if (id >= 0)
            (void)settings_set(&s->settings, name, saved, local, NULL);
        return -1;
    }
    return 0;
}

/* The startup packet's "options" (libpq options= / PGOPTIONS): "-c name=value" and
 * "--name=value" words, separated by spaces, a backslash escaping the next byte (as
 * PostgreSQL's pg_split_opts). Applied like the other startup parameters. */
static int session_startup_options(SqlSession *s, const char *opts, SqlError *err)
{
    char word[2 * SETTING_VALUE_MAX];
    bool want_c = false;
    const char *p = opts;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        size_t n = 0;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
            if (*p == '\\' && p[1])
                p++;
            if (n + 1 < sizeof word)
                word[n++] = *p;
            p++;
        }
        word[n] = '\0';
        const char *nv = NULL;
        if (want_c) {
            nv = word;
            want_c = false;
        } else if (!strcmp(word, "-c")) {
            want_c = true;
            continue;
        } else if (!strncmp(word, "-c", 2)) {
            nv = word + 2;
        } else if (!strncmp(word, "--", 2)) {
            nv = word + 2;
        } else {
            continue;   /* other postgres switches: ignored */
        }
        char *eq = strchr(nv, '=');
        if (!eq)
            return sql_error_set(err, ERRCODE_SYNTAX_ERROR, "parameter \"%s\" requires a value", nv);
        *eq = '\0';
        for (char *q = (char *)nv; *q; q++)
            if (*q == '-')
                *q = '_';
        if (session_set(s, nv, eq + 1, false, err) != 0)
            return -1;
        int id = settings_lookup(nv);
        if (id >= 0)
            memcpy(s->settings.reset_value[id], s->settings.value[id], SETTING_VALUE_MAX);
    }
    return 0;
}

int sql_session_open(SqlEngine *eng, const char *user, const char *database,
                     int n_options, const char *const *option_names, const char *const *option_values,
                     SqlSession **out, SqlError *err)
{
    *out = NULL;
    CatSnapshot *snap;
    if (catalog_snapshot(rel_db_catalog(eng->rdb), NULL, CAT_OID_DB_POSTGRES, &snap, err) != 0)
        return -1;
    const CatRole *role = catsnap_role_by_name(snap, user);
    const CatDatabase *dbd = catsnap_database_by_name(snap, database);
    if (!role) {
        catalog_snapshot_release(snap);
        sql_error_set(err, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, "role \"%s\" does not exist", user);
        err->severity = SQL_SEV_FATAL;
        return -1;
    }
    if (!role->login) {
        catalog_snapshot_release(snap);
        sql_error_set(err, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, "role \"%s\" is not permitted to log in", user);
        err->severity = SQL_SEV_FATAL;
        return -1;
    }
    if (!dbd) {
        catalog_snapshot_release(snap);
        sql_error_set(err, ERRCODE_INVALID_CATALOG_NAME, "database \"%s\" does not exist", database);
        err->severity = SQL_SEV_FATAL;
        return -1;
    }
    if (!dbd->allow_conn) {
        catalog_snapshot_release(snap);
        sql_error_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "database \"%s\" is not currently accepting connections", database);
        err->severity = SQL_SEV_FATAL;
        return -1;
    }
    SqlSession *s = calloc(1, sizeof *s);
    if (!s) {
        catalog_snapshot_release(snap);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    s->eng = eng;
    snprintf(s->user, sizeof s->user, "%s", user);
    snprintf(s->database, sizeof s->database, "%s", database);
    s->db_oid = dbd->oid;
    s->user_oid = role->oid;
    s->superuser = role->superuser;
    int32_t conn_limit = dbd->conn_limit;
    snprintf(s->session_user, sizeof s->session_user, "%s", user);
    s->session_user_oid = s->auth_user_oid = role->oid;
    s->auth_superuser = role->superuser;
    /* ALTER DATABASE / ROLE SET lists, copied out of the snapshot (database first: the
     * role's entries win); applied below, before the startup options */
    int n_setconfig = dbd->n_settings + role->n_settings, n_copied = 0;
    char **setconfig = n_setconfig ? calloc((size_t)n_setconfig, sizeof(char *)) : NULL;
    for (int i = 0; setconfig && i < n_setconfig; i++) {
        const char *e = i < dbd->n_settings ? dbd->settings[i] : role->settings[i - dbd->n_settings];
        if ((setconfig[n_copied] = strdup(e)) != NULL)
            n_copied++;
    }
    catalog_snapshot_release(snap);
    if (conn_limit >= 0 && !s->superuser && session_registry_count_db(eng, s->db_oid, NULL) >= conn_limit) {
        for (int i = 0; i < n_copied; i++)
            free(setconfig[i]);
        free(setconfig);
        free(s);
        sql_error_set(err, ERRCODE_TOO_MANY_CONNECTIONS, "too many connections for database \"%s\"", database);
        err->severity = SQL_SEV_FATAL;
        return -1;
    }
    s->pid = atomic_fetch_add(&eng->next_pid, 1);
    settings_init(&s->settings);
    types_context_init(&s->tc);
    s->random_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)now_pg_micros() ^ (uint64_t)s->pid;
    atomic_init(&s->cancel, false);
    shale_arena_init(&s->msg_arena);
    /* Values the server fixes for this session (not settable). */
    snprintf(s->settings.value[SETTING_SERVER_VERSION], SETTING_VALUE_MAX, "%s", eng->server_version);
    snprintf(s->settings.value[SETTING_IS_SUPERUSER], SETTING_VALUE_MAX, "%s", s->superuser ? "on" : "off");
    snprintf(s->settings.value[SETTING_SESSION_AUTHORIZATION], SETTING_VALUE_MAX, "%s", user);
    session_setconfig_apply(s, setconfig, n_copied);
    for (int i = 0; i < n_copied; i++)
        free(setconfig[i]);
    free(setconfig);
    for (int i = 0; i < n_options; i++) {
        const char *n = option_names[i];
        if (!strcmp(n, "user") || !strcmp(n, "database") || !strcmp(n, "replication"))
            continue;
        SqlError e;
        if (!strcmp(n, "options") ? session_startup_options(s, option_values[i], &e) != 0
                                  : session_set(s, n, option_values[i], false, &e) != 0) {
            sql_session_close(s);
            *err = e;
            err->severity = SQL_SEV_FATAL;
            return -1;
        }
        int id = strcmp(n, "options") ? settings_lookup(n) : -1;
        if (id >= 0) /* startup values become the RESET values */
            memcpy(s->settings.reset_value[id], s->settings.value[id], SETTING_VALUE_MAX);
    }
    atomic_init(&s->terminated, false);
    session_registry_add(s);
    *out = s;
    return 0;
}

void session_free_stmt(PreparedStmt *p)
{
    shale_arena_destroy(&p->arena);
    free(p->name);
    free(p);
}

void session_free_portal(Portal *p)
{
    if (p->cursor)
        query_close(p->cursor);
    if (p->cat)
        catalog_snapshot_release(p->cat);
    if (p->own_stmt)
        session_free_stmt(p->own_stmt);
    free(p->rows);
    shale_arena_destroy(&p->arena);
    free(p->name);
    free(p);
}

void sql_session_close(SqlSession *s)
{
    if (!s)
        return;
    session_registry_remove(s);
    copy_abort(s);
    session_close_portals(s);
    while (s->portals) { /* held cursors */
        Portal *p = s->portals;
        s->portals = p->next;
        session_free_portal(p);
    }
    while (s->stmts) {
        PreparedStmt *p = s->stmts;
        s->stmts = p->next;
        session_free_stmt(p);
    }
    if (s->txn)
        rel_txn_abort(s->txn);
    embed_session_discard(s);
    session_index_free(s);
    shale_arena_destroy(&s->msg_arena);
    free(s->savepoints);
    free(s->undo);
    free(s->seq_oids);
    free(s->seq_vals);
    free(s);
}

void sql_session_cancel(SqlSession *s)
{
    atomic_store(&s->cancel, true);
}

char sql_session_tx_status(const SqlSession *s)
{
    switch (s->tx) {
    case TX_BLOCK: return 'T';
    case TX_FAILED: return 'E';
    default: return 'I';
    }
}

void sql_session_report_settings(SqlSession *s, const SqlSink *sink)
{
    for (int i = 0; i < SETTING__COUNT; i++) {
        if (settings_reported((SettingId)i) && sink->parameter_status)
            sink->parameter_status(sink->arg, settings_name((SettingId)i), s->settings.value[i]);
        s->settings.changed[i] = false;
    }
}

void session_report_changes(SqlSession *s, const SqlSink *sink)
{
    for (int i = 0; i < SETTING__COUNT; i++) {
        if (!s->settings.changed[i])
            continue;
        s->settings.changed[i] = false;
        if (sink->parameter_status)
            sink->parameter_status(sink->arg, settings_name((SettingId)i), s->settings.value[i]);
    }
}

/* ---- transactions ------------------------------------------------------------------- */

static int64_t session_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool session_interrupted(void *arg)
{
    SqlSession *s = arg;
    if (atomic_load(&s->cancel))
        return true;
    if (s->stmt_deadline_ms && session_mono_ms() >= s->stmt_deadline_ms) {
        s->timed_out = true;
        return true;
    }
    return false;
}

/* Lock waits poll this every 10 ms: pg_stat_activity shows wait_event 'Lock' meanwhile. */
static bool session_lock_interrupted(void *arg)
{
    session_activity_lock_wait(arg);
    return session_interrupted(arg);
}

void session_timeout_arm(SqlSession *s)
{
    int64_t ms = atoll(settings_get(&s->settings, SETTING_STATEMENT_TIMEOUT));
    s->stmt_deadline_ms = ms > 0 ? session_mono_ms() + ms : 0;
    s->obs_depth++;
    s->timed_out = false;
}

void session_timeout_finish(SqlSession *s, bool failed, SqlError *err)
{
    if (failed && s->obs_depth == 1)
        obs_note_error(s->eng->obs, err);
    if (failed && s->timed_out && err && err->code == ERRCODE_QUERY_CANCELED)
        snprintf(err->message, sizeof err->message, "canceling statement due to statement timeout");
    s->stmt_deadline_ms = 0;
    s->timed_out = false;
    s->obs_depth--;
}

static void session_value_out(void *arg, const Value *v, ShaleBuf *out)
{
    SqlSession *s = arg;
    types_output(&s->tc, v, out);
}

static RelIsolation isolation_of(const char *v)
{
    if (!strcasecmp(v, "serializable"))
        return REL_SERIALIZABLE;
    if (!strcasecmp(v, "repeatable read"))
        return REL_REPEATABLE_READ;
    return REL_READ_COMMITTED;
}

int session_ensure_txn(SqlSession *s, SqlError *err)
{
    if (s->txn)
        return 0;
    RelTxnOptions o;
    rel_txn_options_init(&o);
    o.db = s->db_oid;
    o.isolation = isolation_of(settings_get(&s->settings, SETTING_DEFAULT_TRANSACTION_ISOLATION));
    o.read_only = !strcmp(settings_get(&s->settings, SETTING_DEFAULT_TRANSACTION_READ_ONLY), "on");
    o.sync_commit = strcmp(settings_get(&s->settings, SETTING_SYNCHRONOUS_COMMIT), "off") != 0;
    o.pid = s->pid;
    o.interrupted = session_lock_interrupted;
    o.interrupt_arg = s;
    o.hooks.value_out = session_value_out;
    o.hooks.arg = s;
    session_index_hooks(s, &o.hooks);
    if (rel_txn_begin(s->eng->rdb, &o, &s->txn, err) != 0)
        return -1;
    s->tx = TX_IMPLICIT;
    s->txn_timestamp = now_pg_micros();
    snprintf(s->settings.value[SETTING_TRANSACTION_ISOLATION], SETTING_VALUE_MAX, "%s",
             settings_get(&s->settings, SETTING_DEFAULT_TRANSACTION_ISOLATION));
    /* Like transaction_isolation, transaction_read_only starts from its default each transaction. */
    snprintf(s->settings.value[SETTING_TRANSACTION_READ_ONLY], SETTING_VALUE_MAX, "%s", o.read_only ? "on" : "off");
    return 0;
}

void session_close_portals(SqlSession *s)
{
    for (Portal **pp = &s->portals; *pp;) {
        Portal *p = *pp;
        if (p->held) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        session_free_portal(p);
    }
}

int session_end_txn(SqlSession *s, bool commit, SqlError *err)
{
    int rc = 0;
    bool aborted = !commit || s->tx == TX_FAILED;
    bool had_txn = s->tx != TX_NONE;
    if (!aborted) /* WITH HOLD cursors (materialised at DECLARE) outlive a commit */
        for (Portal *p = s->portals; p; p = p->next)
            if (p->is_cursor && (p->cursor_opts & AST_CURSOR_HOLD) && p->materialized)
                p->held = true;
    session_close_portals(s); /* cursors and catalog snapshots belong to the transaction */
    if (s->txn) {
        if (commit && s->tx != TX_FAILED)
            rc = embed_session_commit(s, err); /* rel_txn_commit + the embedding jobs it wrote */
        else
            rel_txn_abort(s->txn);
        s->txn = NULL;
        embed_session_discard(s);
    }
    s->tx = TX_NONE;
    s->n_savepoints = 0;
    /* Outside a transaction SHOW transaction_isolation / transaction_read_only report the
     * defaults, as in PostgreSQL (each statement's implicit transaction starts from them). */
    snprintf(s->settings.value[SETTING_TRANSACTION_ISOLATION], SETTING_VALUE_MAX, "%s",
             settings_get(&s->settings, SETTING_DEFAULT_TRANSACTION_ISOLATION));
    snprintf(s->settings.value[SETTING_TRANSACTION_READ_ONLY], SETTING_VALUE_MAX, "%s",
             settings_get(&s->settings, SETTING_DEFAULT_TRANSACTION_READ_ONLY));
    aborted = aborted || rc != 0;
    if (had_txn)
        obs_note_txn(s->eng->obs, !aborted);
    session_undo_end_txn(s, aborted);   /* SET ROLE / SESSION AUTHORIZATION of the transaction */
    /* e2e fix: every setting restored here is re-applied to the TypeContext, also the ones
     * not reported to the client (SET LOCAL extra_float_digits used to stick there). */
    bool restored[SETTING__COUNT];
    memcpy(restored, s->settings.saved, sizeof restored);
    settings_end_transaction(&s->settings);
    if (s->tx_set_any) {
        for (int i = 0; i < SETTING__COUNT; i++) {
            if (!s->tx_set_saved[i])
                continue;
            s->tx_set_saved[i] = false;
            if (aborted && strcmp(s->settings.value[i], s->tx_set_value[i]) != 0) {
                if (settings_reported((SettingId)i))
                    s->settings.changed[i] = true;
                memcpy(s->settings.value[i], s->tx_set_value[i], SETTING_VALUE_MAX);
                restored[i] = true;
            }
        }
        s->tx_set_any = false;
    }
    for (int i = 0; i < SETTING__COUNT; i++)
        if (s->settings.changed[i] || restored[i])
            (void)session_apply_setting(s, settings_name((SettingId)i), NULL);
    return rc;
}

void session_fail_txn(SqlSession *s)
{
    if (s->tx == TX_BLOCK || s->tx == TX_FAILED) {
        s->tx = TX_FAILED;
        /* e2e fix: with no savepoint to go back to, nothing of the transaction can be used
         * again, so it is aborted now and its row locks released, as PostgreSQL does (the
         * deadlock victim used to keep blocking the other side until its ROLLBACK). The
         * session stays in TX_FAILED (25P02) with s->txn NULL until ROLLBACK/COMMIT. */
        if (s->n_savepoints == 0 && s->txn) {
            session_close_portals(s);
            rel_txn_abort(s->txn);
            s->txn = NULL;
            embed_session_discard(s);
        }
        return;
    }
    (void)session_end_txn(s, false, NULL);
}

/* ---- statement environment and results ------------------------------------------------ */

static bool hook_cancelled(void *arg)
{
    return session_interrupted(arg);
}

static int seq_remember(SqlSession *s, Oid seq, int64_t v)
{
    for (int i = 0; i < s->n_seq; i++)
        if (s->seq_oids[i] == seq) {
            s->seq_vals[i] = v;
            s->last_seq = seq;
            return 0;
        }
    if (s->n_seq == s->cap_seq) {
        int cap = s->cap_seq ? s->cap_seq * 2 : 8;
        Oid *o = realloc(s->seq_oids, (size_t)cap * sizeof *o);
        if (o)
            s->seq_oids = o;
        int64_t *v2 = o ? realloc(s->seq_vals, (size_t)cap * sizeof *v2) : NULL;
        if (!o || !v2)
            return -1;
        s->seq_vals = v2;
        s->cap_seq = cap;
    }
    s->seq_oids[s->n_seq] = seq;
    s->seq_vals[s->n_seq++] = v;
    s->last_seq = seq;
    return 0;
}

static const CatRelation *seq_rel(SqlSession *s, Oid seq, CatSnapshot **snap, SqlError *err)
{
    CatTxn *ct = s->txn ? rel_txn_catalog(s->txn) : NULL;
    if (catalog_snapshot(rel_db_catalog(s->eng->rdb), ct, s->db_oid, snap, err) != 0)
        return NULL;
    const CatRelation *r = catsnap_relation_by_oid(*snap, seq);
    if (!r || r->kind != CAT_REL_SEQUENCE) {
        catalog_snapshot_release(*snap);
        *snap = NULL;
        sql_error_set(err, ERRCODE_WRONG_OBJECT_TYPE, "\"%u\" is not a sequence", seq);
        return NULL;
    }
    return r;
}

static int hook_nextval(void *arg, Oid seq, int64_t *out, SqlError *err)
{
    SqlSession *s = arg;
    CatSnapshot *snap;
    const CatRelation *r = seq_rel(s, seq, &snap, err);
    if (!r)
        return -1;
    if (!s->superuser && acl_check_relation(snap, s->user_oid, r, PGCAT_ACL_USAGE | PGCAT_ACL_UPDATE, true, err) != 0) {
        catalog_snapshot_release(snap);
        return -1;
    }
    int rc = rel_seq_nextval(s->eng->rdb, s->db_oid, r, out, err);
    catalog_snapshot_release(snap);
    if (rc == 0 && seq_remember(s, seq, *out) != 0)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    return rc;
}

static int hook_currval(void *arg, Oid seq, int64_t *out, SqlError *err)
{
    SqlSession *s = arg;
    for (int i = 0; i < s->n_seq; i++)
        if (s->seq_oids[i] == seq) {
            *out = s->seq_vals[i];
            return 0;
        }
    CatSnapshot *snap;
    const CatRelation *r = seq_rel(s, seq, &snap, err);
    if (!r)
        return -1;
    sql_error_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                  "currval of sequence \"%s\" is not yet defined in this session", r->name);
    catalog_snapshot_release(snap);
    return -1;
}

static int hook_setval(void *arg, Oid seq, int64_t value, bool is_called, SqlError *err)
{
    SqlSession *s = arg;
    CatSnapshot *snap;
    const CatRelation *r = seq_rel(s, seq, &snap, err);
    if (!r)
        return -1;
    int rc = rel_seq_setval(s->eng->rdb, s->db_oid, r, value, is_called, err);
    catalog_snapshot_release(snap);
    if (rc == 0 && is_called && seq_remember(s, seq, value) != 0)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    return rc;
}

int session_query_env(SqlSession *s, QueryEnv *env, CatSnapshot **cat, SqlError *err)
{
    memset(env, 0, sizeof *env);
    *cat = NULL;
    if (catalog_snapshot(rel_db_catalog(s->eng->rdb), s->txn ? rel_txn_catalog(s->txn) : NULL, s->db_oid, cat, err) != 0)
        return -1;
    env->rdb = s->eng->rdb;
    env->cat = *cat;
    env->txn = s->txn;
    env->database_oid = s->db_oid;
    env->database = s->database;
    env->user = s->user;
    env->user_oid = s->user_oid;
    env->session_user = s->session_user;
    env->search_path = settings_get(&s->settings, SETTING_SEARCH_PATH);
    env->tc = &s->tc;
    env->txn_timestamp = s->txn_timestamp;
    env->stmt_timestamp = now_pg_micros();
    env->random_state = &s->random_state;
    env->version = s->eng->version_text;
    env->hooks.arg = s;
    env->hooks.nextval = hook_nextval;
    env->hooks.currval = hook_currval;
    env->hooks.setval = hook_setval;
    env->hooks.cancelled = hook_cancelled;
    env->statement_timeout_ms = atoll(settings_get(&s->settings, SETTING_STATEMENT_TIMEOUT));
    env->session = s;
    env->settings = &s->settings;
    return 0;
}

/* regclass / regtype in text format print as names (PostgreSQL's regclassout/regtypeout:
 * "emp", "pg_catalog.pg_class", "integer"), which needs the catalog; the types module only
 * knows the numeric form. A snapshot is taken per value: only such columns pay for it.
 * Falls back to the number when the catalog cannot be read. */
static bool format_reg_value(SqlSession *s, const Value *v, ShaleBuf *out)
{
    QueryEnv env;
    CatSnapshot *cat;
    SqlError err;
    memset(&err, 0, sizeof err);
    if (session_query_env(s, &env, &cat, &err) != 0) {
        sql_error_clear(&err);
        return false;
    }
    ShaleArena arena;               /* owns the formatted name until it is copied to out */
    shale_arena_init(&arena);
    const char *name = NULL;
    int rc = v->type == REGCLASSOID ? pgcat_regclass_out(&env, (Oid)v->u.i, &arena, &name)
                                    : pgcat_regtype_out(&env, (Oid)v->u.i, &arena, &name);
    if (rc == 0 && name)
        shale_buf_append(out, name, strlen(name));
    shale_arena_destroy(&arena);
    catalog_snapshot_release(cat);
    return rc == 0 && name;
}

void session_format_value(SqlSession *s, const Value *v, int16_t format, ShaleBuf *out)
{
    if (format == 1)
        types_send(&s->tc, v, out);
    else if (!v->null && (v->type == REGCLASSOID || v->type == REGTYPEOID) && format_reg_value(s, v, out))
        return;
    else
        types_output(&s->tc, v, out);
}

SqlStatus session_send_rows(SqlSession *s, QueryCursor *c, const PreparedQuery *q, int n_formats,
                            const int16_t *formats, int64_t max_rows, const SqlSink *sink, SqlError *err)
{
    int ncols = query_n_columns(q);
    const char **vals = ncols ? calloc((size_t)ncols, sizeof *vals) : NULL;
    int32_t *lens = ncols ? calloc((size_t)ncols, sizeof *lens) : NULL;
    size_t *offs = ncols ? calloc((size_t)ncols, sizeof *offs) : NULL;
    if (ncols && (!vals || !lens || !offs)) {
        free(vals);
        free(lens);
        free(offs);
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    ShaleBuf buf;
    shale_buf_init(&buf);
    SqlStatus st = SQL_DONE;
    int64_t sent = 0;
    for (;;) {
        if (max_rows > 0 && sent >= max_rows) {
            st = SQL_SUSPENDED;
            break;
        }
        if (atomic_load(&s->cancel)) {
            st = (SqlStatus)SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
            break;
        }
        const Value *row;
        int r = query_next(c, &row, err);
        if (r < 0) {
            st = SQL_ERROR;
            break;
        }
        if (r == 0)
            break;
        shale_buf_reset(&buf);
        for (int i = 0; i < ncols; i++) {
            int16_t f = n_formats == 0 ? 0 : n_formats == 1 ? formats[0] : formats[i];
            offs[i] = buf.len;
            if (row[i].null) {
                lens[i] = -1;
                continue;
            }
            session_format_value(s, &row[i], f, &buf);
            lens[i] = (int32_t)(buf.len - offs[i]);
        }
        if (buf.oom) {
            st = (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            break;
        }
        for (int i = 0; i < ncols; i++)
            vals[i] = lens[i] < 0 ? NULL : buf.data + offs[i];
        sink->data_row(sink->arg, ncols, vals, lens);
        sent++;
    }
    shale_buf_free(&buf);
    free(vals);
    free(lens);
    free(offs);
    return st;
}

/* ---- the simple query protocol ---------------------------------------------------------- */

static bool is_query_stmt(const AstNode *n)
{
    return n->tag == AST_SELECT || n->tag == AST_INSERT || n->tag == AST_UPDATE || n->tag == AST_DELETE;
}

/* Runs one query statement with text results. */
static SqlStatus run_query_stmt(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink, SqlError *err)
{
    if (session_ensure_txn(s, err) != 0)
        return SQL_ERROR;
    if (rel_txn_statement_begin(s->txn, atoll(settings_get(&s->settings, SETTING_STATEMENT_TIMEOUT)), err) != 0)
        return SQL_ERROR;
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(s, &env, &cat, err) != 0)
        return SQL_ERROR;
    ShaleArena arena;
    shale_arena_init(&arena);
    PreparedQuery *q;
    QueryCursor *c = NULL;
    SqlStatus st = SQL_ERROR;
    if (query_prepare(&env, stmt, text, 0, NULL, &arena, &q, err) == 0) {
        if (query_n_params(q) > 0) {
            sql_error_set(err, ERRCODE_UNDEFINED_PARAMETER, "there is no parameter $%d", 1);
        } else if (query_open(&env, q, NULL, &arena, &c, err) == 0) {
            int ncols = query_n_columns(q);
            if (ncols > 0)
                sink->row_description(sink->arg, ncols, query_columns(q));
            st = session_send_rows(s, c, q, 0, NULL, 0, sink, err);
            if (st == SQL_DONE) {
                char tag[64];
                query_command_tag(c, tag, sizeof tag);
                sink->command_complete(sink->arg, tag);
            }
            query_close(c);
        }
    }
    shale_arena_destroy(&arena);
    catalog_snapshot_release(cat);
    return st;
}

static SqlStatus session_exec_stmt_inner(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink,
                                         SqlError *err);

SqlStatus session_exec_stmt(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink, SqlError *err)
{
    session_timeout_arm(s);
    const SqlSink *outer = s->stmt_sink;
    s->stmt_sink = sink;
    SqlStatus st = session_exec_stmt_inner(s, stmt, text, sink, err);
    s->stmt_sink = outer;
    session_timeout_finish(s, st == SQL_ERROR, err);
    return st;
}

static SqlStatus session_exec_stmt_inner(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink,
                                         SqlError *err)
{
    if (s->tx == TX_FAILED && !utility_is_transaction_control(stmt)) {
        sql_error_set(err, ERRCODE_IN_FAILED_SQL_TRANSACTION,
                      "current transaction is aborted, commands ignored until end of transaction block");
        return SQL_ERROR;
    }
    atomic_store(&s->cancel, false);
    if (is_query_stmt(stmt))
        return run_query_stmt(s, stmt, text, sink, err);
    switch (stmt->tag) {
    case AST_COPY:
        return copy_start(s, stmt, text, sink, err);
    case AST_CREATE_TABLE:
    case AST_CREATE_TABLE_AS:
    case AST_DROP:
    case AST_ALTER_TABLE:
    case AST_CREATE_INDEX:
    case AST_CREATE_SCHEMA:
    case AST_CREATE_DATABASE:
    case AST_CREATE_VIEW:
    case AST_CREATE_SEQUENCE:
    case AST_ALTER_SEQUENCE:
    case AST_TRUNCATE:
    case AST_COMMENT:
    case AST_ROLE:
    case AST_GRANT:
    case AST_CREATE_EXTENSION:
    case AST_CREATE_EMBEDDER:
        return ddl_execute(s, stmt, text, sink, err);
    default:
        return utility_execute(s, stmt, text, sink, err);
    }
}

/* Runs the statements of the current Query message from msg_next on. */
static SqlStatus run_message(SqlSession *s, const SqlSink *sink, SqlError *err)
{
    s->msg_multi = s->msg_stmts.n > 1;
    while (s->msg_next < s->msg_stmts.n) {
        const SqlRawStmt *raw = &s->msg_stmts.items[s->msg_next++];
        PgssRun pr = {.on = false};  /* pg_stat_statements (sql/pgss.h) */
        const SqlSink *use = pgss_tracks_stmt(raw->stmt) ? pgss_begin(s, &pr, sink, false) : sink;
        SqlStatus st = session_exec_stmt(s, raw->stmt, s->msg_text, use, err);
        if (pr.on) { /* like PostgreSQL, the text runs from the previous ';' to the next one */
            int from = s->msg_next > 1 ? s->msg_stmts.items[s->msg_next - 2].end : 0;
            while (from < raw->start && (s->msg_text[from] == ';' || isspace((unsigned char)s->msg_text[from])))
                from++;
            size_t to = pgss_stmt_end(s->msg_text, s->msg_len, (size_t)raw->end);
            pgss_end(s, &pr, st, raw->stmt, s->msg_text + from, to - (size_t)from, NULL);
        }
        session_report_changes(s, sink);
        if (st == SQL_ERROR) {
            session_fail_txn(s);
            s->msg_next = s->msg_stmts.n;
            return SQL_ERROR;
        }
        if (st == SQL_COPY_IN)
            return SQL_COPY_IN;
    }
    if (s->tx == TX_IMPLICIT && session_end_txn(s, true, err) != 0) {
        obs_note_error(s->eng->obs, err);
        session_report_changes(s, sink);
        return SQL_ERROR;
    }
    session_undo_end_message(s);
    session_report_changes(s, sink);
    return SQL_DONE;
}

SqlStatus sql_exec_simple(SqlSession *s, const char *query, size_t len, const SqlSink *sink, SqlError *err)
{
    session_activity_begin(s, query, len);
    shale_arena_destroy(&s->msg_arena);
    shale_arena_init(&s->msg_arena);
    s->msg_text = shale_arena_alloc(&s->msg_arena, len + 1);
    if (!s->msg_text)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memcpy(s->msg_text, query, len);
    s->msg_text[len] = '\0';
    s->msg_len = len;
    s->msg_next = 0;
    if (sql_parse_statements(s->msg_text, len, &s->msg_arena, &s->msg_stmts, err) != 0) {
        session_fail_txn(s);
        return SQL_ERROR;
    }
    if (s->msg_stmts.n == 0) {
        sink->empty_query(sink->arg);
        return SQL_DONE;
    }
    return run_message(s, sink, err);
}

SqlStatus sql_copy_data(SqlSession *s, const char *data, size_t n, SqlError *err)
{
    SqlStatus st = copy_feed(s, data, n, err);
    if (st == SQL_ERROR) {
        /* e2e fix: the wire drains the rest of the COPY without calling back (sql.h), so the
         * failure ends here: the rows already loaded go with the failed transaction (an
         * implicit one aborts, a block becomes failed) and the message's later statements
         * are skipped. */
        copy_abort(s);
        session_fail_txn(s);
        s->msg_next = s->msg_stmts.n;
    }
    return st;
}

SqlStatus sql_copy_done(SqlSession *s, const SqlSink *sink, SqlError *err)
{
    SqlStatus st = copy_finish(s, sink, err);
    if (st == SQL_ERROR) {
        session_fail_txn(s);
        s->msg_next = s->msg_stmts.n;
        return SQL_ERROR;
    }
    return run_message(s, sink, err);
}

SqlStatus sql_copy_fail(SqlSession *s, const char *message, SqlError *err)
{
    copy_abort(s);
    sql_error_set(err, ERRCODE_QUERY_CANCELED, "COPY from stdin failed: %s", message);
    session_fail_txn(s);
    s->msg_next = s->msg_stmts.n;
    return SQL_ERROR;
}
