/* pgwire.h -- the public header of the protocol layer: a PqServer holds what every client
 * connection shares (the SQL engine, the wire settings, the cancel-key registry, the shutdown
 * signal), and pq_conn_serve() runs one client connection from its first byte to its close.
 *
 * Threading model (docs/server.md): the server process accepts sockets and hands each to the
 * connection event loop (pq_loop_add: a few epoll workers serve every connection) or runs it
 * on its own thread (pq_conn_serve). Waits on a client are poll()s with timeouts that also
 * watch the server's shutdown descriptor. Every PqServer function is thread-safe.
 *
 * Logging: pq_log.h. Errors sent to clients are ErrorResponse messages; nothing here exits
 * the process. */
#ifndef SHALE_PROTOCOL_PGWIRE_H
#define SHALE_PROTOCOL_PGWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct SqlEngine SqlEngine;
typedef struct PqServer PqServer;

typedef enum PqAuthMethod {
    PQ_AUTH_TRUST = 0,      /* no password */
    PQ_AUTH_PASSWORD,       /* cleartext password, checked against the role's verifier */
    PQ_AUTH_MD5,            /* md5 challenge for md5 verifiers, SCRAM for SCRAM ones (as PG) */
    PQ_AUTH_REJECT,         /* always refused (28000) */
    PQ_AUTH_SCRAM           /* SCRAM-SHA-256 exchange (the role needs a SCRAM verifier) */
} PqAuthMethod;

/* The wire's settings (the server fills them from its settings registry; see docs/server.md
 * for names and defaults). Copied by value; may be replaced at any time (SIGHUP). */
typedef struct PqSettings {
    size_t max_message_size;          /* largest message accepted after startup (1 GB) */
    size_t max_startup_packet;        /* largest startup packet (10000, as PostgreSQL) */
    int authentication_timeout_ms;    /* startup + authentication must finish within (60 s) */
    int partial_message_timeout_ms;   /* a half-received message may stall this long (60 s) */
    int write_timeout_ms;             /* a client that reads nothing this long is dropped (60 s) */
    int max_connections;              /* client connections served at once (1000) */
    PqAuthMethod auth_loopback;       /* clients from 127.0.0.0/8, ::1, Unix sockets (trust) */
    PqAuthMethod auth_remote;         /* every other client (md5) */
    bool ssl_required_remote;         /* refuse non-loopback clients without TLS (false) */
    /* Session defaults passed to sql_session_open as if the client had sent them, unless it
     * did: e.g. synchronous_commit, password_encryption. Borrowed: the strings must outlive
     * the next pq_server_set_settings call (the server keeps two generations). */
    int n_session_defaults;
    const char *const *session_default_names;
    const char *const *session_default_values;
} PqSettings;

/* Fills s with the defaults above. */
void pq_settings_init(PqSettings *s);

/* A server over eng (borrowed; must outlive the server). Returns NULL when out of memory or
 * when the shutdown pipe cannot be created. Free with pq_server_free after every connection
 * has returned. */
PqServer *pq_server_new(SqlEngine *eng, const PqSettings *settings);
void pq_server_free(PqServer *srv);

/* TLS (docs/server.md "TLS"): loads the PEM certificate and key (and, when ca_file is
 * non-empty, the CA that client certificates are checked against) once, after which an
 * SSLRequest is answered 'S' and the connection runs over TLS 1.2. min_protocol is
 * ssl_min_protocol_version ("TLSv1.2"; "TLSv1.3" is refused: mbedTLS 2.28 lacks it). Call
 * before the first connection is served. Returns 0, or -1 with msg set (nothing changed). */
int pq_server_enable_tls(PqServer *srv, const char *cert_file, const char *key_file,
                         const char *ca_file, const char *min_protocol, char *msg, size_t msg_cap);

/* Replaces the settings (SIGHUP reload); connections pick them up for their next message. */
void pq_server_set_settings(PqServer *srv, const PqSettings *settings);

/* Counts a connection in before its thread starts. Returns false (and counts nothing) when
 * the server is shutting down. Each successful call is paired with one pq_conn_serve. */
bool pq_server_conn_enter(PqServer *srv);
/* Undoes a pq_server_conn_enter whose connection will not be served (no thread). */
void pq_server_conn_abandon(PqServer *srv);

/* Serves one client: startup, authentication, then queries until Terminate, EOF, a
 * protocol error, a fatal timeout or shutdown. Takes ownership of fd (closes it). conn_id is
 * the id printed in logs and sent as the BackendKeyData process id (unique, > 0). Counts the
 * connection out (see pq_server_conn_enter) before returning. */
void pq_conn_serve(PqServer *srv, int fd, uint32_t conn_id,
                   const struct sockaddr_storage *peer, socklen_t peer_len);

/* The connection event loop (pq_loop.c): `workers` threads (at least 1) serve every
 * connection handed to pq_loop_add; more start while workers sleep in blocking calls or stall,
 * up to max_workers, and the extra ones retire when idle. stack_size: bytes per worker (0 =
 * default). NULL when the threads or the epoll instance cannot be created. */
typedef struct PqLoop PqLoop;
PqLoop *pq_loop_new(PqServer *srv, int workers, int max_workers, size_t stack_size);
/* Serves an accepted socket in the loop, like pq_conn_serve but without a thread of its own
 * (after a successful pq_server_conn_enter; takes fd). */
void pq_loop_add(PqLoop *l, int fd, uint32_t conn_id, const struct sockaddr_storage *peer,
                 socklen_t peer_len);
/* Stops the workers and frees the loop. Call when no connection is active any more
 * (pq_server_wait_idle returned true). */
void pq_loop_free(PqLoop *l);

/* Shutdown, in two steps the server process drives:
 * pq_server_begin_shutdown: connections waiting for a client message get FATAL 57P01 and
 *   close; a statement in flight finishes first (a clean, "smart" shutdown).
 * pq_server_cancel_all: every running statement is cancelled (57014) — the grace period is
 *   over, or a fast shutdown (SIGINT) was asked. */
void pq_server_begin_shutdown(PqServer *srv);
void pq_server_cancel_all(PqServer *srv);
/* Connections counted in and not yet out. */
int pq_server_active(PqServer *srv);
/* Waits until no connection is active or timeout_ms passed; true when none is left. */
bool pq_server_wait_idle(PqServer *srv, int timeout_ms);

#endif
