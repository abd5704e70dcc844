/* pq_loop.c -- the connection event loop: a small pool of worker threads serves every client
 * connection, instead of one sleeping thread per connection.
 *
 * Why: a query round trip on a thread-per-connection server costs a context switch on each
 * side, and on a busy machine those switches are most of the kernel's time. Here a worker
 * that finishes one connection's message asks epoll for the next ready connection; while
 * work is queued it keeps running without sleeping.
 *
 * Ownership: every connection's socket is registered one-shot (EPOLLONESHOT), so exactly one
 * worker holds a connection between the event that woke it and the re-arm; pq_conn_run serves
 * it until nothing is buffered (PQ_RUN_WAIT: re-arm) or it must close (PQ_RUN_DONE). Startup,
 * reads within a message, COPY and shutdown block the worker as they blocked the old thread.
 *
 * Workers that sleep (row locks, group commit, fsync: util/blocking.h) would stall the
 * connections queued behind them, so a worker entering a sleep starts another worker when
 * none is waiting in epoll; a monitor thread also starts one when no worker has taken an
 * event for LOOP_STALL_MS while none is idle (a long query, a slow client write). Workers
 * beyond the configured count retire after LOOP_RETIRE_MS without events. The pool never
 * exceeds max_workers; with every worker stuck, new messages wait, as PostgreSQL's clients
 * wait for max_connections.
 *
 * Shutdown: the server's shutdown pipe is registered one-shot; the worker that sees it shuts
 * the read side of every connection (shutdown(SHUT_RD)), so idle ones wake, and pq_conn_run
 * no longer yields once srv->shutting_down is set: the blocking read reports the shutdown to
 * the client (FATAL 57P01), exactly as a thread-per-connection server does. */
#include "protocol/pq_conn_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/blocking.h"

#define LOOP_STALL_MS 20
#define LOOP_MONITOR_TICK_MS 10
#define LOOP_RETIRE_MS 10000

struct PqLoop {
    PqServer *srv;
    int ep;                       /* epoll instance: connections, shutdown pipe, stop eventfd */
    int stop_fd;                  /* eventfd made readable (forever) by pq_loop_free */
    size_t stack_size;
    int min_workers, max_workers;
    ShaleBlockHooks hooks;        /* installed in every worker */
    pthread_mutex_t mu;
    pthread_cond_t exit_cv;       /* signalled when a worker exits */
    PqConn *conns;                /* mu: every connection registered in ep */
    int n_workers;                /* mu: live worker threads */
    atomic_int idle;              /* workers waiting in epoll_wait */
    atomic_bool stopping;
    atomic_llong last_take_ms;    /* when a worker last took an event */
    pthread_t monitor;
    bool monitor_started;
};

/* epoll data tags for the two non-connection descriptors. */
static char loop_tag_shutdown, loop_tag_stop;

static void *loop_worker(void *arg);

/* Starts one more worker unless the pool is full or stopping. */
static void loop_spawn(PqLoop *l)
{
    pthread_mutex_lock(&l->mu);
    if (l->n_workers >= l->max_workers || atomic_load(&l->stopping)) {
        pthread_mutex_unlock(&l->mu);
        return;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (l->stack_size)
        pthread_attr_setstacksize(&attr, l->stack_size);
    pthread_t t;
    if (pthread_create(&t, &attr, loop_worker, l) == 0)
        l->n_workers++;
    else
        pq_log_write(PQ_LOG_LOG, 0, "could not start a connection worker thread");
    pthread_attr_destroy(&attr);
    pthread_mutex_unlock(&l->mu);
}

static void loop_block_enter(void *arg)
{
    PqLoop *l = arg;
    if (atomic_load(&l->idle) == 0)
        loop_spawn(l); /* someone must keep taking events while this worker sleeps */
}

static void loop_block_leave(void *arg)
{
    (void)arg;
}

static void loop_unlink(PqLoop *l, PqConn *c)
{
    pthread_mutex_lock(&l->mu);
    if (c->loop_prev)
        c->loop_prev->loop_next = c->loop_next;
    else
        l->conns = c->loop_next;
    if (c->loop_next)
        c->loop_next->loop_prev = c->loop_prev;
    c->loop_next = c->loop_prev = NULL;
    pthread_mutex_unlock(&l->mu);
}

/* Wakes every connection for the shutdown (see the file comment). The list lock keeps each
 * fd open while we touch it: a connection unlinks before it closes. */
static void loop_sweep(PqLoop *l)
{
    pthread_mutex_lock(&l->mu);
    for (PqConn *c = l->conns; c; c = c->loop_next)
        shutdown(c->fd, SHUT_RD);
    pthread_mutex_unlock(&l->mu);
}

static void loop_serve(PqLoop *l, PqConn *c)
{
    if (pq_conn_run(c) == PQ_RUN_WAIT) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data.ptr = c};
        if (epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
            return; /* from here another worker may own c */
        pq_log_write(PQ_LOG_LOG, c->id, "could not wait for the client: %s", strerror(errno));
    }
    loop_unlink(l, c);
    epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
    pq_conn_finish(c);
}

static int64_t loop_now_ms(void)
{
    return pq_now_ms();
}

static void *loop_worker(void *arg)
{
    PqLoop *l = arg;
    shale_block_hooks_set(&l->hooks);
    for (;;) {
        struct epoll_event ev;
        atomic_fetch_add(&l->idle, 1);
        int n = epoll_wait(l->ep, &ev, 1, LOOP_RETIRE_MS);
        atomic_fetch_sub(&l->idle, 1);
        if (n < 0)
            continue; /* EINTR: signals are blocked, but be safe */
        if (n == 0) {
            pthread_mutex_lock(&l->mu);
            bool retire = l->n_workers > l->min_workers;
            if (retire)
                l->n_workers--; /* counted out under the same lock that saw the surplus */
            pthread_mutex_unlock(&l->mu);
            if (retire) {
                shale_block_hooks_set(NULL);
                pthread_mutex_lock(&l->mu);
                pthread_cond_broadcast(&l->exit_cv);
                pthread_mutex_unlock(&l->mu);
                return NULL;
            }
            continue;
        }
        atomic_store(&l->last_take_ms, loop_now_ms());
        if (ev.data.ptr == &loop_tag_stop)
            break;
        if (ev.data.ptr == &loop_tag_shutdown) {
            loop_sweep(l);
            continue;
        }
        loop_serve(l, ev.data.ptr);
    }
    shale_block_hooks_set(NULL);
    pthread_mutex_lock(&l->mu);
    l->n_workers--;
    pthread_cond_broadcast(&l->exit_cv);
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* Starts a worker when every worker has been away from epoll for LOOP_STALL_MS. */
static void *loop_monitor(void *arg)
{
    PqLoop *l = arg;
    while (!atomic_load(&l->stopping)) {
        struct timespec ts = {0, LOOP_MONITOR_TICK_MS * 1000000L};
        nanosleep(&ts, NULL);
        if (atomic_load(&l->idle) == 0 && loop_now_ms() - atomic_load(&l->last_take_ms) >= LOOP_STALL_MS) {
            loop_spawn(l);
            atomic_store(&l->last_take_ms, loop_now_ms()); /* one more per stall period */
        }
    }
    return NULL;
}

PqLoop *pq_loop_new(PqServer *srv, int workers, int max_workers, size_t stack_size)
{
    PqLoop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->srv = srv;
    l->stack_size = stack_size;
    l->min_workers = workers > 0 ? workers : 1;
    l->max_workers = max_workers > l->min_workers ? max_workers : l->min_workers;
    l->hooks = (ShaleBlockHooks){.enter = loop_block_enter, .leave = loop_block_leave, .arg = l};
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->exit_cv, NULL);
    atomic_init(&l->idle, 0);
    atomic_init(&l->stopping, false);
    atomic_init(&l->last_take_ms, loop_now_ms());
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    l->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event sev = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = &loop_tag_shutdown};
    struct epoll_event tev = {.events = EPOLLIN, .data.ptr = &loop_tag_stop};
    if (l->ep < 0 || l->stop_fd < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, srv->shutdown_rd, &sev) != 0 ||
        epoll_ctl(l->ep, EPOLL_CTL_ADD, l->stop_fd, &tev) != 0) {
        pq_loop_free(l);
        return NULL;
    }
    for (int i = 0; i < l->min_workers; i++)
        loop_spawn(l);
    l->monitor_started = pthread_create(&l->monitor, NULL, loop_monitor, l) == 0;
    pthread_mutex_lock(&l->mu);
    bool ok = l->n_workers > 0 && l->monitor_started;
    pthread_mutex_unlock(&l->mu);
    if (!ok) {
        pq_loop_free(l);
        return NULL;
    }
    return l;
}

void pq_loop_add(PqLoop *l, int fd, uint32_t conn_id, const struct sockaddr_storage *peer,
                 socklen_t peer_len)
{
    PqConn *c = pq_conn_new(l->srv, fd, conn_id, peer, peer_len);
    if (!c)
        return;
    c->may_yield = true;
    pthread_mutex_lock(&l->mu);
    c->loop_next = l->conns;
    if (l->conns)
        l->conns->loop_prev = c;
    l->conns = c;
    pthread_mutex_unlock(&l->mu);
    /* EPOLLOUT fires at once (the socket is writable), so a worker starts the startup phase
     * now and its authentication timeout runs even for a client that never sends a byte. */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLONESHOT, .data.ptr = c};
    if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        pq_log_write(PQ_LOG_LOG, conn_id, "could not register the connection: %s", strerror(errno));
        loop_unlink(l, c);
        pq_conn_finish(c);
    }
}

void pq_loop_free(PqLoop *l)
{
    if (!l)
        return;
    atomic_store(&l->stopping, true);
    if (l->stop_fd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(l->stop_fd, &one, sizeof one);
        (void)w;
    }
    pthread_mutex_lock(&l->mu);
    while (l->n_workers > 0)
        pthread_cond_wait(&l->exit_cv, &l->mu);
    pthread_mutex_unlock(&l->mu);
    if (l->monitor_started)
        pthread_join(l->monitor, NULL);
    if (l->ep >= 0)
        close(l->ep);
    if (l->stop_fd >= 0)
        close(l->stop_fd);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->exit_cv);
    free(l);
}
