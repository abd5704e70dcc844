/* sql.h -- the narrow interface between the wire (protocol/) and the SQL engine (sql/).
 *
 * The protocol layer owns sockets, framing and message encoding; the SQL layer owns
 * statements, transactions, settings and the formatting of values (text or binary, as the
 * client asked). The SQL layer reports everything a client must see through an SqlSink the
 * protocol implements; errors come back as an SqlError (the protocol sends ErrorResponse).
 *
 * Threading: an SqlEngine is shared by every session (thread-safe). An SqlSession belongs to
 * one connection and is used by one thread at a time, except sql_session_cancel, which any
 * thread may call.
 *
 * Memory: pointers handed to sink callbacks are valid only during the call. */
#ifndef SHALE_SQL_SQL_H
#define SHALE_SQL_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/sqlerror.h"
#include "catalog/value.h"

typedef struct ShaleDB ShaleDB;
typedef struct SqlEngine SqlEngine;
typedef struct SqlSession SqlSession;

/* --- engine ------------------------------------------------------------------------- */

typedef struct SqlEngineOptions {
    ShaleDB *db;                   /* the storage engine (borrowed; outlives the engine) */
    const char *bootstrap_superuser; /* on first start: superuser role to create */
    const char *bootstrap_database;  /* on first start: extra database besides "postgres" (may be NULL) */
    const char *server_version;    /* e.g. "15.7 (ShaleDB 0.1.0)" reported to clients */
    /* Embedding jobs (docs/embeddings.md); 0 = default: 2 workers (< 0 = none), retry base
     * 1000 ms, cap 60000 ms, 5 attempts. */
    int embedding_workers;
    int embedding_retry_base_ms;
    int embedding_retry_max_ms;
    int embedding_max_attempts;
    const char *data_dir;          /* where hnsw graph files live (<data_dir>/hnsw); NULL = none */
} SqlEngineOptions;

/* Opens the SQL engine over an open storage database, creating the system catalog on first
 * start. Returns 0, or -1 with err set. */
int sql_engine_open(const SqlEngineOptions *opts, SqlEngine **out, SqlError *err);
void sql_engine_close(SqlEngine *eng);

/* What the server needs to authenticate a role at startup. */
typedef struct SqlRoleInfo {
    bool exists;
    bool can_login;
    bool superuser;
    char password[256];            /* stored verifier: "SCRAM-SHA-256$..." or "md5..." or "" */
} SqlRoleInfo;
int sql_engine_role_info(SqlEngine *eng, const char *role, SqlRoleInfo *out, SqlError *err);

/* --- sessions ------------------------------------------------------------------------ */

/* Starts a session for user on database. Fails with 3D000 when the database does not exist
 * and 28000 when the role does not. Options are the startup packet's extra parameters
 * (name/value pairs: application_name, client_encoding, DateStyle, options...). */
int sql_session_open(SqlEngine *eng, const char *user, const char *database,
                     int n_options, const char *const *option_names, const char *const *option_values,
                     SqlSession **out, SqlError *err);
void sql_session_close(SqlSession *s);

/* Thread-safe: the running statement (if any) fails with 57014 at its next check. */
void sql_session_cancel(SqlSession *s);

/* The protocol's way to end a connection from another thread (DROP DATABASE ... WITH
 * (FORCE), like pg_terminate_backend): fn(arg) must make the connection's pending or next
 * read return promptly (e.g. shutdown(fd, SHUT_RD)); it runs on another session's thread
 * under the engine's session lock, so it must not block. arg is borrowed and must stay valid
 * until sql_session_close. After that read the protocol checks sql_session_terminated and
 * closes with FATAL 57P01 "terminating connection due to administrator command". */
void sql_session_set_terminate_hook(SqlSession *s, void (*fn)(void *arg), void *arg);
bool sql_session_terminated(const SqlSession *s);

/* The wire says who the client is, right after sql_session_open: pid is the BackendKeyData
 * process id (pg_backend_pid(), pg_stat_activity.pid, pg_cancel_backend's argument; unique
 * among open sessions); client_addr is the numeric address, NULL for a Unix socket (then
 * client_port is ignored and shows -1). Sessions never told keep an internal pid. */
void sql_session_set_client(SqlSession *s, int32_t pid, const char *client_addr, int client_port);
/* ReadyForQuery: the session waits for its client (pg_stat_activity state 'idle', 'idle in
 * transaction' or 'idle in transaction (aborted)'). Cheap: one per-session lock. */
void sql_session_idle(SqlSession *s);

/* 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
char sql_session_tx_status(const SqlSession *s);

/* A column of a result, as RowDescription shows it. */
typedef struct SqlColumnDesc {
    const char *name;
    Oid table_oid;                 /* 0 when not a plain table column */
    int16_t attnum;                /* 0 when not a plain table column */
    Oid type_oid;
    int16_t typlen;
    int32_t typmod;
    int16_t format;                /* 0 text, 1 binary */
} SqlColumnDesc;

typedef struct SqlSink {
    void *arg;
    void (*row_description)(void *arg, int n_cols, const SqlColumnDesc *cols);
    /* Values already formatted per the column's format; lens[i] == -1 is NULL. */
    void (*data_row)(void *arg, int n_cols, const char *const *vals, const int32_t *lens);
    /* Tag as PostgreSQL writes it: "SELECT 3", "INSERT 0 1", "BEGIN"... */
    void (*command_complete)(void *arg, const char *tag);
    void (*empty_query)(void *arg);
    void (*notice)(void *arg, const SqlError *notice);
    /* A reported setting changed (server_version, client_encoding, DateStyle, TimeZone,
     * application_name, is_superuser, ... : the GUC_REPORT set of PostgreSQL). */
    void (*parameter_status)(void *arg, const char *name, const char *value);
    /* Describe results. */
    void (*parameter_description)(void *arg, int n, const Oid *types);
    void (*no_data)(void *arg);
    /* COPY: format 0 text/csv, 1 binary; col_formats has n_cols entries. */
    void (*copy_in_response)(void *arg, int format, int n_cols, const int16_t *col_formats);
    void (*copy_out_response)(void *arg, int format, int n_cols, const int16_t *col_formats);
    void (*copy_data)(void *arg, const char *data, size_t n);
    void (*copy_done)(void *arg);
} SqlSink;

/* Reports every GUC_REPORT setting's current value through sink->parameter_status (used
 * right after authentication). */
void sql_session_report_settings(SqlSession *s, const SqlSink *sink);

typedef enum SqlStatus {
    SQL_DONE = 0,          /* finished; results were sent through the sink */
    SQL_ERROR = -1,        /* failed; err is set (earlier statements' results were sent) */
    SQL_COPY_IN = 1,       /* a COPY FROM STDIN is waiting for data: feed sql_copy_* */
    SQL_SUSPENDED = 2      /* Execute reached its row limit: send PortalSuspended */
} SqlStatus;

/* --- simple query --------------------------------------------------------------------- */

/* Runs every statement of a Query message, with PostgreSQL's implicit-transaction rules
 * (the whole message is one transaction unless it contains transaction control). An empty
 * query calls sink->empty_query. On SQL_COPY_IN, feed the copy data, then call
 * sql_copy_done (or sql_copy_fail), which go on with the remaining statements. */
SqlStatus sql_exec_simple(SqlSession *s, const char *query, size_t len, const SqlSink *sink, SqlError *err);

/* --- COPY FROM STDIN data ------------------------------------------------------------- */

/* A CopyData message's payload. May fail (bad row: 22P04 etc.): then the COPY is aborted,
 * nothing of it remains, and the caller must still consume the client's CopyData until
 * CopyDone/CopyFail (ignoring them) before reporting the error. */
SqlStatus sql_copy_data(SqlSession *s, const char *data, size_t n, SqlError *err);
/* CopyDone: finishes the COPY (command_complete "COPY n") and continues the simple query. */
SqlStatus sql_copy_done(SqlSession *s, const SqlSink *sink, SqlError *err);
/* CopyFail from the client (message is the client's reason): the COPY fails with 57014. */
SqlStatus sql_copy_fail(SqlSession *s, const char *message, SqlError *err);

/* --- extended query ------------------------------------------------------------------- */

/* Parse: name "" is the unnamed statement (replaced silently); a named one that exists is
 * 42P05. param_types may be shorter than the statement's parameters or contain 0 (infer). */
int sql_parse(SqlSession *s, const char *stmt_name, const char *query, int n_param_types,
              const Oid *param_types, SqlError *err);
/* Bind: formats follow the protocol's rules (0 entries = all text, 1 = applies to all). */
int sql_bind(SqlSession *s, const char *portal, const char *stmt_name,
             int n_param_formats, const int16_t *param_formats,
             int n_params, const char *const *param_values, const int32_t *param_lens,
             int n_result_formats, const int16_t *result_formats, SqlError *err);
/* Describe: statement -> parameter_description then row_description or no_data;
 * portal -> row_description or no_data. */
int sql_describe_statement(SqlSession *s, const char *stmt_name, const SqlSink *sink, SqlError *err);
int sql_describe_portal(SqlSession *s, const char *portal, const SqlSink *sink, SqlError *err);
/* Execute: max_rows 0 = all. Returns SQL_DONE (command_complete sent), SQL_SUSPENDED,
 * SQL_COPY_IN or SQL_ERROR. */
SqlStatus sql_execute(SqlSession *s, const char *portal, int64_t max_rows, const SqlSink *sink, SqlError *err);
/* Close: closing a name that does not exist is not an error. */
void sql_close_statement(SqlSession *s, const char *stmt_name);
void sql_close_portal(SqlSession *s, const char *portal);
/* Sync: ends the extended-query cycle (commits an implicit transaction; rolls it back if an
 * error happened since the last Sync). May fail (e.g. 40001 at commit). */
int sql_sync(SqlSession *s, SqlError *err);
/* The protocol detected an error in the middle of an extended-query cycle (bad message):
 * the cycle is failed as if a statement had failed. */
void sql_mark_failed(SqlSession *s);

#endif
