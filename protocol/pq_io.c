/* pq_io.c -- one connection's socket I/O. The socket is non-blocking; every wait is a
 * poll() with a timeout that also watches the server's shutdown pipe, so neither a client
 * that stops reading nor one that stops writing can hold its thread forever.
 *
 * With TLS (c->tls set by pq_io_tls_start) every byte goes through mbedTLS; a TLS read or
 * write may need the socket in the other direction (WANT_READ/WANT_WRITE), and decrypted or
 * buffered bytes waiting in mbedTLS (pq_tls_pending) are consumed before any poll(), since
 * the socket may never become readable again for them. */
#include "protocol/pq_conn_int.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "protocol/pq_tls.h"

bool pq_io_flush(PqConn *c)
{
    if (c->out.oom) {
        /* A message could not be built: the stream is no longer well-formed. */
        c->broken = true;
    }
    if (c->broken) {
        shale_buf_reset(&c->out);
        return false;
    }
    size_t off = 0;
    while (c->tls && off < c->out.len) {
        PqTlsStatus st;
        size_t n = pq_tls_write(c->tls, c->out.data + off, c->out.len - off, &st);
        if (n > 0) {
            off += n;
            continue;
        }
        if (st == PQ_TLS_WANT_READ || st == PQ_TLS_WANT_WRITE) {
            struct pollfd pfd = {.fd = c->fd, .events = st == PQ_TLS_WANT_READ ? POLLIN : POLLOUT};
            int r = poll(&pfd, 1, c->set.write_timeout_ms > 0 ? c->set.write_timeout_ms : -1);
            if (r > 0 || (r < 0 && errno == EINTR))
                continue;
        }
        c->broken = true;
        break;
    }
    while (!c->tls && off < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
            int r = poll(&pfd, 1, c->set.write_timeout_ms > 0 ? c->set.write_timeout_ms : -1);
            if (r > 0)
                continue;
            if (r < 0 && errno == EINTR)
                continue;
        }
        c->broken = true;
        break;
    }
    shale_buf_reset(&c->out);
    if (c->out.cap > (1u << 20)) {
        /* Give back the memory of one huge result. */
        shale_buf_free(&c->out);
        shale_buf_init(&c->out);
    }
    return !c->broken;
}

/* One TLS read into c->in. Returns true with *io set when done; false when mbedTLS needs
 * the socket first (*events says in which direction). */
static bool pq_io_read_tls(PqConn *c, size_t want, short *events, PqIoStatus *io)
{
    char *dst;
    size_t room = pq_frame_space(&c->in, want < 8192 ? 8192 : want, &dst);
    if (room == 0) {
        *io = PQ_IO_ERROR;
        return true;
    }
    PqTlsStatus st;
    size_t got = pq_tls_read(c->tls, dst, room, &st);
    if (got > 0) {
        pq_frame_commit(&c->in, got);
        *io = PQ_IO_OK;
        return true;
    }
    if (st == PQ_TLS_WANT_READ || st == PQ_TLS_WANT_WRITE) {
        *events = st == PQ_TLS_WANT_READ ? POLLIN : POLLOUT;
        return false;
    }
    *io = st == PQ_TLS_EOF ? PQ_IO_EOF : PQ_IO_ERROR;
    return true;
}

/* One plain recv into c->in (at least want bytes of room): PQ_IO_TIMEOUT = nothing there yet. */
static PqIoStatus pq_io_recv(PqConn *c, size_t want)
{
    char *dst;
    size_t room = pq_frame_space(&c->in, want < 8192 ? 8192 : want, &dst);
    if (room == 0)
        return PQ_IO_ERROR;
    ssize_t n = recv(c->fd, dst, room, 0);
    if (n > 0) {
        pq_frame_commit(&c->in, (size_t)n);
        return PQ_IO_OK;
    }
    if (n == 0)
        return PQ_IO_EOF;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? PQ_IO_TIMEOUT : PQ_IO_ERROR;
}

PqIoStatus pq_io_fill(PqConn *c, int timeout_ms, size_t want, bool watch_shutdown)
{
    if (c->out.len && !pq_io_flush(c))
        return PQ_IO_ERROR;
    if (c->broken)
        return PQ_IO_ERROR;
    short events = POLLIN;
    PqIoStatus io;
    if (c->tls && pq_tls_pending(c->tls) && pq_io_read_tls(c, want, &events, &io))
        return io;
    for (;;) {
        struct pollfd pfd[2] = {
            {.fd = c->fd, .events = events},
            {.fd = c->srv->shutdown_rd, .events = POLLIN},
        };
        int r = poll(pfd, watch_shutdown ? 2 : 1, timeout_ms);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return PQ_IO_ERROR;
        }
        if (r == 0)
            return PQ_IO_TIMEOUT;
        if (watch_shutdown && pfd[1].revents)
            return PQ_IO_SHUTDOWN;
        if (c->tls) {
            if (pq_io_read_tls(c, want, &events, &io))
                return io;
            continue;
        }
        io = pq_io_recv(c, want);
        if (io != PQ_IO_TIMEOUT)
            return io;
    }
}

PqIoStatus pq_io_try_read(PqConn *c)
{
    if (c->tls) {
        short events;
        PqIoStatus io;
        return pq_io_read_tls(c, 0, &events, &io) ? io : PQ_IO_TIMEOUT;
    }
    return pq_io_recv(c, 0);
}

bool pq_io_tls_start(PqConn *c, int64_t deadline_ms)
{
    c->tls = pq_tls_conn_new(c->srv->tls, c->fd);
    if (!c->tls) {
        pq_log_write(PQ_LOG_LOG, c->id, "could not accept SSL connection: out of memory");
        c->broken = true;
        return false;
    }
    char msg[256];
    for (;;) {
        PqTlsStatus st = pq_tls_handshake(c->tls, msg, sizeof msg);
        if (st == PQ_TLS_OK)
            break;
        if (st != PQ_TLS_WANT_READ && st != PQ_TLS_WANT_WRITE) {
            /* A plain-text or hostile client after 'S': nothing can be sent it understands. */
            pq_log_write(PQ_LOG_LOG, c->id, "%s", msg);
            c->broken = true;
            return false;
        }
        int timeout = -1;
        if (deadline_ms >= 0) {
            int64_t left = deadline_ms - pq_now_ms();
            timeout = left > 0 ? (int)left : 0;
        }
        struct pollfd pfd[2] = {
            {.fd = c->fd, .events = st == PQ_TLS_WANT_READ ? POLLIN : POLLOUT},
            {.fd = c->srv->shutdown_rd, .events = POLLIN},
        };
        int r = poll(pfd, 2, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || pfd[1].revents) {
            pq_log_write(PQ_LOG_LOG, c->id, "could not accept SSL connection: %s",
                         r == 0 ? "canceling authentication due to timeout"
                                : r < 0 ? "poll failed" : "the database system is shutting down");
            c->broken = true;
            return false;
        }
    }
    const char *version, *cipher;
    int bits;
    pq_tls_describe(c->tls, &version, &cipher, &bits);
    pq_log_write(PQ_LOG_DEBUG, c->id, "SSL connection (protocol=%s, cipher=%s, bits=%d)", version,
                 cipher, bits);
    return true;
}
