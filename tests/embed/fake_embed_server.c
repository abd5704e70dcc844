/* fake_embed_server.c -- a fake OpenAI-compatible embeddings server for tests (loopback only).
 *
 *   fake_embed_server [--port-file FILE] [--dims N] [--require-key KEY]
 *                     [--tls-cert PEM --tls-key PEM]
 *
 * Listens on 127.0.0.1, an ephemeral port, written as "PORT n\n" to stdout or to FILE (written
 * to FILE.tmp then renamed, so readers never see half a line). One thread per connection,
 * one request per connection (responses say Connection: close).
 *
 *  POST .../embeddings  {"model": m, "input": [texts] or "text", "dimensions": d?} answers
 *      {"object":"list","data":[{"object":"embedding","index":i,"embedding":[...]}...]} with
 *      embed_hash_text(text, d or --dims) per text, items in REVERSE order (clients must honour
 *      "index"). A text containing "poison" makes the request fail with HTTP 400. With
 *      --require-key, a missing or wrong "Authorization: Bearer KEY" gets HTTP 401.
 *  POST /control?mode=M&count=N&slow=MS&reset=1  sets the failure mode for the next N
 *      embedding requests (count=0 or absent: until changed), an extra delay per request, and
 *      resets the counters. Modes: ok, fail500, 429, hang (never answers; waits for the
 *      client to go away), garbage (200 with invalid JSON), wrongdims (one value too many),
 *      nan (a NaN literal), chunked (a correct answer in chunked transfer-encoding), close
 *      (drops the connection without answering), badindex (an index out of range).
 *  GET /stats  {"requests":R,"texts":T,"auth_ok":A} -- embedding requests seen, texts in
 *      them, and requests that carried the required key. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "facets/embed/embed_json.h"
#include "facets/embed/embedder.h"

/* Server state, shared by the connection threads under fs_mu. */
static pthread_mutex_t fs_mu = PTHREAD_MUTEX_INITIALIZER;
static char fs_mode[16] = "ok";
static long fs_mode_count;        /* requests left in fs_mode; 0 = forever */
static long fs_slow_ms;
static long fs_requests, fs_texts, fs_auth_ok;
/* Configuration: written by main before any thread starts, read-only afterwards. */
static int fs_dims = 16;
static const char *fs_require_key;
static const char *fs_tls_cert, *fs_tls_key;

typedef struct FConn {
    int fd;
    bool tls;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
} FConn;

static int fs_bio_send(void *ctx, const unsigned char *b, size_t n)
{
    ssize_t w = send(*(int *)ctx, b, n, MSG_NOSIGNAL);
    return w < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)w;
}

static int fs_bio_recv(void *ctx, unsigned char *b, size_t n)
{
    ssize_t r = recv(*(int *)ctx, b, n, 0);
    return r < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)r;
}

static bool fs_tls_start(FConn *c)
{
    mbedtls_ssl_init(&c->ssl);
    mbedtls_ssl_config_init(&c->conf);
    mbedtls_entropy_init(&c->entropy);
    mbedtls_ctr_drbg_init(&c->drbg);
    mbedtls_x509_crt_init(&c->cert);
    mbedtls_pk_init(&c->key);
    c->tls = true;
    if (mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy, NULL, 0) != 0) return false;
    if (mbedtls_x509_crt_parse_file(&c->cert, fs_tls_cert) != 0) return false;
    if (mbedtls_pk_parse_keyfile(&c->key, fs_tls_key, NULL) != 0) return false;
    if (mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) return false;
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
    if (mbedtls_ssl_conf_own_cert(&c->conf, &c->cert, &c->key) != 0) return false;
    if (mbedtls_ssl_setup(&c->ssl, &c->conf) != 0) return false;
    mbedtls_ssl_set_bio(&c->ssl, &c->fd, fs_bio_send, fs_bio_recv, NULL);
    return mbedtls_ssl_handshake(&c->ssl) == 0;
}

static ssize_t fs_read(FConn *c, char *b, size_t n)
{
    if (!c->tls) return recv(c->fd, b, n, 0);
    int r = mbedtls_ssl_read(&c->ssl, (unsigned char *)b, n);
    return r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? 0 : r < 0 ? -1 : r;
}

static bool fs_write(FConn *c, const char *b, size_t n)
{
    while (n) {
        ssize_t w;
        if (c->tls) {
            int r = mbedtls_ssl_write(&c->ssl, (const unsigned char *)b, n);
            w = r < 0 ? -1 : r;
        } else {
            w = send(c->fd, b, n, MSG_NOSIGNAL);
        }
        if (w <= 0) return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

static void fs_respond(FConn *c, int status, const char *reason, const char *body, size_t len)
{
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n", status, reason, len);
    if (fs_write(c, head, (size_t)hn)) fs_write(c, body, len);
}

static void fs_respond_chunked(FConn *c, const char *body, size_t len)
{
    const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                       "Connection: close\r\n\r\n";
    if (!fs_write(c, head, strlen(head))) return;
    size_t off = 0, step = 7;
    while (off < len) {
        size_t n = len - off < step ? len - off : step;
        char sz[32];
        int sn = snprintf(sz, sizeof sz, "%zx%s\r\n", n, step % 2 ? ";ext=1" : "");
        if (!fs_write(c, sz, (size_t)sn) || !fs_write(c, body + off, n) || !fs_write(c, "\r\n", 2)) return;
        off += n;
        step = step * 3 % 1000 + 1;   /* varied chunk sizes */
    }
    fs_write(c, "0\r\nX-Trailer: t\r\n\r\n", 19);
}

/* Value of query parameter `name` in q ("a=1&b=2"), copied into out; false when absent. */
static bool fs_query(const char *q, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = q; p && *p;) {
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = strcspn(p + nl + 1, "& ");
            if (vl >= cap) vl = cap - 1;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return true;
        }
        p = strchr(p, '&');
        if (p) p++;
    }
    return false;
}

/* Takes the mode for one embedding request (consuming one of its count). */
static void fs_take_mode(char *mode, size_t cap, long *slow)
{
    pthread_mutex_lock(&fs_mu);
    snprintf(mode, cap, "%s", fs_mode);
    *slow = fs_slow_ms;
    if (fs_mode_count > 0 && --fs_mode_count == 0) strcpy(fs_mode, "ok");
    pthread_mutex_unlock(&fs_mu);
}

static void fs_handle_embeddings(FConn *c, const char *headers, const char *body, size_t blen)
{
    bool auth_ok = false;
    if (fs_require_key) {
        char want[512];
        snprintf(want, sizeof want, "\r\nAuthorization: Bearer %s\r\n", fs_require_key);
        auth_ok = strstr(headers, want) != NULL;
    }
    /* parse the request */
    ShaleBuf texts;   /* NUL-separated texts */
    shale_buf_init(&texts);
    int ntexts = 0, dims = fs_dims;
    bool poison = false;
    EmbedJson j;
    embed_json_init(&j, body, blen);
    bool first = true;
    char key[32];
    while (embed_json_object_next(&j, &first, key, sizeof key)) {
        if (strcmp(key, "input") == 0 && embed_json_peek(&j) == '[') {
            bool f = true;
            while (embed_json_array_next(&j, &f)) {
                size_t start = texts.len;
                if (!embed_json_string(&j, &texts)) break;
                if (memmem(texts.data + start, texts.len - start, "poison", 6)) poison = true;
                shale_buf_append_byte(&texts, 0);
                ntexts++;
            }
        } else if (strcmp(key, "input") == 0) {
            size_t start = texts.len;
            if (!embed_json_string(&j, &texts)) break;
            if (memmem(texts.data + start, texts.len - start, "poison", 6)) poison = true;
            shale_buf_append_byte(&texts, 0);
            ntexts++;
        } else if (strcmp(key, "dimensions") == 0) {
            double d;
            if (embed_json_number(&j, &d) && d >= 1 && d <= 16000) dims = (int)d;
        } else {
            embed_json_skip(&j);
        }
    }
    pthread_mutex_lock(&fs_mu);
    fs_requests++;
    fs_texts += ntexts;
    fs_auth_ok += auth_ok;
    pthread_mutex_unlock(&fs_mu);
    char mode[16];
    long slow;
    fs_take_mode(mode, sizeof mode, &slow);
    if (slow > 0) usleep((useconds_t)slow * 1000);
    if (j.failed || texts.oom) {
        const char *m = "{\"error\":{\"message\":\"bad request JSON\"}}";
        fs_respond(c, 400, "Bad Request", m, strlen(m));
    } else if (fs_require_key && !auth_ok) {
        const char *m = "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\"}}";
        fs_respond(c, 401, "Unauthorized", m, strlen(m));
    } else if (poison) {
        const char *m = "{\"error\":{\"message\":\"poison text rejected\"}}";
        fs_respond(c, 400, "Bad Request", m, strlen(m));
    } else if (strcmp(mode, "fail500") == 0) {
        const char *m = "{\"error\":{\"message\":\"internal failure\"}}";
        fs_respond(c, 500, "Internal Server Error", m, strlen(m));
    } else if (strcmp(mode, "429") == 0) {
        const char *m = "{\"error\":{\"message\":\"Rate limit reached\"}}";
        fs_respond(c, 429, "Too Many Requests", m, strlen(m));
    } else if (strcmp(mode, "hang") == 0) {
        for (int i = 0; i < 600; i++) {   /* until the client goes away, at most 60 s */
            struct pollfd p = { .fd = c->fd, .events = POLLIN };
            if (poll(&p, 1, 100) > 0) {
                char tmp[64];
                if (recv(c->fd, tmp, sizeof tmp, MSG_DONTWAIT) <= 0) break;
            }
        }
    } else if (strcmp(mode, "garbage") == 0) {
        const char *m = "{\"data\":[{\"embedding\":[0.5, 0.25,}]} <html>oops</html>";
        fs_respond(c, 200, "OK", m, strlen(m));
    } else if (strcmp(mode, "close") == 0) {
        /* say nothing */
    } else {
        ShaleBuf out;
        shale_buf_init(&out);
        float *v = malloc(sizeof(float) * (size_t)(dims + 1));
        embed_json_write_raw(&out, "{\"object\":\"list\",\"data\":[");
        const char *t = texts.data;
        const char **starts = malloc(sizeof(char *) * (size_t)(ntexts ? ntexts : 1));
        for (int i = 0; i < ntexts; i++) {
            starts[i] = t;
            t += strlen(t) + 1;
        }
        for (int i = ntexts - 1; i >= 0; i--) {
            char ix[64];
            int idx = strcmp(mode, "badindex") == 0 ? i + ntexts : i;
            snprintf(ix, sizeof ix, "{\"object\":\"embedding\",\"index\":%d,\"embedding\":[", idx);
            embed_json_write_raw(&out, ix);
            embed_hash_text(starts[i], strlen(starts[i]), dims, v);
            int nd = strcmp(mode, "wrongdims") == 0 ? dims + 1 : dims;
            if (nd > dims) v[dims] = 0.5f;
            for (int k = 0; k < nd; k++) {
                if (k) shale_buf_append_byte(&out, ',');
                if (k == 0 && strcmp(mode, "nan") == 0) embed_json_write_raw(&out, "NaN");
                else embed_json_write_float(&out, v[k]);
            }
            embed_json_write_raw(&out, i ? "]}," : "]}");
        }
        embed_json_write_raw(&out, "],\"model\":\"fake\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}");
        if (strcmp(mode, "chunked") == 0) fs_respond_chunked(c, out.data, out.len);
        else fs_respond(c, 200, "OK", out.data, out.len);
        free(starts);
        free(v);
        shale_buf_free(&out);
    }
    shale_buf_free(&texts);
}

static void *fs_conn_main(void *arg)
{
    FConn *c = arg;
    ShaleBuf in;
    shale_buf_init(&in);
    if (fs_tls_cert && !fs_tls_start(c)) goto done;
    char *sep = NULL;
    while (!sep) {
        if (in.len > (1u << 20) || !shale_buf_reserve(&in, 65536)) goto done;
        ssize_t n = fs_read(c, in.data + in.len, 65536);
        if (n <= 0) goto done;
        in.len += (size_t)n;
        sep = memmem(in.data, in.len, "\r\n\r\n", 4);
    }
    size_t hlen = (size_t)(sep - in.data) + 4;
    char *headers = malloc(hlen + 1);
    memcpy(headers, in.data, hlen);
    headers[hlen] = '\0';
    size_t clen = 0;
    const char *cl = strcasestr(headers, "\r\nContent-Length:");
    if (cl) clen = strtoul(cl + 17, NULL, 10);
    if (clen > (64u << 20)) clen = 64u << 20;
    while (in.len < hlen + clen) {
        if (!shale_buf_reserve(&in, 65536)) break;
        ssize_t n = fs_read(c, in.data + in.len, 65536);
        if (n <= 0) break;
        in.len += (size_t)n;
    }
    if (in.len >= hlen + clen) {
        char method[8] = "", target[512] = "";
        sscanf(headers, "%7s %511s", method, target);
        char *q = strchr(target, '?');
        if (q) *q++ = '\0';
        if (strcmp(method, "POST") == 0 && strcmp(target, "/control") == 0) {
            char v[16];
            pthread_mutex_lock(&fs_mu);
            if (fs_query(q, "mode", v, sizeof v)) snprintf(fs_mode, sizeof fs_mode, "%s", v);
            fs_mode_count = fs_query(q, "count", v, sizeof v) ? atol(v) : 0;
            if (fs_query(q, "slow", v, sizeof v)) fs_slow_ms = atol(v);
            if (fs_query(q, "reset", v, sizeof v)) fs_requests = fs_texts = fs_auth_ok = 0;
            pthread_mutex_unlock(&fs_mu);
            fs_respond(c, 200, "OK", "{\"ok\":true}", 11);
        } else if (strcmp(method, "GET") == 0 && strcmp(target, "/stats") == 0) {
            char b[160];
            pthread_mutex_lock(&fs_mu);
            int n = snprintf(b, sizeof b, "{\"requests\":%ld,\"texts\":%ld,\"auth_ok\":%ld}", fs_requests,
                             fs_texts, fs_auth_ok);
            pthread_mutex_unlock(&fs_mu);
            fs_respond(c, 200, "OK", b, (size_t)n);
        } else if (strcmp(method, "POST") == 0 && strlen(target) >= 10 &&
                   strcmp(target + strlen(target) - 10, "embeddings") == 0) {
            fs_handle_embeddings(c, headers, in.data + hlen, clen);
        } else {
            const char *m = "{\"error\":{\"message\":\"not found\"}}";
            fs_respond(c, 404, "Not Found", m, strlen(m));
        }
    }
    free(headers);
done:
    if (c->tls) {
        mbedtls_ssl_close_notify(&c->ssl);
        mbedtls_ssl_free(&c->ssl);
        mbedtls_ssl_config_free(&c->conf);
        mbedtls_ctr_drbg_free(&c->drbg);
        mbedtls_entropy_free(&c->entropy);
        mbedtls_x509_crt_free(&c->cert);
        mbedtls_pk_free(&c->key);
    }
    shutdown(c->fd, SHUT_WR);
    close(c->fd);
    shale_buf_free(&in);
    free(c);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *port_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc) port_file = argv[++i];
        else if (strcmp(argv[i], "--dims") == 0 && i + 1 < argc) fs_dims = atoi(argv[++i]);
        else if (strcmp(argv[i], "--require-key") == 0 && i + 1 < argc) fs_require_key = argv[++i];
        else if (strcmp(argv[i], "--tls-cert") == 0 && i + 1 < argc) fs_tls_cert = argv[++i];
        else if (strcmp(argv[i], "--tls-key") == 0 && i + 1 < argc) fs_tls_key = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--port-file F] [--dims N] [--require-key K] [--tls-cert C --tls-key K]\n",
                    argv[0]);
            return 2;
        }
    }
    if (fs_dims < 1 || fs_dims > 16000 || (!fs_tls_cert) != (!fs_tls_key)) {
        fprintf(stderr, "fake_embed_server: bad arguments\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 128) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
        perror("fake_embed_server: listen");
        return 1;
    }
    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "PORT %d\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, port_file) != 0) {
            perror("fake_embed_server: port file");
            return 1;
        }
    } else {
        printf("PORT %d\n", ntohs(a.sin_port));
        fflush(stdout);
    }
    for (;;) {
        int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE) continue;
            perror("fake_embed_server: accept");
            return 1;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        FConn *c = calloc(1, sizeof *c);
        pthread_t t;
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        if (pthread_create(&t, NULL, fs_conn_main, c) != 0) {
            close(fd);
            free(c);
            continue;
        }
        pthread_detach(t);
    }
}
