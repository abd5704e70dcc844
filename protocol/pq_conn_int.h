/* pq_conn_int.h -- internals of the protocol layer shared by its .c files: the server's
 * shared state, one connection's state, socket I/O with timeouts, and the SqlSink that turns
 * SQL results into backend messages. Not for use outside protocol/.
 *
 * A connection is served by one thread at a time: its own (pq_conn_serve) or an event-loop
 * worker that took its readiness event (pq_loop.c; the epoll registration is one-shot, so no
 * second worker can take it before it is re-armed). Everything in a PqConn belongs to that
 * thread, except the fields marked "under srv->mu" (the cancel registry) and "loop mu". */
#ifndef SHALE_PROTOCOL_PQ_CONN_INT_H
#define SHALE_PROTOCOL_PQ_CONN_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "catalog/sqlerror.h"
#include "protocol/pgwire.h"
#include "protocol/pq_frame.h"
#include "protocol/pq_log.h"
#include "protocol/pq_msg.h"
#include "protocol/pq_tls.h"
#include "sql/sql.h"
#include "util/buf.h"

typedef struct PqConn PqConn;

/* Storage for one generation of session-default strings (kept until the server is freed so
 * connections may borrow them; reloads are rare). */
typedef struct PqDefaultsBlock {
    struct PqDefaultsBlock *next;
    const char **names;
    const char **values;
} PqDefaultsBlock;

struct PqServer {
    SqlEngine *eng;                 /* borrowed */
    pthread_mutex_t mu;
    pthread_cond_t idle_cv;         /* signalled when active drops to 0 */
    PqSettings settings;            /* under mu; its strings live in defaults blocks */
    atomic_uint settings_gen;       /* bumped on every change: connections re-copy lazily */
    PqDefaultsBlock *defaults;      /* under mu; every generation, newest first */
    int active;                     /* under mu: connections counted in */
    atomic_bool shutting_down;
    int shutdown_rd, shutdown_wr;   /* pipe: the write end is closed to wake every poller */
    PqConn *registry;               /* under mu: connections with a session (cancel keys) */
    PqTls *tls;                     /* owned; NULL = ssl off; set before the first connection */
};

/* Which messages the connection accepts next (see the diagram in pq_conn.c). */
typedef enum PqConnState {
    PQ_STATE_STARTUP,       /* startup packet, SSL/GSS requests, authentication */
    PQ_STATE_READY,         /* between messages: simple or extended query */
    PQ_STATE_COPY_IN,       /* a COPY FROM STDIN is receiving CopyData */
    PQ_STATE_COPY_DRAIN,    /* the COPY failed: discard CopyData until CopyDone/CopyFail */
    PQ_STATE_SKIP_TO_SYNC,  /* an extended-query message failed: skip until Sync */
    PQ_STATE_CLOSED
} PqConnState;

struct PqConn {
    PqServer *srv;
    int fd;                         /* owned; non-blocking */
    PqTlsConn *tls;                 /* owned; NULL = plain text; every byte goes through it once set */
    uint32_t id;                    /* connection id = BackendKeyData process id */
    int32_t secret;                 /* BackendKeyData secret key (random) */
    bool loopback;                  /* peer is 127.0.0.0/8 or ::1, or a Unix-domain socket */
    bool unix_socket;               /* peer came through a Unix-domain socket ("[local]") */
    char peer_host[64];
    char peer_port[16];
    PqSettings set;                 /* snapshot of srv->settings, refreshed per message */
    unsigned set_gen;               /* srv->settings_gen when set was copied */
    PqConnState state;
    bool copy_extended;             /* the COPY in progress came from Execute, not Query */
    SqlError copy_err;              /* PQ_STATE_COPY_DRAIN: the error to report at the end */
    bool broken;                    /* a write failed or timed out: the client is gone */
    PqFramer in;                    /* received bytes */
    ShaleBuf out;                   /* messages not yet written to the socket */
    SqlSession *sess;               /* owned; NULL until authenticated */
    SqlSink sink;                   /* arg = this connection */
    char user[128];
    char database[128];
    PqConn *reg_next, *reg_prev;    /* under srv->mu: the cancel registry */
    bool may_yield;                 /* served by the event loop: pq_conn_run may return WAIT */
    int64_t started_ms;             /* pq_now_ms() at accept */
    PqConn *loop_next, *loop_prev;  /* loop mu: every connection the loop owns */
};

/* --- one connection's life (pq_conn.c) -------------------------------------------------- */

typedef enum PqRunStatus {
    PQ_RUN_WAIT,    /* nothing to read: re-arm the socket and call pq_conn_run when readable */
    PQ_RUN_DONE     /* the connection must close: call pq_conn_finish */
} PqRunStatus;

/* A connection for an accepted socket (takes fd). NULL when out of memory: fd is closed and
 * the connection counted out. */
PqConn *pq_conn_new(PqServer *srv, int fd, uint32_t conn_id, const struct sockaddr_storage *peer,
                    socklen_t peer_len);
/* Serves c: the startup phase first, then messages until none is buffered (WAIT, only when
 * c->may_yield; output is flushed) or the connection must close (DONE). Reads within a
 * message, COPY data and the shutdown path block in pq_io_fill as before. */
PqRunStatus pq_conn_run(PqConn *c);
/* Ends the session, closes the socket, frees c and counts the connection out. */
void pq_conn_finish(PqConn *c);

/* --- I/O (pq_io.c) ------------------------------------------------------------------ */

typedef enum PqIoStatus {
    PQ_IO_OK = 0,
    PQ_IO_EOF,          /* the client closed its end */
    PQ_IO_TIMEOUT,
    PQ_IO_SHUTDOWN,     /* the server is shutting down */
    PQ_IO_ERROR         /* a socket error or out of memory */
} PqIoStatus;

/* Writes every queued output byte, waiting up to set.write_timeout_ms for the client to read
 * each time the socket is full. On failure marks the connection broken and drops output. */
bool pq_io_flush(PqConn *c);
/* Flushes output, then waits up to timeout_ms (-1 = forever) for input and reads what
 * there is into c->in (at least want bytes of room). Returns PQ_IO_SHUTDOWN when the server
 * began shutting down and watch_shutdown is set. */
PqIoStatus pq_io_fill(PqConn *c, int timeout_ms, size_t want, bool watch_shutdown);
/* One read without waiting (through TLS when on): PQ_IO_OK bytes were added to c->in,
 * PQ_IO_TIMEOUT nothing is there yet, PQ_IO_EOF / PQ_IO_ERROR the connection is over. */
PqIoStatus pq_io_try_read(PqConn *c);
/* After 'S' was flushed: runs the TLS server handshake on c->fd until deadline_ms (absolute
 * pq_now_ms() time or -1) and sets c->tls. False (logged, nothing sent, c->broken set) when
 * it fails, times out or the server shuts down: the connection must close. */
bool pq_io_tls_start(PqConn *c, int64_t deadline_ms);

/* --- messages and the sink (pq_sink.c) ----------------------------------------------- */

/* Points c->sink at the callbacks that append backend messages to c->out. */
void pq_sink_init(PqConn *c);
/* ErrorResponse (or NoticeResponse with notice) built from e. */
void pq_send_error(PqConn *c, const SqlError *e, bool notice);
/* Sends an error born here (severity as given) and, for FATAL, flushes it. */
void pq_send_error_code(PqConn *c, SqlSeverity sev, SqlErrCode code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pq_send_ready(PqConn *c);
void pq_send_simple(PqConn *c, char type);      /* a message with no payload */

/* --- reading messages (pq_conn.c) ------------------------------------------------------ */

/* Monotonic milliseconds. */
int64_t pq_now_ms(void);
/* Waits for the next whole message (startup: a startup-phase packet). deadline_ms is an
 * absolute pq_now_ms() time or -1. Returns false when the connection must close: EOF,
 * timeout, shutdown, bad length (the FATAL, where one is due, was sent and logged). */
bool pq_conn_read(PqConn *c, bool startup, int64_t deadline_ms, PqFrame *fr);

/* --- startup and authentication (pq_startup.c) --------------------------------------- */

/* Runs the startup phase up to (not including) the first ReadyForQuery. Returns true with
 * c->sess open and registered, false when the connection must close (any FATAL was sent). */
bool pq_startup_run(PqConn *c);

/* --- server internals (pq_server.c) --------------------------------------------------- */

void pq_server_snapshot_settings(PqServer *srv, PqSettings *out);
/* Re-copies the settings into *out when they changed since generation *gen. */
void pq_server_refresh_settings(PqServer *srv, PqSettings *out, unsigned *gen);
void pq_server_register(PqServer *srv, PqConn *c);
void pq_server_unregister(PqServer *srv, PqConn *c);
/* CancelRequest: cancels the statement of the connection with this id and secret, if any. */
void pq_server_cancel(PqServer *srv, uint32_t id, int32_t secret);
void pq_server_conn_exit(PqServer *srv);

/* md5 (pq_auth.c): 32 lowercase hex digits of md5(a || b) into hex[33]. */
void pq_auth_md5_hex(const void *a, size_t alen, const void *b, size_t blen, char hex[33]);
/* True when password (cleartext, from the client) matches the stored verifier for user:
 * "md5<hex>" or "SCRAM-SHA-256$<iter>:<salt>$<storedkey>:<serverkey>". */
bool pq_auth_check_cleartext(const char *user, const char *password, const char *verifier);
/* True when response (the client's PasswordMessage to an md5 challenge with salt) matches
 * the stored md5 verifier. */
/* SCRAM-SHA-256 (pq_auth.c; message formats there). A parsed verifier; mock = a stand-in
 * for a role without one (the exchange runs, the proof never matches). */
typedef struct PqScramVerifier {
    int iterations;
    char salt64[64];
    uint8_t stored_key[32], server_key[32];
    bool mock;
} PqScramVerifier;
typedef struct PqScramState {
    PqScramVerifier v;
    char nonce[160];                 /* client nonce + server nonce */
    char client_first_bare[256];
    char server_first[320];
} PqScramState;
bool pq_auth_scram_parse(const char *verifier, PqScramVerifier *out);
void pq_auth_scram_mock(const char *user, PqScramVerifier *out);
/* client-first-message -> st->server_first. 0 ok, -1 malformed, -2 channel binding asked. */
int pq_auth_scram_first(PqScramState *st, const char *msg, size_t n, const char *server_nonce);
/* client-final-message: 0 proof ok (server_final = "v=..."), 1 wrong proof, -1 malformed. */
int pq_auth_scram_final(PqScramState *st, const char *msg, size_t n, char *server_final, size_t cap);
bool pq_auth_check_md5(const char *verifier, const uint8_t salt[4], const char *response);

#endif
