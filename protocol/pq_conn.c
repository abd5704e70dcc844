/* pq_conn.c -- one client connection: reading whole messages (framing in pq_frame.c,
 * parsing with PqReader) and the state machine that gives them meaning.
 *
 *   STARTUP --authenticated [pq_startup_run]--> READY
 *   READY --Query [pq_conn_query]--> READY (ReadyForQuery sent)
 *   READY --Query/Execute runs COPY FROM STDIN [pq_conn_copy_begin]--> COPY_IN
 *   COPY_IN --CopyData fails [pq_conn_copy_data]--> COPY_DRAIN
 *   COPY_IN --CopyDone/CopyFail [pq_conn_copy_end]--> READY (or COPY_IN: another COPY)
 *   COPY_DRAIN --CopyDone/CopyFail [pq_conn_copy_end]--> READY (error reported)
 *   READY --extended message fails [pq_conn_ext_error]--> SKIP_TO_SYNC
 *   SKIP_TO_SYNC --Sync [pq_conn_sync]--> READY
 *   any --Terminate, EOF, FATAL, shutdown--> CLOSED
 * In COPY_IN/COPY_DRAIN, Flush and Sync are ignored (as PostgreSQL does). A COPY started by
 * Execute returns to READY without ReadyForQuery (the client's Sync sends it) and to
 * SKIP_TO_SYNC when it failed.
 *
 * Output is appended to c->out and written only before blocking on a read, on Flush, or when
 * it grows large, so a pipeline of many messages costs few writes. Bind payload:
 *   portal:string stmt:string nfmt:int16 nfmt x int16 nparams:int16
 *   nparams x (len:int32 (-1 = NULL) bytes) nres:int16 nres x int16 */
#include "protocol/pq_conn_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t pq_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool pq_conn_read(PqConn *c, bool startup, int64_t deadline_ms, PqFrame *fr)
{
    for (;;) {
        size_t max = startup ? c->set.max_startup_packet : c->set.max_message_size;
        PqFrameStatus st = pq_frame_next(&c->in, startup, max, fr);
        if (st == PQ_FRAME_MESSAGE)
            return true;
        if (st == PQ_FRAME_BAD_LENGTH || st == PQ_FRAME_TOO_LARGE) {
            if (startup)
                pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                                   "invalid length of startup packet");
            else if (st == PQ_FRAME_TOO_LARGE)
                pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                                   "invalid message length: %u bytes is over max_message_size (%zu)",
                                   fr->declared_len, c->set.max_message_size);
            else
                pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                                   "invalid message length");
            return false;
        }
        size_t pending = pq_frame_pending(&c->in);
        int timeout = -1;
        if (deadline_ms >= 0) {
            int64_t left = deadline_ms - pq_now_ms();
            timeout = left > 0 ? (int)left : 0;
        }
        if (pending > 0 && c->set.partial_message_timeout_ms > 0 &&
            (timeout < 0 || timeout > c->set.partial_message_timeout_ms))
            timeout = c->set.partial_message_timeout_ms;
        size_t want = pq_frame_wanted(&c->in, startup);
        want = want > pending ? want - pending : 0;
        if (want > pending + 65536)
            want = pending + 65536; /* grow geometrically, not by a length nobody sent yet */
        PqIoStatus io = pq_io_fill(c, timeout, want, true);
        switch (io) {
        case PQ_IO_OK:
            continue;
        case PQ_IO_EOF:
            if (c->sess && sql_session_terminated(c->sess)) {
                pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_ADMIN_SHUTDOWN,
                                   "terminating connection due to administrator command");
                return false;
            }
            if (pending > 0 || c->state == PQ_STATE_COPY_IN || c->state == PQ_STATE_COPY_DRAIN)
                pq_log_write(PQ_LOG_LOG, c->id, "unexpected EOF on client connection%s",
                             pending ? " within a message" : " with an open COPY");
            else if (c->sess)
                pq_log_write(PQ_LOG_LOG, c->id, "unexpected EOF on client connection");
            return false;
        case PQ_IO_TIMEOUT:
            if (deadline_ms >= 0 && pq_now_ms() >= deadline_ms)
                pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                                   "canceling authentication due to timeout");
            else
                pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                                   "incomplete message from client: no data for %d ms",
                                   c->set.partial_message_timeout_ms);
            return false;
        case PQ_IO_SHUTDOWN:
            if (startup || !c->sess)
                pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_CANNOT_CONNECT_NOW,
                                   "the database system is shutting down");
            else
                pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_ADMIN_SHUTDOWN,
                                   "terminating connection due to administrator command");
            return false;
        case PQ_IO_ERROR:
            if (!c->broken)
                pq_log_write(PQ_LOG_LOG, c->id, "could not receive data from client");
            return false;
        }
    }
}

/* An error detected here in a message (not by SQL): ERROR 08P01, and for extended-query
 * messages the cycle fails. */
static void pq_conn_bad_message(PqConn *c, bool extended, const char *msg)
{
    pq_send_error_code(c, SQL_SEV_ERROR, ERRCODE_PROTOCOL_VIOLATION, "%s", msg);
    if (extended) {
        sql_mark_failed(c->sess);
        c->state = PQ_STATE_SKIP_TO_SYNC;
    } else {
        pq_send_ready(c);
    }
}

static void pq_conn_ext_error(PqConn *c, const SqlError *err)
{
    pq_send_error(c, err, false);
    c->state = PQ_STATE_SKIP_TO_SYNC;
}

/* Result of a statement that may enter COPY FROM STDIN; extended says who started it. */
static void pq_conn_after_exec(PqConn *c, SqlStatus st, const SqlError *err, bool extended)
{
    switch (st) {
    case SQL_COPY_IN:
        c->state = PQ_STATE_COPY_IN;
        c->copy_extended = extended;
        return;
    case SQL_ERROR:
        if (extended) {
            pq_conn_ext_error(c, err);
            return;
        }
        pq_send_error(c, err, false);
        break;
    case SQL_SUSPENDED:
        pq_send_simple(c, PQ_BE_PORTAL_SUSPENDED);
        break;
    case SQL_DONE:
        break;
    }
    c->state = PQ_STATE_READY;
    if (!extended)
        pq_send_ready(c);
}

static void pq_conn_query(PqConn *c, PqReader *r)
{
    const char *q = pq_reader_get_string(r);
    if (!pq_reader_end(r)) {
        pq_conn_bad_message(c, false, "invalid message format");
        return;
    }
    SqlError err;
    sql_error_clear(&err);
    SqlStatus st = sql_exec_simple(c->sess, q, strlen(q), &c->sink, &err);
    pq_conn_after_exec(c, st, &err, false);
}

static void pq_conn_copy_message(PqConn *c, uint8_t type, PqReader *r)
{
    SqlError err;
    sql_error_clear(&err);
    if (type == PQ_FE_COPY_DATA) {
        if (c->state == PQ_STATE_COPY_DRAIN)
            return;
        size_t n = pq_reader_remaining(r);
        SqlStatus st = sql_copy_data(c->sess, pq_reader_get_bytes(r, n), n, &err);
        if (st == SQL_ERROR) {
            c->copy_err = err;
            c->state = PQ_STATE_COPY_DRAIN;
        }
        return;
    }
    if (type == PQ_FE_FLUSH || type == PQ_FE_SYNC)
        return; /* ignored during COPY, as PostgreSQL does */
    bool extended = c->copy_extended;
    if (c->state == PQ_STATE_COPY_DRAIN) {
        pq_conn_after_exec(c, SQL_ERROR, &c->copy_err, extended);
        return;
    }
    SqlStatus st;
    if (type == PQ_FE_COPY_DONE) {
        st = sql_copy_done(c->sess, &c->sink, &err);
    } else if (type == PQ_FE_COPY_FAIL) {
        const char *why = pq_reader_get_string(r);
        st = sql_copy_fail(c->sess, why, &err);
        if (st != SQL_ERROR) {
            /* The COPY must fail whatever the engine says. */
            sql_error_set(&err, ERRCODE_QUERY_CANCELED, "COPY from stdin failed: %s", why);
            st = SQL_ERROR;
        }
    } else {
        /* Anything else aborts the COPY. */
        SqlError ignored;
        sql_copy_fail(c->sess, "unexpected message", &ignored);
        sql_error_set(&err, ERRCODE_PROTOCOL_VIOLATION,
                      "unexpected message type 0x%02X during COPY from stdin", type);
        st = SQL_ERROR;
    }
    pq_conn_after_exec(c, st, &err, extended);
}

/* Reads an int16 count followed by that many int16s into a caller array (stack for small
 * counts, else malloc'd: *heap is set and the caller frees it). */
static int16_t *pq_conn_get_int16s(PqReader *r, int16_t *count, int16_t *stack, int n_stack, void **heap)
{
    *count = pq_reader_get_int16(r);
    if (*count < 0 || r->failed || (size_t)*count * 2 > pq_reader_remaining(r)) {
        r->failed = true;
        return stack;
    }
    int16_t *v = stack;
    if (*count > n_stack) {
        v = malloc((size_t)*count * sizeof *v);
        *heap = v;
        if (!v) {
            r->failed = true;
            return stack;
        }
    }
    for (int i = 0; i < *count; i++)
        v[i] = pq_reader_get_int16(r);
    return v;
}

static void pq_conn_parse(PqConn *c, PqReader *r)
{
    const char *name = pq_reader_get_string(r);
    const char *query = pq_reader_get_string(r);
    int16_t n = pq_reader_get_int16(r);
    Oid stack[32];
    Oid *types = stack;
    if (n < 0 || r->failed || (size_t)n * 4 > pq_reader_remaining(r)) {
        pq_conn_bad_message(c, true, "invalid message format");
        return;
    }
    if (n > 32 && !(types = malloc((size_t)n * sizeof *types))) {
        pq_conn_bad_message(c, true, "out of memory");
        return;
    }
    for (int i = 0; i < n; i++)
        types[i] = (Oid)pq_reader_get_int32(r);
    SqlError err;
    sql_error_clear(&err);
    if (!pq_reader_end(r))
        pq_conn_bad_message(c, true, "invalid message format");
    else if (sql_parse(c->sess, name, query, n, types, &err) != 0)
        pq_conn_ext_error(c, &err);
    else
        pq_send_simple(c, PQ_BE_PARSE_COMPLETE);
    if (types != stack)
        free(types);
}

static void pq_conn_bind(PqConn *c, PqReader *r)
{
    void *heap[4] = {NULL, NULL, NULL, NULL};
    int16_t fstack[16], rstack[16];
    const char *vstack[16];
    int32_t lstack[16];
    const char *portal = pq_reader_get_string(r);
    const char *stmt = pq_reader_get_string(r);
    int16_t n_fmt = 0, n_params = 0, n_res = 0;
    int16_t *fmts = pq_conn_get_int16s(r, &n_fmt, fstack, 16, &heap[0]);
    n_params = pq_reader_get_int16(r);
    const char **vals = vstack;
    int32_t *lens = lstack;
    if (n_params < 0 || r->failed || (size_t)n_params * 4 > pq_reader_remaining(r)) {
        r->failed = true;
    } else if (n_params > 16) {
        vals = heap[1] = malloc((size_t)n_params * sizeof *vals);
        lens = heap[2] = malloc((size_t)n_params * sizeof *lens);
        if (!vals || !lens) {
            r->failed = true;
            vals = vstack;
            lens = lstack;
        }
    }
    for (int i = 0; !r->failed && i < n_params; i++) {
        lens[i] = pq_reader_get_int32(r);
        if (lens[i] < -1)
            r->failed = true;
        vals[i] = lens[i] > 0 ? pq_reader_get_bytes(r, (size_t)lens[i]) : lens[i] == 0 ? "" : NULL;
    }
    int16_t *rfmts = r->failed ? rstack : pq_conn_get_int16s(r, &n_res, rstack, 16, &heap[3]);
    SqlError err;
    sql_error_clear(&err);
    if (!pq_reader_end(r)) {
        pq_conn_bad_message(c, true, "invalid message format");
    } else if (n_fmt > 1 && n_fmt != n_params) {
        char msg[128];
        snprintf(msg, sizeof msg, "bind message has %d parameter formats but %d parameters",
                 n_fmt, n_params);
        pq_conn_bad_message(c, true, msg);
    } else if (sql_bind(c->sess, portal, stmt, n_fmt, fmts, n_params, vals, lens, n_res, rfmts,
                        &err) != 0) {
        pq_conn_ext_error(c, &err);
    } else {
        pq_send_simple(c, PQ_BE_BIND_COMPLETE);
    }
    for (int i = 0; i < 4; i++)
        free(heap[i]);
}

static void pq_conn_describe_or_close(PqConn *c, uint8_t type, PqReader *r)
{
    uint8_t kind = pq_reader_get_byte(r);
    const char *name = pq_reader_get_string(r);
    if (!pq_reader_end(r)) {
        pq_conn_bad_message(c, true, "invalid message format");
        return;
    }
    if (kind != 'S' && kind != 'P') {
        char msg[64];
        snprintf(msg, sizeof msg, "invalid %s message subtype %d",
                 type == PQ_FE_DESCRIBE ? "DESCRIBE" : "CLOSE", kind);
        pq_conn_bad_message(c, true, msg);
        return;
    }
    if (type == PQ_FE_CLOSE) {
        if (kind == 'S')
            sql_close_statement(c->sess, name);
        else
            sql_close_portal(c->sess, name);
        pq_send_simple(c, PQ_BE_CLOSE_COMPLETE);
        return;
    }
    SqlError err;
    sql_error_clear(&err);
    int rc = kind == 'S' ? sql_describe_statement(c->sess, name, &c->sink, &err)
                         : sql_describe_portal(c->sess, name, &c->sink, &err);
    if (rc != 0)
        pq_conn_ext_error(c, &err);
}

static void pq_conn_execute(PqConn *c, PqReader *r)
{
    const char *portal = pq_reader_get_string(r);
    int32_t max_rows = pq_reader_get_int32(r);
    if (!pq_reader_end(r)) {
        pq_conn_bad_message(c, true, "invalid message format");
        return;
    }
    SqlError err;
    sql_error_clear(&err);
    SqlStatus st = sql_execute(c->sess, portal, max_rows > 0 ? max_rows : 0, &c->sink, &err);
    pq_conn_after_exec(c, st, &err, true);
}

static void pq_conn_sync(PqConn *c)
{
    SqlError err;
    sql_error_clear(&err);
    if (sql_sync(c->sess, &err) != 0)
        pq_send_error(c, &err, false);
    c->state = PQ_STATE_READY;
    pq_send_ready(c);
}

/* Handles one message after startup. False when the connection must close. */
static bool pq_conn_dispatch(PqConn *c, const PqFrame *fr)
{
    PqReader r;
    pq_reader_init(&r, fr->payload, fr->len);
    if (c->state == PQ_STATE_COPY_IN || c->state == PQ_STATE_COPY_DRAIN) {
        if (fr->type == PQ_FE_TERMINATE)
            return false;
        pq_conn_copy_message(c, fr->type, &r);
        return true;
    }
    if (c->state == PQ_STATE_SKIP_TO_SYNC) {
        if (fr->type == PQ_FE_SYNC)
            pq_conn_sync(c);
        else if (fr->type == PQ_FE_TERMINATE)
            return false;
        return true;
    }
    switch (fr->type) {
    case PQ_FE_QUERY:
        pq_conn_query(c, &r);
        return true;
    case PQ_FE_PARSE:
        pq_conn_parse(c, &r);
        return true;
    case PQ_FE_BIND:
        pq_conn_bind(c, &r);
        return true;
    case PQ_FE_DESCRIBE:
    case PQ_FE_CLOSE:
        pq_conn_describe_or_close(c, fr->type, &r);
        return true;
    case PQ_FE_EXECUTE:
        pq_conn_execute(c, &r);
        return true;
    case PQ_FE_SYNC:
        if (fr->len != 0) {
            pq_conn_bad_message(c, true, "invalid message format");
            return true;
        }
        pq_conn_sync(c);
        return true;
    case PQ_FE_FLUSH:
        pq_io_flush(c);
        return true;
    case PQ_FE_TERMINATE:
        return false;
    case PQ_FE_COPY_DATA:
    case PQ_FE_COPY_DONE:
    case PQ_FE_COPY_FAIL:
        return true; /* left over from a failed COPY: ignored, as PostgreSQL does */
    case PQ_FE_FUNCTION_CALL:
        pq_send_error_code(c, SQL_SEV_ERROR, ERRCODE_FEATURE_NOT_SUPPORTED,
                           "fastpath function calls are not supported");
        pq_send_ready(c);
        return true;
    default:
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                           "invalid frontend message type %d", fr->type);
        return false;
    }
}

static void pq_conn_describe_peer(PqConn *c, const struct sockaddr_storage *peer, socklen_t len)
{
    strcpy(c->peer_host, "?");
    c->peer_port[0] = '\0';
    if (!peer || len == 0)
        return;
    if (peer->ss_family == AF_UNIX) {
        /* A Unix-domain client: local, no address, logged as PostgreSQL does ("[local]"). */
        strcpy(c->peer_host, "[local]");
        c->loopback = true;
        c->unix_socket = true;
        return;
    }
    getnameinfo((const struct sockaddr *)peer, len, c->peer_host, sizeof c->peer_host,
                c->peer_port, sizeof c->peer_port, NI_NUMERICHOST | NI_NUMERICSERV);
    if (peer->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)peer;
        c->loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (peer->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)peer;
        c->loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
                      (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
    }
}

PqConn *pq_conn_new(PqServer *srv, int fd, uint32_t conn_id, const struct sockaddr_storage *peer,
                    socklen_t peer_len)
{
    PqConn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        pq_server_conn_exit(srv);
        return NULL;
    }
    c->srv = srv;
    c->fd = fd;
    c->id = conn_id;
    c->state = PQ_STATE_STARTUP;
    pq_frame_init(&c->in);
    shale_buf_init(&c->out);
    pq_sink_init(c);
    c->set_gen = atomic_load(&srv->settings_gen);
    pq_server_snapshot_settings(srv, &c->set);
    pq_conn_describe_peer(c, peer, peer_len);
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int one = 1;
    if (!c->unix_socket)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->started_ms = pq_now_ms();
    pq_log_write(PQ_LOG_LOG, c->id, "connection received: host=%s%s%s", c->peer_host,
                 c->peer_port[0] ? " port=" : "", c->peer_port);
    return c;
}

/* True when c may hand its thread back to the event loop: nothing received is waiting to be
 * read (neither in our buffer nor decrypted inside mbedTLS), and the server is not shutting
 * down (then the blocking read reports the shutdown to the client instead). */
static bool pq_conn_can_yield(PqConn *c)
{
    return c->may_yield && pq_frame_pending(&c->in) == 0 && !(c->tls && pq_tls_pending(c->tls)) &&
           !atomic_load(&c->srv->shutting_down);
}

PqRunStatus pq_conn_run(PqConn *c)
{
    bool eof_or_error = false; /* the woken read found no data: pq_conn_read must report why */
    if (c->state == PQ_STATE_STARTUP) {
        if (!pq_startup_run(c))
            return PQ_RUN_DONE;
        c->state = PQ_STATE_READY;
        pq_send_ready(c);
    } else if (c->may_yield && pq_frame_pending(&c->in) == 0) {
        /* Woken by the loop because the socket is readable: read without a poll() first. Only
         * TLS bookkeeping may have arrived (nothing to read yet: yield again); EOF or an
         * error is left for pq_conn_read to report. */
        PqIoStatus io = pq_io_try_read(c);
        eof_or_error = io == PQ_IO_EOF || io == PQ_IO_ERROR;
    }
    PqFrame fr;
    while (!c->broken) {
        if (!eof_or_error && pq_conn_can_yield(c)) {
            if (c->out.len && !pq_io_flush(c))
                break;
            return PQ_RUN_WAIT;
        }
        if (!pq_conn_read(c, false, -1, &fr) || !pq_conn_dispatch(c, &fr))
            break;
        pq_server_refresh_settings(c->srv, &c->set, &c->set_gen);
    }
    return PQ_RUN_DONE;
}

void pq_conn_finish(PqConn *c)
{
    PqServer *srv = c->srv;
    if (c->state == PQ_STATE_COPY_IN) {
        SqlError ignored;
        sql_copy_fail(c->sess, "connection closed", &ignored);
    }
    if (c->state != PQ_STATE_STARTUP)
        pq_io_flush(c);
    if (c->sess) {
        pq_server_unregister(srv, c);
        sql_session_close(c->sess);
        int64_t ms = pq_now_ms() - c->started_ms;
        pq_log_write(PQ_LOG_LOG, c->id,
                     "disconnection: session time: %d:%02d:%02d.%03d user=%s database=%s host=%s%s%s",
                     (int)(ms / 3600000), (int)(ms / 60000 % 60), (int)(ms / 1000 % 60),
                     (int)(ms % 1000), c->user, c->database, c->peer_host,
                     c->peer_port[0] ? " port=" : "", c->peer_port);
    }
    pq_frame_free(&c->in);
    shale_buf_free(&c->out);
    pq_tls_conn_free(c->tls);
    close(c->fd);
    free(c);
    pq_server_conn_exit(srv);
}

void pq_conn_serve(PqServer *srv, int fd, uint32_t conn_id, const struct sockaddr_storage *peer,
                   socklen_t peer_len)
{
    PqConn *c = pq_conn_new(srv, fd, conn_id, peer, peer_len);
    if (!c)
        return;
    /* This thread belongs to the connection: it never yields, every wait is in pq_io_fill. */
    (void)pq_conn_run(c);
    pq_conn_finish(c);
}
