/* pq_server.c -- what every connection shares: settings (replaced on reload), the count of
 * live connections, the cancel-key registry and the shutdown signal.
 *
 * Shutdown signal: a pipe whose write end is closed by pq_server_begin_shutdown; from then on
 * its read end polls readable (EOF) forever, so every connection blocked in poll() wakes at
 * once without any per-connection bookkeeping. */
#include "protocol/pq_conn_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void pq_settings_init(PqSettings *s)
{
    memset(s, 0, sizeof *s);
    s->max_message_size = (size_t)1 << 30;
    s->max_startup_packet = 10000;
    s->authentication_timeout_ms = 60000;
    s->partial_message_timeout_ms = 60000;
    s->write_timeout_ms = 60000;
    s->max_connections = 1000;
    s->auth_loopback = PQ_AUTH_TRUST;
    s->auth_remote = PQ_AUTH_MD5;
}

/* Copies the settings' session-default strings into a new block owned by srv (under mu). */
static bool pq_server_store_settings(PqServer *srv, const PqSettings *in)
{
    PqSettings s = *in;
    int n = s.n_session_defaults > 0 ? s.n_session_defaults : 0;
    size_t bytes = sizeof(PqDefaultsBlock) + 2 * (size_t)n * sizeof(char *);
    for (int i = 0; i < n; i++)
        bytes += strlen(s.session_default_names[i]) + strlen(s.session_default_values[i]) + 2;
    PqDefaultsBlock *blk = malloc(bytes);
    if (!blk)
        return false;
    blk->names = (const char **)(blk + 1);
    blk->values = blk->names + n;
    char *p = (char *)(blk->values + n);
    for (int i = 0; i < n; i++) {
        size_t a = strlen(s.session_default_names[i]) + 1, b = strlen(s.session_default_values[i]) + 1;
        memcpy(p, s.session_default_names[i], a);
        blk->names[i] = p;
        p += a;
        memcpy(p, s.session_default_values[i], b);
        blk->values[i] = p;
        p += b;
    }
    s.n_session_defaults = n;
    s.session_default_names = blk->names;
    s.session_default_values = blk->values;
    blk->next = srv->defaults;
    srv->defaults = blk;
    srv->settings = s;
    atomic_fetch_add(&srv->settings_gen, 1);
    return true;
}

PqServer *pq_server_new(SqlEngine *eng, const PqSettings *settings)
{
    PqServer *srv = calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    srv->eng = eng;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        free(srv);
        return NULL;
    }
    srv->shutdown_rd = fds[0];
    srv->shutdown_wr = fds[1];
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->idle_cv, NULL);
    atomic_init(&srv->shutting_down, false);
    if (!pq_server_store_settings(srv, settings)) {
        pq_server_free(srv);
        return NULL;
    }
    return srv;
}

void pq_server_free(PqServer *srv)
{
    if (!srv)
        return;
    while (srv->defaults) {
        PqDefaultsBlock *b = srv->defaults;
        srv->defaults = b->next;
        free(b);
    }
    pq_tls_free(srv->tls);
    close(srv->shutdown_rd);
    if (srv->shutdown_wr >= 0)
        close(srv->shutdown_wr);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->idle_cv);
    free(srv);
}

void pq_server_set_settings(PqServer *srv, const PqSettings *settings)
{
    pthread_mutex_lock(&srv->mu);
    pq_server_store_settings(srv, settings); /* on OOM the old settings stay */
    pthread_mutex_unlock(&srv->mu);
}

void pq_server_snapshot_settings(PqServer *srv, PqSettings *out)
{
    pthread_mutex_lock(&srv->mu);
    *out = srv->settings;
    pthread_mutex_unlock(&srv->mu);
}

void pq_server_refresh_settings(PqServer *srv, PqSettings *out, unsigned *gen)
{
    unsigned g = atomic_load(&srv->settings_gen);
    if (g == *gen)
        return;
    *gen = g;
    pq_server_snapshot_settings(srv, out);
}

bool pq_server_conn_enter(PqServer *srv)
{
    pthread_mutex_lock(&srv->mu);
    bool ok = !atomic_load(&srv->shutting_down);
    if (ok)
        srv->active++;
    pthread_mutex_unlock(&srv->mu);
    return ok;
}

void pq_server_conn_exit(PqServer *srv)
{
    pthread_mutex_lock(&srv->mu);
    if (--srv->active == 0)
        pthread_cond_broadcast(&srv->idle_cv);
    pthread_mutex_unlock(&srv->mu);
}

void pq_server_conn_abandon(PqServer *srv)
{
    pq_server_conn_exit(srv);
}

int pq_server_active(PqServer *srv)
{
    pthread_mutex_lock(&srv->mu);
    int n = srv->active;
    pthread_mutex_unlock(&srv->mu);
    return n;
}

bool pq_server_wait_idle(PqServer *srv, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&srv->mu);
    while (srv->active > 0) {
        if (pthread_cond_timedwait(&srv->idle_cv, &srv->mu, &dl) == ETIMEDOUT)
            break;
    }
    bool idle = srv->active == 0;
    pthread_mutex_unlock(&srv->mu);
    return idle;
}

void pq_server_begin_shutdown(PqServer *srv)
{
    pthread_mutex_lock(&srv->mu);
    atomic_store(&srv->shutting_down, true);
    if (srv->shutdown_wr >= 0) {
        close(srv->shutdown_wr);
        srv->shutdown_wr = -1;
    }
    pthread_mutex_unlock(&srv->mu);
}

void pq_server_cancel_all(PqServer *srv)
{
    pthread_mutex_lock(&srv->mu);
    for (PqConn *c = srv->registry; c; c = c->reg_next)
        sql_session_cancel(c->sess);
    pthread_mutex_unlock(&srv->mu);
}

void pq_server_register(PqServer *srv, PqConn *c)
{
    pthread_mutex_lock(&srv->mu);
    c->reg_prev = NULL;
    c->reg_next = srv->registry;
    if (srv->registry)
        srv->registry->reg_prev = c;
    srv->registry = c;
    pthread_mutex_unlock(&srv->mu);
}

void pq_server_unregister(PqServer *srv, PqConn *c)
{
    pthread_mutex_lock(&srv->mu);
    if (c->reg_prev)
        c->reg_prev->reg_next = c->reg_next;
    else if (srv->registry == c)
        srv->registry = c->reg_next;
    if (c->reg_next)
        c->reg_next->reg_prev = c->reg_prev;
    c->reg_next = c->reg_prev = NULL;
    pthread_mutex_unlock(&srv->mu);
}

void pq_server_cancel(PqServer *srv, uint32_t id, int32_t secret)
{
    /* The session cannot close under us: a connection unregisters (under mu) before it
     * closes its session. */
    pthread_mutex_lock(&srv->mu);
    for (PqConn *c = srv->registry; c; c = c->reg_next) {
        if (c->id == id && c->secret == secret) {
            sql_session_cancel(c->sess);
            break;
        }
    }
    pthread_mutex_unlock(&srv->mu);
}

int pq_server_enable_tls(PqServer *srv, const char *cert_file, const char *key_file,
                         const char *ca_file, const char *min_protocol, char *msg, size_t msg_cap)
{
    PqTlsOptions o = {.cert_file = cert_file, .key_file = key_file, .ca_file = ca_file,
                      .min_protocol = min_protocol};
    PqTls *t = pq_tls_new(&o, msg, msg_cap);
    if (!t)
        return -1;
    pq_tls_free(srv->tls);
    srv->tls = t;
    return 0;
}
