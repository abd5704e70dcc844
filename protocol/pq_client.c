/* pq_client.c -- the blocking pgwire client of pq_client.h (used by shalectl).
 *
 * Wire format (protocol 3.0, big-endian): startup packet = int32 length | int32 196608 |
 * (name NUL value NUL)* NUL; every later message = type byte | int32 length (self-inclusive)
 * | payload. Invariant of the receive buffer: in[start, end) are bytes read but not consumed;
 * a parsed message's payload points into it until the next read.
 *
 * TLS (PostgreSQL's SSLRequest = int32 8 | int32 80877103, answered by one byte 'S' or 'N'
 * before any TLS record): with 'S' every later byte goes through the mbedTLS session in
 * c->tls over the same blocking socket. */
#include "protocol/pq_client.h"
#include "protocol/pq_conn_int.h" /* pq_auth_md5_hex */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#define PQC_MAX_MESSAGE (64u << 20)   /* refuse a backend message above 64 MiB */

/* One client's TLS session (owned by its PqClient). */
typedef struct PqClientTls {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_entropy_context entropy;
    mbedtls_x509_crt ca;
} PqClientTls;

struct PqClient {
    int fd;
    bool broken;
    PqClientTls *tls;          /* NULL on a plain connection */
    char *in;                  /* owned receive buffer */
    size_t cap, start, end;
    char err[1024];
    char sqlstate[6];
    char *params;              /* owned: "name\0value\0" pairs */
    size_t params_len;
};

static uint32_t get32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static void put32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24);
    p[1] = (char)(v >> 16);
    p[2] = (char)(v >> 8);
    p[3] = (char)v;
}

int pq_client_parse_message(const char *buf, size_t len, size_t max, char *type, const char **payload,
                            size_t *plen, size_t *used)
{
    if (len < 5)
        return PQC_NEED_MORE;
    uint32_t l = get32(buf + 1);
    if (l < 4 || l > max)
        return PQC_BAD;
    if (len < (size_t)l + 1)
        return PQC_NEED_MORE;
    *type = buf[0];
    *payload = buf + 5;
    *plen = l - 4;
    *used = (size_t)l + 1;
    return PQC_OK;
}

size_t pq_client_build_startup(char *out, size_t cap, const char *user, const char *database)
{
    size_t n = 8;
    const char *kv[] = { "user", user, "database", database, "application_name", "shalectl" };
    for (int i = 0; i < 6; i++) {
        size_t l = strlen(kv[i]) + 1;
        if (n + l + 1 > cap)
            return 0;
        memcpy(out + n, kv[i], l);
        n += l;
    }
    out[n++] = 0;
    put32(out, (uint32_t)n);
    put32(out + 4, 196608);
    return n;
}

/* "-0x7780" style code of an mbedTLS error (static buffer: single-threaded use per client
 * is the contract, and the text is copied into c->err at once). */
static const char *tls_err(int rc)
{
    static _Thread_local char buf[160];
    char text[128];
    mbedtls_strerror(rc, text, sizeof text);
    snprintf(buf, sizeof buf, "-0x%04x (%s)", (unsigned)-rc, text);
    return buf;
}

static int fail(PqClient *c, bool broken, const char *fmt, const char *arg)
{
    snprintf(c->err, sizeof c->err, fmt, arg ? arg : "");
    c->sqlstate[0] = 0;
    if (broken)
        c->broken = true;
    return -1;
}

static int send_all(PqClient *c, const char *p, size_t n)
{
    while (n > 0) {
        if (c->tls) {
            int w = mbedtls_ssl_write(&c->tls->ssl, (const unsigned char *)p, n);
            if (w == MBEDTLS_ERR_SSL_WANT_READ || w == MBEDTLS_ERR_SSL_WANT_WRITE)
                continue;
            if (w <= 0)
                return fail(c, true, "could not send to the server: TLS error %s", tls_err(w));
            p += w;
            n -= (size_t)w;
            continue;
        }
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return fail(c, true, "could not send to the server: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int send_msg(PqClient *c, char type, const char *payload, size_t n)
{
    char hdr[5];
    hdr[0] = type;
    put32(hdr + 1, (uint32_t)(n + 4));
    char *m = malloc(n + 5);
    if (!m)
        return fail(c, true, "out of memory%s", "");
    memcpy(m, hdr, 5);
    if (n)
        memcpy(m + 5, payload, n);
    int rc = send_all(c, m, n + 5);
    free(m);
    return rc;
}

/* Reads the next backend message; payload valid until the next call. */
static int recv_msg(PqClient *c, char *type, const char **payload, size_t *plen)
{
    if (c->broken)
        return fail(c, true, "the connection is broken%s", "");
    for (;;) {
        size_t used;
        int st = pq_client_parse_message(c->in + c->start, c->end - c->start, PQC_MAX_MESSAGE, type, payload, plen,
                                         &used);
        if (st == PQC_OK) {
            c->start += used;
            return 0;
        }
        if (st == PQC_BAD)
            return fail(c, true, "invalid message length from the server%s", "");
        if (c->start > 0) {
            memmove(c->in, c->in + c->start, c->end - c->start);
            c->end -= c->start;
            c->start = 0;
        }
        size_t need = c->end + 65536;
        if (c->end >= 5)
            need = c->end + 65536 > (size_t)get32(c->in + 1) + 1 ? c->end + 65536 : (size_t)get32(c->in + 1) + 1;
        if (need > c->cap) {
            char *n = realloc(c->in, need);
            if (!n)
                return fail(c, true, "out of memory%s", "");
            c->in = n;
            c->cap = need;
        }
        ssize_t r;
        if (c->tls) {
            int t = mbedtls_ssl_read(&c->tls->ssl, (unsigned char *)c->in + c->end, c->cap - c->end);
            if (t == MBEDTLS_ERR_SSL_WANT_READ || t == MBEDTLS_ERR_SSL_WANT_WRITE)
                continue;
            if (t == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || t == 0)
                return fail(c, true, "server closed the connection unexpectedly%s", "");
            if (t < 0)
                return fail(c, true, "could not receive from the server: TLS error %s", tls_err(t));
            c->end += (size_t)t;
            continue;
        }
        r = recv(c->fd, c->in + c->end, c->cap - c->end, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fail(c, true, "could not receive from the server: %s", strerror(errno));
        if (r == 0)
            return fail(c, true, "server closed the connection unexpectedly%s", "");
        c->end += (size_t)r;
    }
}

/* ErrorResponse fields into c->err / c->sqlstate. */
static void take_error(PqClient *c, const char *p, size_t n)
{
    const char *end = p + n, *sev = "ERROR", *msg = "";
    c->sqlstate[0] = 0;
    while (p < end && *p) {
        char f = *p++;
        const char *v = p;
        while (p < end && *p)
            p++;
        if (p >= end)
            break;
        if (f == 'S')
            sev = v;
        else if (f == 'M')
            msg = v;
        else if (f == 'C')
            snprintf(c->sqlstate, sizeof c->sqlstate, "%s", v);
        p++;
    }
    snprintf(c->err, sizeof c->err, "%s: %s", sev, msg);
}

static const char *scram_attr(const char *msg, char name, size_t *len)
{
    for (const char *p = msg; *p;) {
        if (p[0] == name && p[1] == '=') {
            const char *v = p + 2, *e = strchr(v, ',');
            *len = e ? (size_t)(e - v) : strlen(v);
            return v;
        }
        const char *e = strchr(p, ',');
        if (!e)
            break;
        p = e + 1;
    }
    return NULL;
}

int pq_client_scram_final(const char *user, const char *password, const char *client_nonce, const char *server_first,
                          char *out, size_t cap, char *server_sig, size_t sig_cap)
{
    size_t rlen, slen, ilen;
    const char *r = scram_attr(server_first, 'r', &rlen), *s = scram_attr(server_first, 's', &slen),
               *it = scram_attr(server_first, 'i', &ilen);
    size_t cnl = strlen(client_nonce);
    if (!r || !s || !it || rlen <= cnl || strncmp(r, client_nonce, cnl) != 0 || ilen == 0 || ilen > 9 ||
        slen > 200)
        return -1;
    char num[16];
    memcpy(num, it, ilen);
    num[ilen] = 0;
    char *endp;
    long iters = strtol(num, &endp, 10);
    if (*endp || iters < 1)
        return -1;
    unsigned char salt[160], salted[32], client_key[32], stored_key[32], client_sig[32], proof[32], server_key[32],
        ssig[32];
    size_t salt_len;
    if (mbedtls_base64_decode(salt, sizeof salt, &salt_len, (const unsigned char *)s, slen) != 0)
        return -1;
    char without_proof[512], auth[1536];
    snprintf(without_proof, sizeof without_proof, "c=biws,r=%.*s", (int)rlen, r);
    snprintf(auth, sizeof auth, "n=%s,r=%s,%s,%s", user, client_nonce, server_first, without_proof);
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int ok = mbedtls_md_setup(&ctx, md, 1) == 0 &&
             mbedtls_pkcs5_pbkdf2_hmac(&ctx, (const unsigned char *)password, strlen(password), salt, salt_len,
                                       (unsigned)iters, 32, salted) == 0 &&
             mbedtls_md_hmac(md, salted, 32, (const unsigned char *)"Client Key", 10, client_key) == 0 &&
             mbedtls_sha256_ret(client_key, 32, stored_key, 0) == 0 &&
             mbedtls_md_hmac(md, stored_key, 32, (const unsigned char *)auth, strlen(auth), client_sig) == 0 &&
             mbedtls_md_hmac(md, salted, 32, (const unsigned char *)"Server Key", 10, server_key) == 0 &&
             mbedtls_md_hmac(md, server_key, 32, (const unsigned char *)auth, strlen(auth), ssig) == 0;
    mbedtls_md_free(&ctx);
    if (!ok)
        return -1;
    for (int i = 0; i < 32; i++)
        proof[i] = client_key[i] ^ client_sig[i];
    unsigned char p64[64];
    size_t p64len, sig64len;
    if (mbedtls_base64_encode(p64, sizeof p64, &p64len, proof, 32) != 0 ||
        mbedtls_base64_encode((unsigned char *)server_sig, sig_cap, &sig64len, ssig, 32) != 0)
        return -1;
    int n = snprintf(out, cap, "%s,p=%.*s", without_proof, (int)p64len, p64);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int auth_scram(PqClient *c, const char *password)
{
    unsigned char rnd[18];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd) {
        if (fd >= 0)
            close(fd);
        return fail(c, true, "could not read random bytes for SCRAM%s", "");
    }
    close(fd);
    char nonce[32];
    size_t nl;
    mbedtls_base64_encode((unsigned char *)nonce, sizeof nonce, &nl, rnd, sizeof rnd);
    char first[128];
    int fl = snprintf(first, sizeof first, "n,,n=,r=%s", nonce);
    char msg[256];
    size_t ml = strlen("SCRAM-SHA-256") + 1;
    memcpy(msg, "SCRAM-SHA-256", ml);
    put32(msg + ml, (uint32_t)fl);
    memcpy(msg + ml + 4, first, (size_t)fl);
    if (send_msg(c, 'p', msg, ml + 4 + (size_t)fl) != 0)
        return -1;
    char type;
    const char *p;
    size_t n;
    if (recv_msg(c, &type, &p, &n) != 0)
        return -1;
    if (type == 'E') {
        take_error(c, p, n);
        return -1;
    }
    if (type != 'R' || n < 4 || get32(p) != 11 || n > 1000)
        return fail(c, true, "unexpected message during SCRAM authentication%s", "");
    char server_first[1024];
    memcpy(server_first, p + 4, n - 4);
    server_first[n - 4] = 0;
    char final[1024], sig[64];
    if (pq_client_scram_final("", password, nonce, server_first, final, sizeof final, sig, sizeof sig) != 0)
        return fail(c, true, "invalid SCRAM server-first message%s", "");
    if (send_msg(c, 'p', final, strlen(final)) != 0 || recv_msg(c, &type, &p, &n) != 0)
        return -1;
    if (type == 'E') {
        take_error(c, p, n);
        return -1;
    }
    if (type != 'R' || n < 4 || get32(p) != 12)
        return fail(c, true, "unexpected message during SCRAM authentication%s", "");
    size_t sl = strlen(sig);
    if (n - 4 < sl + 2 || memcmp(p + 4, "v=", 2) != 0 || memcmp(p + 6, sig, sl) != 0)
        return fail(c, true, "the server's SCRAM signature is wrong%s", "");
    return 0;
}

/* Startup and authentication, up to the first ReadyForQuery. */
static int client_startup(PqClient *c, const PqClientOptions *o)
{
    const char *user = o->user;
    if (!user) {
        struct passwd *pw = getpwuid(geteuid());
        user = pw && pw->pw_name ? pw->pw_name : "postgres";
    }
    const char *db = o->database ? o->database : user;
    char pkt[1024];
    size_t pl = pq_client_build_startup(pkt, sizeof pkt, user, db);
    if (pl == 0)
        return fail(c, true, "user or database name too long%s", "");
    if (send_all(c, pkt, pl) != 0)
        return -1;
    for (;;) {
        char type;
        const char *p;
        size_t n;
        if (recv_msg(c, &type, &p, &n) != 0)
            return -1;
        switch (type) {
        case 'E':
            take_error(c, p, n);
            c->broken = true;
            return -1;
        case 'R': {
            if (n < 4)
                return fail(c, true, "short authentication request%s", "");
            uint32_t code = get32(p);
            if (code == 0)
                break;
            if (!o->password)
                return fail(c, true, "the server asks for a password, but none was given (-W or PGPASSWORD)%s", "");
            if (code == 3) {
                if (send_msg(c, 'p', o->password, strlen(o->password) + 1) != 0)
                    return -1;
            } else if (code == 5 && n >= 8) {
                char inner[33], outer[36];
                pq_auth_md5_hex(o->password, strlen(o->password), user, strlen(user), inner);
                memcpy(outer, "md5", 3);
                pq_auth_md5_hex(inner, 32, p + 4, 4, outer + 3);
                if (send_msg(c, 'p', outer, 36) != 0)
                    return -1;
            } else if (code == 10) {
                if (auth_scram(c, o->password) != 0)
                    return -1;
            } else {
                return fail(c, true, "unsupported authentication method requested by the server%s", "");
            }
            break;
        }
        case 'S': {
            char *np = realloc(c->params, c->params_len + n);
            if (np) {
                c->params = np;
                memcpy(np + c->params_len, p, n);
                c->params_len += n;
            }
            break;
        }
        case 'K': case 'N':
            break;
        case 'Z':
            return 0;
        default:
            return fail(c, true, "unexpected message during startup%s", "");
        }
    }
}

static int bio_send(void *arg, const unsigned char *buf, size_t n)
{
    PqClient *c = arg;
    for (;;) {
        ssize_t w = send(c->fd, buf, n, MSG_NOSIGNAL);
        if (w >= 0)
            return (int)w;
        if (errno != EINTR)
            return MBEDTLS_ERR_NET_SEND_FAILED;
    }
}

static int bio_recv(void *arg, unsigned char *buf, size_t n)
{
    PqClient *c = arg;
    for (;;) {
        ssize_t r = recv(c->fd, buf, n, 0);
        if (r >= 0)
            return (int)r;
        if (errno != EINTR)
            return MBEDTLS_ERR_NET_RECV_FAILED;
    }
}

static void tls_free(PqClientTls *t)
{
    if (!t)
        return;
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    mbedtls_x509_crt_free(&t->ca);
    free(t);
}

/* SSLRequest and, when the server says 'S', the TLS handshake (verification per sslmode). */
static int client_tls(PqClient *c, const PqClientOptions *o)
{
    const char *mode = o->sslmode && *o->sslmode ? o->sslmode : "prefer";
    bool verify_ca = !strcmp(mode, "verify-ca"), verify_full = !strcmp(mode, "verify-full");
    bool required = verify_ca || verify_full || !strcmp(mode, "require");
    if (!strcmp(mode, "disable"))
        return 0;
    if (!required && strcmp(mode, "prefer") != 0 && strcmp(mode, "allow") != 0)
        return fail(c, true, "invalid sslmode value: \"%s\"", mode);
    char req[8];
    put32(req, 8);
    put32(req + 4, 80877103);
    if (send_all(c, req, 8) != 0)
        return -1;
    char answer;
    for (;;) {
        ssize_t r = recv(c->fd, &answer, 1, 0);
        if (r == 1)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        return fail(c, true, "server closed the connection during the SSL request%s", "");
    }
    if (answer == 'N') {
        if (required)
            return fail(c, true, "server does not support SSL, but SSL was required%s", "");
        return 0;
    }
    if (answer != 'S')
        return fail(c, true, "received invalid response to SSL negotiation: %s", answer == 'E' ? "E" : "?");
    PqClientTls *t = calloc(1, sizeof *t);
    if (!t)
        return fail(c, true, "out of memory%s", "");
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_x509_crt_init(&t->ca);
    c->tls = t;   /* owned by c from here: pq_client_close / start_fd's failure path free it */
    int rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy, (const unsigned char *)"shalectl", 8);
    if (rc == 0)
        rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0)
        return fail(c, true, "could not set up TLS: %s", tls_err(rc));
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    if (verify_ca || verify_full) {
        char path[1024];
        const char *ca = o->sslrootcert;
        if (!ca || !*ca) {
            const char *home = getenv("HOME");
            snprintf(path, sizeof path, "%s/.postgresql/root.crt", home ? home : "");
            ca = path;
        }
        rc = mbedtls_x509_crt_parse_file(&t->ca, ca);
        if (rc != 0) {
            snprintf(c->err, sizeof c->err, "could not read root certificate file \"%.600s\": %s", ca, tls_err(rc));
            c->sqlstate[0] = 0;
            c->broken = true;
            return -1;
        }
        mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
        mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    } else {
        mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_NONE);
    }
    if ((rc = mbedtls_ssl_setup(&t->ssl, &t->conf)) != 0)
        return fail(c, true, "could not set up TLS: %s", tls_err(rc));
    if (verify_full && (rc = mbedtls_ssl_set_hostname(&t->ssl, o->host ? o->host : "127.0.0.1")) != 0)
        return fail(c, true, "could not set up TLS: %s", tls_err(rc));
    mbedtls_ssl_set_bio(&t->ssl, c, bio_send, bio_recv, NULL);
    while ((rc = mbedtls_ssl_handshake(&t->ssl)) != 0) {
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
        if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0) {
            char info[512], m[700];
            mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
            for (char *q = info; *q; q++)
                if (*q == '\n')
                    *q = (q[1] ? ';' : 0);
            snprintf(m, sizeof m, "SSL error: certificate verify failed: %s", info);
            return fail(c, true, "%s", m);
        }
        return fail(c, true, "SSL error: TLS handshake failed: %s", tls_err(rc));
    }
    return 0;
}

const char *pq_client_tls_version(const PqClient *c)
{
    return c->tls ? mbedtls_ssl_get_version(&c->tls->ssl) : NULL;
}

int pq_client_start_fd(int fd, const PqClientOptions *o, PqClient **out, char *errbuf, size_t cap)
{
    *out = NULL;
    PqClient *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        snprintf(errbuf, cap, "out of memory");
        return -1;
    }
    c->fd = fd;
    if (client_tls(c, o) != 0 || client_startup(c, o) != 0) {
        snprintf(errbuf, cap, "%s", c->err);
        tls_free(c->tls);
        close(c->fd);
        free(c->in);
        free(c->params);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

int pq_client_connect(const PqClientOptions *o, PqClient **out, char *errbuf, size_t cap)
{
    *out = NULL;
    const char *host = o->host ? o->host : "127.0.0.1";
    char port[16];
    snprintf(port, sizeof port, "%d", o->port ? o->port : 5433);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        snprintf(errbuf, cap, "could not resolve \"%s\": %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, last_errno = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            last_errno = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(errbuf, cap, "could not connect to %s:%s: %s", host, port, strerror(last_errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return pq_client_start_fd(fd, o, out, errbuf, cap);
}

void pq_client_close(PqClient *c)
{
    if (!c)
        return;
    if (!c->broken)
        (void)send_msg(c, 'X', NULL, 0);
    if (c->tls && !c->broken)
        (void)mbedtls_ssl_close_notify(&c->tls->ssl);
    tls_free(c->tls);
    close(c->fd);
    free(c->in);
    free(c->params);
    free(c);
}

const char *pq_client_error(const PqClient *c)
{
    return c->err;
}

const char *pq_client_sqlstate(const PqClient *c)
{
    return c->sqlstate;
}

const char *pq_client_parameter(const PqClient *c, const char *name)
{
    const char *p = c->params, *end = c->params + c->params_len;
    while (p && p < end) {
        const char *n = p, *v = memchr(p, 0, (size_t)(end - p));
        if (!v || v + 1 >= end)
            break;
        v++;
        const char *ve = memchr(v, 0, (size_t)(end - v));
        if (!ve)
            break;
        if (strcmp(n, name) == 0)
            return v;
        p = ve + 1;
    }
    return NULL;
}

/* DataRow payload -> NUL-terminated values handed to rows. */
static int deliver_row(PqClient *c, const char *p, size_t n, PqRowFn rows, void *arg)
{
    if (n < 2)
        return fail(c, true, "short DataRow%s", "");
    int nc = ((unsigned char)p[0] << 8) | (unsigned char)p[1];
    const char **vals = calloc((size_t)nc + 1, sizeof *vals);
    char *copy = malloc(n + (size_t)nc + 1);
    if (!vals || !copy) {
        free(vals);
        free(copy);
        return fail(c, true, "out of memory%s", "");
    }
    const char *q = p + 2, *end = p + n;
    char *w = copy;
    int rc = 0;
    for (int i = 0; i < nc && rc == 0; i++) {
        if (end - q < 4) {
            rc = fail(c, true, "malformed DataRow%s", "");
            break;
        }
        int32_t l = (int32_t)get32(q);
        q += 4;
        if (l < 0) {
            vals[i] = NULL;
            continue;
        }
        if (end - q < l) {
            rc = fail(c, true, "malformed DataRow%s", "");
            break;
        }
        memcpy(w, q, (size_t)l);
        w[l] = 0;
        vals[i] = w;
        w += l + 1;
        q += l;
    }
    if (rc == 0)
        rows(arg, nc, vals);
    free(vals);
    free(copy);
    return rc;
}

/* Runs one Query message to ReadyForQuery. copy != NULL: CopyData goes there. */
static int run_query(PqClient *c, const char *sql, PqRowFn rows, void *arg, PqCopyFn copy, void *carg)
{
    if (send_msg(c, 'Q', sql, strlen(sql) + 1) != 0)
        return -1;
    bool failed = false, stop_rows = false;
    for (;;) {
        char type;
        const char *p;
        size_t n;
        if (recv_msg(c, &type, &p, &n) != 0)
            return -1;
        switch (type) {
        case 'E':
            take_error(c, p, n);
            failed = true;
            break;
        case 'D':
            if (rows && !stop_rows && !failed && deliver_row(c, p, n, rows, arg) != 0)
                return -1;
            break;
        case 'd':
            if (!copy)
                return fail(c, true, "unexpected CopyData%s", "");
            if (copy(carg, p, n) != 0) {
                c->broken = true;
                if (!c->err[0])
                    fail(c, true, "copy aborted by the receiver%s", "");
                return -1;
            }
            break;
        case 'H':
            if (!copy)
                return fail(c, true, "the server started a COPY TO STDOUT that nobody reads%s", "");
            break;
        case 'G':
            (void)send_msg(c, 'f', "COPY FROM STDIN is not supported by shalectl", 45);
            break;
        case 'Z':
            return failed ? -1 : 0;
        default:   /* T, C, I, N, S, A, c, n, 1, 2, 3, s */
            break;
        }
    }
}

int pq_client_query(PqClient *c, const char *sql, PqRowFn rows, void *arg)
{
    c->err[0] = 0;
    return run_query(c, sql, rows, arg, NULL, NULL);
}

int pq_client_copy_out(PqClient *c, const char *sql, PqCopyFn data, void *arg)
{
    c->err[0] = 0;
    return run_query(c, sql, NULL, NULL, data, arg);
}
