/* pq_tls.c -- TLS for the wire over mbedTLS 2.28 (see pq_tls.h): the shared server
 * configuration and one connection's session over its non-blocking socket.
 *
 * Protocol: TLS 1.2 only. mbedTLS 2.28 has just an experimental, client-leaning TLS 1.3
 * (MBEDTLS_SSL_PROTO_TLS1_3_EXPERIMENTAL, off in Debian's build), so ssl_min_protocol_version
 * = TLSv1.3 is refused at start and the older names are raised to 1.2. Cipher suites: ECDHE
 * key exchange with AEAD ciphers only (AES-GCM, ChaCha20-Poly1305); no renegotiation, no
 * session tickets or cache (a reconnect costs a full handshake, as with PostgreSQL's default).
 *
 * Randomness: one CTR-DRBG seeded from the system entropy source at start, called through
 * pq_tls_rng under PqTls.rng_mu. mbedTLS's own locking (MBEDTLS_THREADING_C, enabled in
 * Debian) would also protect it; the explicit mutex keeps us correct on builds without it. */
#include "protocol/pq_tls.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <mbedtls/cipher.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

struct PqTls {
    mbedtls_ssl_config conf;    /* read-only once pq_tls_new returns */
    mbedtls_x509_crt cert;
    mbedtls_x509_crt ca;
    bool have_ca;
    mbedtls_pk_context key;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;  /* under rng_mu */
    pthread_mutex_t rng_mu;
};

struct PqTlsConn {
    mbedtls_ssl_context ssl;
    int fd;                     /* borrowed */
    bool handshake_done;
};

/* Modern suites only: forward secrecy (ECDHE) and AEAD. Suites whose certificate type does
 * not match the loaded key are skipped by mbedTLS during negotiation. */
static const int pq_tls_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    0,
};

static int pq_tls_rng(void *arg, unsigned char *out, size_t n)
{
    PqTls *t = arg;
    pthread_mutex_lock(&t->rng_mu);
    int rc = mbedtls_ctr_drbg_random(&t->drbg, out, n);
    pthread_mutex_unlock(&t->rng_mu);
    return rc;
}

static void pq_tls_errmsg(char *msg, size_t cap, const char *what, const char *arg, int rc)
{
    char e[128];
    mbedtls_strerror(rc, e, sizeof e);
    snprintf(msg, cap, "%s%s%s%s: %s", what, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "", e);
}

PqTls *pq_tls_new(const PqTlsOptions *o, char *msg, size_t msg_cap)
{
    if (o->min_protocol && o->min_protocol[0] && strcasecmp(o->min_protocol, "TLSv1") != 0 &&
        strcasecmp(o->min_protocol, "TLSv1.1") != 0 && strcasecmp(o->min_protocol, "TLSv1.2") != 0) {
        if (strcasecmp(o->min_protocol, "TLSv1.3") == 0)
            snprintf(msg, msg_cap, "ssl_min_protocol_version \"TLSv1.3\" is not supported: "
                                   "mbedTLS 2.28 serves TLS 1.2 only");
        else
            snprintf(msg, msg_cap, "invalid ssl_min_protocol_version \"%s\"", o->min_protocol);
        return NULL;
    }
    if (!o->cert_file || !o->cert_file[0] || !o->key_file || !o->key_file[0]) {
        snprintf(msg, msg_cap, "ssl = on needs ssl_cert_file and ssl_key_file");
        return NULL;
    }
    PqTls *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(msg, msg_cap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&t->rng_mu, NULL);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_x509_crt_init(&t->cert);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_pk_init(&t->key);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    static const char pers[] = "shaledb-tls";
    int rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                                   (const unsigned char *)pers, sizeof pers - 1);
    if (rc != 0) {
        pq_tls_errmsg(msg, msg_cap, "could not seed the random generator", NULL, rc);
        goto fail;
    }
    if ((rc = mbedtls_x509_crt_parse_file(&t->cert, o->cert_file)) != 0) {
        pq_tls_errmsg(msg, msg_cap, "could not load server certificate file", o->cert_file, rc);
        goto fail;
    }
    if ((rc = mbedtls_pk_parse_keyfile(&t->key, o->key_file, NULL)) != 0) {
        pq_tls_errmsg(msg, msg_cap, "could not load private key file", o->key_file, rc);
        goto fail;
    }
    if ((rc = mbedtls_pk_check_pair(&t->cert.pk, &t->key)) != 0) {
        pq_tls_errmsg(msg, msg_cap, "private key does not match the certificate in", o->cert_file, rc);
        goto fail;
    }
    if ((rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        pq_tls_errmsg(msg, msg_cap, "could not set up TLS", NULL, rc);
        goto fail;
    }
    mbedtls_ssl_conf_rng(&t->conf, pq_tls_rng, t);
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(&t->conf, pq_tls_suites);
    mbedtls_ssl_conf_renegotiation(&t->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    if ((rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->cert, &t->key)) != 0) {
        pq_tls_errmsg(msg, msg_cap, "could not use the server certificate", NULL, rc);
        goto fail;
    }
    if (o->ca_file && o->ca_file[0]) {
        if ((rc = mbedtls_x509_crt_parse_file(&t->ca, o->ca_file)) != 0) {
            pq_tls_errmsg(msg, msg_cap, "could not load root certificate file", o->ca_file, rc);
            goto fail;
        }
        t->have_ca = true;
        /* As PostgreSQL with ssl_ca_file: ask for a client certificate; none is fine, a bad
         * one fails the handshake (checked in pq_tls_handshake). */
        mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
        mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
    } else {
        mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_NONE);
    }
    return t;
fail:
    pq_tls_free(t);
    return NULL;
}

void pq_tls_free(PqTls *t)
{
    if (!t)
        return;
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_x509_crt_free(&t->cert);
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_pk_free(&t->key);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    pthread_mutex_destroy(&t->rng_mu);
    free(t);
}

/* BIO callbacks over the non-blocking socket: EAGAIN becomes WANT_READ/WANT_WRITE so every
 * wait happens in the caller's poll() with its timeouts. */
static int pq_tls_bio_send(void *arg, const unsigned char *buf, size_t n)
{
    PqTlsConn *tc = arg;
    for (;;) {
        ssize_t r = send(tc->fd, buf, n, MSG_NOSIGNAL);
        if (r >= 0)
            return (int)r;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return MBEDTLS_ERR_SSL_WANT_WRITE;
        return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
                                                     : MBEDTLS_ERR_NET_SEND_FAILED;
    }
}

static int pq_tls_bio_recv(void *arg, unsigned char *buf, size_t n)
{
    PqTlsConn *tc = arg;
    for (;;) {
        ssize_t r = recv(tc->fd, buf, n, 0);
        if (r >= 0)
            return (int)r; /* 0 = EOF: mbedTLS reports MBEDTLS_ERR_SSL_CONN_EOF */
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return MBEDTLS_ERR_SSL_WANT_READ;
        return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
    }
}

PqTlsConn *pq_tls_conn_new(PqTls *t, int fd)
{
    PqTlsConn *tc = calloc(1, sizeof *tc);
    if (!tc)
        return NULL;
    tc->fd = fd;
    mbedtls_ssl_init(&tc->ssl);
    if (mbedtls_ssl_setup(&tc->ssl, &t->conf) != 0) {
        mbedtls_ssl_free(&tc->ssl);
        free(tc);
        return NULL;
    }
    mbedtls_ssl_set_bio(&tc->ssl, tc, pq_tls_bio_send, pq_tls_bio_recv, NULL);
    return tc;
}

void pq_tls_conn_free(PqTlsConn *tc)
{
    if (!tc)
        return;
    if (tc->handshake_done)
        (void)mbedtls_ssl_close_notify(&tc->ssl); /* one non-blocking attempt */
    mbedtls_ssl_free(&tc->ssl);
    free(tc);
}

static PqTlsStatus pq_tls_map(int rc)
{
    switch (rc) {
    case MBEDTLS_ERR_SSL_WANT_READ:
        return PQ_TLS_WANT_READ;
    case MBEDTLS_ERR_SSL_WANT_WRITE:
        return PQ_TLS_WANT_WRITE;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
    case MBEDTLS_ERR_SSL_CONN_EOF:
    case MBEDTLS_ERR_NET_CONN_RESET:
    case 0:
        return PQ_TLS_EOF;
    default:
        return PQ_TLS_ERROR;
    }
}

PqTlsStatus pq_tls_handshake(PqTlsConn *tc, char *msg, size_t msg_cap)
{
    int rc = mbedtls_ssl_handshake(&tc->ssl);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ)
        return PQ_TLS_WANT_READ;
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE)
        return PQ_TLS_WANT_WRITE;
    if (rc != 0) {
        pq_tls_errmsg(msg, msg_cap, "could not accept SSL connection", NULL, rc);
        return PQ_TLS_ERROR;
    }
    if (mbedtls_ssl_get_peer_cert(&tc->ssl) && mbedtls_ssl_get_verify_result(&tc->ssl) != 0) {
        snprintf(msg, msg_cap, "could not accept SSL connection: certificate verify failed");
        return PQ_TLS_ERROR;
    }
    tc->handshake_done = true;
    return PQ_TLS_OK;
}

size_t pq_tls_read(PqTlsConn *tc, void *buf, size_t n, PqTlsStatus *st)
{
    int rc = mbedtls_ssl_read(&tc->ssl, buf, n);
    if (rc > 0) {
        *st = PQ_TLS_OK;
        return (size_t)rc;
    }
    *st = pq_tls_map(rc);
    return 0;
}

size_t pq_tls_write(PqTlsConn *tc, const void *buf, size_t n, PqTlsStatus *st)
{
    int rc = mbedtls_ssl_write(&tc->ssl, buf, n);
    if (rc > 0) {
        *st = PQ_TLS_OK;
        return (size_t)rc;
    }
    *st = rc == 0 ? PQ_TLS_ERROR : pq_tls_map(rc);
    if (*st == PQ_TLS_EOF)
        *st = PQ_TLS_ERROR; /* a reset while writing: the client is gone */
    return 0;
}

bool pq_tls_pending(PqTlsConn *tc)
{
    return mbedtls_ssl_get_bytes_avail(&tc->ssl) > 0 || mbedtls_ssl_check_pending(&tc->ssl) != 0;
}

void pq_tls_describe(PqTlsConn *tc, const char **version, const char **cipher, int *bits)
{
    *version = mbedtls_ssl_get_version(&tc->ssl);
    *cipher = mbedtls_ssl_get_ciphersuite(&tc->ssl);
    *bits = 0;
    const mbedtls_ssl_ciphersuite_t *cs = *cipher ? mbedtls_ssl_ciphersuite_from_string(*cipher) : NULL;
    const mbedtls_cipher_info_t *ci = cs ? mbedtls_cipher_info_from_type(cs->cipher) : NULL;
    if (ci)
        *bits = (int)ci->key_bitlen;
    if (!*cipher)
        *cipher = "";
}
