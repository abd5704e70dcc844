/* embed_http.c -- a minimal HTTP/1.1 client for the openai provider: one request per
 * connection (Connection: close), http or https (mbedTLS, certificate verification against
 * a CA bundle), non-blocking sockets driven by poll() so one deadline bounds connect, TLS
 * handshake, send and receive, and a cancel callback is polled every 100 ms.
 *
 * Responses: status line + headers (at most 64 KiB), then a body delimited by
 * Content-Length, chunked transfer-encoding, or the end of the connection; bodies above
 * EMBED_MAX_RESPONSE bytes are refused. Nothing a server sends can make us read or allocate
 * without bound. Failure classes: network errors, timeouts, cancellation and TLS errors other
 * than certificate verification are retryable; malformed or oversized responses and
 * certificate verification failures are permanent. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "facets/embed/embed_http.h"

#define HTTP_MAX_HEADER (64u << 10)
#define HTTP_POLL_SLICE_MS 100
#define HTTP_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

typedef struct HttpConn {
    int fd;
    bool tls;
    bool tls_ready;                 /* the mbedTLS contexts below are initialised */
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    const EmbedHttpRequest *req;
} HttpConn;

/* Waits until fd is ready for `events`, the deadline passes or cancel says stop.
 * 0 = ready, -1 = *fail set. */
static int http_wait(HttpConn *c, short events, EmbedFailure *fail)
{
    const EmbedHttpRequest *r = c->req;
    for (;;) {
        if (r->cancel && r->cancel(r->cancel_arg))
            return embed_fail(fail, EMBED_RETRYABLE, 0, "%s: request cancelled", r->url->hostport);
        int64_t left = r->deadline_ms - embed_now_ms();
        if (left <= 0)
            return embed_fail(fail, EMBED_RETRYABLE, 0, "%s: timed out after %d ms", r->url->hostport,
                              r->timeout_ms);
        struct pollfd pfd = { .fd = c->fd, .events = events };
        int n = poll(&pfd, 1, (int)(left < HTTP_POLL_SLICE_MS ? left : HTTP_POLL_SLICE_MS));
        if (n < 0 && errno != EINTR)
            return embed_fail(fail, EMBED_RETRYABLE, 0, "%s: poll: %s", r->url->hostport, strerror(errno));
        if (n > 0) return 0;   /* readable, writable, or an error the next call reports */
    }
}

/* ---- TLS glue: bio callbacks on our non-blocking socket (send never raises SIGPIPE) ---- */

static int http_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    HttpConn *c = ctx;
    ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0) return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int http_bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    HttpConn *c = ctx;
    ssize_t n = recv(c->fd, buf, len, 0);
    if (n >= 0) return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return MBEDTLS_ERR_SSL_WANT_READ;
    if (errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

static int http_tls_fail(HttpConn *c, int ret, const char *what, EmbedFailure *fail)
{
    char msg[128];
    mbedtls_strerror(ret, msg, sizeof msg);
    return embed_fail(fail, EMBED_RETRYABLE, 0, "%s: TLS %s failed: %s", c->req->url->hostport, what, msg);
}

int embed_http_load_ca(const char *ca_file, void **ca_out, char *why, size_t whylen)
{
    mbedtls_x509_crt *ca = malloc(sizeof *ca);
    if (!ca) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    mbedtls_x509_crt_init(ca);
    const char *path = ca_file ? ca_file : HTTP_SYSTEM_CA;
    int ret = mbedtls_x509_crt_parse_file(ca, path);
    /* > 0: some certificates of a system bundle did not parse; the rest are usable */
    if (ret < 0 || ca->version == 0) {
        char msg[128];
        mbedtls_strerror(ret, msg, sizeof msg);
        snprintf(why, whylen, "could not load CA bundle \"%s\": %s", path, msg);
        mbedtls_x509_crt_free(ca);
        free(ca);
        return -1;
    }
    *ca_out = ca;
    return 0;
}

void embed_http_free_ca(void *ca)
{
    if (!ca) return;
    mbedtls_x509_crt_free(ca);
    free(ca);
}

static int http_tls_start(HttpConn *c, EmbedFailure *fail)
{
    const EmbedHttpRequest *r = c->req;
    mbedtls_ssl_init(&c->ssl);
    mbedtls_ssl_config_init(&c->conf);
    mbedtls_entropy_init(&c->entropy);
    mbedtls_ctr_drbg_init(&c->drbg);
    c->tls_ready = true;
    static const unsigned char pers[] = "shaledb-embed";
    int ret = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy, pers, sizeof pers - 1);
    if (ret) return http_tls_fail(c, ret, "setup", fail);
    ret = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret) return http_tls_fail(c, ret, "setup", fail);
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
    mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    if (r->tls_verify) {
        mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&c->conf, r->tls_ca, NULL);
    } else {
        mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_NONE);
    }
    ret = mbedtls_ssl_setup(&c->ssl, &c->conf);
    if (ret) return http_tls_fail(c, ret, "setup", fail);
    ret = mbedtls_ssl_set_hostname(&c->ssl, r->url->host);
    if (ret) return http_tls_fail(c, ret, "setup", fail);
    mbedtls_ssl_set_bio(&c->ssl, c, http_bio_send, http_bio_recv, NULL);
    for (;;) {
        ret = mbedtls_ssl_handshake(&c->ssl);
        if (ret == 0) return 0;
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (http_wait(c, ret == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT, fail) != 0) return -1;
            continue;
        }
        if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
            char info[160];
            mbedtls_x509_crt_verify_info(info, sizeof info, "", mbedtls_ssl_get_verify_result(&c->ssl));
            info[strcspn(info, "\n")] = '\0';
            return embed_fail(fail, EMBED_PERMANENT, 0, "%s: server certificate verification failed: %s",
                              r->url->hostport, info);
        }
        return http_tls_fail(c, ret, "handshake", fail);
    }
}

/* ---- connection ------------------------------------------------------------------- */

static int http_connect(HttpConn *c, EmbedFailure *fail)
{
    const EmbedHttpRequest *r = c->req;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    /* Name resolution is the one step the deadline cannot interrupt (getaddrinfo blocks);
     * numeric hosts resolve instantly. */
    int gai = getaddrinfo(r->url->host, r->url->port, &hints, &res);
    if (gai != 0)
        return embed_fail(fail, EMBED_RETRYABLE, 0, "%s: could not resolve host: %s", r->url->hostport,
                          gai_strerror(gai));
    int last_err = ECONNREFUSED;
    int rc = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_err = errno;
            continue;
        }
        c->fd = fd;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            last_err = errno;
            close(fd);
            c->fd = -1;
            continue;
        }
        if (http_wait(c, POLLOUT, fail) != 0) {
            close(fd);
            c->fd = -1;
            freeaddrinfo(res);
            return -1;
        }
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr != 0) {
            last_err = soerr;
            close(fd);
            c->fd = -1;
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        rc = 0;
        break;
    }
    freeaddrinfo(res);
    if (rc != 0)
        return embed_fail(fail, EMBED_RETRYABLE, 0, "%s: could not connect: %s", r->url->hostport,
                          strerror(last_err));
    if (c->tls) return http_tls_start(c, fail);
    return 0;
}

static int http_write_all(HttpConn *c, const char *data, size_t n, EmbedFailure *fail)
{
    const char *host = c->req->url->hostport;
    while (n > 0) {
        if (c->tls) {
            int ret = mbedtls_ssl_write(&c->ssl, (const unsigned char *)data, n);
            if (ret > 0) {
                data += ret;
                n -= (size_t)ret;
                continue;
            }
            if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
                if (http_wait(c, ret == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT, fail) != 0) return -1;
                continue;
            }
            return http_tls_fail(c, ret, "write", fail);
        }
        ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL);
        if (w > 0) {
            data += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (http_wait(c, POLLOUT, fail) != 0) return -1;
            continue;
        }
        return embed_fail(fail, EMBED_RETRYABLE, 0, "%s: send failed: %s", host, strerror(errno));
    }
    return 0;
}

/* Reads what is available into in (up to `want` more bytes). 1 = got bytes, 0 = EOF,
 * -1 = *fail set. */
static int http_read_some(HttpConn *c, ShaleBuf *in, size_t want, EmbedFailure *fail)
{
    if (!shale_buf_reserve(in, want))
        return embed_fail(fail, EMBED_PERMANENT, 0, "%s: out of memory reading the response",
                          c->req->url->hostport);
    for (;;) {
        if (c->tls) {
            int ret = mbedtls_ssl_read(&c->ssl, (unsigned char *)in->data + in->len, want);
            if (ret > 0) {
                in->len += (size_t)ret;
                return 1;
            }
            if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF) return 0;
            if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
                if (http_wait(c, ret == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT, fail) != 0) return -1;
                continue;
            }
            return http_tls_fail(c, ret, "read", fail);
        }
        ssize_t n = recv(c->fd, in->data + in->len, want, 0);
        if (n > 0) {
            in->len += (size_t)n;
            return 1;
        }
        if (n == 0) return 0;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (http_wait(c, POLLIN, fail) != 0) return -1;
            continue;
        }
        return embed_fail(fail, EMBED_RETRYABLE, 0, "%s: receive failed: %s", c->req->url->hostport,
                          strerror(errno));
    }
}

static void http_close(HttpConn *c)
{
    if (c->tls_ready) {
        mbedtls_ssl_free(&c->ssl);
        mbedtls_ssl_config_free(&c->conf);
        mbedtls_ctr_drbg_free(&c->drbg);
        mbedtls_entropy_free(&c->entropy);
    }
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

/* ---- response parsing -------------------------------------------------------------- */

static int http_bad(HttpConn *c, EmbedFailure *fail, const char *why)
{
    return embed_fail(fail, EMBED_PERMANENT, 0, "%s: malformed HTTP response: %s", c->req->url->hostport, why);
}

/* Header name match (case-insensitive) at line start; returns the trimmed value or NULL. */
static const char *http_header_value(const char *line, const char *line_end, const char *name,
                                     size_t *vlen)
{
    size_t n = strlen(name);
    if ((size_t)(line_end - line) <= n || strncasecmp(line, name, n) != 0 || line[n] != ':') return NULL;
    const char *v = line + n + 1, *e = line_end;
    while (v < e && (*v == ' ' || *v == '\t')) v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t')) e--;
    *vlen = (size_t)(e - v);
    return v;
}

typedef enum { BODY_LENGTH, BODY_CHUNKED, BODY_UNTIL_CLOSE } HttpBodyKind;

/* Incremental chunked decoding over raw[*pos..raw->len); appends data to body. Returns 1
 * when the last chunk and trailers are complete, 0 when more input is needed, -1 bad. */
typedef struct HttpChunkState {
    int state;            /* 0 size line, 1 data, 2 CRLF after data, 3 trailers */
    uint64_t remaining;
} HttpChunkState;

static int http_chunked_step(HttpChunkState *st, const ShaleBuf *raw, size_t *pos, ShaleBuf *body,
                             const char **why)
{
    for (;;) {
        const char *p = raw->data + *pos, *end = raw->data + raw->len;
        if (st->state == 0 || st->state == 3) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) {
                if (end - p > 4096) { *why = "chunk header line too long"; return -1; }
                return 0;
            }
            const char *le = nl;
            if (le > p && le[-1] == '\r') le--;
            *pos = (size_t)(nl + 1 - raw->data);
            if (st->state == 3) {
                if (le == p) return 1;   /* empty line: end of trailers */
                continue;
            }
            uint64_t size = 0;
            const char *q = p;
            int digits = 0;
            for (; q < le; q++) {
                int d;
                if (*q >= '0' && *q <= '9') d = *q - '0';
                else if (*q >= 'a' && *q <= 'f') d = *q - 'a' + 10;
                else if (*q >= 'A' && *q <= 'F') d = *q - 'A' + 10;
                else break;
                if (++digits > 15) { *why = "chunk size too large"; return -1; }
                size = size * 16 + (uint64_t)d;
            }
            if (digits == 0 || (q < le && *q != ';' && *q != ' ' && *q != '\t')) {
                *why = "bad chunk size";
                return -1;
            }
            if (size == 0) {
                st->state = 3;
            } else {
                if (size > EMBED_MAX_RESPONSE || body->len + size > EMBED_MAX_RESPONSE) {
                    *why = "response body too large";
                    return -1;
                }
                st->state = 1;
                st->remaining = size;
            }
        } else if (st->state == 1) {
            size_t avail = (size_t)(end - p);
            if (avail == 0) return 0;
            size_t take = avail < st->remaining ? avail : (size_t)st->remaining;
            shale_buf_append(body, p, take);
            *pos += take;
            st->remaining -= take;
            if (st->remaining == 0) st->state = 2;
        } else {
            if (end - p < 1) return 0;
            if (*p == '\n') { *pos += 1; st->state = 0; continue; }
            if (end - p < 2) return 0;
            if (p[0] != '\r' || p[1] != '\n') { *why = "missing CRLF after chunk data"; return -1; }
            *pos += 2;
            st->state = 0;
        }
    }
}

static int http_read_response(HttpConn *c, int *status_out, ShaleBuf *body, EmbedFailure *fail)
{
    ShaleBuf raw;
    shale_buf_init(&raw);
    int rc = -1;
    size_t hdr_end;
    int status;
    HttpBodyKind kind = BODY_UNTIL_CLOSE;
    uint64_t content_length = 0;
    for (;;) {   /* skips interim 1xx responses */
        const char *sep;
        for (;;) {
            sep = raw.len ? memmem(raw.data, raw.len, "\r\n\r\n", 4) : NULL;
            if (sep) break;
            if (raw.len > HTTP_MAX_HEADER) { http_bad(c, fail, "headers too large"); goto out; }
            int r = http_read_some(c, &raw, 16384, fail);
            if (r < 0) goto out;
            if (r == 0) {
                embed_fail(fail, EMBED_RETRYABLE, 0, "%s: connection closed before a complete response",
                           c->req->url->hostport);
                goto out;
            }
        }
        hdr_end = (size_t)(sep - raw.data) + 4;
        const char *line = raw.data, *le = memchr(line, '\r', hdr_end);
        if (le - line < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' ||
            line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' ||
            line[11] > '9' || (le - line > 12 && line[12] != ' ')) {
            http_bad(c, fail, "bad status line");
            goto out;
        }
        status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        kind = BODY_UNTIL_CLOSE;
        content_length = 0;
        bool have_length = false;
        for (line = le + 2; line < raw.data + hdr_end - 2;) {
            le = memchr(line, '\r', (size_t)(raw.data + hdr_end - line));
            if (!le || le[1] != '\n') { http_bad(c, fail, "bad header line"); goto out; }
            size_t vlen;
            const char *v;
            if ((v = http_header_value(line, le, "Transfer-Encoding", &vlen))) {
                if (vlen >= 7 && strncasecmp(v + vlen - 7, "chunked", 7) == 0) kind = BODY_CHUNKED;
                else if (!(vlen == 8 && strncasecmp(v, "identity", 8) == 0)) {
                    http_bad(c, fail, "unsupported transfer-encoding");
                    goto out;
                }
            } else if ((v = http_header_value(line, le, "Content-Length", &vlen))) {
                uint64_t cl = 0;
                if (vlen == 0 || vlen > 15) { http_bad(c, fail, "bad content-length"); goto out; }
                for (size_t i = 0; i < vlen; i++) {
                    if (v[i] < '0' || v[i] > '9') { http_bad(c, fail, "bad content-length"); goto out; }
                    cl = cl * 10 + (uint64_t)(v[i] - '0');
                }
                if (have_length && cl != content_length) { http_bad(c, fail, "conflicting content-length"); goto out; }
                have_length = true;
                content_length = cl;
            }
            line = le + 2;
        }
        if (kind != BODY_CHUNKED && have_length) kind = BODY_LENGTH;
        if (status >= 200) break;
        /* interim response: drop it and read on */
        memmove(raw.data, raw.data + hdr_end, raw.len - hdr_end);
        raw.len -= hdr_end;
    }
    if (status == 204 || status == 304) {
        kind = BODY_LENGTH;
        content_length = 0;
    }
    if (kind == BODY_LENGTH) {
        if (content_length > EMBED_MAX_RESPONSE) {
            embed_fail(fail, EMBED_PERMANENT, status, "%s: HTTP %d response body too large (%llu bytes)",
                       c->req->url->hostport, status, (unsigned long long)content_length);
            goto out;
        }
        while (raw.len - hdr_end < content_length) {
            size_t need = (size_t)content_length - (raw.len - hdr_end);
            int r = http_read_some(c, &raw, need < 65536 ? need : 65536, fail);
            if (r < 0) goto out;
            if (r == 0) {
                embed_fail(fail, EMBED_RETRYABLE, 0, "%s: connection closed in the middle of the response",
                           c->req->url->hostport);
                goto out;
            }
        }
        shale_buf_append(body, raw.data + hdr_end, (size_t)content_length);
    } else if (kind == BODY_CHUNKED) {
        HttpChunkState st = { 0, 0 };
        size_t pos = hdr_end;
        for (;;) {
            const char *why = NULL;
            int s = http_chunked_step(&st, &raw, &pos, body, &why);
            if (s < 0) {
                if (strcmp(why, "response body too large") == 0)
                    embed_fail(fail, EMBED_PERMANENT, status, "%s: HTTP %d response body too large",
                               c->req->url->hostport, status);
                else
                    http_bad(c, fail, why);
                goto out;
            }
            if (s == 1) break;
            /* keep the raw buffer small: drop what the decoder has consumed */
            if (pos > 65536) {
                memmove(raw.data, raw.data + pos, raw.len - pos);
                raw.len -= pos;
                pos = 0;
            }
            int r = http_read_some(c, &raw, 65536, fail);
            if (r < 0) goto out;
            if (r == 0) {
                embed_fail(fail, EMBED_RETRYABLE, 0, "%s: connection closed in the middle of a chunked response",
                           c->req->url->hostport);
                goto out;
            }
        }
    } else {
        for (;;) {
            if (raw.len - hdr_end > EMBED_MAX_RESPONSE) {
                embed_fail(fail, EMBED_PERMANENT, status, "%s: HTTP %d response body too large",
                           c->req->url->hostport, status);
                goto out;
            }
            int r = http_read_some(c, &raw, 65536, fail);
            if (r < 0) goto out;
            if (r == 0) break;
        }
        shale_buf_append(body, raw.data + hdr_end, raw.len - hdr_end);
    }
    if (body->oom || raw.oom) {
        embed_fail(fail, EMBED_PERMANENT, status, "%s: out of memory reading the response", c->req->url->hostport);
        goto out;
    }
    *status_out = status;
    rc = 0;
out:
    shale_buf_free(&raw);
    return rc;
}

int embed_http_call(const EmbedHttpRequest *req, int *status, ShaleBuf *body, EmbedFailure *fail)
{
    HttpConn c;
    memset(&c, 0, sizeof c);
    c.fd = -1;
    c.tls = req->url->tls;
    c.req = req;
    ShaleBuf head;
    shale_buf_init(&head);
    int rc = -1;
    if (http_connect(&c, fail) != 0) goto out;
    char line[2048];
    snprintf(line, sizeof line,
             "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: shaledb-embedder\r\nAccept: application/json\r\n"
             "Connection: close\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n",
             req->method, req->url->path, req->url->hostport, req->body_len);
    embed_json_write_raw(&head, line);
    if (req->extra_headers) embed_json_write_raw(&head, req->extra_headers);
    embed_json_write_raw(&head, "\r\n");
    if (head.oom) {
        embed_fail(fail, EMBED_RETRYABLE, 0, "out of memory");
        goto out;
    }
    if (http_write_all(&c, head.data, head.len, fail) != 0) goto out;
    if (req->body_len && http_write_all(&c, req->body, req->body_len, fail) != 0) goto out;
    if (http_read_response(&c, status, body, fail) != 0) goto out;
    rc = 0;
out:
    /* the head may carry the API key: wipe it before it goes back to the allocator */
    if (head.data) memset(head.data, 0, head.cap);
    shale_buf_free(&head);
    http_close(&c);
    return rc;
}
