/* session_activity.c -- what pg_stat_activity shows of every session, and pg_cancel_backend /
 * pg_terminate_backend. Each session publishes its SessionActivity (session_int.h) from its
 * own thread: at each statement start (sql_exec_simple, sql_execute) and at each
 * ReadyForQuery (sql_session_idle), under the session's own act.mu only. Readers walk the
 * registry under eng->sessions_mu and copy each session under its act.mu; nothing is
 * emitted while those locks are held (a row filter may call pg_cancel_backend, which takes
 * sessions_mu again). */
#include "sql/session_int.h"
#include "sql/acl.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Microseconds since 2000-01-01 UTC (PostgreSQL's timestamptz). */
static int64_t activity_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec - 946684800) * 1000000 + ts.tv_nsec / 1000;
}

static int64_t activity_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void session_activity_lock_wait(SqlSession *s)
{
    atomic_store_explicit(&s->act_lock_poll_ms, activity_mono_ms(), memory_order_relaxed);
}

/* application_name as PostgreSQL keeps it: NAMEDATALEN - 1 bytes at most. */
static void activity_copy_app(SqlSession *s)
{
    const char *app = settings_get(&s->settings, SETTING_APPLICATION_NAME);
    size_t n = strnlen(app, sizeof s->act.application_name - 1);
    memcpy(s->act.application_name, app, n);
    s->act.application_name[n] = '\0';
}

/* Called by session_registry_add before the session is linked (no reader sees it yet). */
void session_activity_init(SqlSession *s)
{
    pthread_mutex_init(&s->act.mu, NULL);
    s->act.backend_start = s->act.state_change = activity_now();
    s->act.client_port = -1;
    s->act.state = 'I';
    activity_copy_app(s);
    s->act_user_oid = s->user_oid;
    s->act_superuser = s->superuser;
    snprintf(s->act_user, sizeof s->act_user, "%s", s->user);
    s->act_init = true;
}

/* Called by session_registry_remove after the session was unlinked. */
void session_activity_destroy(SqlSession *s)
{
    if (s->act_init)
        pthread_mutex_destroy(&s->act.mu);
    s->act_init = false;
}

void sql_session_set_client(SqlSession *s, int32_t pid, const char *client_addr, int client_port)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->eng->sessions_mu);   /* pid is read under it by other sessions */
    s->pid = pid;
    pthread_mutex_unlock(&s->eng->sessions_mu);
    if (!s->act_init)
        return;
    pthread_mutex_lock(&s->act.mu);
    s->act.has_client = true;
    snprintf(s->act.client_addr, sizeof s->act.client_addr, "%s", client_addr ? client_addr : "");
    s->act.client_port = client_addr ? client_port : -1;
    pthread_mutex_unlock(&s->act.mu);
}

void session_activity_begin(SqlSession *s, const char *text, size_t len)
{
    if (!s->act_init)
        return;
    if (len >= SESSION_ACTIVITY_QUERY_MAX) { /* cut at a UTF-8 character boundary */
        len = SESSION_ACTIVITY_QUERY_MAX - 1;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    int64_t now = activity_now();
    pthread_mutex_lock(&s->act.mu);
    s->act.state = 'A';
    s->act.query_start = s->act.state_change = now;
    if (s->tx == TX_NONE)
        s->act.xact_start = now;   /* this statement starts the transaction */
    memcpy(s->act.query, text, len);
    s->act.query[len] = '\0';
    s->act.query_len = len;
    pthread_mutex_unlock(&s->act.mu);
}

void sql_session_idle(SqlSession *s)
{
    if (!s || !s->act_init)
        return;
    char st = sql_session_tx_status(s);
    int64_t now = activity_now();
    pthread_mutex_lock(&s->act.mu);
    if (s->act.state != st)
        s->act.state_change = now;
    s->act.state = st;
    if (st == 'I')
        s->act.xact_start = 0;
    activity_copy_app(s);
    pthread_mutex_unlock(&s->act.mu);
}

void session_registry_warn(SqlSession *s, const char *fmt, ...)
{
    if (!s || !s->stmt_sink || !s->stmt_sink->notice)
        return;
    SqlError n;
    sql_error_clear(&n);
    n.code = ERRCODE_WARNING;
    n.severity = SQL_SEV_WARNING;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n.message, sizeof n.message, fmt, ap);
    va_end(ap);
    s->stmt_sink->notice(s->stmt_sink->arg, &n);
}

int session_registry_snapshot(SqlEngine *eng, ShaleArena *arena, SessionActivityRow **rows, int *n)
{
    *rows = NULL;
    *n = 0;
    int cap = 0, count = 0;
    SessionActivityRow *out = NULL;
    int64_t now_ms = activity_mono_ms();
    pthread_mutex_lock(&eng->sessions_mu);
    for (SqlSession *o = eng->sessions; o; o = o->reg_next)
        cap++;
    out = cap ? shale_arena_alloc(arena, (size_t)cap * sizeof *out) : NULL;
    if (cap && !out) {
        pthread_mutex_unlock(&eng->sessions_mu);
        return -1;
    }
    for (SqlSession *o = eng->sessions; o && count < cap; o = o->reg_next) {
        if (!o->act_init)
            continue;
        SessionActivityRow *r = &out[count++];
        r->pid = o->pid;
        r->db_oid = o->db_oid;
        memcpy(r->database, o->database, sizeof r->database);
        r->user_oid = o->act_user_oid;
        memcpy(r->user, o->act_user, sizeof r->user);
        pthread_mutex_lock(&o->act.mu);
        /* the fixed part, then only the text's used bytes */
        memcpy(&r->act, &o->act, offsetof(SessionActivity, query));
        memcpy(r->act.query, o->act.query, o->act.query_len + 1);
        pthread_mutex_unlock(&o->act.mu);
        /* a wait polls every 10 ms; a poll older than 50 ms means the wait is over */
        r->waiting = r->act.state == 'A' &&
                     now_ms - atomic_load_explicit(&o->act_lock_poll_ms, memory_order_relaxed) < 50;
    }
    pthread_mutex_unlock(&eng->sessions_mu);
    *rows = out;
    *n = count;
    return 0;
}

/* Waits until no session has pid (it closed) or timeout_ms passed; true when it is gone. */
static bool activity_wait_gone(SqlEngine *eng, int32_t pid, int64_t timeout_ms)
{
    struct timespec step = {0, 10 * 1000000};
    for (int64_t waited = 0;; waited += 10) {
        bool found = false;
        pthread_mutex_lock(&eng->sessions_mu);
        for (SqlSession *o = eng->sessions; o && !found; o = o->reg_next)
            found = o->pid == pid;
        pthread_mutex_unlock(&eng->sessions_mu);
        if (!found)
            return true;
        if (waited >= timeout_ms)
            return false;
        nanosleep(&step, NULL);
    }
}

int session_registry_signal(SqlSession *self, const CatSnapshot *cat, int32_t pid, bool terminate,
                            int64_t timeout_ms, bool *result, SqlError *err)
{
    SqlEngine *eng = self->eng;
    *result = false;
    if (terminate && timeout_ms < 0) {
        sql_error_set(err, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "\"timeout\" must not be negative");
        return -1;
    }
    /* PostgreSQL checks the current role (SET ROLE counts) against the target's login role. */
    Oid me = self->user_oid;
    bool me_super = self->superuser;
    const CatRole *sig = catsnap_role_by_name(cat, "pg_signal_backend");
    int rc = 0;
    bool self_target = false, found = false;
    pthread_mutex_lock(&eng->sessions_mu);
    for (SqlSession *o = eng->sessions; o; o = o->reg_next) {
        if (o->pid != pid || !o->act_init)
            continue;
        found = true;
        if (o->act_superuser && !me_super) {
            sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE,
                          terminate ? "must be a superuser to terminate superuser process"
                                    : "must be a superuser to cancel superuser query");
            rc = -1;
        } else if (!acl_has_privs_of_role(cat, me, o->act_user_oid) &&
                   !(sig && acl_has_privs_of_role(cat, me, sig->oid))) {
            sql_error_set(err, ERRCODE_INSUFFICIENT_PRIVILEGE,
                          terminate ? "must be a member of the role whose process is being terminated or member of pg_signal_backend"
                                    : "must be a member of the role whose query is being canceled or member of pg_signal_backend");
            rc = -1;
        } else if (terminate) {
            /* the statement of a session that ends itself finishes; the connection then
             * closes with FATAL 57P01 at its next read (the hook wakes that read) */
            self_target = o == self;
            atomic_store(&o->terminated, true);
            if (!self_target)
                atomic_store(&o->cancel, true);
            if (o->terminate_fn)
                o->terminate_fn(o->terminate_arg);
            *result = true;
        } else {
            sql_session_cancel(o);
            *result = true;
        }
        break;
    }
    pthread_mutex_unlock(&eng->sessions_mu);
    if (rc != 0)
        return -1;
    if (!found) {
        session_registry_warn(self, "PID %d is not a PostgreSQL backend process", (int)pid);
        return 0;
    }
    if (terminate && timeout_ms > 0 && !self_target && !activity_wait_gone(eng, pid, timeout_ms)) {
        session_registry_warn(self, "backend with PID %d did not terminate within %lld milliseconds", (int)pid,
                              (long long)timeout_ms);
        *result = false;
    }
    return 0;
}
