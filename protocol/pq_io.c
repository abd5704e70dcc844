/* pq_io.c -- one connection's socket I/O. The socket is non-blocking; every wait is a
 * poll() with a timeout that also watches the server's shutdown pipe, so neither a client
 * that stops reading nor one that stops writing can hold its thread forever. */
#include "protocol/pq_conn_int.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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
    while (off < c->out.len) {
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

PqIoStatus pq_io_fill(PqConn *c, int timeout_ms, size_t want, bool watch_shutdown)
{
    if (c->out.len && !pq_io_flush(c))
        return PQ_IO_ERROR;
    if (c->broken)
        return PQ_IO_ERROR;
    for (;;) {
        struct pollfd pfd[2] = {
            {.fd = c->fd, .events = POLLIN},
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
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
            continue;
        return PQ_IO_ERROR;
    }
}
