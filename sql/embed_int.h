/* embed_int.h -- internals of the embedding jobs shared by sql/embed_*.c: the job record and
 * its key, the per-transaction bookkeeping and the engine (queue, counters, registry).
 *
 * Job key (one per row and embedding column, in the table's own key range so DROP TABLE,
 * TRUNCATE and DROP DATABASE purge jobs with the rows):
 *
 *   db:u32 BE | relfilenode:u32 BE | (EMBED_JOB_INDEX_BASE | attnum):u32 BE | row key
 *
 * where the row key is the table's encoded primary key (RelRow.key). Catalog index ids are
 * OIDs below 2^32 - 2^17, so the index slot never collides with a real index.
 *
 * Job value (format 1):
 *
 *   format:u8 = 1 | status:u8 ('p' pending, 'r' ready, 'f' failed) | attempts:varint32 |
 *   content_hash:fixed64 LE | embedder:varint32 | enqueued_at:fixed64 | updated_at:fixed64 |
 *   next_retry_at:fixed64 | last_error_len:varint32 | last_error bytes
 *
 * Times are timestamptz microseconds since 2000-01-01 UTC (next_retry_at 0 = at once). The
 * content hash is FNV-1a 64 over the UTF-8 bytes of the expression's text value.
 *
 * Lock order: EmbedEngine.commit_lock (rwlock) before EmbedEngine.mu before reg_mu. */
#ifndef SHALE_SQL_EMBED_INT_H
#define SHALE_SQL_EMBED_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "facets/embed/embedder.h"
#include "facets/relational/relational.h"
#include "sql/embed.h"
#include "sql/session_int.h"
#include "util/arena.h"
#include "util/buf.h"

#define EMBED_JOB_INDEX_BASE 0xFFFE0000u
#define EMBED_JOB_PENDING 'p'
#define EMBED_JOB_READY 'r'
#define EMBED_JOB_FAILED 'f'
#define EMBED_ERROR_MAX 255

typedef struct EmbedJob {
    char status;
    uint32_t attempts;
    uint64_t hash;
    Oid embedder;
    int64_t enqueued_at, updated_at, next_retry_at;
    char last_error[EMBED_ERROR_MAX + 1];   /* "" = none */
} EmbedJob;

/* Appends the job key prefix (12 bytes) of column attnum of the table range relfilenode. */
void embed_job_prefix(ShaleBuf *b, Oid db, uint32_t relfilenode, int16_t attnum);
void embed_job_encode(ShaleBuf *b, const EmbedJob *j);
/* -1 on malformed bytes (never reads past p + n). */
int embed_job_decode(const char *p, size_t n, EmbedJob *j);
uint64_t embed_content_hash(const char *s, size_t n);
/* Now as timestamptz microseconds. */
int64_t embed_now_us(void);
/* Column attnum of rel if it is a live embedding column. */
static inline bool embed_is_column(const CatRelation *rel, int i)
{
    return i >= 0 && i < rel->ncols && rel->cols[i].embed_expr && !rel->cols[i].dropped;
}

/* Identity of a job's column and row. */
typedef struct EmbedJobRef {
    Oid db, rel;
    uint32_t relfilenode;
    int16_t attnum;
} EmbedJobRef;

/* Writes (job != NULL) or deletes the job at key through s's transaction, remembering the
 * state it had before the transaction for the counters: orig is that status when the caller
 * knows it (EMBED_ORIG_NONE: no job), or EMBED_ORIG_READ to read it. text (may be NULL) is
 * the text the job embeds, handed to the queue at commit. */
#define EMBED_ORIG_READ 0
#define EMBED_ORIG_NONE '-'
int embed_txn_write(SqlSession *s, const EmbedJobRef *ref, const char *key, size_t klen, const EmbedJob *job,
                    char orig, const char *text, size_t tlen, SqlError *err);

/* The job at key, if this transaction commits it pending, is queued with sequence seq (a
 * worker's retry stays as old as the write that enqueued it, for shale_wait_for_embeddings). */
void embed_txn_keep_seq(SqlSession *s, const char *key, size_t klen, uint64_t seq, int64_t owner);

/* ---- engine -------------------------------------------------------------------------- */

/* A queued or in-flight job (malloc'd, owned by the engine). */
typedef struct EmbedItem {
    struct EmbedItem *next;        /* queue order */
    EmbedJobRef ref;
    Oid embedder;
    uint64_t hash;
    uint64_t seq;                  /* commit order, for shale_wait_for_embeddings (0 = rebuilt) */
    int64_t owner;                 /* the session (pid) whose commit queued it; 0 = rebuilt */
    uint32_t attempts;
    int64_t enqueued_at, next_retry_at;
    char *text;                    /* malloc'd, NULL = read the row */
    size_t text_len;
    bool queued;                   /* in a queue (and the key map); else in flight */
    bool seen;                     /* resync mark */
    size_t klen;
    char key[];                    /* the job key */
} EmbedItem;

typedef struct EmbedQueue {
    Oid db, embedder;
    EmbedItem *head, *tail;
    size_t n;
    int active;                    /* workers running a batch of this queue */
    int fail_streak;               /* consecutive whole-batch retryable failures */
    int64_t backoff_until;         /* timestamptz us; workers skip the queue until then */
    int batch_size;                /* the embedder's, once known (64 before) */
} EmbedQueue;

#define EMBED_RATE_SLOTS 10
typedef struct EmbedCol {
    EmbedJobRef ref;
    Oid embedder;
    int64_t pending, ready, failed;
    int64_t rate_sec[EMBED_RATE_SLOTS];  /* unix second of each slot */
    int64_t rate_n[EMBED_RATE_SLOTS];    /* jobs that became ready in it */
} EmbedCol;

typedef struct EmbedReg {
    Oid db, oid;
    char *provider, *options;      /* what it was opened with (reopened when they change) */
    Embedder *e;
    int refs;
    bool stale;                    /* replaced: freed when refs drops to 0 */
} EmbedReg;

struct EmbedEngine {
    SqlEngine *eng;
    EmbedConfig cfg;
    pthread_rwlock_t commit_lock;  /* read: a commit publishing jobs; write: resync */
    pthread_mutex_t mu;
    pthread_cond_t work_cv;        /* new jobs */
    pthread_cond_t done_cv;        /* a batch finished */
    atomic_bool stopping;
    EmbedCol *cols;
    int ncols, cap_cols;
    EmbedQueue *queues;
    int nqueues, cap_queues;
    int rr;                        /* round robin start */
    EmbedItem **map;               /* open addressing on the job key: queued items */
    size_t map_cap, map_n, map_tomb;
    uint64_t next_seq;
    pthread_mutex_t reg_mu;
    EmbedReg *reg;
    int nreg, cap_reg;
    pthread_t *threads;
    int nthreads;
    /* each worker's in-flight batch (for shale_wait_for_embeddings), under mu */
    EmbedItem **wf_items[64];
    int wf_n[64];
    int next_worker_id;
};

/* Column counters for ref (created when absent); NULL on OOM. REQUIRES mu. */
EmbedCol *embed_col_find(EmbedEngine *ee, const EmbedJobRef *ref, bool create);
/* Queues (or refreshes) a pending job. REQUIRES mu. -1 on OOM. */
int embed_queue_push(EmbedEngine *ee, const EmbedJobRef *ref, const char *key, size_t klen, const EmbedJob *job,
                     uint64_t seq, int64_t owner, const char *text, size_t tlen);
/* Removes a claimed item from the key map / puts it back at the tail of its queue (unless a
 * newer item for its key is queued: then returns -1 and the caller frees it). REQUIRES mu. */
void embed_map_remove(EmbedEngine *ee, EmbedItem *it);
int embed_requeue(EmbedEngine *ee, EmbedItem *it, int64_t next_retry_at);
/* The queue of (db, embedder), created when absent; NULL on OOM. REQUIRES mu. */
EmbedQueue *embed_queue_get(EmbedEngine *ee, Oid db, Oid embedder);
/* Rebuilds counters and queue from storage (all databases). Takes commit_lock for writing. */
int embed_engine_resync(EmbedEngine *ee, SqlError *err);

/* The open embedder for (db, CatEmbedder): opened or reopened on demand; release with
 * embed_reg_release. */
int embed_reg_get(EmbedEngine *ee, Oid db, const CatEmbedder *ce, EmbedReg **out, SqlError *err);
void embed_reg_release(EmbedEngine *ee, EmbedReg *r);
/* Parses the stored options text into opts (strings in arena); returns the count or -1. */
int embed_options_parse(const char *text, ShaleArena *arena, EmbedderOption *opts, int max);
/* The embedder with this OID in snap, NULL if none. */
const CatEmbedder *embed_embedder_by_oid(const CatSnapshot *snap, Oid oid);

/* embed_worker.c */
void *embed_worker_main(void *arg);

#endif
