/* skiplist.h -- the memtable's ordered index: a skiplist of (internal key, value) entries
 * living in an arena, for ONE writer and any number of lock-free concurrent readers.
 * Internal to the memtable (storage/memtable.c); nothing else includes it.
 *
 * Invariants (why concurrent readers are safe without locks):
 *  1. Nodes are never removed or changed after they are linked; their memory lives until
 *     the arena is destroyed.
 *  2. A node is fully written (key, value, its own next pointers) before it is published
 *     by a release store into its predecessor's next pointer; readers follow next pointers
 *     with acquire loads, so a node reached is a node completely written.
 *  3. Level 0 is the complete sorted list; a node is linked bottom-up, so a reader that
 *     finds it at level i will find it at every level below i.
 *  4. max_height only grows; a reader seeing a stale (lower) value just searches from a
 *     lower level, one seeing a fresh one finds NULL or published nodes at the new levels.
 *
 * Node layout (one arena allocation, height h in 1..SKIPLIST_MAX_HEIGHT):
 *
 *   next[h-1] ... next[1] | next[0] klen:u32 vlen:u32 | ikey[klen] | value[vlen]
 *                           ^ SkipNode *
 *
 * The tower above level 0 sits just below the node pointer, so the key is at a fixed
 * offset from the node and a comparison touches one cache line for short keys. */
#ifndef SHALE_STORAGE_SKIPLIST_H
#define SHALE_STORAGE_SKIPLIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/coding.h"
#include "util/hash.h"
#include "util/slice.h"

#define SKIPLIST_MAX_HEIGHT 12
#define SKIPLIST_BRANCHING 4

typedef struct SkipNode SkipNode;

struct SkipNode {
    _Atomic(SkipNode *) next0;  /* level 0; level i is at (&next0)[-i] */
    uint32_t klen;              /* internal key length (user key + 8-byte trailer) */
    uint32_t vlen;
    char data[];                /* ikey, then value */
};

typedef struct SkipList {
    ShaleArena *arena;          /* not owned; allocations happen only in the writer */
    SkipNode *head;             /* sentinel of full height, no key */
    atomic_int max_height;      /* highest level in use, >= 1 */
    ShaleRandom rnd;            /* heights; owned by the writer */
} SkipList;

/* A lookup target split into user key + trailer so searches never build a key buffer.
 * Ordered like an internal key (user key asc, trailer desc). */
typedef struct SkipTarget {
    const char *ukey;
    size_t ulen;
    uint64_t trailer;
} SkipTarget;

/* Initialises sl with its head node allocated in arena. False on OOM. */
bool skiplist_init(SkipList *sl, ShaleArena *arena, uint64_t seed);

/* Writer only (callers serialise): links a new entry (ukey | fixed64 trailer) -> value,
 * copying both into the arena. REQUIRES: no entry with an equal internal key; klen + 8 and
 * vlen fit in 32 bits. False on OOM (nothing linked). */
bool skiplist_insert(SkipList *sl, ShaleSlice ukey, uint64_t trailer, ShaleSlice value);

/* Readers (any thread). Returned nodes live as long as the arena. */
SkipNode *skiplist_seek(const SkipList *sl, const SkipTarget *t);  /* first node >= t */
SkipNode *skiplist_first(const SkipList *sl);
SkipNode *skiplist_last(const SkipList *sl);
SkipNode *skiplist_prev(const SkipList *sl, const SkipNode *n);    /* last node < n, or NULL */

static inline SkipNode *skiplist_next(const SkipNode *n)
{
    return atomic_load_explicit(&((SkipNode *)n)->next0, memory_order_acquire);
}

static inline ShaleSlice skiplist_node_key(const SkipNode *n)
{
    return shale_slice(n->data, n->klen);
}

static inline ShaleSlice skiplist_node_value(const SkipNode *n)
{
    return shale_slice(n->data + n->klen, n->vlen);
}

/* REQUIRES: ikey.size >= 8. The target borrows ikey's bytes. */
static inline SkipTarget skiplist_target_of(ShaleSlice ikey)
{
    SkipTarget t;
    t.ukey = ikey.data;
    t.ulen = ikey.size - 8;
    t.trailer = shale_get_fixed64(ikey.data + t.ulen);
    return t;
}

#endif
