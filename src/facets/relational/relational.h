/* relational.h -- ShaleDB's relational facet: transactions over the LSM (snapshots, write
 * buffering, row locks, isolation levels, savepoints) and table access (rows, primary and
 * secondary indexes, sequences) used by the SQL executor.
 *
 * Transactions (docs/data-model.md, "Transactions"):
 *  - A transaction reads at a storage snapshot and buffers its writes in memory (reads
 *    merge the buffer: read-your-own-writes). COMMIT applies the buffer as one write batch
 *    (one WAL record), synced unless sync_commit is off.
 *  - READ COMMITTED: each rel_txn_statement_begin takes a fresh snapshot. Writers lock the
 *    row (rel_lock_row); a row locked by another transaction makes the writer wait; after
 *    the wait rel_lock_row reports whether the row changed since the statement's snapshot
 *    and returns the newest committed version (PostgreSQL's EvalPlanQual re-check is the
 *    executor's: re-evaluate WHERE on that version).
 *  - REPEATABLE READ: one snapshot for the whole transaction; locking or writing a row that
 *    another transaction committed after the snapshot fails with 40001 "could not serialize
 *    access due to concurrent update" (or "... concurrent delete").
 *  - SERIALIZABLE: REPEATABLE READ plus read-set validation at COMMIT: if any key in a range
 *    this transaction read was committed by another transaction after its snapshot, COMMIT
 *    fails with 40001 "could not serialize access due to read/write dependencies among
 *    transactions" (write skew is caught).
 *  - Row locks (exclusive for UPDATE/DELETE/INSERT/FOR UPDATE, shared for FOR SHARE and
 *    foreign-key checks) are held until the top-level transaction ends, also across
 *    ROLLBACK TO SAVEPOINT (as in PostgreSQL). Waits detect deadlocks (40P01 "deadlock
 *    detected" with PostgreSQL's detail lines) and end on cancel or statement timeout
 *    (57014).
 *
 * Who enforces what: this layer enforces PRIMARY KEY and UNIQUE (btree) constraints (23505,
 * PostgreSQL's message and detail) and maintains btree secondary indexes. The executor
 * enforces NOT NULL (23502), CHECK (23514), foreign keys (23503, using rel_get /
 * rel_lookup_unique with REL_LOCK_SHARE on the referenced row and rel_scan on the
 * referencing side), defaults, identity and generated columns, and maintains non-btree
 * indexes (hnsw...) through their facets.
 *
 * Threading: a RelDB is shared by all sessions; a RelTxn and its scans belong to one thread.
 * Errors: int functions return 0 (or a documented count/flag) on success and -1 with *err set.
 * Storage failures map via sql_error_from_storage (58030, XX001, 53100 disk full). */
#ifndef SHALE_FACETS_RELATIONAL_RELATIONAL_H
#define SHALE_FACETS_RELATIONAL_RELATIONAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/sqlerror.h"
#include "catalog/value.h"
#include "util/buf.h"

typedef struct ShaleDB ShaleDB;
typedef struct RelDB RelDB;
typedef struct RelTxn RelTxn;
typedef struct RelScan RelScan;

/* ---- database ------------------------------------------------------------------------- */

typedef struct RelDBOptions {
    const char *bootstrap_superuser;   /* first start: superuser role name ("postgres" if NULL) */
    const char *bootstrap_database;    /* first start: extra database (may be NULL) */
} RelDBOptions;

/* Opens the facet over an open storage db (borrowed; outlives the RelDB): opens the
 * catalog, bootstraps it on first start and purges storage of committed drops. */
int rel_db_open(ShaleDB *db, const RelDBOptions *opts, RelDB **out, SqlError *err);
/* REQUIRES: no live transactions. Persists row-count statistics, frees rdb. */
void rel_db_close(RelDB *rdb);
Catalog *rel_db_catalog(RelDB *rdb);
ShaleDB *rel_db_storage(RelDB *rdb);

/* ---- transactions ------------------------------------------------------------------------ */

typedef enum RelIsolation {
    REL_READ_COMMITTED = 0,
    REL_REPEATABLE_READ = 1,
    REL_SERIALIZABLE = 2
} RelIsolation;


/* Executor callbacks for index expressions and partial-index predicates (may be NULL when
 * no such index exists): compute index column `col` of idx from the full row / say whether
 * the row satisfies idx->predicate. A value built by the callback need only stay valid
 * until the next call of the callback (this layer encodes it at once). An expression
 * column's type is taken from its value on an all-NULL row. Return 0 or -1 with err set. */
typedef struct RelExprHooks {
    int (*index_expr)(void *arg, const CatRelation *rel, const CatIndex *idx, int col,
                      const Value *row, Value *out, SqlError *err);
    int (*index_pred)(void *arg, const CatRelation *rel, const CatIndex *idx,
                      const Value *row, bool *matches, SqlError *err);
    /* Appends the text output form of a non-NULL v to out (for 23505 details); NULL = a
     * built-in rendering of integers, text, bool and uuid ("?" for other types). */
    void (*value_out)(void *arg, const Value *v, ShaleBuf *out);
    void *arg;
} RelExprHooks;

typedef struct RelTxnOptions {
    Oid db;                       /* database of the session */
    RelIsolation isolation;       /* default READ COMMITTED */
    bool read_only;               /* writes fail with 25006 */
    bool sync_commit;             /* default true (synchronous_commit = on) */
    int32_t pid;                  /* session's backend pid, for deadlock reports */
    /* Polled during lock waits; returns true when the statement must be cancelled. */
    bool (*interrupted)(void *arg);
    void *interrupt_arg;
    RelExprHooks hooks;
} RelTxnOptions;

void rel_txn_options_init(RelTxnOptions *o);

/* Starts a transaction (snapshot taken at the first rel_txn_statement_begin). *out is
 * freed by rel_txn_commit or rel_txn_abort. */
int rel_txn_begin(RelDB *rdb, const RelTxnOptions *opts, RelTxn **out, SqlError *err);
/* SET TRANSACTION ISOLATION LEVEL: 25001 once a statement has taken a snapshot. */
int rel_txn_set_isolation(RelTxn *t, RelIsolation iso, SqlError *err);
void rel_txn_set_read_only(RelTxn *t, bool ro);
void rel_txn_set_sync_commit(RelTxn *t, bool sync);
/* Marks the start of a statement: READ COMMITTED takes a new snapshot (the first
 * statement of any level takes the transaction's). timeout_ms bounds lock waits of this
 * statement (0 = none; statement_timeout). */
int rel_txn_statement_begin(RelTxn *t, int64_t timeout_ms, SqlError *err);
/* Transaction id (monotonic per process; txid_current) and isolation. */
uint64_t rel_txn_xid(const RelTxn *t);
RelIsolation rel_txn_isolation(const RelTxn *t);
/* True when the transaction has buffered writes. */
bool rel_txn_has_writes(const RelTxn *t);
/* The catalog's view of this transaction (lives as long as t). */
CatTxn *rel_txn_catalog(RelTxn *t);

/* Applies the writes atomically and frees t (also on failure, after rolling back).
 * 40001 on a SERIALIZABLE validation failure; storage errors (53100 disk full...) leave the
 * database as before the commit. */
int rel_txn_commit(RelTxn *t, SqlError *err);
/* Discards the writes, releases locks, frees t. */
void rel_txn_abort(RelTxn *t);
/* Called by an index build (CREATE INDEX, or a rewrite adding an index) on rel before it
 * scans the rows: announces the build so that concurrent writers that do not know the new
 * index fail their commit with 40001 (rel_idxguard.c), then takes a fresh snapshot that
 * holds every commit validated before the announcement (READ COMMITTED; other levels fail
 * with 40001 when anything committed since the transaction's snapshot). */
int rel_txn_index_build_begin(RelTxn *t, const CatRelation *rel, SqlError *err);

/* Savepoints: rel_txn_savepoint returns a level (1, 2, ...). rel_txn_rollback_to(level)
 * undoes the writes after it and keeps the savepoint (PostgreSQL's ROLLBACK TO); locks
 * stay. rel_txn_release(level) forgets it and the ones after it, keeping the writes. The
 * executor maps savepoint names to levels. */
uint32_t rel_txn_savepoint(RelTxn *t);
int rel_txn_rollback_to(RelTxn *t, uint32_t level, SqlError *err);
int rel_txn_release(RelTxn *t, uint32_t level, SqlError *err);

/* ---- rows ------------------------------------------------------------------------------- */

/* A row read from a table: vals[0..nvals) in attnum order (dropped columns NULL); key is
 * the row key (encoded primary key, or encoded hidden row id) that names the row in
 * rel_update/rel_delete/rel_lock_row; ikey is the index entry (encoded index columns) for
 * secondary-index scans. Everything is owned by the RelRow and valid until it is refilled
 * or freed; copy what outlives that. */
typedef struct RelRow {
    ShaleBuf key;
    ShaleBuf ikey;
    ShaleBuf data;                /* encoded row (vals borrow it) */
    Value *vals;
    int nvals;
    int cap;
} RelRow;

void rel_row_init(RelRow *r);
void rel_row_free(RelRow *r);

typedef enum RelLockMode {
    REL_LOCK_NONE = 0,
    REL_LOCK_SHARE = 1,           /* FOR SHARE / FOR KEY SHARE / foreign-key checks */
    REL_LOCK_EXCLUSIVE = 2        /* FOR UPDATE / FOR NO KEY UPDATE / UPDATE / DELETE */
} RelLockMode;

typedef enum RelLockResult {
    REL_ROW_OK = 0,               /* unchanged since the statement snapshot */
    REL_ROW_UPDATED = 1,          /* READ COMMITTED: changed; *latest is the newest version */
    REL_ROW_DELETED = 2           /* READ COMMITTED: deleted by a committed transaction */
} RelLockResult;

/* Encodes the row key of a full row (primary-key columns taken from row). For hidden-row-id
 * tables the key is not derived from the row: 22023 error. OOM sticky in out->oom. */
int rel_encode_row_key(const CatRelation *rel, const Value *row, ShaleBuf *out, SqlError *err);
/* Encodes the first nvals columns of idx (or of the primary key when idx is NULL) for scan
 * bounds and lookups; vals are in index-column order and of the column types. */
int rel_encode_index_values(const CatRelation *rel, const CatIndex *idx, const Value *vals,
                            int nvals, ShaleBuf *out, SqlError *err);
/* Decodes index columns from an index entry (RelRow.ikey) into out[0..idx->ncols), in
 * arena (see keycodec_type_lossless for lossy types). */
int rel_decode_index_values(const CatRelation *rel, const CatIndex *idx, const char *ikey,
                            size_t n, ShaleArena *arena, Value *out, SqlError *err);

/* Point lookup in the transaction's view by row key. Returns 1 (found, *out filled),
 * 0 (absent) or -1. */
int rel_get(RelTxn *t, const CatRelation *rel, const char *key, size_t klen, RelRow *out, SqlError *err);
/* Lookup by all columns of a unique index (or the primary key when idx is NULL), optionally
 * locking the row found (the row is re-read at the newest committed version after the lock,
 * as rel_lock_row does). Returns 1 found, 0 absent, -1 error. */
int rel_lookup_unique(RelTxn *t, const CatRelation *rel, const CatIndex *idx, const Value *vals,
                      RelLockMode lock, RelRow *out, SqlError *err);

/* Locks the row `key` (waiting for other holders). REPEATABLE READ / SERIALIZABLE: 40001
 * when another transaction committed a change to it after the snapshot. READ COMMITTED:
 * *res says whether it changed since the statement snapshot and *latest (may be NULL)
 * holds the newest committed version (own writes included) unless deleted. */
int rel_lock_row(RelTxn *t, const CatRelation *rel, const char *key, size_t klen,
                 RelLockMode mode, RelRow *latest, RelLockResult *res, SqlError *err);

/* INSERT. row = all columns in attnum order (values for every column, the executor having
 * applied defaults; dropped ones ignored). Checks the primary key and unique indexes
 * against committed data and the transaction's writes (waiting on a concurrent inserter's
 * lock like PostgreSQL). On a violation: when conflict is NULL, 23505 `duplicate key value
 * violates unique constraint "t_pkey"` with detail `Key (id)=(1) already exists.` (values
 * rendered by hooks.value_out); when conflict is non-NULL, returns
 * 1 with *conflict set (ON CONFLICT): the conflicting index and the existing row's key,
 * which is now locked exclusively. Returns 0 when inserted. If key_out is non-NULL it
 * receives the new row's key. */
typedef struct RelConflict {
    const CatIndex *index;
    ShaleBuf key;                 /* caller inits (shale_buf_init) and frees */
} RelConflict;
int rel_insert(RelTxn *t, const CatRelation *rel, const Value *row, RelConflict *conflict,
               ShaleBuf *key_out, SqlError *err);

/* UPDATE of the row `key`: old_row is its current version (what rel_lock_row returned, or
 * the statement's row when it reported REL_ROW_OK), new_row the new one. Locks the row
 * (40001 under REPEATABLE READ/SERIALIZABLE on a concurrent change). A changed primary key
 * moves the row (uniqueness checked). Secondary indexes are maintained. */
int rel_update(RelTxn *t, const CatRelation *rel, const char *key, size_t klen,
               const Value *old_row, const Value *new_row, SqlError *err);
/* DELETE of the row `key` whose current version is old_row (for index maintenance). */
int rel_delete(RelTxn *t, const CatRelation *rel, const char *key, size_t klen,
               const Value *old_row, SqlError *err);

/* ---- scans ---------------------------------------------------------------------------- */

/* A range over the primary key (index NULL or the primary index) or a secondary index.
 * lo/hi are encoded index-column prefixes (rel_encode_index_values); NULL = unbounded.
 * Inclusive bounds include every key that starts with the bound (so a prefix of the
 * index columns works as an equality on them). */
typedef struct RelScanSpec {
    const CatIndex *index;
    const char *lo;
    size_t lolen;
    bool lo_inclusive;
    const char *hi;
    size_t hilen;
    bool hi_inclusive;
    bool backward;
    bool keys_only;               /* secondary index: do not fetch rows (vals empty) */
} RelScanSpec;

/* Opens a scan in the transaction's view (statement snapshot + own writes). SERIALIZABLE
 * records the range actually read. *out freed by rel_scan_close (before the txn ends). */
int rel_scan_open(RelTxn *t, const CatRelation *rel, const RelScanSpec *spec, RelScan **out, SqlError *err);
/* Returns 1 with the next row in *out, 0 at the end, -1 on error. */
int rel_scan_next(RelScan *s, RelRow *out, SqlError *err);
void rel_scan_close(RelScan *s);

/* ---- auxiliary records ----------------------------------------------------------------- */

/* Records that facets above this layer keep next to the rows (embedding jobs), written
 * through the transaction's write buffer so they commit in the same WAL record as the rows
 * written with them, vanish on abort and follow ROLLBACK TO SAVEPOINT. key is a full storage
 * key (keycodec prefix included) that the caller owns the layout of: it must not fall in a
 * table's rows or index ranges (use an index id no catalog index can have). No locks are
 * taken: callers serialise writers themselves (e.g. by holding the owning row's lock).
 * rel_aux_get: 1 found (*val filled), 0 absent, -1 error; latest = newest committed state
 * plus own writes instead of the statement snapshot. rel_aux_scan calls fn for each live
 * key in [lo, hi) (hi NULL = to the end) in the transaction's view; fn returns 0 go on,
 * 1 stop, -1 fail (err set). */
int rel_txn_put_aux(RelTxn *t, const char *key, size_t klen, const char *val, size_t vlen, SqlError *err);
int rel_txn_delete_aux(RelTxn *t, const char *key, size_t klen, SqlError *err);
int rel_aux_get(RelTxn *t, const char *key, size_t klen, bool latest, ShaleBuf *val, SqlError *err);
int rel_aux_scan(RelTxn *t, const char *lo, size_t lolen, const char *hi, size_t hilen, CatScanFn fn, void *arg,
                 SqlError *err);

/* ---- tables and sequences ---------------------------------------------------------------- */

/* Approximate live row count (for the planner); cheap. */
int64_t rel_table_row_estimate(RelDB *rdb, Oid db, const CatRelation *rel);

/* Planner statistics (rel_stats.c): an opaque blob per table (sql/analyze.c defines the
 * bytes), durable, NOT transactional (kept when ANALYZE's transaction rolls back), cached
 * in memory. rel_stats_put (database: t's) also sets the row-count estimate to rows (as
 * seen by t: t's own pending inserts/deletes are applied at its commit). rel_stats_get copies
 * the blob into arena (owned by the arena's owner): 1 found, 0 none (or OOM). */
int rel_stats_put(RelTxn *t, const CatRelation *rel, int64_t rows, const char *blob, size_t n, SqlError *err);
int rel_stats_get(RelDB *rdb, Oid db, Oid oid, ShaleArena *arena, const char **blob, size_t *n);
/* TRUNCATE: the table gets a fresh relfilenode (transactional; the old data is purged after
 * commit). The caller refreshes its catalog snapshot afterwards. */
int rel_truncate(RelTxn *t, const CatRelation *rel, SqlError *err);

/* Sequences (rel->kind == 'S'): not transactional, durable (a value returned is never
 * returned again, also after a crash). 2200H when the sequence is exhausted; setval
 * outside min..max: 22003. currval/lastval are session state (the executor's). */
int rel_seq_nextval(RelDB *rdb, Oid db, const CatRelation *seq, int64_t *out, SqlError *err);
int rel_seq_setval(RelDB *rdb, Oid db, const CatRelation *seq, int64_t v, bool is_called, SqlError *err);
/* Current state (last_value, is_called) as `SELECT * FROM seq` shows it. */
int rel_seq_state(RelDB *rdb, Oid db, const CatRelation *seq, int64_t *last_value, bool *is_called, SqlError *err);

/* ---- vector (hnsw) index entries (rel_vecidx.c) ---------------------------------------------
 * An hnsw index (CatIndex.am "hnsw", one vector column) keeps one transactional entry per row
 * whose vector is not NULL: key db|relfilenode|index oid|rowkey -> the vector's Value bytes
 * (dim:uint16 LE | 0:uint16 | dim x float32 LE). rel_insert/rel_update/rel_delete maintain
 * them in the row's transaction, so the entries are exactly the committed state; the
 * in-memory graph above is only a superset of candidates (src/facets/vector/hnsw.h).
 * When an entry is written (insert, or update changing the vector or the row key), the
 * vector hook (if set) is told at statement time so the graph can take the node at once
 * (own uncommitted rows are then findable; others' are dropped by the reader's check). */
typedef struct RelVecHook {
    /* rk = row key, vec = the vector's Value bytes; replaced = the row had an entry under
     * the same key (an UPDATE of the vector). Errors are the hook's own business (a missing
     * node only costs recall until the index is reconciled). */
    void (*entry_put)(void *arg, RelTxn *t, Oid db, const CatRelation *rel, const CatIndex *idx,
                      const char *rk, size_t rklen, const char *vec, size_t vlen, bool replaced);
    /* the entry of row rk was deleted (DELETE, or an UPDATE moving the row key) */
    void (*entry_del)(void *arg, RelTxn *t, Oid db, const CatRelation *rel, const CatIndex *idx,
                      const char *rk, size_t rklen);
    /* t ends (committed or not) and *rel_txn_vec_state(t) is non-NULL: called before t's
     * row locks are released; the hook frees its state and clears the slot. */
    void (*txn_end)(void *arg, RelTxn *t, bool committed);
    void *arg;
} RelVecHook;
/* Set once at startup, before any transaction (not synchronised). */
void rel_db_set_vec_hook(RelDB *rdb, const RelVecHook *hook);
/* The hook's arg (NULL when none): how the executor finds the SQL engine's index registry. */
void *rel_db_vec_hook_arg(RelDB *rdb);
bool rel_index_is_vector(const CatIndex *idx);
/* The vector hook's per-transaction slot (NULL until the hook sets it). */
void **rel_txn_vec_state(RelTxn *t);
/* The final state of t's own write of index idxoid's entry for row rk (after savepoint
 * rollbacks): 1 = t put it (*vec and *vlen point into t's write buffer, valid until t ends),
 * 0 = t deleted it, -1 = t has no write of it. For the vector hook's txn_end. */
int rel_vecidx_txn_entry(RelTxn *t, Oid db, uint32_t relfilenode, Oid idxoid, const char *rk, size_t rklen,
                         const char **vec, size_t *vlen);
/* Writes the entry of row rk (CREATE INDEX backfill) in t. */
int rel_vecidx_put(RelTxn *t, const CatRelation *rel, const CatIndex *idx, const char *rk, size_t rklen,
                   const char *vec, size_t vlen, SqlError *err);
/* Calls fn for every entry of idx in the newest committed state (no transaction; for
 * loading/reconciling the graph). fn returns 0 to go on, -1 to stop with its error. */
typedef int (*RelVecEntryFn)(void *arg, const char *rk, size_t rklen, const char *vec, size_t vlen, SqlError *err);
int rel_vecidx_scan(RelDB *rdb, Oid db, const CatRelation *rel, const CatIndex *idx, RelVecEntryFn fn,
                    void *arg, SqlError *err);

#endif
