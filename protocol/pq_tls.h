/* pq_tls.h -- TLS for the wire (mbedTLS 2.28): the server-wide configuration loaded once at
 * start (certificate, key, optional client CA, protocol floor, cipher suites, the shared random
 * generator) and one connection's TLS session over its non-blocking socket.
 *
 * Threading: a PqTls is read-only after pq_tls_new and shared by every connection thread; its
 * CTR-DRBG is the only mutable part and is called under its own mutex. A PqTlsConn belongs to
 * the thread serving its connection. Not for use outside protocol/ (pgwire.h has the public
 * entry point pq_server_enable_tls). */
#ifndef SHALE_PROTOCOL_PQ_TLS_H
#define SHALE_PROTOCOL_PQ_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct PqTls PqTls;
typedef struct PqTlsConn PqTlsConn;

typedef struct PqTlsOptions {
    const char *cert_file;      /* PEM server certificate (chain), required */
    const char *key_file;       /* PEM private key, required */
    const char *ca_file;        /* PEM CA for client certificates, or NULL/"" for none */
    const char *min_protocol;   /* "TLSv1", "TLSv1.1", "TLSv1.2" (all mean 1.2) or "TLSv1.3" */
} PqTlsOptions;

/* Loads the files and builds the shared configuration. Returns the new PqTls (caller owns;
 * pq_tls_free), or NULL with msg set (unreadable file, bad key, unsupported protocol). */
PqTls *pq_tls_new(const PqTlsOptions *o, char *msg, size_t msg_cap);
void pq_tls_free(PqTls *t);

typedef enum PqTlsStatus {
    PQ_TLS_OK = 0,
    PQ_TLS_WANT_READ,   /* wait for the socket to become readable, then call again */
    PQ_TLS_WANT_WRITE,  /* wait for the socket to become writable, then call again */
    PQ_TLS_EOF,         /* the peer closed (close_notify or TCP EOF) */
    PQ_TLS_ERROR        /* protocol or socket error: the connection is lost */
} PqTlsStatus;

/* A TLS session over fd (borrowed: the caller closes it after pq_tls_conn_free). Returns NULL
 * when out of memory. */
PqTlsConn *pq_tls_conn_new(PqTls *t, int fd);
/* Sends close_notify (best effort, never waits) and frees the session. NULL is fine. */
void pq_tls_conn_free(PqTlsConn *tc);

/* One step of the server handshake. On PQ_TLS_ERROR msg says why. */
PqTlsStatus pq_tls_handshake(PqTlsConn *tc, char *msg, size_t msg_cap);
/* Reads up to n decrypted bytes into buf: > 0 bytes, or 0 with *st set (WANT_*, EOF, ERROR). */
size_t pq_tls_read(PqTlsConn *tc, void *buf, size_t n, PqTlsStatus *st);
/* Writes up to n bytes: > 0 bytes consumed, or 0 with *st set. After WANT_* the caller must
 * call again with the same bytes (mbedTLS may hold a partly sent record). */
size_t pq_tls_write(PqTlsConn *tc, const void *buf, size_t n, PqTlsStatus *st);
/* True when decrypted bytes or an unprocessed record wait in mbedTLS's buffers: a read will
 * make progress without the socket being readable, so the caller must not poll first. */
bool pq_tls_pending(PqTlsConn *tc);

/* The negotiated session, after the handshake: "TLSv1.2", the suite name, the cipher's key
 * bits. Strings are static (owned by mbedTLS). */
void pq_tls_describe(PqTlsConn *tc, const char **version, const char **cipher, int *bits);

#endif
