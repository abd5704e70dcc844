/* fake_sql.c -- a TEST DOUBLE of sql/sql.h, linked only into tests/wire/shaledb_fake, so the
 * wire layer can be built and tested before the real SQL engine exists. It understands:
 *   SELECT <int> | SELECT '<text>' | SELECT $n[::type] | SELECT generate_series(a, b)
 *   SELECT pg_sleep(<secs>)      (cancellable)   | SELECT raise_notice('<msg>')
 *   SELECT 1/0 (22012)           | BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK
 *   SET application_name = '<x>' (reports ParameterStatus)
 *   COPY <t> FROM STDIN [...]    appends the CopyData payloads to one in-memory list; a
 *                                payload containing "BADROW" fails with 22P04
 *   COPY <t> TO STDOUT [...]     sends them back, one CopyData each
 *   anything else: 42601 syntax error at or near the first word.
 * Roles: any name except "nosuchrole"; "alice" has md5 password "secret". Databases:
 * "postgres", the bootstrap database, "shale"; others fail with 3D000. */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "protocol/pq_conn_int.h"
#include "sql/obs.h"
#include "sql/sql.h"

typedef struct FakeChunk {
    struct FakeChunk *next;
    size_t n;
    char data[];
} FakeChunk;

struct SqlEngine {
    pthread_mutex_t mu;
    FakeChunk *copy_head, *copy_tail;   /* under mu */
    char bootstrap_db[128];
    char server_version[64];
};

#define FAKE_MAX_NAMED 64

typedef struct FakeStmt {
    char name[64];
    char *query;
    int n_params;
    bool used;
} FakeStmt;

typedef struct FakePortal {
    char name[64];
    char *query;
    int n_params;
    char *params[16];
    int32_t lens[16];
    int16_t pfmt[16];
    int16_t rfmt;
    int64_t pos;                     /* generate_series: rows already sent */
    bool used;
} FakePortal;

struct SqlSession {
    SqlEngine *eng;
    atomic_bool cancel;
    char tx;                         /* 'I', 'T', 'E' */
    bool cycle_failed;               /* an extended-query message failed since Sync */
    bool copy_binary;
    int64_t copy_rows;
    const char *rest;                /* simple query: statements after a COPY */
    FakeChunk *pend_head, *pend_tail; /* the running COPY's data, published at CopyDone */
    char *query_copy;                /* owned copy of the simple query being run */
    char app_name[64];
    char user[64];
    FakeStmt stmts[FAKE_MAX_NAMED];
    FakePortal portals[FAKE_MAX_NAMED];
};

/* --- engine and sessions ---------------------------------------------------------------- */

int sql_engine_open(const SqlEngineOptions *opts, SqlEngine **out, SqlError *err)
{
    SqlEngine *e = calloc(1, sizeof *e);
    if (!e)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    pthread_mutex_init(&e->mu, NULL);
    snprintf(e->bootstrap_db, sizeof e->bootstrap_db, "%s", opts->bootstrap_database ? opts->bootstrap_database : "");
    snprintf(e->server_version, sizeof e->server_version, "%s", opts->server_version ? opts->server_version : "15.7");
    *out = e;
    return 0;
}

void sql_engine_close(SqlEngine *eng)
{
    if (!eng)
        return;
    while (eng->copy_head) {
        FakeChunk *c = eng->copy_head;
        eng->copy_head = c->next;
        free(c);
    }
    pthread_mutex_destroy(&eng->mu);
    free(eng);
}

int sql_engine_role_info(SqlEngine *eng, const char *role, SqlRoleInfo *out, SqlError *err)
{
    (void)eng;
    (void)err;
    memset(out, 0, sizeof *out);
    out->exists = strcmp(role, "nosuchrole") != 0;
    out->can_login = out->exists;
    if (strcmp(role, "alice") == 0) {
        char hex[33];
        pq_auth_md5_hex("secret", 6, "alice", 5, hex);
        snprintf(out->password, sizeof out->password, "md5%s", hex);
    }
    return 0;
}

int sql_session_open(SqlEngine *eng, const char *user, const char *database, int n_options,
                     const char *const *names, const char *const *values, SqlSession **out, SqlError *err)
{
    if (strcmp(user, "nosuchrole") == 0)
        return SQL_ERR(err, INVALID_AUTHORIZATION_SPECIFICATION, "role \"%s\" does not exist", user);
    if (strcmp(database, "postgres") != 0 && strcmp(database, eng->bootstrap_db) != 0 &&
        strcmp(database, "shale") != 0)
        return SQL_ERR(err, INVALID_CATALOG_NAME, "database \"%s\" does not exist", database);
    SqlSession *s = calloc(1, sizeof *s);
    if (!s)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    s->eng = eng;
    s->tx = 'I';
    snprintf(s->user, sizeof s->user, "%s", user);
    for (int i = 0; i < n_options; i++)
        if (strcmp(names[i], "application_name") == 0)
            snprintf(s->app_name, sizeof s->app_name, "%s", values[i]);
    *out = s;
    return 0;
}

static void fake_copy_discard(SqlSession *s);

static void fake_portal_clear(FakePortal *p)
{
    free(p->query);
    for (int i = 0; i < 16; i++)
        free(p->params[i]);
    memset(p, 0, sizeof *p);
}

void sql_session_close(SqlSession *s)
{
    if (!s)
        return;
    for (int i = 0; i < FAKE_MAX_NAMED; i++) {
        free(s->stmts[i].query);
        fake_portal_clear(&s->portals[i]);
    }
    fake_copy_discard(s);
    free(s->query_copy);
    free(s);
}

void sql_session_cancel(SqlSession *s)
{
    atomic_store(&s->cancel, true);
}

/* The fake engine never terminates sessions (no DROP DATABASE). */
void sql_session_set_terminate_hook(SqlSession *s, void (*fn)(void *arg), void *arg)
{
    (void)s;
    (void)fn;
    (void)arg;
}

bool sql_session_terminated(const SqlSession *s)
{
    (void)s;
    return false;
}

void sql_session_set_client(SqlSession *s, int32_t pid, const char *client_addr, int client_port)
{
    (void)s;
    (void)pid;
    (void)client_addr;
    (void)client_port;
}

void sql_session_idle(SqlSession *s)
{
    (void)s;
}

char sql_session_tx_status(const SqlSession *s)
{
    return s->tx;
}

void sql_session_report_settings(SqlSession *s, const SqlSink *k)
{
    static const char *const fixed[][2] = {
        {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"}, {"DateStyle", "ISO, MDY"},
        {"IntervalStyle", "postgres"}, {"TimeZone", "UTC"}, {"integer_datetimes", "on"},
        {"standard_conforming_strings", "on"}, {"is_superuser", "on"},
    };
    k->parameter_status(k->arg, "server_version", s->eng->server_version);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        k->parameter_status(k->arg, fixed[i][0], fixed[i][1]);
    k->parameter_status(k->arg, "application_name", s->app_name);
    k->parameter_status(k->arg, "session_authorization", s->user);
}

/* --- statements ------------------------------------------------------------------------- */

typedef enum FakeKind {
    FK_EMPTY, FK_INT, FK_TEXT, FK_PARAM, FK_SERIES, FK_SLEEP, FK_NOTICE, FK_DIV0,
    FK_BEGIN, FK_COMMIT, FK_ROLLBACK, FK_SET, FK_COPY_IN, FK_COPY_OUT, FK_BAD
} FakeKind;

typedef struct FakeStatement {
    FakeKind kind;
    int64_t a, b;                    /* numbers: the int, series bounds, sleep ms, param no. */
    char text[256];                  /* text literal, notice message, SET value, bad word */
    bool binary;                     /* COPY ... BINARY */
} FakeStatement;

static bool fake_prefix(const char **p, const char *word)
{
    size_t n = strlen(word);
    if (strncasecmp(*p, word, n) != 0)
        return false;
    *p += n;
    while (isspace((unsigned char)**p))
        (*p)++;
    return true;
}

static void fake_quoted(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    if (*p == '\'')
        p++;
    while (*p && *p != '\'' && n + 1 < cap)
        out[n++] = *p++;
    out[n] = '\0';
}

static void fake_classify(const char *q, size_t len, FakeStatement *st)
{
    char buf[1024];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, q, len);
    buf[len] = '\0';
    while (len && (isspace((unsigned char)buf[len - 1]) || buf[len - 1] == ';'))
        buf[--len] = '\0';
    const char *p = buf;
    while (isspace((unsigned char)*p))
        p++;
    memset(st, 0, sizeof *st);
    if (!*p) {
        st->kind = FK_EMPTY;
        return;
    }
    if (strcasecmp(p, "begin") == 0 || strcasecmp(p, "start transaction") == 0) {
        st->kind = FK_BEGIN;
        return;
    }
    if (strcasecmp(p, "commit") == 0 || strcasecmp(p, "end") == 0) {
        st->kind = FK_COMMIT;
        return;
    }
    if (strcasecmp(p, "rollback") == 0 || strcasecmp(p, "abort") == 0) {
        st->kind = FK_ROLLBACK;
        return;
    }
    const char *r = p;
    if (fake_prefix(&r, "set application_name")) {
        if (*r == '=')
            r++;
        else
            fake_prefix(&r, "to");
        while (isspace((unsigned char)*r))
            r++;
        st->kind = FK_SET;
        fake_quoted(r, st->text, sizeof st->text);
        return;
    }
    r = p;
    if (fake_prefix(&r, "copy")) {
        const char *from = strcasestr(r, "from stdin"), *to = strcasestr(r, "to stdout");
        st->binary = strcasestr(r, "binary") != NULL;
        if (from || to) {
            st->kind = from ? FK_COPY_IN : FK_COPY_OUT;
            return;
        }
    }
    r = p;
    if (fake_prefix(&r, "select")) {
        char *end;
        if (fake_prefix(&r, "pg_sleep(")) {
            st->kind = FK_SLEEP;
            st->a = (int64_t)(strtod(r, NULL) * 1000);
            return;
        }
        if (fake_prefix(&r, "generate_series(")) {
            st->kind = FK_SERIES;
            st->a = strtoll(r, &end, 10);
            r = strchr(end, ',');
            st->b = r ? strtoll(r + 1, NULL, 10) : st->a;
            return;
        }
        if (fake_prefix(&r, "raise_notice(")) {
            st->kind = FK_NOTICE;
            fake_quoted(r, st->text, sizeof st->text);
            return;
        }
        if (strcmp(r, "1/0") == 0) {
            st->kind = FK_DIV0;
            return;
        }
        if (*r == '$') {
            st->kind = FK_PARAM;
            st->a = strtol(r + 1, NULL, 10);
            return;
        }
        if (*r == '\'') {
            st->kind = FK_TEXT;
            fake_quoted(r, st->text, sizeof st->text);
            return;
        }
        long long v = strtoll(r, &end, 10);
        if (end != r && (*end == '\0' || isspace((unsigned char)*end))) {
            st->kind = FK_INT;
            st->a = v;
            return;
        }
        p = r;
    }
    st->kind = FK_BAD;
    size_t n = 0;
    while (p[n] && !isspace((unsigned char)p[n]) && n + 1 < sizeof st->text)
        n++;
    memcpy(st->text, p, n);
    st->text[n] = '\0';
    st->a = (int64_t)(p - buf) + 1;
}

static bool fake_returns_rows(const FakeStatement *st)
{
    return st->kind == FK_INT || st->kind == FK_TEXT || st->kind == FK_PARAM || st->kind == FK_SERIES ||
           st->kind == FK_SLEEP || st->kind == FK_NOTICE || st->kind == FK_DIV0;
}

static void fake_describe(const FakeStatement *st, int16_t fmt, const SqlSink *k)
{
    SqlColumnDesc d = {.name = "?column?", .type_oid = INT4OID, .typlen = 4, .typmod = -1, .format = fmt};
    if (st->kind == FK_TEXT) {
        d.type_oid = TEXTOID;
        d.typlen = -1;
    } else if (st->kind == FK_SERIES) {
        d.name = "generate_series";
    } else if (st->kind == FK_SLEEP) {
        d.name = "pg_sleep";
        d.type_oid = VOIDOID;
    } else if (st->kind == FK_NOTICE) {
        d.name = "raise_notice";
        d.type_oid = VOIDOID;
    }
    k->row_description(k->arg, 1, &d);
}

static void fake_send_int(const SqlSink *k, int64_t v, int16_t fmt)
{
    char buf[32];
    int32_t len;
    if (fmt == 1) {
        pq_put_be32(buf, (uint32_t)v);
        len = 4;
    } else {
        len = snprintf(buf, sizeof buf, "%lld", (long long)v);
    }
    const char *vals[1] = {buf};
    k->data_row(k->arg, 1, vals, &len);
}

/* Runs one classified statement. portal (may be NULL) supplies params, formats and the
 * series position; max_rows 0 = all. */
static SqlStatus fake_run(SqlSession *s, const FakeStatement *st, FakePortal *portal, int64_t max_rows,
                          bool describe, const SqlSink *k, SqlError *err)
{
    int16_t fmt = portal ? portal->rfmt : 0;
    if (s->tx == 'E' && st->kind != FK_COMMIT && st->kind != FK_ROLLBACK && st->kind != FK_EMPTY)
        return SQL_ERR(err, IN_FAILED_SQL_TRANSACTION,
                       "current transaction is aborted, commands ignored until end of transaction block");
    if (describe && fake_returns_rows(st))
        fake_describe(st, fmt, k);
    switch (st->kind) {
    case FK_EMPTY:
        k->empty_query(k->arg);
        return SQL_DONE;
    case FK_BAD: {
        SQL_ERR(err, SYNTAX_ERROR, "syntax error at or near \"%s\"", st->text);
        err->position = (int)st->a;
        return SQL_ERROR;
    }
    case FK_DIV0:
        return SQL_ERR(err, DIVISION_BY_ZERO, "division by zero");
    case FK_BEGIN:
        if (s->tx == 'T') {
            SqlError n;
            sql_error_clear(&n);
            sql_error_set(&n, ERRCODE_ACTIVE_SQL_TRANSACTION, "there is already a transaction in progress");
            n.severity = SQL_SEV_WARNING;
            k->notice(k->arg, &n);
        }
        s->tx = 'T';
        k->command_complete(k->arg, "BEGIN");
        return SQL_DONE;
    case FK_COMMIT:
        k->command_complete(k->arg, s->tx == 'E' ? "ROLLBACK" : "COMMIT");
        s->tx = 'I';
        return SQL_DONE;
    case FK_ROLLBACK:
        s->tx = 'I';
        k->command_complete(k->arg, "ROLLBACK");
        return SQL_DONE;
    case FK_SET:
        snprintf(s->app_name, sizeof s->app_name, "%.63s", st->text);
        k->parameter_status(k->arg, "application_name", s->app_name);
        k->command_complete(k->arg, "SET");
        return SQL_DONE;
    case FK_INT:
        fake_send_int(k, st->a, fmt);
        k->command_complete(k->arg, "SELECT 1");
        return SQL_DONE;
    case FK_TEXT: {
        int32_t len = (int32_t)strlen(st->text);
        const char *vals[1] = {st->text};
        k->data_row(k->arg, 1, vals, &len);
        k->command_complete(k->arg, "SELECT 1");
        return SQL_DONE;
    }
    case FK_PARAM: {
        if (!portal || st->a < 1 || st->a > portal->n_params)
            return SQL_ERR(err, UNDEFINED_PARAMETER, "there is no parameter $%lld", (long long)st->a);
        int i = (int)st->a - 1;
        if (portal->lens[i] < 0) {
            int32_t len = -1;
            const char *vals[1] = {NULL};
            k->data_row(k->arg, 1, vals, &len);
        } else {
            int64_t v = portal->pfmt[i] == 1 && portal->lens[i] == 4 ? (int32_t)pq_get_be32(portal->params[i])
                                                                      : strtoll(portal->params[i], NULL, 10);
            fake_send_int(k, v, fmt);
        }
        k->command_complete(k->arg, "SELECT 1");
        return SQL_DONE;
    }
    case FK_SERIES: {
        int64_t start = portal ? portal->pos : 0, sent = 0;
        for (int64_t v = st->a + start; v <= st->b; v++) {
            if (atomic_exchange(&s->cancel, false))
                return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
            if (max_rows > 0 && sent == max_rows) {
                portal->pos += sent;
                return SQL_SUSPENDED;
            }
            fake_send_int(k, v, fmt);
            sent++;
        }
        if (portal)
            portal->pos += sent;
        char tag[64];
        snprintf(tag, sizeof tag, "SELECT %lld", (long long)(start + sent));
        k->command_complete(k->arg, tag);
        return SQL_DONE;
    }
    case FK_SLEEP: {
        struct timespec t0, now;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            if (atomic_exchange(&s->cancel, false))
                return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
            clock_gettime(CLOCK_MONOTONIC, &now);
            int64_t ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
            if (ms >= st->a)
                break;
            struct timespec d = {0, 5000000};
            nanosleep(&d, NULL);
        }
        int32_t len = 0;
        const char *vals[1] = {""};
        k->data_row(k->arg, 1, vals, &len);
        k->command_complete(k->arg, "SELECT 1");
        return SQL_DONE;
    }
    case FK_NOTICE: {
        SqlError n;
        sql_error_clear(&n);
        sql_error_set(&n, ERRCODE_SUCCESSFUL_COMPLETION, "%s", st->text);
        n.severity = SQL_SEV_NOTICE;
        sql_error_hint(&n, "a hint");
        k->notice(k->arg, &n);
        int32_t len = 0;
        const char *vals[1] = {""};
        k->data_row(k->arg, 1, vals, &len);
        k->command_complete(k->arg, "SELECT 1");
        return SQL_DONE;
    }
    case FK_COPY_IN: {
        int16_t f = st->binary ? 1 : 0;
        s->copy_binary = st->binary;
        s->copy_rows = 0;
        k->copy_in_response(k->arg, f, 1, &f);
        return SQL_COPY_IN;
    }
    case FK_COPY_OUT: {
        int16_t f = st->binary ? 1 : 0;
        k->copy_out_response(k->arg, f, 1, &f);
        int64_t rows = 0;
        pthread_mutex_lock(&s->eng->mu);
        for (FakeChunk *c = s->eng->copy_head; c; c = c->next) {
            k->copy_data(k->arg, c->data, c->n);
            rows++;
        }
        pthread_mutex_unlock(&s->eng->mu);
        k->copy_done(k->arg);
        char tag[64];
        snprintf(tag, sizeof tag, "COPY %lld", (long long)rows);
        k->command_complete(k->arg, tag);
        return SQL_DONE;
    }
    }
    return SQL_DONE;
}

/* Splits off the next statement of a simple query (';' outside quotes). */
static const char *fake_next_statement(const char *p, size_t *len)
{
    const char *s = p;
    bool quoted = false;
    while (*p && (quoted || *p != ';')) {
        if (*p == '\'')
            quoted = !quoted;
        p++;
    }
    *len = (size_t)(p - s);
    return *p == ';' ? p + 1 : p;
}

static bool fake_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            return false;
    return true;
}

static SqlStatus fake_simple_from(SqlSession *s, const char *p, const SqlSink *k, SqlError *err)
{
    bool any = false;
    while (*p) {
        size_t n;
        const char *stmt = p;
        p = fake_next_statement(p, &n);
        if (fake_blank(stmt, n))
            continue;
        any = true;
        FakeStatement st;
        fake_classify(stmt, n, &st);
        SqlStatus rc = fake_run(s, &st, NULL, 0, true, k, err);
        if (rc == SQL_ERROR) {
            if (s->tx == 'T')
                s->tx = 'E';
            return rc;
        }
        if (rc == SQL_COPY_IN) {
            s->rest = p;
            return rc;
        }
    }
    (void)any;
    return SQL_DONE;
}

SqlStatus sql_exec_simple(SqlSession *s, const char *query, size_t len, const SqlSink *k, SqlError *err)
{
    atomic_store(&s->cancel, false);
    free(s->query_copy);
    s->query_copy = strndup(query, len);
    if (!s->query_copy)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (fake_blank(query, len)) {
        k->empty_query(k->arg);
        return SQL_DONE;
    }
    return fake_simple_from(s, s->query_copy, k, err);
}

SqlStatus sql_copy_data(SqlSession *s, const char *data, size_t n, SqlError *err)
{
    if (memmem(data, n, "BADROW", 6))
        return fake_copy_discard(s), SQL_ERR(err, BAD_COPY_FILE_FORMAT, "invalid input syntax for type integer: \"BADROW\"");
    FakeChunk *c = malloc(sizeof *c + n);
    if (!c)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    c->next = NULL;
    c->n = n;
    memcpy(c->data, data, n);
    if (s->pend_tail)
        s->pend_tail->next = c;
    else
        s->pend_head = c;
    s->pend_tail = c;
    for (size_t i = 0; i < n; i++)
        s->copy_rows += data[i] == '\n';
    if (s->copy_binary)
        s->copy_rows++;
    return SQL_DONE;
}

static void fake_copy_discard(SqlSession *s)
{
    while (s->pend_head) {
        FakeChunk *c = s->pend_head;
        s->pend_head = c->next;
        free(c);
    }
    s->pend_tail = NULL;
}

SqlStatus sql_copy_done(SqlSession *s, const SqlSink *k, SqlError *err)
{
    if (s->pend_head) {
        pthread_mutex_lock(&s->eng->mu);
        if (s->eng->copy_tail)
            s->eng->copy_tail->next = s->pend_head;
        else
            s->eng->copy_head = s->pend_head;
        s->eng->copy_tail = s->pend_tail;
        pthread_mutex_unlock(&s->eng->mu);
        s->pend_head = s->pend_tail = NULL;
    }
    char tag[64];
    snprintf(tag, sizeof tag, "COPY %lld", (long long)s->copy_rows);
    k->command_complete(k->arg, tag);
    const char *rest = s->rest;
    s->rest = NULL;
    return rest ? fake_simple_from(s, rest, k, err) : SQL_DONE;
}

SqlStatus sql_copy_fail(SqlSession *s, const char *message, SqlError *err)
{
    fake_copy_discard(s);
    s->rest = NULL;
    if (s->tx == 'T')
        s->tx = 'E';
    return SQL_ERR(err, QUERY_CANCELED, "COPY from stdin failed: %s", message);
}

/* --- extended query ----------------------------------------------------------------------- */

static FakeStmt *fake_find_stmt(SqlSession *s, const char *name)
{
    for (int i = 0; i < FAKE_MAX_NAMED; i++)
        if (s->stmts[i].used && strcmp(s->stmts[i].name, name) == 0)
            return &s->stmts[i];
    return NULL;
}

static FakePortal *fake_find_portal(SqlSession *s, const char *name)
{
    for (int i = 0; i < FAKE_MAX_NAMED; i++)
        if (s->portals[i].used && strcmp(s->portals[i].name, name) == 0)
            return &s->portals[i];
    return NULL;
}

static int fake_fail(SqlSession *s)
{
    s->cycle_failed = true;
    if (s->tx == 'T')
        s->tx = 'E';
    return -1;
}

int sql_parse(SqlSession *s, const char *name, const char *query, int n_types, const Oid *types, SqlError *err)
{
    (void)n_types;
    (void)types;
    FakeStatement st;
    fake_classify(query, strlen(query), &st);
    if (st.kind == FK_BAD) {
        SQL_ERR(err, SYNTAX_ERROR, "syntax error at or near \"%s\"", st.text);
        err->position = (int)st.a;
        return fake_fail(s);
    }
    if (s->tx == 'E')
        return SQL_ERR(err, IN_FAILED_SQL_TRANSACTION,
                       "current transaction is aborted, commands ignored until end of transaction block"),
               fake_fail(s);
    FakeStmt *old = fake_find_stmt(s, name);
    if (old && name[0])
        return SQL_ERR(err, DUPLICATE_PREPARED_STATEMENT, "prepared statement \"%s\" already exists", name), fake_fail(s);
    if (!old) {
        for (int i = 0; i < FAKE_MAX_NAMED && !old; i++)
            if (!s->stmts[i].used)
                old = &s->stmts[i];
        if (!old)
            return SQL_ERR(err, OUT_OF_MEMORY, "too many prepared statements"), fake_fail(s);
    }
    free(old->query);
    old->query = strdup(query);
    old->used = true;
    snprintf(old->name, sizeof old->name, "%s", name);
    old->n_params = st.kind == FK_PARAM ? (int)st.a : 0;
    return 0;
}

int sql_bind(SqlSession *s, const char *portal, const char *stmt_name, int n_pf, const int16_t *pf,
             int n_params, const char *const *vals, const int32_t *lens, int n_rf, const int16_t *rf,
             SqlError *err)
{
    FakeStmt *st = fake_find_stmt(s, stmt_name);
    if (!st)
        return SQL_ERR(err, INVALID_SQL_STATEMENT_NAME, "prepared statement \"%s\" does not exist", stmt_name), fake_fail(s);
    if (n_params != st->n_params || n_params > 16)
        return SQL_ERR(err, PROTOCOL_VIOLATION,
                       "bind message supplies %d parameters, but prepared statement \"%s\" requires %d",
                       n_params, stmt_name, st->n_params), fake_fail(s);
    FakePortal *p = fake_find_portal(s, portal);
    if (p && portal[0])
        return SQL_ERR(err, DUPLICATE_PREPARED_STATEMENT, "cursor \"%s\" already exists", portal), fake_fail(s);
    if (!p) {
        for (int i = 0; i < FAKE_MAX_NAMED && !p; i++)
            if (!s->portals[i].used)
                p = &s->portals[i];
        if (!p)
            return SQL_ERR(err, OUT_OF_MEMORY, "too many portals"), fake_fail(s);
    }
    fake_portal_clear(p);
    p->used = true;
    snprintf(p->name, sizeof p->name, "%s", portal);
    p->query = strdup(st->query);
    p->n_params = n_params;
    for (int i = 0; i < n_params; i++) {
        p->lens[i] = lens[i];
        p->pfmt[i] = n_pf == 0 ? 0 : n_pf == 1 ? pf[0] : pf[i];
        if (lens[i] >= 0) {
            p->params[i] = malloc((size_t)lens[i] + 1);
            memcpy(p->params[i], vals[i], (size_t)lens[i]);
            p->params[i][lens[i]] = '\0';
        }
    }
    p->rfmt = n_rf > 0 ? rf[0] : 0;
    return 0;
}

int sql_describe_statement(SqlSession *s, const char *name, const SqlSink *k, SqlError *err)
{
    FakeStmt *st = fake_find_stmt(s, name);
    if (!st)
        return SQL_ERR(err, INVALID_SQL_STATEMENT_NAME, "prepared statement \"%s\" does not exist", name), fake_fail(s);
    Oid types[16];
    for (int i = 0; i < st->n_params && i < 16; i++)
        types[i] = INT4OID;
    k->parameter_description(k->arg, st->n_params, types);
    FakeStatement fs;
    fake_classify(st->query, strlen(st->query), &fs);
    if (fake_returns_rows(&fs))
        fake_describe(&fs, 0, k);
    else
        k->no_data(k->arg);
    return 0;
}

int sql_describe_portal(SqlSession *s, const char *portal, const SqlSink *k, SqlError *err)
{
    FakePortal *p = fake_find_portal(s, portal);
    if (!p)
        return SQL_ERR(err, INVALID_CURSOR_NAME, "portal \"%s\" does not exist", portal), fake_fail(s);
    FakeStatement fs;
    fake_classify(p->query, strlen(p->query), &fs);
    if (fake_returns_rows(&fs))
        fake_describe(&fs, p->rfmt, k);
    else
        k->no_data(k->arg);
    return 0;
}

SqlStatus sql_execute(SqlSession *s, const char *portal, int64_t max_rows, const SqlSink *k, SqlError *err)
{
    FakePortal *p = fake_find_portal(s, portal);
    if (!p)
        return SQL_ERR(err, INVALID_CURSOR_NAME, "portal \"%s\" does not exist", portal), fake_fail(s), SQL_ERROR;
    FakeStatement fs;
    fake_classify(p->query, strlen(p->query), &fs);
    SqlStatus rc = fake_run(s, &fs, p, max_rows, false, k, err);
    if (rc == SQL_ERROR)
        fake_fail(s);
    return rc;
}

void sql_close_statement(SqlSession *s, const char *name)
{
    FakeStmt *st = fake_find_stmt(s, name);
    if (st) {
        free(st->query);
        memset(st, 0, sizeof *st);
    }
}

void sql_close_portal(SqlSession *s, const char *portal)
{
    FakePortal *p = fake_find_portal(s, portal);
    if (p)
        fake_portal_clear(p);
}

int sql_sync(SqlSession *s, SqlError *err)
{
    (void)err;
    s->cycle_failed = false;
    /* Unnamed portals end with the cycle's implicit transaction. */
    FakePortal *p = fake_find_portal(s, "");
    if (p && s->tx == 'I')
        fake_portal_clear(p);
    atomic_store(&s->cancel, false);
    return 0;
}

void sql_mark_failed(SqlSession *s)
{
    fake_fail(s);
}

/* The /metrics endpoint (src/server/metrics_http.c) of the test double: no metrics. */
int obs_collect(SqlEngine *eng, ObsEmitFn fn, void *arg)
{
    (void)eng;
    (void)fn;
    (void)arg;
    return 0;
}
