/* sst.h -- SSTable builder and reader. An SSTable is an immutable sorted file of internal
 * keys (see dbformat.h) and values. Byte format: docs/file-formats.md and sst_format.h.
 * This module knows nothing of versions, the WAL or the manifest. */
#ifndef SHALE_STORAGE_SST_H
#define SHALE_STORAGE_SST_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/iterator.h"
#include "util/env.h"
#include "util/slice.h"
#include "util/status.h"

typedef struct BlockCache BlockCache;
typedef struct StorageCounters StorageCounters;

typedef struct SstOptions {
    size_t block_size;       /* uncompressed data-block target */
    int restart_interval;    /* keys between restart points */
    int bloom_bits_per_key;  /* 0 = no filter block */
    bool compression;        /* LZ4-compress data blocks when it saves >= 1/8 */
} SstOptions;

typedef struct SstProps {
    uint64_t n_entries;
    uint64_t n_data_blocks;
    uint64_t raw_key_bytes;
    uint64_t raw_value_bytes;
    uint64_t min_seq;
    uint64_t max_seq;
} SstProps;

/* --- builder ---------------------------------------------------------------------- */

typedef struct SstBuilder SstBuilder;

/* Builds a table into f (not owned: the caller syncs and closes it after finish).
 * NULL on OOM. Free with sst_builder_free. */
SstBuilder *sst_builder_new(ShaleWritableFile *f, const SstOptions *opts);
/* REQUIRES: ikey > every key added before (internal-key order), ikey well formed.
 * Errors (I/O, OOM) are sticky and reported by sst_builder_finish. */
void sst_builder_add(SstBuilder *b, ShaleSlice ikey, ShaleSlice value);
/* Writes the last data block, the filter, properties and index blocks and the footer.
 * Does not sync. */
ShaleCode sst_builder_finish(SstBuilder *b, ShaleError *err) SHALE_WARN_UNUSED;
uint64_t sst_builder_n_entries(const SstBuilder *b);
/* Bytes written so far (the final file size after finish). */
uint64_t sst_builder_file_size(const SstBuilder *b);
/* Smallest / largest internal key added; valid until sst_builder_free. REQUIRES: n_entries > 0. */
ShaleSlice sst_builder_smallest(const SstBuilder *b);
ShaleSlice sst_builder_largest(const SstBuilder *b);
const SstProps *sst_builder_props(const SstBuilder *b);
void sst_builder_free(SstBuilder *b);

/* --- reader ----------------------------------------------------------------------- */

typedef struct SstReader SstReader;

/* Opens path (file_size bytes long): reads and checksums the footer, index, filter and
 * properties blocks, which stay pinned in the reader. cache (may be NULL) holds data
 * blocks under (file_number, offset). ctr (may be NULL) counts bloom outcomes.
 * Corruption anywhere gives SHALE_CORRUPTION naming the file. Close with sst_reader_close. */
ShaleCode sst_reader_open(ShaleEnv *env, const char *path, uint64_t file_number, uint64_t file_size,
                          BlockCache *cache, StorageCounters *ctr, SstReader **out, ShaleError *err) SHALE_WARN_UNUSED;
/* REQUIRES: no iterator of r is alive. */
void sst_reader_close(SstReader *r);
const SstProps *sst_reader_props(const SstReader *r);

/* An iterator over every entry in internal-key order. r must outlive it. A data block that
 * fails its checksum makes the iterator invalid with SHALE_CORRUPTION. NULL only on OOM. */
ShaleIter *sst_reader_iter(SstReader *r);

/* Point lookup. ikey is a lookup key (user key, snapshot seq, SHALE_KIND_SEEK). If the
 * bloom filter rules the user key out, returns OK without calling found. Otherwise finds the
 * first entry >= ikey and, if its user key equals ikey's, calls found(arg, entry_ikey, value)
 * (slices valid only during the call). Thread-safe. */
ShaleCode sst_reader_get(SstReader *r, ShaleSlice ikey,
                         void (*found)(void *arg, ShaleSlice ikey, ShaleSlice value), void *arg,
                         ShaleError *err) SHALE_WARN_UNUSED;

/* Reads and checks every block of the file (for verify/backup). */
ShaleCode sst_reader_verify(SstReader *r, ShaleError *err) SHALE_WARN_UNUSED;

#endif
