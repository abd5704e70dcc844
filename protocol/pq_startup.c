/* pq_startup.c -- the startup phase of a connection: SSLRequest (answered 'S' and followed by
 * the TLS handshake when ssl = on, pq_tls.c; else 'N'), GSSENCRequest (refused with 'N'),
 * CancelRequest, the StartupMessage with its version check and protocol
 * 3.x minor-version negotiation, authentication (trust, cleartext password, md5, SCRAM-SHA-256
 * through SASL: pq_auth.c), opening the
 * SQL session, ParameterStatus, BackendKeyData.
 *
 * Startup-phase payloads (after length:int32 code:int32, pq_msg.h):
 *   StartupMessage (code 3.x):  (name:string value:string)* 0
 *   CancelRequest:              process_id:int32 secret:int32
 *   SSLRequest / GSSENCRequest: nothing
 * Backend: NegotiateProtocolVersion 'v' newest_minor:int32 n:int32 n x option:string;
 *   Authentication 'R' code:int32 [salt:4 bytes for md5 | mechanisms (string)* "" for SASL (10) |
 *   SASL data for SASLContinue (11) / SASLFinal (12)]; BackendKeyData 'K' pid:int32 key:int32.
 * Frontend 'p' in SASL: SASLInitialResponse mechanism:string len:int32 data; SASLResponse data. */
#include "protocol/pq_conn_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <mbedtls/base64.h>

/* Startup parameters kept after parsing (they point into the startup packet, which stays in
 * the read buffer until the next read; copied before any further read). */
#define PQ_MAX_STARTUP_PARAMS 64

typedef struct PqStartupParams {
    int n;
    char *names[PQ_MAX_STARTUP_PARAMS];
    char *values[PQ_MAX_STARTUP_PARAMS];
    int n_unknown;                      /* "_pq_." options, reported by NegotiateProtocolVersion */
    char *unknown[PQ_MAX_STARTUP_PARAMS];
    char *storage;                      /* owned: one copy of the packet's strings */
} PqStartupParams;

static void pq_startup_random(void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom((char *)buf + got, n - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < n) {
        /* Never expected on Linux >= 3.17; still produce something unpredictable-ish. */
        for (size_t i = got; i < n; i++)
            ((unsigned char *)buf)[i] = (unsigned char)(rand() ^ (int)(uintptr_t)buf);
    }
}

/* Parses the StartupMessage's name/value list. Returns false after sending FATAL 08P01. */
static bool pq_startup_parse(PqConn *c, const PqFrame *fr, PqStartupParams *sp)
{
    sp->storage = malloc(fr->len + 1);
    if (!sp->storage) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_OUT_OF_MEMORY, "out of memory");
        return false;
    }
    memcpy(sp->storage, fr->payload, fr->len);
    sp->storage[fr->len] = '\0';
    PqReader r;
    pq_reader_init(&r, sp->storage, fr->len);
    for (;;) {
        const char *name = pq_reader_get_string(&r);
        if (r.failed)
            break;
        if (!name[0])
            break;
        const char *value = pq_reader_get_string(&r);
        if (r.failed)
            break;
        if (strncmp(name, "_pq_.", 5) == 0) {
            if (sp->n_unknown < PQ_MAX_STARTUP_PARAMS)
                sp->unknown[sp->n_unknown++] = (char *)name;
            continue;
        }
        if (sp->n >= PQ_MAX_STARTUP_PARAMS) {
            pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                               "too many parameters in startup packet");
            return false;
        }
        sp->names[sp->n] = (char *)name;
        sp->values[sp->n] = (char *)value;
        sp->n++;
    }
    if (!pq_reader_end(&r)) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                           "invalid startup packet layout: expected terminator as last byte");
        return false;
    }
    return true;
}

static const char *pq_startup_param(const PqStartupParams *sp, const char *name)
{
    for (int i = 0; i < sp->n; i++)
        if (strcmp(sp->names[i], name) == 0)
            return sp->values[i];
    return NULL;
}

/* Reads the client's PasswordMessage into buf. False when the connection must close. */
static bool pq_startup_read_password(PqConn *c, int64_t deadline, char *buf, size_t cap)
{
    PqFrame fr;
    if (!pq_conn_read(c, false, deadline, &fr))
        return false;
    if (fr.type != PQ_FE_PASSWORD) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                           "expected password response, got message type %d", fr.type);
        return false;
    }
    PqReader r;
    pq_reader_init(&r, fr.payload, fr.len);
    const char *pw = pq_reader_get_string(&r);
    if (!pq_reader_end(&r)) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION, "invalid message format");
        return false;
    }
    size_t n = strlen(pw);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, pw, n);
    buf[n] = '\0';
    return true;
}

/* Reads a SASL message ('p') into *data and *n (pointing into the read buffer: valid until the
 * next read). initial: SASLInitialResponse (mechanism name, int32 length, bytes). */
static bool pq_startup_read_sasl(PqConn *c, int64_t deadline, bool initial, const char **data, size_t *n)
{
    PqFrame fr;
    if (!pq_conn_read(c, false, deadline, &fr))
        return false;
    if (fr.type != PQ_FE_PASSWORD) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                           "expected SASL response, got message type %d", fr.type);
        return false;
    }
    if (!initial) {
        *data = fr.payload;
        *n = fr.len;
        return true;
    }
    PqReader r;
    pq_reader_init(&r, fr.payload, fr.len);
    const char *mech = pq_reader_get_string(&r);
    int32_t len = pq_reader_get_int32(&r);
    const char *bytes = len > 0 ? pq_reader_get_bytes(&r, (size_t)len) : "";
    if (!pq_reader_end(&r) || len < 0) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION, "malformed SASL message");
        return false;
    }
    if (strcmp(mech, "SCRAM-SHA-256") != 0) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                           "client selected an invalid SASL authentication mechanism");
        return false;
    }
    *data = bytes;
    *n = (size_t)len;
    return true;
}

/* The SCRAM-SHA-256 exchange (pq_auth.c). verifier: the role's, NULL/other = mock. */
static bool pq_startup_scram(PqConn *c, int64_t deadline, const char *verifier)
{
    PqScramState st;
    memset(&st, 0, sizeof st);
    if (!pq_auth_scram_parse(verifier, &st.v))
        pq_auth_scram_mock(c->user, &st.v);
    PqBuilder b;
    pq_builder_begin(&b, &c->out, PQ_BE_AUTHENTICATION);
    pq_builder_put_int32(&b, PQ_AUTH_SASL);
    pq_builder_put_string(&b, "SCRAM-SHA-256");
    pq_builder_put_string(&b, "");
    pq_builder_end(&b);
    const char *msg;
    size_t n;
    if (!pq_startup_read_sasl(c, deadline, true, &msg, &n))
        return false;
    unsigned char raw[18];
    char snonce[32];
    size_t sl;
    pq_startup_random(raw, sizeof raw);
    mbedtls_base64_encode((unsigned char *)snonce, sizeof snonce, &sl, raw, sizeof raw);
    int rc = pq_auth_scram_first(&st, msg, n, snonce);
    if (rc == -2) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                           "malformed SCRAM message: channel binding is not supported by this server");
        return false;
    }
    if (rc != 0) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION, "malformed SCRAM message");
        return false;
    }
    pq_builder_begin(&b, &c->out, PQ_BE_AUTHENTICATION);
    pq_builder_put_int32(&b, PQ_AUTH_SASL_CONTINUE);
    pq_builder_put_bytes(&b, st.server_first, strlen(st.server_first));
    pq_builder_end(&b);
    if (!pq_startup_read_sasl(c, deadline, false, &msg, &n))
        return false;
    char final[128];
    rc = pq_auth_scram_final(&st, msg, n, final, sizeof final);
    if (rc < 0) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION, "malformed SCRAM message");
        return false;
    }
    if (rc == 1) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_INVALID_PASSWORD,
                           "password authentication failed for user \"%s\"", c->user);
        return false;
    }
    pq_builder_begin(&b, &c->out, PQ_BE_AUTHENTICATION);
    pq_builder_put_int32(&b, PQ_AUTH_SASL_FINAL);
    pq_builder_put_bytes(&b, final, strlen(final));
    pq_builder_end(&b);
    return true;
}

static bool pq_startup_authenticate(PqConn *c, int64_t deadline)
{
    PqAuthMethod m = c->loopback ? c->set.auth_loopback : c->set.auth_remote;
    if (m == PQ_AUTH_TRUST)
        return true;
    if (m == PQ_AUTH_REJECT) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
                           "connection from host \"%s\" is rejected for user \"%s\"",
                           c->peer_host, c->user);
        return false;
    }
    SqlRoleInfo role;
    SqlError err;
    sql_error_clear(&err);
    memset(&role, 0, sizeof role);
    if (sql_engine_role_info(c->srv->eng, c->user, &role, &err) != 0)
        role.exists = false;
    role.password[sizeof role.password - 1] = '\0';
    /* scram-sha-256, and md5 for a role whose verifier is SCRAM (as PostgreSQL): the SASL
     * exchange; unknown roles run it against a mock verifier */
    if (m == PQ_AUTH_SCRAM || (m == PQ_AUTH_MD5 && strncmp(role.password, "SCRAM-SHA-256$", 14) == 0))
        return pq_startup_scram(c, deadline, role.exists ? role.password : NULL);
    bool md5_ok = m == PQ_AUTH_MD5 && strncmp(role.password, "md5", 3) == 0;
    /* A role whose verifier is not md5 (SCRAM) gets a cleartext request until the SCRAM
     * exchange exists; an unknown role still goes through the exchange so the answer does
     * not reveal which roles exist. */
    uint8_t salt[4];
    PqBuilder b;
    pq_builder_begin(&b, &c->out, PQ_BE_AUTHENTICATION);
    if (md5_ok || (m == PQ_AUTH_MD5 && !role.exists)) {
        pq_startup_random(salt, 4);
        pq_builder_put_int32(&b, PQ_AUTH_MD5_PASSWORD);
        pq_builder_put_bytes(&b, salt, 4);
        md5_ok = true;
    } else {
        pq_builder_put_int32(&b, PQ_AUTH_CLEARTEXT_PASSWORD);
    }
    pq_builder_end(&b);
    char pw[1024];
    if (!pq_startup_read_password(c, deadline, pw, sizeof pw))
        return false;
    bool ok = role.exists && role.password[0] &&
              (md5_ok ? pq_auth_check_md5(role.password, salt, pw)
                      : pq_auth_check_cleartext(c->user, pw, role.password));
    memset(pw, 0, sizeof pw);
    if (!ok) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_INVALID_PASSWORD,
                           "password authentication failed for user \"%s\"", c->user);
        return false;
    }
    return true;
}

/* DROP DATABASE ... WITH (FORCE) from another session: wake this connection's read (it
 * sees EOF and pq_conn_read reports FATAL 57P01). Runs on the other session's thread. */
static void pq_startup_terminate_hook(void *arg)
{
    PqConn *c = arg;
    shutdown(c->fd, SHUT_RD);
}

/* Opens the SQL session with the client's parameters plus the server's session defaults. */
static bool pq_startup_open_session(PqConn *c, const PqStartupParams *sp)
{
    const char *names[PQ_MAX_STARTUP_PARAMS * 2], *values[PQ_MAX_STARTUP_PARAMS * 2];
    int n = 0;
    for (int i = 0; i < sp->n; i++) {
        if (strcmp(sp->names[i], "user") == 0 || strcmp(sp->names[i], "database") == 0)
            continue;
        names[n] = sp->names[i];
        values[n] = sp->values[i];
        n++;
    }
    for (int i = 0; i < c->set.n_session_defaults && n < PQ_MAX_STARTUP_PARAMS * 2; i++) {
        if (pq_startup_param(sp, c->set.session_default_names[i]))
            continue; /* the client's own value wins */
        names[n] = c->set.session_default_names[i];
        values[n] = c->set.session_default_values[i];
        n++;
    }
    SqlError err;
    sql_error_clear(&err);
    if (sql_session_open(c->srv->eng, c->user, c->database, n, names, values, &c->sess, &err) != 0) {
        c->sess = NULL;
        err.severity = SQL_SEV_FATAL;
        pq_send_error(c, &err, false);
        pq_log_write(PQ_LOG_FATAL, c->id, "%s", err.message);
        pq_io_flush(c);
        return false;
    }
    sql_session_set_terminate_hook(c->sess, pq_startup_terminate_hook, c);
    /* pg_stat_activity: pid = the BackendKeyData id; no port means a Unix socket */
    sql_session_set_client(c->sess, (int32_t)c->id, c->peer_port[0] ? c->peer_host : NULL, atoi(c->peer_port));
    return true;
}

bool pq_startup_run(PqConn *c)
{
    int64_t deadline = c->set.authentication_timeout_ms > 0
                           ? pq_now_ms() + c->set.authentication_timeout_ms : -1;
    PqFrame fr;
    bool ssl_done = false, gss_done = false;
    for (;;) {
        if (!pq_conn_read(c, true, deadline, &fr))
            return false;
        if (fr.code == PQ_SSL_REQUEST_CODE && fr.len == 0 && !ssl_done) {
            ssl_done = true;
            /* No TLS over a Unix-domain socket, as PostgreSQL: the kernel already keeps the
             * bytes local. */
            if (!c->srv->tls || c->tls || c->unix_socket) {
                shale_buf_append_byte(&c->out, 'N');
                continue;
            }
            /* Bytes that came with the SSLRequest were sent before encryption and may have
             * been injected by a man in the middle (CVE-2021-23214): refuse, in plain text. */
            if (pq_frame_pending(&c->in) > 0) {
                SqlError e;
                sql_error_clear(&e);
                e.code = ERRCODE_PROTOCOL_VIOLATION;
                e.severity = SQL_SEV_FATAL;
                snprintf(e.message, sizeof e.message, "received unencrypted data after SSL request");
                snprintf(e.detail, sizeof e.detail, "This could be either a client-software bug or "
                         "evidence of an attempted man-in-the-middle attack.");
                pq_send_error(c, &e, false);
                pq_io_flush(c);
                return false;
            }
            shale_buf_append_byte(&c->out, 'S');
            if (!pq_io_flush(c) || !pq_io_tls_start(c, deadline))
                return false;
            continue;
        }
        if (fr.code == PQ_GSSENC_REQUEST_CODE && fr.len == 0 && !gss_done) {
            gss_done = true;
            shale_buf_append_byte(&c->out, 'N');
            continue;
        }
        if (fr.code == PQ_CANCEL_REQUEST_CODE && fr.len == 8) {
            uint32_t pid = pq_get_be32(fr.payload);
            int32_t key = (int32_t)pq_get_be32(fr.payload + 4);
            pq_log_write(PQ_LOG_DEBUG, c->id, "cancel request for connection %u", pid);
            pq_server_cancel(c->srv, pid, key);
            return false; /* no reply: the client just closes */
        }
        if (!c->tls && !c->loopback && c->set.ssl_required_remote) {
            pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
                               "connection from host \"%s\" requires SSL (ssl_required_remote)",
                               c->peer_host);
            return false;
        }
        break;
    }
    uint32_t major = (uint32_t)fr.code >> 16, minor = (uint32_t)fr.code & 0xffff;
    if (major != 3) {
        if (fr.code == PQ_SSL_REQUEST_CODE || fr.code == PQ_GSSENC_REQUEST_CODE ||
            fr.code == PQ_CANCEL_REQUEST_CODE)
            pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_PROTOCOL_VIOLATION,
                               "invalid startup request (code %u, %zu bytes)", (uint32_t)fr.code,
                               fr.len);
        else
            pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_FEATURE_NOT_SUPPORTED,
                               "unsupported frontend protocol %u.%u: server supports 3.0 to 3.0",
                               major, minor);
        return false;
    }
    PqStartupParams sp;
    memset(&sp, 0, sizeof sp);
    bool ok = pq_startup_parse(c, &fr, &sp);
    if (ok && (minor > 0 || sp.n_unknown > 0)) {
        PqBuilder b;
        pq_builder_begin(&b, &c->out, PQ_BE_NEGOTIATE_PROTOCOL_VERSION);
        pq_builder_put_int32(&b, PQ_PROTOCOL_3_0);
        pq_builder_put_int32(&b, sp.n_unknown);
        for (int i = 0; i < sp.n_unknown; i++)
            pq_builder_put_string(&b, sp.unknown[i]);
        pq_builder_end(&b);
    }
    const char *user = ok ? pq_startup_param(&sp, "user") : NULL;
    if (ok && (!user || !user[0])) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
                           "no PostgreSQL user name specified in startup packet");
        ok = false;
    }
    if (ok) {
        const char *db = pq_startup_param(&sp, "database");
        snprintf(c->user, sizeof c->user, "%s", user);
        snprintf(c->database, sizeof c->database, "%s", db && db[0] ? db : user);
        pq_log_write(PQ_LOG_LOG, c->id, "connection authorization requested: user=%s database=%s",
                     c->user, c->database);
    }
    if (ok && atomic_load(&c->srv->shutting_down)) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_CANNOT_CONNECT_NOW,
                           "the database system is shutting down");
        ok = false;
    }
    if (ok && pq_server_active(c->srv) > c->set.max_connections) {
        pq_send_error_code(c, SQL_SEV_FATAL, ERRCODE_TOO_MANY_CONNECTIONS,
                           "sorry, too many clients already");
        ok = false;
    }
    ok = ok && pq_startup_authenticate(c, deadline);
    if (ok) {
        PqBuilder b;
        pq_builder_begin(&b, &c->out, PQ_BE_AUTHENTICATION);
        pq_builder_put_int32(&b, PQ_AUTH_OK);
        pq_builder_end(&b);
        ok = pq_startup_open_session(c, &sp);
    }
    free(sp.storage);
    if (!ok)
        return false;
    sql_session_report_settings(c->sess, &c->sink);
    pq_startup_random(&c->secret, sizeof c->secret);
    PqBuilder b;
    pq_builder_begin(&b, &c->out, PQ_BE_BACKEND_KEY_DATA);
    pq_builder_put_int32(&b, (int32_t)c->id);
    pq_builder_put_int32(&b, c->secret);
    pq_builder_end(&b);
    pq_server_register(c->srv, c);
    pq_log_write(PQ_LOG_LOG, c->id, "connection authorized: user=%s database=%s", c->user,
                 c->database);
    return true;
}
