/* table_cache.h -- open SstReaders by file number, at most max_open at once (LRU), so a
 * lookup does not reopen a table. Thread-safe. */
#ifndef SHALE_STORAGE_TABLE_CACHE_H
#define SHALE_STORAGE_TABLE_CACHE_H

#include <stdint.h>

#include "storage/iterator.h"
#include "util/env.h"
#include "util/slice.h"
#include "util/status.h"

typedef struct TableCache TableCache;
typedef struct BlockCache BlockCache;
typedef struct StorageCounters StorageCounters;

/* dir is copied. cache and ctr (may be NULL) are borrowed and must outlive the table cache. */
TableCache *table_cache_new(ShaleEnv *env, const char *dir, int max_open, BlockCache *cache, StorageCounters *ctr);
/* REQUIRES: no iterator from it is alive. */
void table_cache_free(TableCache *tc);

/* sst_reader_get on table `number` (opened if needed). */
ShaleCode table_cache_get(TableCache *tc, uint64_t number, uint64_t file_size, ShaleSlice ikey,
                          void (*found)(void *arg, ShaleSlice ikey, ShaleSlice value), void *arg,
                          ShaleError *err) SHALE_WARN_UNUSED;
/* An iterator over table `number`; it keeps the reader open until destroyed. On failure to
 * open, an error iterator carrying the error. NULL only on OOM. */
ShaleIter *table_cache_iter(TableCache *tc, uint64_t number, uint64_t file_size);
/* Forgets the reader of a deleted table (closed once its last iterator goes). */
void table_cache_evict(TableCache *tc, uint64_t number);

#endif
