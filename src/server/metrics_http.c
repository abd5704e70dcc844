/* metrics_http.c -- the /metrics HTTP endpoint (metrics_http.h): request parsing, the
 * Prometheus text format and the poll() loop of its one thread.
 *
 * Exposition format (Prometheus text 0.0.4), per metric name:
 *   # HELP shaledb_<name> <help>
 *   # TYPE shaledb_<name> counter|gauge
 *   shaledb_<name>[{<label>="<value>"}] <value>
 * Integers are printed exactly; ratios and seconds with %.17g. */
#include "server/metrics_http.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "protocol/pq_log.h"

#define METRICS_MAX_LISTEN 8

/* ---- parsing --------------------------------------------------------------------------- */

static int is_tchar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c);
}

/* The end of the header block (index just past it) or 0 if not there yet. */
static size_t header_end(const char *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (b[i] == '\n' && b[i + 1] == '\n')
            return i + 2;
        if (i + 3 < n && b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n')
            return i + 4;
    }
    return 0;
}

int metrics_http_parse(const char *buf, size_t n, int *head)
{
    *head = 0;
    size_t lim = n < METRICS_HTTP_MAX_REQUEST ? n : METRICS_HTTP_MAX_REQUEST;
    size_t end = header_end(buf, lim);
    /* Junk is refused as soon as it is seen, not after the size or time limit: control
     * bytes anywhere, or a request line that is complete and wrong. */
    size_t scan = end ? end : lim;
    for (size_t i = 0; i < scan; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
            return 400;
    }
    if (!end) {
        const char *nl = memchr(buf, '\n', lim);
        if (nl) {
            /* validate the complete request line alone, as if the headers ended there */
            char line[METRICS_HTTP_MAX_REQUEST + 2];
            size_t ll = (size_t)(nl - buf) + 1;
            if (ll >= METRICS_HTTP_MAX_REQUEST)
                return 400;
            memcpy(line, buf, ll);
            line[ll] = '\n';
            int h;
            if (metrics_http_parse(line, ll + 1, &h) == 400)
                return 400;
        }
        return n >= METRICS_HTTP_MAX_REQUEST ? 400 : 0;
    }
    /* request line: method SP target SP version */
    size_t i = 0, m0 = 0;
    while (i < end && is_tchar(buf[i]))
        i++;
    size_t mlen = i - m0;
    if (mlen == 0 || mlen > 16 || i >= end || buf[i] != ' ')
        return 400;
    size_t t0 = ++i;
    while (i < end && buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
        i++;
    size_t tlen = i - t0;
    if (tlen == 0 || buf[t0] != '/' || i >= end || buf[i] != ' ')
        return 400;
    size_t v0 = ++i;
    while (i < end && buf[i] != '\r' && buf[i] != '\n')
        i++;
    size_t vlen = i - v0;
    if (vlen != 8 || (memcmp(buf + v0, "HTTP/1.1", 8) != 0 && memcmp(buf + v0, "HTTP/1.0", 8) != 0))
        return 400;
    /* header lines: name ':' value */
    while (i < end) {
        if (buf[i] == '\r')
            i++;
        if (i < end && buf[i] == '\n')
            i++;
        if (i >= end || buf[i] == '\r' || buf[i] == '\n')
            break;
        size_t h0 = i;
        while (i < end && is_tchar(buf[i]))
            i++;
        if (i == h0 || i >= end || buf[i] != ':')
            return 400;
        while (i < end && buf[i] != '\r' && buf[i] != '\n')
            i++;
    }
    size_t plen = 0;
    while (plen < tlen && buf[t0 + plen] != '?')
        plen++;
    bool is_get = mlen == 3 && !memcmp(buf, "GET", 3);
    bool is_head = mlen == 4 && !memcmp(buf, "HEAD", 4);
    if (!(plen == 8 && !memcmp(buf + t0, "/metrics", 8)))
        return 404;
    if (!is_get && !is_head)
        return 405;
    *head = is_head;
    return 200;
}

/* ---- formatting ------------------------------------------------------------------------- */

static void append_str(ShaleBuf *out, const char *s)
{
    shale_buf_append(out, s, strlen(s));
}

/* Label values escape backslash, double quote and newline (the format's rule). */
static void append_label_value(ShaleBuf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            shale_buf_append_byte(out, '\\');
        if (*s == '\n') {
            append_str(out, "\\n");
            continue;
        }
        shale_buf_append_byte(out, (uint8_t)*s);
    }
}

void metrics_format_sample(const ObsMetric *m, const char *prev_name, ShaleBuf *out)
{
    char num[64];
    if (!prev_name || strcmp(prev_name, m->name) != 0) {
        append_str(out, "# HELP shaledb_");
        append_str(out, m->name);
        shale_buf_append_byte(out, ' ');
        append_str(out, m->help ? m->help : "");
        append_str(out, "\n# TYPE shaledb_");
        append_str(out, m->name);
        append_str(out, m->type == OBS_COUNTER ? " counter\n" : " gauge\n");
    }
    append_str(out, "shaledb_");
    append_str(out, m->name);
    if (m->label_name) {
        shale_buf_append_byte(out, '{');
        append_str(out, m->label_name);
        append_str(out, "=\"");
        append_label_value(out, m->label_value ? m->label_value : "");
        append_str(out, "\"}");
    }
    if (m->is_float)
        snprintf(num, sizeof num, " %.17g\n", isfinite(m->d) ? m->d : 0.0);
    else
        snprintf(num, sizeof num, " %llu\n", (unsigned long long)m->u);
    append_str(out, num);
}

void metrics_http_response(int status, int head, const ShaleBuf *body, ShaleBuf *out)
{
    const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found"
                       : status == 405 ? "Method Not Allowed" : status == 503 ? "Service Unavailable"
                                                              : "Bad Request";
    char text[64];
    const char *data;
    size_t len;
    if (status == 200) {
        data = body && body->data ? body->data : "";
        len = body ? body->len : 0;
    } else {
        snprintf(text, sizeof text, "%d %s\n", status, reason);
        data = text;
        len = strlen(text);
    }
    char hdr[320];
    snprintf(hdr, sizeof hdr,
             "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n", status,
             reason, status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8", len,
             status == 405 ? "Allow: GET, HEAD\r\n" : "");
    append_str(out, hdr);
    if (!head)
        shale_buf_append(out, data, len);
}

/* ---- the server thread ------------------------------------------------------------------ */

typedef struct MetricsClient {
    int fd;                        /* -1 = free slot */
    int64_t deadline_ms;           /* CLOCK_MONOTONIC */
    char req[METRICS_HTTP_MAX_REQUEST];
    size_t req_len;
    ShaleBuf resp;                 /* owned; sent from resp_off once the request is parsed */
    size_t resp_off;
    bool responding;
    bool sent;                     /* response sent and write side shut: draining to EOF */
} MetricsClient;

struct MetricsServer {
    SqlEngine *eng;
    int listen_fds[METRICS_MAX_LISTEN];
    int n_listen;
    int stop_pipe[2];
    pthread_t thread;
    bool started;
    MetricsClient clients[METRICS_HTTP_MAX_CLIENTS];
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct FormatCtx {
    ShaleBuf *out;
    char prev[96];
} FormatCtx;

static int format_one(void *arg, const ObsMetric *m)
{
    FormatCtx *f = arg;
    metrics_format_sample(m, f->prev[0] ? f->prev : NULL, f->out);
    snprintf(f->prev, sizeof f->prev, "%s", m->name);
    return f->out->oom ? -1 : 0;
}

static void client_close(MetricsClient *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    shale_buf_free(&c->resp);
    c->req_len = 0;
    c->resp_off = 0;
    c->responding = false;
    c->sent = false;
}

static void client_respond(MetricsServer *ms, MetricsClient *c, int status, int head)
{
    ShaleBuf body;
    shale_buf_init(&body);
    if (status == 200) {
        FormatCtx f = {&body, ""};
        if (obs_collect(ms->eng, format_one, &f) != 0 || body.oom)
            status = 503;
    }
    shale_buf_reset(&c->resp);
    metrics_http_response(status, head, &body, &c->resp);
    shale_buf_free(&body);
    if (c->resp.oom) {
        client_close(c);
        return;
    }
    c->responding = true;
    c->resp_off = 0;
}

/* Reads what is there; answers once the request is complete. */
static void client_read(MetricsServer *ms, MetricsClient *c)
{
    if (c->responding) { /* the request is answered; drain (and ignore) any body */
        char sink[512];
        ssize_t r = recv(c->fd, sink, sizeof sink, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            client_close(c);
        return;
    }
    ssize_t r = recv(c->fd, c->req + c->req_len, sizeof c->req - c->req_len, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (r <= 0) {
        client_close(c);
        return;
    }
    c->req_len += (size_t)r;
    int head;
    int status = metrics_http_parse(c->req, c->req_len, &head);
    if (status)
        client_respond(ms, c, status, head);
}

static void client_write(MetricsClient *c)
{
    while (c->resp_off < c->resp.len) {
        ssize_t w = send(c->fd, c->resp.data + c->resp_off, c->resp.len - c->resp_off, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (w <= 0) {
            client_close(c);
            return;
        }
        c->resp_off += (size_t)w;
    }
    /* All sent: half-close so the client sees the end, then wait (briefly) for its EOF:
     * closing with unread request bytes would reset the connection and could destroy the
     * response before the client read it (an oversized request's 400). */
    if (!c->sent) {
        shutdown(c->fd, SHUT_WR);
        c->sent = true;
        int64_t linger = mono_ms() + 1000;
        if (linger < c->deadline_ms)
            c->deadline_ms = linger;
    }
}

static void server_accept_one(MetricsServer *ms, int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < METRICS_HTTP_MAX_CLIENTS; i++) {
        MetricsClient *c = &ms->clients[i];
        if (c->fd < 0) {
            c->fd = fd;
            c->deadline_ms = mono_ms() + METRICS_HTTP_TIMEOUT_MS;
            c->req_len = 0;
            c->resp_off = 0;
            c->responding = false;
            c->sent = false;
            shale_buf_init(&c->resp);
            return;
        }
    }
    close(fd); /* not reached: the listeners are not polled while every slot is taken */
}

static void *metrics_thread(void *arg)
{
    MetricsServer *ms = arg;
    struct pollfd pfd[METRICS_MAX_LISTEN + 1 + METRICS_HTTP_MAX_CLIENTS];
    int who[METRICS_HTTP_MAX_CLIENTS];
    for (;;) {
        int n = 0, nfree = 0;
        pfd[n++] = (struct pollfd){.fd = ms->stop_pipe[0], .events = POLLIN};
        int64_t now = mono_ms(), wait = -1;
        int nc = 0;
        for (int i = 0; i < METRICS_HTTP_MAX_CLIENTS; i++) {
            MetricsClient *c = &ms->clients[i];
            if (c->fd < 0) {
                nfree++;
                continue;
            }
            if (now >= c->deadline_ms) {
                client_close(c);
                nfree++;
                continue;
            }
            int64_t left = c->deadline_ms - now;
            if (wait < 0 || left < wait)
                wait = left;
            who[nc++] = i;
            pfd[n++] = (struct pollfd){.fd = c->fd, .events = (short)(c->responding && !c->sent ? POLLIN | POLLOUT : POLLIN)};
        }
        int first_listen = n;
        if (nfree > 0)
            for (int i = 0; i < ms->n_listen; i++)
                pfd[n++] = (struct pollfd){.fd = ms->listen_fds[i], .events = POLLIN};
        int r = poll(pfd, (nfds_t)n, (int)wait);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        if (pfd[0].revents)
            break;
        for (int k = 0; k < nc; k++) {
            MetricsClient *c = &ms->clients[who[k]];
            short ev = pfd[1 + k].revents;
            if (c->fd < 0 || !ev)
                continue;
            if (ev & (POLLIN | POLLHUP | POLLERR))
                client_read(ms, c);
            if (c->fd >= 0 && c->responding && !c->sent)
                client_write(c);
        }
        for (int i = first_listen; i < n; i++)
            if (pfd[i].revents & POLLIN)
                server_accept_one(ms, pfd[i].fd);
    }
    for (int i = 0; i < METRICS_HTTP_MAX_CLIENTS; i++)
        client_close(&ms->clients[i]);
    return NULL;
}

/* ---- start and stop ---------------------------------------------------------------------- */

static int listen_one(MetricsServer *ms, const char *host, int port)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int rc = getaddrinfo(!strcmp(host, "*") ? NULL : host, portstr, &hints, &res);
    if (rc != 0) {
        pq_log_write(PQ_LOG_ERROR, 0, "could not resolve metrics_listen_addresses entry \"%s\": %s", host,
                     gai_strerror(rc));
        return -1;
    }
    int made = 0;
    for (struct addrinfo *ai = res; ai && ms->n_listen < METRICS_MAX_LISTEN; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
            pq_log_write(PQ_LOG_ERROR, 0, "could not listen for metrics on \"%s\" port %d: %s", host, port,
                         strerror(errno));
            close(fd);
            continue;
        }
        ms->listen_fds[ms->n_listen++] = fd;
        made++;
    }
    freeaddrinfo(res);
    return made > 0 ? 0 : -1;
}

int metrics_server_start(SqlEngine *eng, const char *listen_addresses, int port, MetricsServer **out)
{
    *out = NULL;
    MetricsServer *ms = calloc(1, sizeof *ms);
    if (!ms) {
        pq_log_write(PQ_LOG_FATAL, 0, "out of memory starting the metrics endpoint");
        return -1;
    }
    ms->eng = eng;
    ms->stop_pipe[0] = ms->stop_pipe[1] = -1;
    for (int i = 0; i < METRICS_HTTP_MAX_CLIENTS; i++)
        ms->clients[i].fd = -1;
    char list[512];
    snprintf(list, sizeof list, "%s", listen_addresses);
    int failures = 0;
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *e = tok + strlen(tok);
        while (e > tok && e[-1] == ' ')
            *--e = '\0';
        if (*tok && listen_one(ms, tok, port) != 0)
            failures++;
    }
    if (failures || ms->n_listen == 0 || pipe2(ms->stop_pipe, O_CLOEXEC) != 0 ||
        pthread_create(&ms->thread, NULL, metrics_thread, ms) != 0) {
        pq_log_write(PQ_LOG_FATAL, 0, "could not start the metrics endpoint on \"%s\" port %d", listen_addresses,
                     port);
        metrics_server_stop(ms);
        return -1;
    }
    ms->started = true;
    pq_log_write(PQ_LOG_LOG, 0, "serving metrics on \"%s\" port %d (GET /metrics)", listen_addresses, port);
    *out = ms;
    return 0;
}

void metrics_server_stop(MetricsServer *ms)
{
    if (!ms)
        return;
    if (ms->started) {
        char b = 'x';
        ssize_t w = write(ms->stop_pipe[1], &b, 1);
        (void)w;
        pthread_join(ms->thread, NULL);
    }
    for (int i = 0; i < ms->n_listen; i++)
        close(ms->listen_fds[i]);
    for (int i = 0; i < 2; i++)
        if (ms->stop_pipe[i] >= 0)
            close(ms->stop_pipe[i]);
    free(ms);
}
