/* shale_storage.h -- the public C API of ShaleDB's storage engine: a leveled LSM tree of
 * byte-string keys and values, ordered by memcmp.
 *
 * Everything above src/storage (catalog, facets, SQL) uses only this header.
 *
 * Thread safety: a ShaleDB may be used from any number of threads at once. A write batch,
 * an iterator and a checkpoint belong to one thread at a time. Snapshots may be shared.
 *
 * Errors: functions returning ShaleCode return SHALE_OK (0) on success; on failure they
 * fill *err when err is non-NULL. Pointers returned say who frees them. */
#ifndef SHALE_STORAGE_SHALE_STORAGE_H
#define SHALE_STORAGE_SHALE_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/env.h"
#include "util/status.h"

typedef struct ShaleDB ShaleDB;
typedef struct ShaleWriteBatch ShaleWriteBatch;
typedef struct ShaleSnapshot ShaleSnapshot;
typedef struct ShaleDBIter ShaleDBIter;
typedef struct ShaleCheckpoint ShaleCheckpoint;

#define SHALE_NUM_LEVELS 7

typedef struct ShaleDBOptions {
    ShaleEnv *env;                 /* NULL: shale_env_default() */
    bool create_if_missing;        /* default true */
    bool error_if_exists;          /* default false */
    size_t write_buffer_size;      /* memtable bytes before it is frozen and flushed; 4 MiB */
    size_t block_size;             /* uncompressed data-block target; 4 KiB */
    int block_restart_interval;    /* keys between restart points; 16 */
    int bloom_bits_per_key;        /* 10 (~1% false positives); 0 = no bloom filter */
    bool compression;              /* LZ4 data blocks; true */
    size_t block_cache_bytes;      /* block cache budget; 8 MiB */
    int max_open_files;            /* open SSTable readers kept; 1000 */
    size_t target_file_size;       /* compaction output file size; 2 MiB */
    uint64_t max_bytes_for_level_base; /* L1 size; each level below is 10x; 10 MiB */
    int l0_compaction_trigger;     /* L0 files that start a compaction; 4 */
    int l0_slowdown_trigger;       /* L0 files at which each write is delayed 1 ms; 8 */
    int l0_stop_trigger;           /* L0 files at which writes wait for compaction; 12 */
} ShaleDBOptions;

/* Fills o with the defaults above. */
void shale_db_options_init(ShaleDBOptions *o);

/* Opens (or creates) the database in dir, recovering from the manifest and the WAL.
 * A second open of the same dir, from any process, fails with SHALE_BUSY.
 * On success *out is the db; close it with shale_db_close. */
ShaleCode shale_db_open(const char *dir, const ShaleDBOptions *opts, ShaleDB **out, ShaleError *err) SHALE_WARN_UNUSED;

/* Waits for background work to stop, releases everything and frees db. Data acknowledged
 * by a synced write is durable; unsynced writes are in the WAL file (not fsynced). */
ShaleCode shale_db_close(ShaleDB *db, ShaleError *err);

/* --- writes ------------------------------------------------------------------ */

/* A batch of puts and deletes applied atomically. Caller frees with shale_batch_free. */
ShaleWriteBatch *shale_batch_new(void);
void shale_batch_free(ShaleWriteBatch *b);
void shale_batch_clear(ShaleWriteBatch *b);
void shale_batch_put(ShaleWriteBatch *b, const void *key, size_t klen, const void *val, size_t vlen);
void shale_batch_delete(ShaleWriteBatch *b, const void *key, size_t klen);
uint32_t shale_batch_count(const ShaleWriteBatch *b);
/* Bytes of the batch's encoded form (what goes into the WAL). */
size_t shale_batch_byte_size(const ShaleWriteBatch *b);

/* Applies b atomically: after it returns OK every reader that starts later sees all of it,
 * and a crash leaves either all of it or none. With sync, the call returns only after the
 * WAL record is on disk (group commit: one fdatasync covers every writer waiting with it).
 * The batch is not modified. */
ShaleCode shale_db_write(ShaleDB *db, const ShaleWriteBatch *b, bool sync, ShaleError *err) SHALE_WARN_UNUSED;
ShaleCode shale_db_put(ShaleDB *db, const void *key, size_t klen, const void *val, size_t vlen, bool sync, ShaleError *err) SHALE_WARN_UNUSED;
ShaleCode shale_db_delete(ShaleDB *db, const void *key, size_t klen, bool sync, ShaleError *err) SHALE_WARN_UNUSED;

/* --- reads ------------------------------------------------------------------- */

/* A consistent view: reads through it see exactly the writes that committed before it.
 * Release with shale_db_release_snapshot. Holding one never blocks writers; compaction
 * keeps the versions it needs. */
const ShaleSnapshot *shale_db_snapshot(ShaleDB *db);
void shale_db_release_snapshot(ShaleDB *db, const ShaleSnapshot *snap);
uint64_t shale_snapshot_sequence(const ShaleSnapshot *snap);

/* Looks key up at snap (NULL: the latest state). On SHALE_OK *val is a malloc'd copy the
 * caller frees (never NULL, even for an empty value) and *vlen its length; a missing key
 * returns SHALE_NOT_FOUND with *val NULL. */
ShaleCode shale_db_get(ShaleDB *db, const ShaleSnapshot *snap, const void *key, size_t klen,
                       char **val, size_t *vlen, ShaleError *err) SHALE_WARN_UNUSED;

/* An iterator over the live keys at snap (NULL: a snapshot taken now, held by the
 * iterator). Unpositioned until a seek. Free with shale_db_iter_destroy before closing db. */
ShaleDBIter *shale_db_iter_new(ShaleDB *db, const ShaleSnapshot *snap);
void shale_db_iter_destroy(ShaleDBIter *it);
bool shale_db_iter_valid(ShaleDBIter *it);
void shale_db_iter_seek_to_first(ShaleDBIter *it);
void shale_db_iter_seek_to_last(ShaleDBIter *it);
/* First key >= key. */
void shale_db_iter_seek(ShaleDBIter *it, const void *key, size_t klen);
/* Last key <= key. */
void shale_db_iter_seek_for_prev(ShaleDBIter *it, const void *key, size_t klen);
void shale_db_iter_next(ShaleDBIter *it);  /* REQUIRES: valid */
void shale_db_iter_prev(ShaleDBIter *it);  /* REQUIRES: valid */
/* Bytes valid until the iterator moves. REQUIRES: valid. */
const char *shale_db_iter_key(ShaleDBIter *it, size_t *klen);
const char *shale_db_iter_value(ShaleDBIter *it, size_t *vlen);
/* An iterator that hit corruption or an I/O error becomes invalid and reports it here. */
ShaleCode shale_db_iter_status(ShaleDBIter *it, ShaleError *err);

/* --- maintenance ---------------------------------------------------------------- */

/* Discards every key in [begin, end) (memcmp order; begin < end, else SHALE_INVALID_ARGUMENT)
 * cheaply, without writing a tombstone per key. When the call returns OK the drop is
 * durable (a synced manifest record) and every later get or iterator, at ANY snapshot
 * (also snapshots taken before the call), sees no key of the range; keys just outside it
 * are untouched. Iterators created before the call may still show the keys. Tables lying
 * wholly inside the range are deleted at once; the rest of the space is reclaimed by
 * background compactions, which the range's tables get first. A checkpoint taken after the
 * call carries the range (its export opens without the keys).
 *
 * Contract: the caller never writes into a dropped range again. Writes into it are refused
 * with SHALE_INVALID_ARGUMENT as long as the engine remembers the range; it forgets it (and
 * such writes then succeed normally) once no table, memtable or WAL can hold its keys. A
 * write into the range racing with the call is either discarded with the range or refused.
 * Dropping an already dropped or overlapping range is allowed (ranges merge). Safe to call
 * from any thread; shale_db_stats reports the ranges still remembered. */
ShaleCode shale_db_drop_range(ShaleDB *db, const void *begin, size_t blen,
                              const void *end, size_t elen, ShaleError *err) SHALE_WARN_UNUSED;

/* Flushes the memtable to an L0 SSTable and waits until it is installed. */
ShaleCode shale_db_flush(ShaleDB *db, ShaleError *err) SHALE_WARN_UNUSED;

/* Flushes, then compacts every level's files overlapping [begin, end] (NULL = unbounded)
 * down the tree, and waits for it. */
ShaleCode shale_db_compact_range(ShaleDB *db, const void *begin, size_t blen,
                                 const void *end, size_t elen, ShaleError *err) SHALE_WARN_UNUSED;

typedef struct ShaleLevelStats {
    uint64_t files;
    uint64_t bytes;
    uint64_t compactions;      /* compactions whose output landed in this level */
    uint64_t bytes_read;       /* compaction input bytes read for this level's outputs */
    uint64_t bytes_written;    /* compaction/flush output bytes written to this level */
} ShaleLevelStats;

typedef struct ShaleDBStats {
    ShaleLevelStats levels[SHALE_NUM_LEVELS];
    uint64_t last_sequence;
    uint64_t user_bytes_written;   /* keys + values the application wrote */
    uint64_t wal_bytes_written;
    uint64_t wal_syncs;            /* fdatasync calls on the WAL (group commit makes this < synced writes) */
    uint64_t synced_writes;        /* write calls with sync = true */
    uint64_t flushes;
    uint64_t flush_bytes_written;
    uint64_t compaction_bytes_written;
    double write_amplification;    /* (wal + flush + compaction bytes) / user bytes */
    uint64_t stalls_slowdown;      /* writes delayed 1 ms because L0 was at the slowdown trigger */
    uint64_t stalls_stop;          /* writes that waited because L0 or the memtables were full */
    uint64_t stall_micros;         /* total time writers spent stalled */
    uint64_t max_stall_micros;     /* the longest single stall */
    uint64_t cache_hits;
    uint64_t cache_misses;
    uint64_t cache_bytes;          /* bytes in the block cache now */
    uint64_t bloom_checks;         /* point lookups that consulted a bloom filter */
    uint64_t bloom_useful;         /* ... where the filter said "absent" and a read was saved */
    uint64_t bloom_false_positives;/* ... where it said "maybe" and the key was not there */
    uint64_t memtable_bytes;
    uint64_t imm_memtables;        /* frozen memtables waiting to be flushed (0 or 1) */
    uint64_t snapshots;            /* live snapshots */
    uint64_t pending_compaction_bytes; /* rough bytes over level targets */
    uint64_t dropped_ranges;       /* dropped key ranges still remembered (merged) */
    uint64_t ranges_dropped;       /* shale_db_drop_range calls since open */
    uint64_t ranges_forgotten;     /* ranges forgotten since open (their data is all gone) */
    uint64_t checkpoints;          /* consistent checkpoints taken since open (backups) */
} ShaleDBStats;

void shale_db_stats(ShaleDB *db, ShaleDBStats *out);
/* Writes a human-readable multi-line rendering of stats into buf (truncated to cap). */
void shale_db_stats_format(const ShaleDBStats *st, char *buf, size_t cap);

/* --- consistent checkpoints (for backup) ------------------------------------------- */

/* Makes the current state durable in SSTables and pins it: the returned checkpoint names
 * a set of SSTable files and a sequence number that together are exactly the database at
 * one instant. Writes go on meanwhile; the files are not deleted until release.
 * Free with shale_checkpoint_release. */
ShaleCode shale_db_checkpoint(ShaleDB *db, ShaleCheckpoint **out, ShaleError *err) SHALE_WARN_UNUSED;

typedef struct ShaleCheckpointFile {
    int level;
    uint64_t number;       /* file is <dir>/<number as %06llu>.sst */
    uint64_t size;
} ShaleCheckpointFile;

uint64_t shale_checkpoint_sequence(const ShaleCheckpoint *cp);
size_t shale_checkpoint_n_files(const ShaleCheckpoint *cp);
const ShaleCheckpointFile *shale_checkpoint_file(const ShaleCheckpoint *cp, size_t i);
/* Builds a new database directory dest (must not exist) holding exactly the checkpoint's
 * state: copies the files and writes a fresh manifest. Opening dest gives that state. */
ShaleCode shale_checkpoint_export(const ShaleCheckpoint *cp, const char *dest, ShaleError *err) SHALE_WARN_UNUSED;
void shale_checkpoint_release(ShaleCheckpoint *cp);

#endif
