/* block_cache.h -- a byte-budgeted, sharded LRU cache of decoded SSTable blocks, keyed by
 * (file number, block offset). Entries in use (handles not yet released) are never freed;
 * an entry's deleter runs once it is both evicted (or erased) and released.
 * Thread-safe; each shard has its own mutex. */
#ifndef SHALE_STORAGE_BLOCK_CACHE_H
#define SHALE_STORAGE_BLOCK_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct BlockCache BlockCache;
typedef struct BlockCacheHandle BlockCacheHandle;

/* NULL on OOM. capacity is the byte budget over the sum of entry charges. */
BlockCache *block_cache_new(size_t capacity);
/* REQUIRES: no handle outstanding. Runs every remaining deleter. */
void block_cache_free(BlockCache *c);

/* A handle on the entry, or NULL on a miss. Release the handle with block_cache_release. */
BlockCacheHandle *block_cache_lookup(BlockCache *c, uint64_t file, uint64_t offset);
/* Inserts (replacing any entry with that key) and returns a handle on the new entry, or
 * NULL on OOM (then deleter(value) has already run). Takes ownership of value. */
BlockCacheHandle *block_cache_insert(BlockCache *c, uint64_t file, uint64_t offset, void *value,
                                     size_t charge, void (*deleter)(void *value));
void *block_cache_value(BlockCacheHandle *h);
void block_cache_release(BlockCache *c, BlockCacheHandle *h);
/* Drops every unreferenced entry of file (called when an SSTable is deleted). */
void block_cache_erase_file(BlockCache *c, uint64_t file);
void block_cache_stats(BlockCache *c, uint64_t *hits, uint64_t *misses, uint64_t *bytes);

#endif
