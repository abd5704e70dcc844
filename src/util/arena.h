/* arena.h -- bump allocator whose memory is freed all at once.
 * Used where a lifetime can be named (a memtable, a query, a connection). Not thread-safe
 * for allocation; the memtable serialises its allocations under the writer role. */
#ifndef SHALE_UTIL_ARENA_H
#define SHALE_UTIL_ARENA_H

#include <stddef.h>
#include <stdatomic.h>

typedef struct ShaleArenaBlock ShaleArenaBlock;

typedef struct ShaleArena {
    char *ptr;                 /* next free byte in the current block */
    size_t remaining;          /* bytes left in the current block */
    ShaleArenaBlock *blocks;   /* every block, newest first; freed by shale_arena_destroy */
    atomic_size_t usage;       /* bytes reserved from malloc; readable from any thread */
} ShaleArena;

void shale_arena_init(ShaleArena *a);
/* Frees every block. The arena may be reused after shale_arena_init. */
void shale_arena_destroy(ShaleArena *a);
/* Returns n bytes aligned to 8, or NULL when malloc fails. Lives until shale_arena_destroy. */
void *shale_arena_alloc(ShaleArena *a, size_t n);
size_t shale_arena_usage(const ShaleArena *a);

#endif
