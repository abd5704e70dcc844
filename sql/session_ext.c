/* session_ext.c -- the extended query protocol behind sql.h: prepared statements (Parse,
 * Describe, Close), portals (Bind, Execute with row limits) and Sync. */
#include "sql/session_int.h"
#include "sql/obs.h"
#include "sql/pgss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/rowcodec.h"

PreparedStmt *session_find_stmt(SqlSession *s, const char *name)
{
    for (PreparedStmt *p = s->stmts; p; p = p->next)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

Portal *session_find_portal(SqlSession *s, const char *name)
{
    for (Portal *p = s->portals; p; p = p->next)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

static bool is_query(const AstNode *n)
{
    return n && (n->tag == AST_SELECT || n->tag == AST_INSERT || n->tag == AST_UPDATE || n->tag == AST_DELETE);
}

/* An error in the extended protocol: the cycle fails until Sync. Returns -1. */
static int ext_fail(SqlSession *s)
{
    s->ext_failed = true;
    session_fail_txn(s);
    return -1;
}

static bool same_row_type(const PreparedStmt *st, const PreparedQuery *b)
{
    int n = st->n_cols;
    if (n != query_n_columns(b))
        return false;
    const SqlColumnDesc *cb = query_columns(b);
    for (int i = 0; i < n; i++)
        if (st->cols[i].type_oid != cb[i].type_oid || st->cols[i].typmod != cb[i].typmod)
            return false;
    return true;
}

int session_stmt_keep_columns(PreparedStmt *p, const PreparedQuery *q, SqlError *err)
{
    int n = query_n_columns(q);
    const SqlColumnDesc *src = query_columns(q);
    SqlColumnDesc *cols = n ? shale_arena_alloc(&p->arena, sizeof *cols * (size_t)n) : NULL;
    if (n && !cols)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < n; i++) {
        cols[i] = src[i];
        size_t l = strlen(src[i].name) + 1;
        char *name = shale_arena_alloc(&p->arena, l);
        if (!name)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        memcpy(name, src[i].name, l);
        cols[i].name = name;
    }
    p->cols = cols;
    p->n_cols = n;
    return 0;
}

/* (Re)plans p's query against the current catalog. REQUIRES: a transaction. */
static int plan_stmt(SqlSession *s, PreparedStmt *p, SqlError *err)
{
    if (rel_txn_statement_begin(s->txn, atoll(settings_get(&s->settings, SETTING_STATEMENT_TIMEOUT)), err) != 0)
        return -1;
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(s, &env, &cat, err) != 0)
        return -1;
    PreparedQuery *q;
    int rc = query_prepare(&env, p->raw.stmt, p->text, p->n_params, p->param_types, &p->arena, &q, err);
    if (rc == 0)
        rc = session_stmt_keep_columns(p, q, err);
    if (rc == 0) {
        p->query = q;
        p->cat_version = catsnap_version(cat);
        int n = query_n_params(q);
        if (n != p->n_params) {
            Oid *types = shale_arena_alloc(&p->arena, sizeof(Oid) * (size_t)(n ? n : 1));
            if (!types) {
                catalog_snapshot_release(cat);
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            }
            p->param_types = types;
            p->n_params = n;
        }
        if (n > 0) /* e2e fix: UBSan, memcpy from NULL when the query has no parameters */
            memcpy(p->param_types, query_param_types(q), sizeof(Oid) * (size_t)n);
    }
    catalog_snapshot_release(cat);
    return rc;
}

/* DECLARE ... CURSOR FOR query with $n (drivers such as psycopg 3 bind the query's
 * parameters to the DECLARE): the statement's parameter types are the query's. */
static int declare_param_types(SqlSession *s, PreparedStmt *p, SqlError *err)
{
    const AstDeclareCursorStmt *d = (const AstDeclareCursorStmt *)p->raw.stmt;
    if (session_ensure_txn(s, err) != 0)
        return -1;
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(s, &env, &cat, err) != 0)
        return -1;
    ShaleArena tmp;                /* the throw-away plan */
    shale_arena_init(&tmp);
    PreparedQuery *q;
    int rc = query_prepare(&env, d->query, p->text, p->n_params, p->param_types, &tmp, &q, err);
    int n = rc == 0 ? query_n_params(q) : 0;
    if (rc == 0 && n > 0) {
        Oid *types = shale_arena_alloc(&p->arena, sizeof(Oid) * (size_t)n);
        if (!types) {
            rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        } else {
            memcpy(types, query_param_types(q), sizeof(Oid) * (size_t)n);
            p->param_types = types;
            p->n_params = n;
        }
    }
    shale_arena_destroy(&tmp);
    catalog_snapshot_release(cat);
    return rc;
}

/* Parse without failing the extended-protocol cycle (also PREPARE from SQL). */
static int parse_stmt(SqlSession *s, const char *stmt_name, const char *query, size_t len, int n_param_types,
                      const Oid *param_types, SqlError *err)
{
    PreparedStmt *old = session_find_stmt(s, stmt_name);
    if (old && stmt_name[0])
        return sql_error_set(err, ERRCODE_DUPLICATE_PREPARED_STATEMENT, "prepared statement \"%s\" already exists",
                             stmt_name);
    if (old)
        sql_close_statement(s, "");
    PreparedStmt *p = calloc(1, sizeof *p);
    if (!p || !(p->name = strdup(stmt_name))) {
        free(p);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    shale_arena_init(&p->arena);
    p->text = shale_arena_alloc(&p->arena, len + 1);
    p->param_types = shale_arena_alloc(&p->arena, sizeof(Oid) * (size_t)(n_param_types ? n_param_types : 1));
    if (!p->text || !p->param_types) {
        session_free_stmt(p);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    memcpy(p->text, query, len);
    p->text[len] = '\0';
    p->text_len = len;
    p->n_params = n_param_types;
    if (n_param_types)
        memcpy(p->param_types, param_types, sizeof(Oid) * (size_t)n_param_types);
    int rc = sql_parse_one(p->text, len, &p->arena, &p->raw, err);
    /* e2e fix: in a failed block only transaction control may be prepared (drivers send
     * ROLLBACK through Parse/Bind/Execute); it used to be refused too. */
    if (rc == 0 && s->tx == TX_FAILED && !(p->raw.stmt && utility_is_transaction_control(p->raw.stmt)))
        rc = sql_error_set(err, ERRCODE_IN_FAILED_SQL_TRANSACTION,
                           "current transaction is aborted, commands ignored until end of transaction block");
    if (rc == 0 && is_query(p->raw.stmt)) {
        rc = session_ensure_txn(s, err);
        if (rc == 0)
            rc = plan_stmt(s, p, err);
    }
    if (rc == 0 && p->raw.stmt && p->raw.stmt->tag == AST_DECLARE_CURSOR && s->tx != TX_FAILED)
        rc = declare_param_types(s, p, err);
    if (rc != 0) {
        session_free_stmt(p);
        return -1;
    }
    p->next = s->stmts;
    s->stmts = p;
    return 0;
}

int sql_parse(SqlSession *s, const char *stmt_name, const char *query, int n_param_types,
              const Oid *param_types, SqlError *err)
{
    if (parse_stmt(s, stmt_name, query, strlen(query), n_param_types, param_types, err) != 0)
        return ext_fail(s);
    return 0;
}

int sql_bind(SqlSession *s, const char *portal, const char *stmt_name,
             int n_param_formats, const int16_t *param_formats,
             int n_params, const char *const *param_values, const int32_t *param_lens,
             int n_result_formats, const int16_t *result_formats, SqlError *err)
{
    PreparedStmt *st = session_find_stmt(s, stmt_name);
    /* e2e fix: transaction control may still be bound in a failed block (see sql_parse). */
    bool txn_control = st && st->raw.stmt && utility_is_transaction_control(st->raw.stmt);
    if (s->tx == TX_FAILED && !txn_control) {
        sql_error_set(err, ERRCODE_IN_FAILED_SQL_TRANSACTION,
                      "current transaction is aborted, commands ignored until end of transaction block");
        return ext_fail(s);
    }
    if (!st) {
        if (stmt_name[0])
            sql_error_set(err, ERRCODE_INVALID_SQL_STATEMENT_NAME, "prepared statement \"%s\" does not exist", stmt_name);
        else
            sql_error_set(err, ERRCODE_INVALID_SQL_STATEMENT_NAME, "unnamed prepared statement does not exist");
        return ext_fail(s);
    }
    if (n_params != st->n_params) {
        sql_error_set(err, ERRCODE_PROTOCOL_VIOLATION,
                      "bind message supplies %d parameters, but prepared statement \"%s\" requires %d",
                      n_params, stmt_name, st->n_params);
        return ext_fail(s);
    }
    if (n_param_formats > 1 && n_param_formats != n_params) {
        sql_error_set(err, ERRCODE_PROTOCOL_VIOLATION,
                      "bind message has %d parameter formats but %d parameters", n_param_formats, n_params);
        return ext_fail(s);
    }
    Portal *old = session_find_portal(s, portal);
    if (old && portal[0]) {
        sql_error_set(err, ERRCODE_DUPLICATE_CURSOR, "portal \"%s\" already exists", portal);
        return ext_fail(s);
    }
    if (old)
        sql_close_portal(s, "");
    if (s->tx != TX_FAILED && session_ensure_txn(s, err) != 0)
        return ext_fail(s);
    Portal *p = calloc(1, sizeof *p);
    if (!p || !(p->name = strdup(portal))) {
        free(p);
        SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        return ext_fail(s);
    }
    shale_arena_init(&p->arena);
    p->stmt = st;
    p->n_params = n_params;
    p->params = shale_arena_alloc(&p->arena, sizeof(Value) * (size_t)(n_params ? n_params : 1));
    p->n_formats = n_result_formats;
    p->formats = shale_arena_alloc(&p->arena, sizeof(int16_t) * (size_t)(n_result_formats ? n_result_formats : 1));
    if (!p->params || !p->formats) {
        session_free_portal(p);
        SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        return ext_fail(s);
    }
    if (n_result_formats)
        memcpy(p->formats, result_formats, sizeof(int16_t) * (size_t)n_result_formats);
    for (int i = 0; i < n_params; i++) {
        Oid t = st->param_types[i] ? st->param_types[i] : TEXTOID;
        int16_t f = n_param_formats == 0 ? 0 : n_param_formats == 1 ? param_formats[0] : param_formats[i];
        if (param_lens[i] < 0) {
            p->params[i] = value_null(t);
            continue;
        }
        int rc = f == 1 ? types_recv(&s->tc, t, -1, param_values[i], (size_t)param_lens[i], &p->arena, &p->params[i], err)
                        : types_input(&s->tc, t, -1, param_values[i], (size_t)param_lens[i], &p->arena, &p->params[i], err);
        /* e2e fix: PostgreSQL names the parameter when its binary value has extra bytes. */
        if (rc != 0 && f == 1 && err && !strcmp(err->message, "incorrect binary data format"))
            snprintf(err->message, sizeof err->message, "incorrect binary data format in bind parameter %d", i + 1);
        if (rc != 0) {
            session_free_portal(p);
            return ext_fail(s);
        }
    }
    p->next = s->portals;
    s->portals = p;
    return 0;
}

static void describe_params(const PreparedStmt *p, const SqlSink *sink)
{
    if (sink->parameter_description)
        sink->parameter_description(sink->arg, p->n_params, p->param_types);
}

static void describe_result(SqlSession *s, const PreparedStmt *p, int n_formats, const int16_t *formats,
                            const SqlSink *sink)
{
    if (p->query && p->n_cols > 0) {
        int n = p->n_cols;
        SqlColumnDesc *cols = calloc((size_t)n, sizeof *cols);
        if (!cols) {
            sink->no_data(sink->arg);
            return;
        }
        memcpy(cols, p->cols, sizeof *cols * (size_t)n);
        for (int i = 0; i < n; i++)
            cols[i].format = n_formats == 0 ? 0 : n_formats == 1 ? formats[0] : formats[i];
        sink->row_description(sink->arg, n, cols);
        free(cols);
        return;
    }
    /* FETCH and EXECUTE return the rows of their cursor / prepared statement. */
    const AstNode *u = p->raw.stmt;
    if (u && u->tag == AST_FETCH && !((const AstFetchStmt *)u)->is_move &&
        cursor_describe(s, ((const AstFetchStmt *)u)->name, n_formats, formats, sink) == 0)
        return;
    if (u && u->tag == AST_EXECUTE) {
        const PreparedStmt *target = session_find_stmt(s, ((const AstExecuteStmt *)u)->name);
        if (target && target != p) {
            describe_result(s, target, n_formats, formats, sink);
            return;
        }
    }
    SqlColumnDesc cols[4];
    int n = p->raw.stmt ? utility_describe(s, p->raw.stmt, cols, 4) : 0;
    if (n > 0)
        sink->row_description(sink->arg, n, cols);
    else
        sink->no_data(sink->arg);
}

int sql_describe_statement(SqlSession *s, const char *stmt_name, const SqlSink *sink, SqlError *err)
{
    PreparedStmt *p = session_find_stmt(s, stmt_name);
    if (!p) {
        sql_error_set(err, ERRCODE_INVALID_SQL_STATEMENT_NAME, "prepared statement \"%s\" does not exist", stmt_name);
        return ext_fail(s);
    }
    describe_params(p, sink);
    describe_result(s, p, 0, NULL, sink);
    return 0;
}

int sql_describe_portal(SqlSession *s, const char *portal, const SqlSink *sink, SqlError *err)
{
    Portal *p = session_find_portal(s, portal);
    if (!p) {
        sql_error_set(err, ERRCODE_INVALID_CURSOR_NAME, "portal \"%s\" does not exist", portal);
        return ext_fail(s);
    }
    if (!p->stmt) {
        sink->no_data(sink->arg);
        return 0;
    }
    describe_result(s, p->stmt, p->n_formats, p->formats, sink);
    return 0;
}

static SqlStatus execute_portal(SqlSession *s, const char *portal, int64_t max_rows, const SqlSink *sink, SqlError *err);

static void drop_row_description(void *arg, int n_cols, const SqlColumnDesc *cols)
{
    (void)arg;
    (void)n_cols;
    (void)cols;
}

SqlStatus sql_execute(SqlSession *s, const char *portal, int64_t max_rows, const SqlSink *sink, SqlError *err)
{
    /* pg_stat_statements (sql/pgss.h): the portal's statement, timed per Execute that ends it. */
    PgssRun pr = {.on = false};
    const Portal *p = session_find_portal(s, portal);
    PreparedStmt *ps = p && !p->is_cursor ? p->stmt : NULL;
    if (p && p->stmt) /* pg_stat_activity (sql/session_activity.c) */
        session_activity_begin(s, p->stmt->text, p->stmt->text_len);
    const SqlSink *use = ps && pgss_tracks_stmt(ps->raw.stmt) ? pgss_begin(s, &pr, sink, false) : sink;
    session_timeout_arm(s);
    const SqlSink *outer = s->stmt_sink;
    s->stmt_sink = use;
    SqlStatus st = execute_portal(s, portal, max_rows, use, err);
    s->stmt_sink = outer;
    session_timeout_finish(s, st == SQL_ERROR, err);
    if (pr.on && st == SQL_DONE) {
        const PreparedStmt *q = s->stmts;  /* DISCARD ALL may have freed it */
        while (q && q != ps)
            q = q->next;
        if (q)
            pgss_end(s, &pr, st, ps->raw.stmt, ps->pgss_text ? ps->pgss_text : ps->text,
                     ps->pgss_text ? ps->pgss_len : pgss_stmt_end(ps->text, ps->text_len, (size_t)ps->raw.end),
                     &ps->pgss_qid);
    }
    return st;
}

/* Opens p's query (plans again if DDL committed since Parse). Returns 0 or -1 with err set. */
static int portal_open(SqlSession *s, Portal *p, SqlError *err)
{
    PreparedStmt *st = p->stmt;
    if (session_ensure_txn(s, err) != 0)
        return -1;
    if (rel_txn_statement_begin(s->txn, atoll(settings_get(&s->settings, SETTING_STATEMENT_TIMEOUT)), err) != 0)
        return -1;
    /* e2e fix: stack-use-after-scope -- the cursor points at its QueryEnv, which lived
     * in this block while later Executes of a suspended portal still used it. */
    QueryEnv *env = &p->env;
    if (session_query_env(s, env, &p->cat, err) != 0)
        return -1;
    if (catsnap_version(p->cat) != st->cat_version) {
        /* DDL committed since Parse: plan again from the kept statement. */
        PreparedQuery *q;
        if (query_prepare(env, st->raw.stmt, st->text, st->n_params, st->param_types, &st->arena, &q, err) != 0)
            return -1;
        /* e2e fix: the client was told the row type at Describe: a new plan must keep it. */
        if (!same_row_type(st, q)) {
            sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "cached plan must not change result type");
            return -1;
        }
        if (session_stmt_keep_columns(st, q, err) != 0)
            return -1;
        st->query = q;
        st->cat_version = catsnap_version(p->cat);
    }
    if (query_open(env, st->query, p->params, &p->arena, &p->cursor, err) != 0)
        return -1;
    return 0;
}

static SqlStatus execute_portal(SqlSession *s, const char *portal, int64_t max_rows, const SqlSink *sink, SqlError *err)
{
    Portal *p = session_find_portal(s, portal);
    if (!p) {
        sql_error_set(err, ERRCODE_INVALID_CURSOR_NAME, "portal \"%s\" does not exist", portal);
        return (SqlStatus)ext_fail(s);
    }
    if (s->tx == TX_FAILED && !(p->stmt && p->stmt->raw.stmt && utility_is_transaction_control(p->stmt->raw.stmt))) {
        sql_error_set(err, ERRCODE_IN_FAILED_SQL_TRANSACTION,
                      "current transaction is aborted, commands ignored until end of transaction block");
        return (SqlStatus)ext_fail(s);
    }
    s->msg_multi = false;
    if (p->is_cursor) {
        SqlStatus r = cursor_execute_portal(s, p, max_rows, sink, err);
        return r == SQL_ERROR ? (SqlStatus)ext_fail(s) : r;
    }
    if (p->done) {
        /* e2e fix: a finished SELECT portal executed again reports "SELECT 0" (PG). */
        sink->command_complete(sink->arg, !strncmp(p->tag, "SELECT ", 7) ? "SELECT 0" : p->tag);
        return SQL_DONE;
    }
    PreparedStmt *st = p->stmt;
    if (!st || !st->raw.stmt) {
        if (sink->empty_query)
            sink->empty_query(sink->arg);
        p->done = true;
        return SQL_DONE;
    }
    atomic_store(&s->cancel, false);
    if (!st->query) {
        /* drivers fix: Execute never sends RowDescription (Describe does). Utility statements
         * with rows (SHOW, EXPLAIN) emit one; a second 'T' after Describe's made libpq-based
         * drivers (psycopg 3 prepared statements, pgjdbc) fail with "D message without T". */
        SqlSink quiet = *sink;
        quiet.row_description = drop_row_description;
        s->util_n_formats = p->n_formats;
        s->util_formats = p->formats;
        s->util_n_params = p->n_params;
        s->util_params = p->params;
        s->util_param_types = st->param_types;
        SqlStatus r = session_exec_stmt(s, st->raw.stmt, st->text, &quiet, err);
        s->util_n_formats = 0;
        s->util_formats = NULL;
        s->util_n_params = 0;
        s->util_params = NULL;
        s->util_param_types = NULL;
        session_report_changes(s, sink);
        if (r == SQL_ERROR)
            return (SqlStatus)ext_fail(s);
        /* e2e fix (use after free under ASan): COMMIT/ROLLBACK close every portal, this one
         * included, so look it up again before marking it done. */
        p = session_find_portal(s, portal);
        if (p) {
            p->done = r == SQL_DONE;
            snprintf(p->tag, sizeof p->tag, "%s", "");
        }
        return r;
    }
    if (!p->cursor && portal_open(s, p, err) != 0)
        return (SqlStatus)ext_fail(s);
    SqlStatus r = session_send_rows(s, p->cursor, st->query, p->n_formats, p->formats, max_rows, sink, err);
    if (r == SQL_ERROR)
        return (SqlStatus)ext_fail(s);
    if (r == SQL_SUSPENDED)
        p->rows_sent += max_rows;
    if (r == SQL_DONE) {
        query_command_tag(p->cursor, p->tag, sizeof p->tag);
        /* e2e fix: like PostgreSQL, a SELECT fetched in pieces reports the rows of the last
         * Execute only (each suspended Execute sent exactly max_rows). */
        if (!strncmp(p->tag, "SELECT ", 7) && p->rows_sent > 0)
            snprintf(p->tag, sizeof p->tag, "SELECT %lld", atoll(p->tag + 7) - (long long)p->rows_sent);
        sink->command_complete(sink->arg, p->tag);
        query_close(p->cursor);
        p->cursor = NULL;
        catalog_snapshot_release(p->cat);
        p->cat = NULL;
        p->done = true;
    }
    return r;
}

void sql_close_statement(SqlSession *s, const char *stmt_name)
{
    for (PreparedStmt **pp = &s->stmts; *pp; pp = &(*pp)->next) {
        if (!strcmp((*pp)->name, stmt_name)) {
            PreparedStmt *p = *pp;
            *pp = p->next;
            /* Portals keep running their plan in PostgreSQL; ours need the statement. */
            for (Portal *po = s->portals; po; po = po->next)
                if (po->stmt == p) {
                    if (po->cursor) {
                        query_close(po->cursor);
                        po->cursor = NULL;
                    }
                    po->stmt = NULL;
                }
            session_free_stmt(p);
            return;
        }
    }
}

void sql_close_portal(SqlSession *s, const char *portal)
{
    for (Portal **pp = &s->portals; *pp; pp = &(*pp)->next) {
        if (!strcmp((*pp)->name, portal)) {
            Portal *p = *pp;
            *pp = p->next;
            session_free_portal(p);
            return;
        }
    }
}

int sql_sync(SqlSession *s, SqlError *err)
{
    bool failed = s->ext_failed;
    s->ext_failed = false;
    if (s->tx == TX_IMPLICIT) {
        int rc = session_end_txn(s, !failed, err);
        if (rc != 0)
            obs_note_error(s->eng->obs, err);
        return rc;
    }
    return 0;
}

void sql_mark_failed(SqlSession *s)
{
    ext_fail(s);
}

/* ---- PREPARE / EXECUTE from SQL ---------------------------------------------------------- */

/* Runs "SELECT <exprs>" built by the caller and copies the single row's values into arena
 * (*vals, n of them) with their types in *types (either may be NULL). */
static int eval_select(SqlSession *s, const char *sql, int n, ShaleArena *arena, Value *vals, Oid *types,
                       SqlError *err)
{
    if (session_ensure_txn(s, err) != 0 ||
        rel_txn_statement_begin(s->txn, atoll(settings_get(&s->settings, SETTING_STATEMENT_TIMEOUT)), err) != 0)
        return -1;
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(s, &env, &cat, err) != 0)
        return -1;
    ShaleArena tmp;                /* AST, plan and executor state of the SELECT */
    shale_arena_init(&tmp);
    SqlRawStmt raw;
    PreparedQuery *q;
    QueryCursor *c = NULL;
    const Value *row;
    int rc = sql_parse_one(sql, strlen(sql), &tmp, &raw, err);
    if (rc == 0)
        rc = query_prepare(&env, raw.stmt, sql, 0, NULL, &tmp, &q, err);
    if (rc == 0 && types)
        for (int i = 0; i < n; i++)
            types[i] = query_columns(q)[i].type_oid;
    if (rc == 0 && vals) {
        rc = query_open(&env, q, NULL, &tmp, &c, err);
        if (rc == 0 && query_next(c, &row, err) != 1)
            rc = -1;
        for (int i = 0; rc == 0 && i < n; i++) {
            vals[i] = row[i];
            if (!row[i].null && (rowcodec_type_is_varlen(row[i].type) || row[i].type == UUIDOID)) {
                char *b = shale_arena_alloc(arena, row[i].u.s.n ? row[i].u.s.n : 1);
                if (!b)
                    rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                else if (row[i].u.s.n)
                    memcpy(b, row[i].u.s.p, row[i].u.s.n);
                vals[i].u.s.p = b;
            }
        }
        if (c)
            query_close(c);
    }
    shale_arena_destroy(&tmp);
    catalog_snapshot_release(cat);
    return rc;
}

SqlStatus session_sql_prepare(SqlSession *s, const AstPrepareStmt *ps, const char *text, const SqlSink *sink,
                              SqlError *err)
{
    if (session_find_stmt(s, ps->name))
        return (SqlStatus)sql_error_set(err, ERRCODE_DUPLICATE_PREPARED_STATEMENT,
                                        "prepared statement \"%s\" already exists", ps->name);
    int n = ps->argtypes.n;
    Oid *types = calloc((size_t)(n ? n : 1), sizeof *types);
    if (!types)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    int rc = 0;
    if (n > 0) { /* the types resolve as casts of NULL do: SELECT NULL::t1, NULL::t2 */
        ShaleBuf b;
        shale_buf_init(&b);
        shale_buf_append(&b, "SELECT ", 7);
        for (int i = 0; i < n; i++) {
            shale_buf_append(&b, i ? ", NULL::" : "NULL::", i ? 8 : 6);
            sql_deparse(ps->argtypes.items[i], &b);
        }
        shale_buf_append(&b, "", 1);
        rc = b.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : eval_select(s, b.data, n, NULL, NULL, types, err);
        if (rc != 0 && err) /* a position in the built SELECT would mislead */
            err->position = 0;
        shale_buf_free(&b);
    }
    if (rc == 0)
        rc = parse_stmt(s, ps->name, text + ps->query_span.start,
                        (size_t)(ps->query_span.end - ps->query_span.start), n, types, err);
    free(types);
    if (rc != 0)
        return SQL_ERROR;
    /* pg_stat_statements counts EXECUTE under the PREPARE's own text, as PostgreSQL does. */
    int loc = ps->hdr.location;
    if (s->stmts && loc >= 0 && ps->query_span.end > loc) {
        size_t tl = (size_t)(ps->query_span.end - loc);
        char *t = shale_arena_alloc(&s->stmts->arena, tl + 1);
        if (t) {
            memcpy(t, text + loc, tl);
            t[tl] = '\0';
            s->stmts->pgss_text = t;
            s->stmts->pgss_len = tl;
        }
    }
    sink->command_complete(sink->arg, "PREPARE");
    return SQL_DONE;
}

SqlStatus session_sql_execute(SqlSession *s, const AstExecuteStmt *es, const SqlSink *sink, SqlError *err)
{
    PreparedStmt *st = session_find_stmt(s, es->name);
    if (!st)
        return (SqlStatus)sql_error_set(err, ERRCODE_INVALID_SQL_STATEMENT_NAME,
                                        "prepared statement \"%s\" does not exist", es->name);
    if (es->params.n != st->n_params) {
        sql_error_set(err, ERRCODE_SYNTAX_ERROR, "wrong number of parameters for prepared statement \"%s\"", es->name);
        sql_error_detail(err, "Expected %d parameters but got %d.", st->n_params, es->params.n);
        return SQL_ERROR;
    }
    if (!st->raw.stmt) {
        sink->empty_query(sink->arg);
        return SQL_DONE;
    }
    if (!st->query) /* a utility statement prepared through the protocol */
        return session_exec_stmt(s, st->raw.stmt, st->text, sink, err);
    PgssRun pr = {.on = false};   /* counted under the prepared query's text, as PostgreSQL does */
    sink = pgss_begin(s, &pr, sink, s->obs_depth > 1);
    Portal *p = calloc(1, sizeof *p); /* private portal: not in s->portals, freed here */
    if (!p)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    shale_arena_init(&p->arena);
    p->stmt = st;
    p->n_params = st->n_params;
    p->n_formats = s->util_n_formats;
    p->formats = (int16_t *)s->util_formats;
    int rc = 0;
    if (st->n_params > 0) {
        /* Arguments are coerced to the parameter types as assignments of casts would be. */
        p->params = shale_arena_alloc(&p->arena, sizeof(Value) * (size_t)st->n_params);
        ShaleBuf b;
        shale_buf_init(&b);
        shale_buf_append(&b, "SELECT ", 7);
        for (int i = 0; i < st->n_params; i++) {
            shale_buf_append(&b, i ? ", CAST((" : "CAST((", i ? 8 : 6);
            sql_deparse(es->params.items[i], &b);
            shale_buf_append(&b, ") AS ", 5);
            types_format_type(st->param_types[i] ? st->param_types[i] : TEXTOID, -1, &b);
            shale_buf_append(&b, ")", 1);
        }
        shale_buf_append(&b, "", 1);
        rc = !p->params || b.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory")
                                 : eval_select(s, b.data, st->n_params, &p->arena, p->params, NULL, err);
        if (rc != 0 && err) /* a position in the built SELECT would mislead */
            err->position = 0;
        shale_buf_free(&b);
    }
    SqlStatus r = SQL_ERROR;
    if (rc == 0 && portal_open(s, p, err) == 0) {
        if (st->n_cols > 0) {
            SqlColumnDesc *cols = calloc((size_t)st->n_cols, sizeof *cols);
            if (cols) {
                memcpy(cols, st->cols, sizeof *cols * (size_t)st->n_cols);
                for (int i = 0; i < st->n_cols; i++)
                    cols[i].format = p->n_formats == 0 ? 0 : p->n_formats == 1 ? p->formats[0] : p->formats[i];
                sink->row_description(sink->arg, st->n_cols, cols);
                free(cols);
            }
        }
        r = session_send_rows(s, p->cursor, st->query, p->n_formats, p->formats, 0, sink, err);
        if (r == SQL_DONE) {
            query_command_tag(p->cursor, p->tag, sizeof p->tag);
            sink->command_complete(sink->arg, p->tag);
        }
    }
    p->formats = NULL;
    session_free_portal(p);
    pgss_end(s, &pr, r, st->raw.stmt, st->pgss_text ? st->pgss_text : st->text,
             st->pgss_text ? st->pgss_len : pgss_stmt_end(st->text, st->text_len, (size_t)st->raw.end),
             &st->pgss_qid);
    return r;
}
