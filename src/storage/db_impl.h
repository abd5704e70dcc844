/* db_impl.h -- the ShaleDB object shared by db.c (open, writes, reads), db_background.c
 * (flush, compaction, file deletion) and db_checkpoint.c.
 *
 * Locking: one mutex `mu` guards every field below marked (mu). The write path holds the
 * writer role (head of the writers queue) to append to the WAL and insert into `mem`
 * WITHOUT mu, so readers and the background thread are never blocked by WAL I/O. The
 * background thread drops mu for all file I/O. Readers take mu only to ref mem/imm/current
 * and take a sequence number.
 *
 * Invariants:
 *  1. last_sequence (in vset) only covers batches fully inserted into mem: a reader that
 *     reads it never sees half a batch.
 *  2. WAL files numbered >= vset->log_number hold every write not yet in an SSTable;
 *     imm's writes are in wal `imm_wal` (< wal_number) until imm's flush is installed.
 *  3. bg_error is sticky: after a failed WAL write/sync or background I/O error, writes
 *     fail with it (reads go on) until the database is reopened. */
#ifndef SHALE_STORAGE_DB_IMPL_H
#define SHALE_STORAGE_DB_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "storage/block_cache.h"
#include "storage/counters.h"
#include "storage/log_format.h"
#include "storage/memtable.h"
#include "storage/shale_storage.h"
#include "storage/table_cache.h"
#include "storage/version.h"
#include "storage/write_batch_int.h"

struct ShaleSnapshot {
    uint64_t seq;
    struct ShaleSnapshot *prev, *next;   /* (mu) list sorted by seq, oldest first */
};

typedef struct DbWriter {
    const ShaleWriteBatch *batch;        /* NULL: a request to switch the memtable */
    bool sync;
    bool done;
    ShaleCode rc;
    ShaleError err;
    pthread_cond_t cv;
    struct DbWriter *next;
} DbWriter;

typedef struct ManualCompaction {
    int level;
    const ShaleSlice *begin, *end;       /* user keys; NULL = unbounded */
    bool done;
    ShaleCode rc;
    ShaleError err;
} ManualCompaction;

struct ShaleCheckpoint {
    ShaleDB *db;
    Version *version;                    /* ref'd (pins the files) */
    uint64_t seq;
    ShaleCheckpointFile *files;
    size_t n_files;
    char *dir;
};

struct ShaleDB {
    char *dir;
    ShaleDBOptions opts;
    ShaleEnv *env;
    int lock_fd;

    pthread_mutex_t mu;
    pthread_cond_t bg_cv;                /* background work finished a step (mu) */
    pthread_cond_t bg_work_cv;           /* background thread: there may be work (mu) */
    pthread_t bg_thread;
    bool bg_running;
    bool shutting_down;                  /* (mu) */
    ShaleError bg_error;                 /* (mu) sticky */

    BlockCache *block_cache;
    TableCache *table_cache;
    StorageCounters counters;
    VersionSet *vset;

    MemTable *mem;                       /* (mu) pointer; contents: writer role */
    MemTable *imm;                       /* (mu) frozen, being flushed; or NULL */
    uint64_t mem_id, imm_id;             /* (mu) memtable serial numbers */
    uint64_t flushed_mem_id;             /* (mu) highest memtable id whose flush is installed */
    uint64_t wal_number;                 /* (mu) */
    ShaleWritableFile *wal_file;         /* writer role */
    LogWriter *wal;                      /* writer role */

    DbWriter *writers_head, *writers_tail; /* (mu) FIFO; head holds the writer role */
    ShaleWriteBatch *group_batch;        /* writer role: scratch for group commit */

    struct ShaleSnapshot snapshots;      /* (mu) sentinel */
    size_t n_snapshots;                  /* (mu) */

    ManualCompaction *manual;            /* (mu) */
    /* File numbers being written by the background thread (not yet in a version). */
    uint64_t *pending_outputs;           /* (mu) */
    size_t n_pending, cap_pending;

    /* Checkpoint waiting for the flush of memtable ckpt_mem_id to capture its version. */
    pthread_mutex_t ckpt_mu;             /* serialises checkpoints */
    uint64_t ckpt_mem_id;                /* (mu) 0 = none */
    Version *ckpt_version;               /* (mu) set by the flush that installs it */

    /* Statistics (mu unless atomic). */
    ShaleLevelStats level_stats[SHALE_NUM_LEVELS];
    uint64_t flushes, flush_bytes, compaction_bytes;
    atomic_uint_fast64_t user_bytes, wal_bytes, wal_syncs, synced_writes;
    uint64_t stalls_slowdown, stalls_stop, stall_micros, max_stall_micros;
    uint64_t ranges_dropped, ranges_forgotten;
    uint64_t checkpoints;                /* shale_db_checkpoint calls that succeeded */

    /* An obsolete-file scan was skipped because a manifest apply was in progress: the
     * background thread runs it. (mu) */
    bool obsolete_pending;
};

/* db_background.c */
void db_bg_signal(ShaleDB *db);                        /* REQUIRES: mu */
void *db_bg_main(void *arg);
/* Flushes mem into a table and adds it to edit: at the level version_pick_level_for_flush
 * chooses against base, or at L0 when base is NULL (recovery: the edit's earlier tables are
 * in no version yet, so nothing else is safe). With mu given it is held on entry and exit
 * and dropped during I/O; without, the caller is single-threaded (open). */
ShaleCode db_write_level0_table(ShaleDB *db, MemTable *mem, VersionEdit *edit, Version *base,
                                pthread_mutex_t *mu, ShaleError *err);
/* Deletes files no live version, pending output or current WAL needs. REQUIRES: mu. */
void db_delete_obsolete_files(ShaleDB *db);
void db_pending_add(ShaleDB *db, uint64_t number);    /* REQUIRES: mu */
void db_pending_remove(ShaleDB *db, uint64_t number); /* REQUIRES: mu */

/* db.c */
/* Takes the writer role with a NULL batch to freeze mem into imm (if mem is not empty) and
 * returns the id of the memtable that must be flushed (0 if nothing to flush) */
ShaleCode db_force_memtable_switch(ShaleDB *db, uint64_t *mem_id, ShaleError *err);

/* Like db_force_memtable_switch, and while no write can commit records *seq and arranges
 * for db->ckpt_version to receive the version holding exactly the state at *seq (at once,
 * or from the flush of imm). REQUIRES: ckpt_mu held. */
ShaleCode db_checkpoint_switch(ShaleDB *db, uint64_t *seq, ShaleError *err);

#endif
