/* arena.c -- bump allocator (see arena.h). */
#include "util/arena.h"

#include <stdlib.h>

#define ARENA_BLOCK 4096

struct ShaleArenaBlock {
    ShaleArenaBlock *next;
    max_align_t data[];
};

void shale_arena_init(ShaleArena *a)
{
    a->ptr = NULL;
    a->remaining = 0;
    a->blocks = NULL;
    atomic_init(&a->usage, 0);
}

void shale_arena_destroy(ShaleArena *a)
{
    ShaleArenaBlock *b = a->blocks;
    while (b) {
        ShaleArenaBlock *next = b->next;
        free(b);
        b = next;
    }
    a->blocks = NULL;
    a->ptr = NULL;
    a->remaining = 0;
}

static char *arena_new_block(ShaleArena *a, size_t n)
{
    ShaleArenaBlock *b = malloc(sizeof(ShaleArenaBlock) + n);
    if (!b)
        return NULL;
    b->next = a->blocks;
    a->blocks = b;
    atomic_fetch_add_explicit(&a->usage, n + sizeof(ShaleArenaBlock), memory_order_relaxed);
    return (char *)b->data;
}

void *shale_arena_alloc(ShaleArena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n <= a->remaining) {
        char *r = a->ptr;
        a->ptr += n;
        a->remaining -= n;
        return r;
    }
    if (n > ARENA_BLOCK / 4)
        return arena_new_block(a, n); /* big objects get their own block; keep the current one */
    char *blk = arena_new_block(a, ARENA_BLOCK);
    if (!blk)
        return NULL;
    a->ptr = blk + n;
    a->remaining = ARENA_BLOCK - n;
    return blk;
}

size_t shale_arena_usage(const ShaleArena *a)
{
    return atomic_load_explicit(&((ShaleArena *)a)->usage, memory_order_relaxed);
}
