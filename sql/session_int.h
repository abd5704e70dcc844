/* session_int.h -- the SQL engine and session objects behind sql.h, shared by session.c
 * (engine, sessions, transaction state, simple query), session_ext.c (extended protocol),
 * utility.c (SET/SHOW/transaction control), ddl.c (DDL) and copy.c (COPY).
 *
 * Transaction states (PostgreSQL's, as ReadyForQuery reports them):
 *
 *   TX_NONE --first statement--> TX_IMPLICIT --end of message / Sync--> TX_NONE [commit]
 *   TX_NONE or TX_IMPLICIT --BEGIN--> TX_BLOCK --COMMIT--> TX_NONE          [commit]
 *   TX_IMPLICIT --error--> TX_NONE                                          [abort]
 *   TX_BLOCK --error--> TX_FAILED --ROLLBACK--> TX_NONE                     [abort]
 *   TX_FAILED --ROLLBACK TO s--> TX_BLOCK                                   [rel_txn_rollback_to]
 *
 * In TX_FAILED the RelTxn is kept (for ROLLBACK TO) but nothing runs: 25P02. */
#ifndef SHALE_SQL_SESSION_INT_H
#define SHALE_SQL_SESSION_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "catalog/catalog.h"
#include "facets/relational/relational.h"
#include "sql/parser/parser.h"
#include "sql/query.h"
#include "sql/settings.h"
#include "sql/sql.h"
#include "sql/types/types.h"
#include "util/arena.h"
#include "util/buf.h"

struct SqlEngine {
    RelDB *rdb;
    ShaleDB *db;
    struct VecRegistry *vreg;      /* hnsw graphs (sql/vecindex.h) */
    char data_dir[4096];           /* the server's data directory; "" = none (BASE_BACKUP) */
    char server_version[64];       /* "15.7" */
    char version_text[160];        /* version() */
    atomic_int next_pid;           /* pseudo backend pids for deadlock reports */
    struct EmbedEngine *embed;     /* embedding jobs and workers (sql/embed.h); owned */
    struct ObsState *obs;          /* statistics counters (sql/obs.h); owned; NULL = none */
    /* Open sessions (session_registry.c): DROP/ALTER DATABASE count and terminate the
     * sessions of a database. sessions_mu guards the list and every session's reg_* and
     * terminate_* fields. */
    pthread_mutex_t sessions_mu;
    SqlSession *sessions;
};

typedef enum TxState { TX_NONE, TX_IMPLICIT, TX_BLOCK, TX_FAILED } TxState;

/* A prepared statement (extended protocol Parse, or PREPARE). Owns its arena. */
typedef struct PreparedStmt {
    char *name;                    /* "" = unnamed */
    ShaleArena arena;              /* text, AST, plan */
    char *text;
    size_t text_len;
    SqlRawStmt raw;                /* raw.stmt NULL for an empty statement */
    int n_params;
    Oid *param_types;              /* [n_params] (0 = not yet known) */
    PreparedQuery *query;          /* for SELECT/INSERT/UPDATE/DELETE; NULL for utilities */
    /* The result columns with their names copied into arena: the query's own names point
     * into the catalog snapshot it was planned with, which DDL elsewhere may free while the
     * statement lives on (e2e fix; ASan use-after-free in Describe). */
    SqlColumnDesc *cols;
    int n_cols;
    uint64_t cat_version;          /* catalog version the query was planned against */
    /* pg_stat_statements (sql/pgss.h): the text counted (a PREPARE's whole text, in arena;
     * NULL = text) and its queryid (0 = not hashed yet). */
    char *pgss_text;
    size_t pgss_len;
    uint64_t pgss_qid;
    struct PreparedStmt *next;
} PreparedStmt;

/* A bound portal. Owns its arena (parameter values, formats, cursor). */
typedef struct Portal {
    char *name;
    ShaleArena arena;
    PreparedStmt *stmt;            /* NULL once the statement was closed (PG keeps portals) */
    int n_params;
    Value *params;
    int n_formats;
    int16_t *formats;              /* result formats as bound */
    QueryCursor *cursor;           /* open query, NULL before the first Execute / for utilities */
    QueryEnv env;                  /* the cursor's environment: it keeps a pointer to it, so it
                                      lives here, not on the stack of one Execute (ASan) */
    CatSnapshot *cat;              /* held while cursor is open */
    bool done;
    int64_t rows_sent;             /* rows sent by earlier (suspended) Executes */
    char tag[64];                  /* command tag once done */
    /* SQL-level cursors (DECLARE; session_cursor.c). A cursor is a portal named after it, so
     * Describe/Execute of the portal work as in PostgreSQL. Non-SCROLL cursors without HOLD
     * read lazily through cursor/env/cat; SCROLL or WITH HOLD ones are materialised at
     * DECLARE into rows (values copied into arena) and need no transaction afterwards. */
    bool is_cursor;
    int cursor_opts;               /* AST_CURSOR_* */
    bool held;                     /* WITH HOLD and its transaction committed: survives */
    PreparedStmt *own_stmt;        /* the cursor's query, not in s->stmts; freed with the portal */
    bool materialized;
    Value **rows;                  /* malloc'd array (owned) of rows living in arena */
    int64_t n_rows, cap_rows;
    int64_t pos;                   /* 0 before the first row, k on row k, n+1 after the last */
    bool at_end;                   /* lazy cursor: the query is exhausted */
    struct Portal *next;
} Portal;

typedef struct SavepointName {
    char name[64];
    uint32_t level;
} SavepointName;

typedef struct CopyState CopyState;   /* copy.c */

/* The role part of a session (sql/session_undo.c saves and restores it). */
typedef struct SessionRoleState {
    char user[64];
    Oid user_oid;
    bool superuser;
    char session_user[64];
    Oid session_user_oid;
} SessionRoleState;
typedef struct SessionUndo SessionUndo;   /* session_undo.c */

/* What pg_stat_activity shows of a session (session_registry.c). The owning thread writes
 * it under mu at each statement start and each ReadyForQuery (one uncontended lock, two
 * clock reads and a bounded copy: no global lock per statement); readers copy it out under
 * eng->sessions_mu then mu (lock order: sessions_mu before mu; the owner never takes
 * sessions_mu while holding mu). Times are PostgreSQL microseconds, 0 = NULL. */
#define SESSION_ACTIVITY_QUERY_MAX 1024  /* track_activity_query_size: text cut below it */
typedef struct SessionActivity {
    pthread_mutex_t mu;
    char state;                    /* 'A' active, 'I' idle, 'T' idle in transaction,
                                      'E' idle in transaction (aborted), 0 starting */
    bool has_client;               /* a wire connection (else an internal session) */
    int64_t backend_start, xact_start, query_start, state_change;
    char client_addr[64];          /* "" = Unix socket */
    int32_t client_port;           /* -1 = Unix socket */
    char application_name[64];     /* copied at each update (SET changes it) */
    size_t query_len;
    char query[SESSION_ACTIVITY_QUERY_MAX];
} SessionActivity;

struct SqlSession {
    SqlEngine *eng;
    char user[64];
    char database[64];
    Oid db_oid;
    Oid user_oid;
    bool superuser;
    /* Roles (sql/session_role.c): user/user_oid/superuser above are the current role (SET
     * ROLE changes them); session_user the SET SESSION AUTHORIZATION one; auth_* the role
     * that logged in (only a superuser may change session authorization). */
    char session_user[64];
    Oid session_user_oid;
    Oid auth_user_oid;
    bool auth_superuser;
    int32_t pid;

    SessionSettings settings;
    TypeContext tc;
    uint64_t random_state;
    atomic_bool cancel;
    /* e2e fix: statement_timeout bounded only lock waits. The running statement's deadline
     * (CLOCK_MONOTONIC ms, 0 = none), polled by the cancel hook; timed_out says the hook
     * fired for it, so the 57014 is reworded "due to statement timeout". */
    int64_t stmt_deadline_ms;
    int obs_depth;                 /* statements running (nested: a utility Execute); errors count at 1 */
    bool timed_out;

    TxState tx;
    RelTxn *txn;                   /* TX_IMPLICIT/TX_BLOCK/TX_FAILED */
    struct QueryIndexCache *index_cache; /* bound index expressions (sql/session_index.c) */
    int64_t txn_timestamp;         /* now() of the current transaction */
    SavepointName *savepoints;
    int n_savepoints, cap_savepoints;
    bool ext_failed;               /* an error happened since the last Sync */
    /* e2e fix: a plain SET inside a transaction is undone when that transaction aborts (as
     * in PostgreSQL). The value each setting had before the transaction, saved at its first
     * SET in the transaction; restored by session_end_txn on abort, forgotten on commit. */
    bool tx_set_any;
    bool tx_set_saved[SETTING__COUNT];
    char tx_set_value[SETTING__COUNT][SETTING_VALUE_MAX];
    /* SET / SET ROLE after a savepoint, undone by ROLLBACK TO (session_undo.c, malloc'd);
     * the role before the transaction (restored on abort) and the one a commit keeps. */
    SessionUndo *undo;
    int n_undo, cap_undo;
    bool tx_role_saved;
    SessionRoleState tx_role_before, tx_role_commit;
    /* Pending isolation for the next transaction (BEGIN ISOLATION LEVEL / SET TRANSACTION). */

    PreparedStmt *stmts;
    Portal *portals;
    /* Result formats of the protocol portal running a utility statement (FETCH / EXECUTE
     * through Bind/Execute); 0 = text. Set by execute_portal for the call only. */
    int util_n_formats;
    const int16_t *util_formats;
    /* Its bound parameters ($n of DECLARE ... CURSOR FOR query through Bind); borrowed. */
    int util_n_params;
    const Value *util_params;
    const Oid *util_param_types;
    bool msg_multi;                /* running a Query message of several statements (an
                                      implicit block for DECLARE CURSOR, as in PostgreSQL) */

    /* Simple query in progress (resumed after COPY FROM STDIN). */
    ShaleArena msg_arena;          /* the Query message's AST and statement arenas */
    char *msg_text;
    size_t msg_len;
    SqlStatementList msg_stmts;
    int msg_next;                  /* next statement index to run */
    CopyState *copy;               /* COPY FROM STDIN in progress */

    /* currval/lastval per sequence (small map). */
    Oid *seq_oids;
    int64_t *seq_vals;
    int n_seq, cap_seq;
    Oid last_seq;

    /* Embedding jobs (sql/embed.h): the current transaction's job writes (owned, NULL when
     * none) and the newest job sequence this session's commits enqueued (read-your-writes
     * for shale_wait_for_embeddings). */
    struct EmbedTxn *embed_txn;
    uint64_t embed_wait_seq;
    /* Registry links and the protocol's terminate hook (under eng->sessions_mu). */
    SqlSession *reg_next, *reg_prev;
    bool registered;
    void (*terminate_fn)(void *arg);
    void *terminate_arg;
    atomic_bool terminated;        /* DROP DATABASE ... WITH (FORCE) ended this session */
    /* pg_stat_activity (above); act.mu initialised while registered (act_init). The login
     * role is kept apart from user/superuser, which SET ROLE changes. */
    SessionActivity act;
    bool act_init;
    atomic_llong act_lock_poll_ms; /* last lock-wait poll (CLOCK_MONOTONIC ms), lock-free */
    Oid act_user_oid;
    bool act_superuser;
    char act_user[64];
    /* The sink of the statement running (NULL between statements): functions such as
     * pg_cancel_backend send their WARNINGs through it (session_registry_warn). */
    const SqlSink *stmt_sink;
};

/* session.c */
/* Statement timeout around one statement: arm before, finish after (rewords a cancel that
 * the deadline caused). */
void session_timeout_arm(SqlSession *s);
void session_timeout_finish(SqlSession *s, bool failed, SqlError *err);
/* Runs one statement of any kind (text is the whole query text its locations refer to). */
SqlStatus session_exec_stmt(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink, SqlError *err);
int session_set(SqlSession *s, const char *name, const char *value, bool local, SqlError *err);
/* ddl_setconfig.c: a session start applies the ALTER DATABASE / ROLE SET list (values
 * that fail are skipped); they also become the RESET values. */
void session_setconfig_apply(SqlSession *s, char *const *list, int n);
/* Transaction end: closes every portal but held (WITH HOLD, committed) cursors. */
void session_close_portals(SqlSession *s);
void session_free_portal(Portal *p);
void session_free_stmt(PreparedStmt *p);
int session_ensure_txn(SqlSession *s, SqlError *err);
/* Commits (TX_IMPLICIT/TX_BLOCK) or aborts (TX_FAILED) and returns to TX_NONE. */
int session_end_txn(SqlSession *s, bool commit, SqlError *err);
/* An error happened in a statement: TX_IMPLICIT -> abort; TX_BLOCK -> TX_FAILED. */
void session_fail_txn(SqlSession *s);
/* Fills env for a statement (takes a catalog snapshot into *cat; release it after). */
int session_query_env(SqlSession *s, QueryEnv *env, CatSnapshot **cat, SqlError *err);
/* sql/session_index.c: fills the index-expression / partial-predicate hooks (arg = s) and
 * frees the session's cache of bound index expressions. */
void session_index_hooks(SqlSession *s, RelExprHooks *h);
void session_index_free(SqlSession *s);
/* Runs a query (already prepared) to completion, sending rows through sink in the formats
 * given (NULL = all text). max_rows 0 = all; returns SQL_DONE/SQL_SUSPENDED/SQL_ERROR. */
SqlStatus session_send_rows(SqlSession *s, QueryCursor *c, const PreparedQuery *q, int n_formats,
                            const int16_t *formats, int64_t max_rows, const SqlSink *sink, SqlError *err);
void session_report_changes(SqlSession *s, const SqlSink *sink);
/* Formats v for the wire: text (types_output) or binary (types_send). */
void session_format_value(SqlSession *s, const Value *v, int16_t format, ShaleBuf *out);

/* session_role.c: SET ROLE / RESET ROLE / SET SESSION AUTHORIZATION (and their RESET /
 * DEFAULT forms). Returns 1 when vs was one of them (done or failed: -1 + err), 0 when not. */
int session_role_set(SqlSession *s, const AstVariableSetStmt *vs, SqlError *err);

/* session_undo.c: transactional SET / SET ROLE (see the file comment). note_* record the
 * state before a change (-1: out of memory, the change then is not undoable); role_set
 * after a successful role change; rollback_to(depth) undoes changes made at savepoint
 * depth >= depth; release(depth) moves deeper ones to depth; end_txn at COMMIT/ROLLBACK. */
void session_role_capture(const SqlSession *s, SessionRoleState *out);
/* session.c: re-applies setting `name` to the TypeContext after its value changed. */
int session_apply_setting(SqlSession *s, const char *name, SqlError *err);
int session_undo_note_setting(SqlSession *s, int id);
int session_undo_note_role(SqlSession *s);
void session_undo_role_set(SqlSession *s, bool local);
void session_undo_rollback_to(SqlSession *s, int depth);
void session_undo_release(SqlSession *s, int depth);
void session_undo_end_txn(SqlSession *s, bool aborted);
/* End of a Query message whose statements ran without a transaction: their SETs stay. */
void session_undo_end_message(SqlSession *s);

/* session_ext.c */
PreparedStmt *session_find_stmt(SqlSession *s, const char *name);
Portal *session_find_portal(SqlSession *s, const char *name);
/* Copies q's result columns (names included) into p's arena as p->cols. */
int session_stmt_keep_columns(PreparedStmt *p, const PreparedQuery *q, SqlError *err);
/* PREPARE / EXECUTE from SQL (shared namespace with the protocol's statements). */
SqlStatus session_sql_prepare(SqlSession *s, const AstPrepareStmt *ps, const char *text, const SqlSink *sink,
                              SqlError *err);
SqlStatus session_sql_execute(SqlSession *s, const AstExecuteStmt *es, const SqlSink *sink, SqlError *err);

/* session_cursor.c: DECLARE / FETCH / MOVE / CLOSE. */
SqlStatus cursor_declare(SqlSession *s, const AstDeclareCursorStmt *d, const SqlSink *sink, SqlError *err);
SqlStatus cursor_fetch(SqlSession *s, const AstFetchStmt *f, const SqlSink *sink, SqlError *err);
SqlStatus cursor_close(SqlSession *s, const AstCloseCursorStmt *c, const SqlSink *sink, SqlError *err);
/* Execute (protocol) of a cursor's portal: forward max_rows (0 = all). */
SqlStatus cursor_execute_portal(SqlSession *s, Portal *p, int64_t max_rows, const SqlSink *sink, SqlError *err);
/* Row description of FETCH name (its cursor's columns, formats applied); -1 if no cursor. */
int cursor_describe(SqlSession *s, const char *name, int n_formats, const int16_t *formats, const SqlSink *sink);

/* utility.c: statements that are not queries. Returns SQL_DONE/SQL_ERROR/SQL_COPY_IN. */
SqlStatus utility_execute(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink, SqlError *err);
/* Row description of a utility statement that returns rows (SHOW, EXPLAIN); 0 otherwise. */
int utility_describe(SqlSession *s, const AstNode *stmt, SqlColumnDesc *cols, int max);
bool utility_is_transaction_control(const AstNode *stmt);
/* A SET argument as setting text: a constant's text ("on"/"off" for booleans) in buf, NULL
 * for NULL or a non-constant. */
const char *utility_const_text(const AstNode *n, char *buf, size_t cap);

/* session_registry.c: the engine's list of open sessions. */
void session_registry_add(SqlSession *s);
void session_registry_remove(SqlSession *s);
/* Sessions connected to database db, not counting self (may be NULL). */
int session_registry_count_db(SqlEngine *eng, Oid db, const SqlSession *self);
/* Marks every session of db but self terminated, cancels its statement and calls its
 * terminate hook (the protocol then closes the connection with FATAL 57P01). Returns how
 * many were signalled. */
int session_registry_terminate_db(SqlEngine *eng, Oid db, const SqlSession *self);
/* session_activity.c: act.mu's life (registry add / remove). */
void session_activity_init(SqlSession *s);
void session_activity_destroy(SqlSession *s);
/* A statement of s starts (text of len bytes: the Query message or the portal's statement). */
void session_activity_begin(SqlSession *s, const char *text, size_t len);
/* A lock wait of s polls (every 10 ms): wait_event 'Lock' while the polls keep coming. */
void session_activity_lock_wait(SqlSession *s);
/* Sends a WARNING through the running statement's sink (dropped when there is none). */
void session_registry_warn(SqlSession *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One session as pg_stat_activity reads it (a copy: no pointer into the session). */
typedef struct SessionActivityRow {
    int32_t pid;
    Oid db_oid;
    char database[64];
    Oid user_oid;
    char user[64];
    bool waiting;                  /* in a lock wait (wait_event Lock / transactionid) */
    SessionActivity act;           /* act.mu unused in the copy */
} SessionActivityRow;
/* Copies every open session into *rows (allocated in arena; *n of them). -1 out of memory. */
int session_registry_snapshot(SqlEngine *eng, ShaleArena *arena, SessionActivityRow **rows, int *n);
/* pg_cancel_backend / pg_terminate_backend from session self (permissions checked as
 * PostgreSQL 15 does; an unknown pid WARNs and gives false). terminate waits up to
 * timeout_ms (0 = not at all) for the session to end. Returns 0 with *result, or -1 +
 * err (42501, 22003). */
int session_registry_signal(SqlSession *self, const CatSnapshot *cat, int32_t pid, bool terminate,
                            int64_t timeout_ms, bool *result, SqlError *err);

/* ddl_database.c: CREATE/DROP/ALTER DATABASE (called by ddl_execute before it opens a
 * transaction: these statements refuse to run inside a transaction block). */
bool ddl_database_is_stmt(const AstNode *stmt);
SqlStatus ddl_database_execute(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink,
                               SqlError *err);

/* ddl.c */
SqlStatus ddl_execute(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink, SqlError *err);

/* copy.c */
SqlStatus copy_start(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink, SqlError *err);
SqlStatus copy_feed(SqlSession *s, const char *data, size_t n, SqlError *err);
SqlStatus copy_finish(SqlSession *s, const SqlSink *sink, SqlError *err);
void copy_abort(SqlSession *s);

#endif
