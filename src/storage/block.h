/* block.h -- SSTable blocks of sorted internal keys: the builder, the decoded in-memory
 * block, reading one from a file (checksum + LZ4) and an allocation-free iterator.
 *
 * Block contents (before the trailer of sst_format.h):
 *   entry* | restart offset (fixed32) * n_restarts | n_restarts (fixed32)
 *   entry = varint32 shared | varint32 unshared | varint32 value_len | key[shared..] | value
 * shared = bytes the key has in common with the previous entry's key; it is 0 at every restart
 * point (an entry whose offset is in the restart array), so a seek can binary-search the
 * restart keys and then scan at most restart_interval entries. n_restarts >= 1; an empty block
 * is a single restart offset 0 with no entries. Keys are internal keys (dbformat.h) in
 * shale_ikey_compare order: the iterator rejects a key shorter than 8 bytes or with an
 * unknown kind as corruption. */
#ifndef SHALE_STORAGE_BLOCK_H
#define SHALE_STORAGE_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/sst_format.h"
#include "util/buf.h"
#include "util/env.h"
#include "util/slice.h"
#include "util/status.h"

/* --- builder ---------------------------------------------------------------------- */

typedef struct BlockBuilder {
    ShaleBuf buf;         /* entries so far, then the restart array once finished */
    ShaleBuf restarts;    /* fixed32 restart offsets */
    ShaleBuf last_key;    /* key of the previous entry */
    int restart_interval; /* entries per restart point (>= 1) */
    int counter;          /* entries since the last restart */
    uint64_t n_entries;
    bool finished;
} BlockBuilder;

void block_builder_init(BlockBuilder *bb, int restart_interval);
void block_builder_free(BlockBuilder *bb);
/* REQUIRES: not finished, key > the previous key. */
void block_builder_add(BlockBuilder *bb, ShaleSlice key, ShaleSlice value);
/* Appends the restart array; the slice lives in bb until reset/free. */
ShaleSlice block_builder_finish(BlockBuilder *bb);
void block_builder_reset(BlockBuilder *bb);
/* Size the block would have if finished now. */
size_t block_builder_size(const BlockBuilder *bb);
static inline bool block_builder_empty(const BlockBuilder *bb) { return bb->n_entries == 0; }
static inline bool block_builder_oom(const BlockBuilder *bb)
{
    return bb->buf.oom || bb->restarts.oom || bb->last_key.oom;
}

/* --- decoded block ---------------------------------------------------------------- */

/* One malloc: the header followed by the contents. Free with block_free. */
typedef struct Block {
    size_t size;          /* contents bytes */
    uint32_t limit;       /* offset of the restart array = end of the entries */
    uint32_t n_restarts;
    uint64_t pad_;        /* keeps the contents 8-aligned */
} Block;

static inline const char *block_data(const Block *b) { return (const char *)(b + 1); }
/* Bytes a block occupies in memory (its block-cache charge). */
static inline size_t block_charge(const Block *b) { return sizeof(Block) + b->size; }
void block_free(Block *b);
/* Block-cache deleter for a Block*. */
void block_cache_deleter(void *value);

/* Reads the block at h from f, verifies its checksum, decompresses it and (if parse) checks
 * its restart array. On success *out is a new Block the caller frees with block_free.
 * Any damage gives SHALE_CORRUPTION naming the file and offset. Thread-safe. */
ShaleCode block_read(ShaleRandomFile *f, SstBlockHandle h, bool parse, Block **out, ShaleError *err) SHALE_WARN_UNUSED;
/* Decodes the restart array of an already checksummed block. */
ShaleCode block_parse(Block *b, const char *path, uint64_t offset, ShaleError *err) SHALE_WARN_UNUSED;
/* Copies contents into a new parsed block (tests, in-memory use). NULL on OOM or bad bytes. */
Block *block_new_copy(ShaleSlice contents);

/* --- iterator --------------------------------------------------------------------- */

#define BLOCK_ITER_INLINE_KEY 128

/* A cursor over one block, embedded by value (no malloc unless a key outgrows the inline
 * buffer). It holds pointers into its own kinline: never copy or move an initialised one.
 * Corruption is sticky: code becomes SHALE_CORRUPTION and the cursor invalid. */
typedef struct BlockIter {
    const char *data;      /* block contents, borrowed: the block must outlive the cursor */
    uint32_t limit;        /* end of the entries */
    uint32_t n_restarts;
    uint32_t cur;          /* offset of the current entry; == limit when invalid */
    uint32_t next;         /* offset just past the current entry */
    uint32_t restart_idx;  /* the restart region holding cur */
    ShaleSlice key;        /* points into the block (restart entries) or into kbuf */
    ShaleSlice value;      /* points into the block */
    ShaleCode code;
    char *kbuf;            /* kinline or a malloc'd buffer owned by the cursor */
    size_t kcap;
    char kinline[BLOCK_ITER_INLINE_KEY];
} BlockIter;

/* b may be NULL (an empty cursor). Release with block_iter_done. */
void block_iter_init(BlockIter *it, const Block *b);
void block_iter_done(BlockIter *it);
static inline bool block_iter_valid(const BlockIter *it) { return it->cur < it->limit; }
void block_iter_seek_to_first(BlockIter *it);
void block_iter_seek_to_last(BlockIter *it);
/* First entry with key >= target (shale_ikey_compare). REQUIRES: target.size >= 8. */
void block_iter_seek(BlockIter *it, ShaleSlice target);
void block_iter_next(BlockIter *it); /* REQUIRES: valid */
void block_iter_prev(BlockIter *it); /* REQUIRES: valid */

#endif
