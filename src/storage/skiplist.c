/* skiplist.c -- the memtable's lock-free-read skiplist (invariants and node layout in
 * skiplist.h). Height is geometric with p = 1/SKIPLIST_BRANCHING, capped at
 * SKIPLIST_MAX_HEIGHT; with 4^12 = 16M the cap is beyond any memtable we build. */
#include "storage/skiplist.h"

#include <assert.h>
#include <string.h>

typedef _Atomic(SkipNode *) SkipLink;

/* Level i link of n: level 0 is inside the node, higher levels sit below it. */
static inline SkipLink *node_link(const SkipNode *n, int level)
{
    return (SkipLink *)((char *)n - (size_t)level * sizeof(SkipLink));
}

static inline SkipNode *node_next(const SkipNode *n, int level)
{
    return atomic_load_explicit(node_link(n, level), memory_order_acquire);
}

/* Compares the node's internal key with t: <0, 0, >0. */
static inline int node_cmp(const SkipNode *n, const SkipTarget *t)
{
    size_t nu = n->klen - 8;
    size_t m = nu < t->ulen ? nu : t->ulen;
    if (m) {
        int r = memcmp(n->data, t->ukey, m);
        if (r)
            return r;
    }
    if (nu != t->ulen)
        return nu < t->ulen ? -1 : 1;
    uint64_t nt = shale_get_fixed64(n->data + nu);
    return nt > t->trailer ? -1 : (nt < t->trailer);
}

/* Allocates a node of the given height with room for payload bytes; NULL on OOM. */
static SkipNode *node_alloc(ShaleArena *arena, int height, size_t payload)
{
    size_t tower = (size_t)(height - 1) * sizeof(SkipLink);
    char *raw = shale_arena_alloc(arena, tower + sizeof(SkipNode) + payload);
    if (!raw)
        return NULL;
    SkipNode *n = (SkipNode *)(raw + tower);
    for (int i = 0; i < height; i++)
        atomic_init(node_link(n, i), NULL);
    return n;
}

bool skiplist_init(SkipList *sl, ShaleArena *arena, uint64_t seed)
{
    sl->arena = arena;
    sl->head = node_alloc(arena, SKIPLIST_MAX_HEIGHT, 0);
    if (!sl->head)
        return false;
    sl->head->klen = 8; /* never compared; keeps klen - 8 meaningful */
    sl->head->vlen = 0;
    atomic_init(&sl->max_height, 1);
    shale_random_seed(&sl->rnd, seed ? seed : 1);
    return true;
}

static int skiplist_random_height(SkipList *sl)
{
    uint64_t r = shale_random_next(&sl->rnd);
    int h = 1;
    while (h < SKIPLIST_MAX_HEIGHT && (r % SKIPLIST_BRANCHING) == 0) {
        h++;
        r /= SKIPLIST_BRANCHING;
    }
    return h;
}

/* First node >= t; when prev is non-NULL, prev[i] receives the last node < t at level i
 * for every level below the current max height. A node found >= t at one level is not
 * compared again when it is also the next node one level down. */
static SkipNode *skiplist_find_ge(const SkipList *sl, const SkipTarget *t, SkipNode **prev)
{
    SkipNode *x = sl->head;
    SkipNode *known_ge = NULL;
    int level = atomic_load_explicit(&((SkipList *)sl)->max_height, memory_order_relaxed) - 1;
    for (;;) {
        SkipNode *next = node_next(x, level);
        if (next)
            __builtin_prefetch(node_link(next, level)); /* may sit on another line than the key */
        if (next && next != known_ge && node_cmp(next, t) < 0) {
            x = next;
        } else {
            known_ge = next;
            if (prev)
                prev[level] = x;
            if (level == 0)
                return next;
            level--;
        }
    }
}

SkipNode *skiplist_seek(const SkipList *sl, const SkipTarget *t)
{
    return skiplist_find_ge(sl, t, NULL);
}

bool skiplist_insert(SkipList *sl, ShaleSlice ukey, uint64_t trailer, ShaleSlice value)
{
    SkipTarget t = { ukey.data, ukey.size, trailer };
    SkipNode *prev[SKIPLIST_MAX_HEIGHT];
    SkipNode *at = skiplist_find_ge(sl, &t, prev);
    assert(!at || node_cmp(at, &t) != 0); /* REQUIRES: no duplicate internal key */
    (void)at;

    int height = skiplist_random_height(sl);
    int max_height = atomic_load_explicit(&sl->max_height, memory_order_relaxed);
    SkipNode *n = node_alloc(sl->arena, height, ukey.size + 8 + value.size);
    if (!n)
        return false;
    n->klen = (uint32_t)(ukey.size + 8);
    n->vlen = (uint32_t)value.size;
    if (ukey.size)
        memcpy(n->data, ukey.data, ukey.size);
    shale_put_fixed64(n->data + ukey.size, trailer);
    if (value.size)
        memcpy(n->data + n->klen, value.data, value.size);

    if (height > max_height) {
        for (int i = max_height; i < height; i++)
            prev[i] = sl->head;
        /* Relaxed is enough (invariant 4): readers at the new levels see head links that
         * are NULL or published below. */
        atomic_store_explicit(&sl->max_height, height, memory_order_relaxed);
    }
    for (int i = 0; i < height; i++) {
        /* n is not yet visible: its own links need no ordering */
        atomic_store_explicit(node_link(n, i),
                              atomic_load_explicit(node_link(prev[i], i), memory_order_relaxed),
                              memory_order_relaxed);
        atomic_store_explicit(node_link(prev[i], i), n, memory_order_release);
    }
    return true;
}

SkipNode *skiplist_first(const SkipList *sl)
{
    return node_next(sl->head, 0);
}

SkipNode *skiplist_last(const SkipList *sl)
{
    SkipNode *x = sl->head;
    int level = atomic_load_explicit(&((SkipList *)sl)->max_height, memory_order_relaxed) - 1;
    for (;;) {
        SkipNode *next = node_next(x, level);
        if (next) {
            x = next;
        } else if (level == 0) {
            return x == sl->head ? NULL : x;
        } else {
            level--;
        }
    }
}

SkipNode *skiplist_prev(const SkipList *sl, const SkipNode *n)
{
    SkipTarget t = skiplist_target_of(skiplist_node_key(n));
    SkipNode *prev[SKIPLIST_MAX_HEIGHT];
    skiplist_find_ge(sl, &t, prev);
    return prev[0] == sl->head ? NULL : prev[0];
}
