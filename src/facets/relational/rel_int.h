/* rel_int.h -- internals of the relational facet shared by its files: the write buffer
 * (an arena skiplist with an undo log for savepoints), the merged view iterator, the row-lock
 * manager and the transaction manager (commit timestamps, conflict tracking).
 *
 * Timestamps. Commits get a logical timestamp ts (tm.next_ts) when they validate, then write
 * their batch outside any lock (so storage group commit batches the syncs), then leave the
 * in-flight set. A snapshot records snap_ts = (smallest in-flight ts) - 1 (or the last ts)
 * and then takes the storage snapshot, both under tm.mu, so every commit with ts <= snap_ts
 * is visible in it. A commit with ts > snap_ts may also be visible (it finished early): the
 * conflict checks below then see a false conflict, never miss one. REPEATABLE READ and
 * SERIALIZABLE snapshots first wait for the commits already numbered, which keeps such
 * false conflicts rare.
 *
 * Conflict tracking (tm.mu):
 *   tracker     hash of storage key -> ts of the last commit that wrote it, for commits newer
 *               than the oldest active snapshot (pruned as snapshots advance). "Changed since
 *               my snapshot" = tracker[key] > snap_ts. Hash collisions only cause false
 *               conflicts.
 *   commit log  while SERIALIZABLE transactions are active: each commit's written keys, for
 *               read-set validation (a read range containing a key committed after our
 *               snapshot fails the commit).
 *
 * Lock order: lm.mu (row locks) and tm.mu are never held together; seq.mu alone. */
#ifndef SHALE_FACETS_RELATIONAL_REL_INT_H
#define SHALE_FACETS_RELATIONAL_REL_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "catalog/catalog.h"
#include "facets/relational/relational.h"
#include "storage/shale_storage.h"
#include "util/arena.h"
#include "util/hash.h"

/* ---- write buffer ------------------------------------------------------------------- */

#define WB_MAX_HEIGHT 12

typedef enum WbState { WB_ABSENT = 0, WB_PUT = 1, WB_DEL = 2 } WbState;

typedef struct WbNode {
    const char *key;
    uint32_t klen;
    uint32_t vlen;
    const char *val;
    uint8_t state;            /* WbState */
    uint8_t height;
    struct WbNode *next[];    /* [height] */
} WbNode;

typedef struct WbUndo {
    WbNode *node;
    const char *val;
    uint32_t vlen;
    uint8_t state;
} WbUndo;

/* Lives in its own arena (transaction lifetime). Not thread-safe (one transaction). */
typedef struct WriteBuf {
    ShaleArena arena;
    WbNode *head;
    int height;
    ShaleRandom rnd;
    uint32_t n_nodes;
    uint32_t n_live;          /* nodes in PUT/DEL state */
    WbUndo *undo;             /* malloc'd log of overwritten states, for savepoints */
    size_t n_undo, cap_undo;
    bool oom;
} WriteBuf;

void wb_init(WriteBuf *wb);
void wb_free(WriteBuf *wb);
/* Records a put/delete; copies key and value into the buffer's arena. false on OOM. */
bool wb_set(WriteBuf *wb, const char *key, size_t klen, const char *val, size_t vlen, WbState st);
/* The node for key, NULL if never written (a node may be WB_ABSENT after a rollback). */
WbNode *wb_find(const WriteBuf *wb, const char *key, size_t klen);
/* First node >= key (key NULL: first node). */
WbNode *wb_seek(const WriteBuf *wb, const char *key, size_t klen);
/* Last node < key (key NULL: last node). */
WbNode *wb_seek_before(const WriteBuf *wb, const char *key, size_t klen);
/* Undo to the log position mark (a savepoint). */
void wb_rollback(WriteBuf *wb, size_t mark);

/* ---- merged view iterator: buffer over a storage snapshot, within [lo, hi) ---------------- */

typedef struct ViewIter {
    ShaleDBIter *it;          /* owned */
    const WriteBuf *wb;
    WbNode *bn;               /* buffer cursor (next candidate) */
    ShaleBuf lo, hi;          /* bounds; hi.len == 0 && !hi_set = unbounded */
    bool hi_set;
    bool backward;
    bool valid;
    const char *key, *val;    /* current; valid until the next move */
    size_t klen, vlen;
    bool from_buf;
    ShaleError serr;
    bool failed;
} ViewIter;

/* snap NULL = the newest state. lo/hi copied. */
bool view_iter_open(ViewIter *vi, ShaleDB *db, const ShaleSnapshot *snap, const WriteBuf *wb,
                    const char *lo, size_t lolen, const char *hi, size_t hilen, bool hi_set, bool backward);
void view_iter_next(ViewIter *vi);
void view_iter_close(ViewIter *vi);

/* ---- row locks --------------------------------------------------------------------------- */

typedef struct LockEntry LockEntry;

/* One entry a transaction holds (in any mode): each entry appears once in RelTxn.locks;
 * the mode lives in the entry (excl / sharers), so an upgrade adds nothing here. */
typedef struct HeldLock {
    LockEntry *e;
} HeldLock;

typedef struct LockMgr {
    pthread_mutex_t mu;
    LockEntry **buckets;      /* chained hash on the key; n_buckets a power of two */
    size_t n_buckets;
    size_t n_entries;         /* grows the table past 1 entry per bucket (bulk loads) */
} LockMgr;

void lockmgr_init(LockMgr *lm);
void lockmgr_destroy(LockMgr *lm);

/* ---- transaction manager ----------------------------------------------------------------- */

typedef struct TrackSlot {
    uint64_t h;               /* key hash; 0 = empty */
    uint64_t ts;
} TrackSlot;

typedef struct CommitLogEntry {
    struct CommitLogEntry *next;
    uint64_t ts;
    size_t nkeys;
    ShaleSlice *keys;         /* into the same allocation */
} CommitLogEntry;

/* Index-set guard (rel_idxguard.c): one per table that had an index build since startup.
 * pending = index builds announced and not yet ended; complete = ddl epoch bumped when the
 * last one committed (after its catalog change became visible). tm.mu. */
typedef struct IdxGuard {
    uint64_t id;              /* db << 32 | relfilenode */
    uint64_t complete;
    int pending;
} IdxGuard;

/* A table a transaction wrote and the ddl epoch of its first statement writing it. */
typedef struct TblNote {
    uint64_t id;
    uint64_t epoch;
} TblNote;

typedef struct TxnMgr {
    pthread_mutex_t mu;
    pthread_cond_t cv;        /* broadcast when a commit leaves the in-flight set */
    int n_snap_waiters;
    uint64_t last_ts;         /* last commit timestamp handed out */
    uint64_t next_xid;
    uint64_t *inflight;       /* commit timestamps being written */
    size_t n_inflight, cap_inflight;
    RelTxn *active;           /* doubly linked list of transactions with a snapshot */
    int n_serializable;       /* active SERIALIZABLE transactions */
    TrackSlot *track;
    size_t track_cap, track_n;
    CommitLogEntry *log_head, *log_tail;
    uint64_t commits_since_prune;
    /* rel_idxguard.c: bumped (under mu) when an index build commits; read lock-free at
     * statement start, before the statement fetches its catalog snapshot */
    _Atomic uint64_t ddl_epoch;
    IdxGuard *guards;
    size_t n_guards, cap_guards;
} TxnMgr;

typedef struct CountEntry {
    uint64_t id;              /* db << 32 | relfilenode */
    int64_t n;
    bool loaded;
} CountEntry;

struct RelDB {
    ShaleDB *db;
    Catalog *cat;
    RelVecHook vec_hook;      /* rel_vecidx.c; set at startup */
    LockMgr lm;
    TxnMgr tm;
    pthread_mutex_t seq_mu;   /* sequences and row counts and row-id counters */
    struct SeqState *seqs;
    CountEntry *counts;
    size_t counts_cap, counts_n;
    CountEntry *rowids;       /* next hidden row id per (db, relfilenode) */
    size_t rowids_cap, rowids_n;
    struct RelStatsEntry *stats; /* rel_stats.c: cached planner statistics (seq_mu) */
};

typedef struct ReadRange {
    char *lo, *hi;            /* malloc'd; hi NULL = unbounded; [lo, hi] inclusive */
    size_t lolen, hilen;
} ReadRange;

typedef struct CountDelta {
    uint64_t id;
    int64_t delta;
} CountDelta;

struct RelTxn {
    RelDB *rdb;
    void *vec_state;          /* owned by rdb->vec_hook (rel_vecidx.c) */
    RelTxnOptions opts;
    uint64_t xid;
    WriteBuf wb;
    CatTxn cat;
    bool started;             /* a statement has taken a snapshot */
    bool in_active;
    const ShaleSnapshot *snap;
    uint64_t snap_ts;
    int64_t deadline_us;      /* monotonic; 0 = none */
    /* locks held */
    HeldLock *locks;
    size_t n_locks, cap_locks;
    LockEntry *waiting_on;    /* lm.mu */
    int waiting_mode;         /* lm.mu: the RelLockMode waited for */
    pthread_cond_t lock_cv;   /* lm.mu: this waiter's wakeup (initialised at its first wait) */
    bool lock_cv_ready;
    /* savepoints: undo-log marks */
    size_t *sp_marks;
    uint32_t n_sp, cap_sp;
    /* SERIALIZABLE read set */
    ReadRange *reads;
    size_t n_reads, cap_reads;
    CountDelta *deltas;
    size_t n_deltas, cap_deltas;
    RelTxn *prev, *next;      /* tm.active */
    ShaleBuf scratch;
    /* rel_idxguard.c */
    uint64_t stmt_epoch;      /* tm.ddl_epoch at the current statement's start */
    TblNote *wtabs;           /* tables written (malloc'd) */
    size_t n_wtabs, cap_wtabs;
    uint64_t *announced;      /* tables this transaction builds an index on (malloc'd) */
    size_t n_announced, cap_announced;
    bool note_oom;            /* a note was lost: the commit check fails if guards exist */
};

/* rel_lock.c */
int lock_acquire(RelTxn *t, const char *key, size_t klen, RelLockMode mode, SqlError *err);
void lock_release_all(RelTxn *t);
/* Frees what lock waits left in t (its condition variable); t holds and awaits no lock. */
void lock_txn_cleanup(RelTxn *t);

/* rel_txn.c */
int64_t rel_now_us(void);
/* ts of the last commit of key (0 = none tracked). */
uint64_t txn_key_commit_ts(RelDB *rdb, const char *key, size_t klen);
/* rel_vecidx.c: hnsw index entries of row (NULL = none) replacing those of old_row. */
int rel_vecidx_maintain(RelTxn *t, const CatRelation *rel, const Value *row, const char *rk, size_t rklen,
                        const Value *old_row, const char *old_rk, size_t old_rklen, SqlError *err);
int txn_put(RelTxn *t, const char *key, size_t klen, const char *val, size_t vlen, SqlError *err);
int txn_del(RelTxn *t, const char *key, size_t klen, SqlError *err);
/* Reads key in the txn view (latest: newest state + own writes). 1 found (*val filled),
 * 0 absent, -1 error. */
int txn_get(RelTxn *t, const char *key, size_t klen, bool latest, ShaleBuf *val, SqlError *err);
void txn_note_read(RelTxn *t, const char *lo, size_t lolen, const char *hi, size_t hilen);
int txn_ensure_snapshot(RelTxn *t, SqlError *err);
void txn_count_delta(RelTxn *t, Oid db, uint32_t relfilenode, int64_t d);
int txn_check_writable(RelTxn *t, SqlError *err);

/* Takes a fresh snapshot, first waiting for every commit already numbered to land (any
 * isolation level; an index build's scan must see every commit validated before it). */
void txn_snapshot_refresh(RelTxn *t);

/* rel_idxguard.c: see the top of that file. */
void txn_note_table(RelTxn *t, uint32_t relfilenode);
/* tm.mu held: false when t wrote a table whose index set changed under it. */
bool idxguard_commit_ok(TxnMgr *tm, const RelTxn *t);
/* After the catalog change of t is visible (or dropped): ends t's announcements. */
void idxguard_txn_end(RelTxn *t, bool committed);

/* rel_seq.c */
void seq_persist_exact(RelDB *rdb);
void seq_free_all(RelDB *rdb);
void counts_apply(RelDB *rdb, const CountDelta *d, size_t n);
void counts_persist(RelDB *rdb);
/* Sets the row-count estimate of id (db << 32 | relfilenode) to n (ANALYZE). */
void counts_set(RelDB *rdb, uint64_t id, int64_t n);
void rel_stats_free_all(RelDB *rdb);
int64_t rowid_next(RelDB *rdb, Oid db, uint32_t relfilenode, SqlError *err);

#endif
