/* pq_client.h -- a small blocking pgwire 3.0 client (what shalectl speaks): TCP connect,
 * optional TLS (SSLRequest + mbedTLS, libpq's sslmode values), startup, authentication
 * (trust, cleartext, md5, SCRAM-SHA-256 without channel binding), simple query with text
 * rows, and CopyOut. No extended query.
 *
 * Errors: functions return 0 or -1; after -1, pq_client_error() is the message (the server's
 * ErrorResponse text with its SQLSTATE in pq_client_sqlstate(), or a local I/O reason).
 * A server error leaves the connection usable (the client reads up to ReadyForQuery); an I/O
 * or protocol error leaves it broken. Threading: one client belongs to one thread. */
#ifndef SHALE_PROTOCOL_PQ_CLIENT_H
#define SHALE_PROTOCOL_PQ_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct PqClient PqClient;

typedef struct PqClientOptions {
    const char *host;          /* name or address; NULL = 127.0.0.1 */
    int port;                  /* 0 = 5433 */
    const char *user;          /* NULL = the OS user */
    const char *database;      /* NULL = user */
    const char *password;      /* NULL = none (PGPASSWORD is the caller's business) */
    /* libpq's sslmode: "disable"; "allow" and "prefer" (the default, NULL) use TLS when the
     * server offers it, without checking its certificate; "require" insists on TLS;
     * "verify-ca" also checks the certificate chain against sslrootcert; "verify-full" also
     * checks that the certificate names host (a DNS name: mbedTLS 2.28 does not match IP
     * address SANs). */
    const char *sslmode;
    const char *sslrootcert;   /* PEM CA file for verify-*; NULL = ~/.postgresql/root.crt */
} PqClientOptions;

/* Connects and authenticates. On success *out is the client (free with pq_client_close).
 * On failure returns -1 with the reason in errbuf (cap bytes) and *out NULL. */
int pq_client_connect(const PqClientOptions *o, PqClient **out, char *errbuf, size_t cap);
/* Sends Terminate, closes the socket, frees c (NULL is allowed). */
void pq_client_close(PqClient *c);
/* Wraps an already connected socket fd (owned from now on) and runs startup on it (tests);
 * host is o->host (for verify-full). */
int pq_client_start_fd(int fd, const PqClientOptions *o, PqClient **out, char *errbuf, size_t cap);

const char *pq_client_error(const PqClient *c);
const char *pq_client_sqlstate(const PqClient *c);   /* "" when the error was local */
/* The negotiated TLS version ("TLSv1.2", static) or NULL when the connection is plain. */
const char *pq_client_tls_version(const PqClient *c);
/* A server parameter reported at startup (ParameterStatus), or NULL. */
const char *pq_client_parameter(const PqClient *c, const char *name);

/* Called for each DataRow: vals[i] NUL-terminated text or NULL for SQL NULL; pointers valid
 * during the call. Return non-zero to stop delivering rows (the query still runs to its end). */
typedef int (*PqRowFn)(void *arg, int n_cols, const char *const *vals);

/* Runs sql (simple query protocol; may hold several statements). rows may be NULL. */
int pq_client_query(PqClient *c, const char *sql, PqRowFn rows, void *arg);

/* Runs sql, which must answer with CopyOut; data(arg, bytes, n) gets each CopyData payload
 * (valid during the call); data returning non-zero fails the call (the connection is then
 * dropped, since the rest of the copy cannot be skipped cheaply). */
typedef int (*PqCopyFn)(void *arg, const char *data, size_t n);
int pq_client_copy_out(PqClient *c, const char *sql, PqCopyFn data, void *arg);

/* --- framing, exposed for unit tests -------------------------------------------------- */

/* One backend message from buf[0..len): PQC_NEED_MORE, PQC_BAD (length < 4 or > max) or
 * PQC_OK with *type, *payload (borrowed from buf), *plen and *used (bytes it spans). */
enum { PQC_OK = 0, PQC_NEED_MORE = 1, PQC_BAD = -1 };
int pq_client_parse_message(const char *buf, size_t len, size_t max, char *type, const char **payload,
                            size_t *plen, size_t *used);
/* The startup packet for user/database into out (cap bytes); returns its length or 0. */
size_t pq_client_build_startup(char *out, size_t cap, const char *user, const char *database);
/* SCRAM-SHA-256 client-final message for the exchange (RFC 5802/7677, "n,," GS2 header);
 * out gets it NUL-terminated; server_sig gets the expected server signature (base64).
 * user is the client-first message's n= (PostgreSQL clients send "": the server uses the
 * startup packet's user). Returns 0, or -1 when server_first is malformed or its nonce does not extend ours. */
int pq_client_scram_final(const char *user, const char *password, const char *client_nonce, const char *server_first,
                          char *out, size_t cap, char *server_sig, size_t sig_cap);

#endif
