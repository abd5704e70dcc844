/* memtable.c -- the in-memory write buffer (memtable.h): a reference-counted skiplist of
 * internal keys whose nodes, keys and values all live in one arena freed with the
 * memtable. Entry bytes are described in skiplist.h. */
#include "storage/memtable.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "storage/skiplist.h"
#include "util/arena.h"

#define MEMTABLE_SEED UINT64_C(0x5ea1ed5eed)

struct MemTable {
    atomic_long refs;
    atomic_uint_fast64_t n_entries;  /* written by the single writer, read by anyone */
    ShaleArena arena;                /* owns every node */
    SkipList list;
};

/* Returns a memtable holding one reference for the caller (release with memtable_unref). */
MemTable *memtable_new(void)
{
    MemTable *m = malloc(sizeof *m);
    if (!m)
        return NULL;
    atomic_init(&m->refs, 1);
    atomic_init(&m->n_entries, 0);
    shale_arena_init(&m->arena);
    if (!skiplist_init(&m->list, &m->arena, MEMTABLE_SEED)) {
        shale_arena_destroy(&m->arena);
        free(m);
        return NULL;
    }
    return m;
}

void memtable_ref(MemTable *m)
{
    atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void memtable_unref(MemTable *m)
{
    /* acq_rel: the thread freeing must see every other holder's last use */
    long before = atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel);
    if (before == 1) {
        shale_arena_destroy(&m->arena);
        free(m);
    }
}

/* key and value are copied into the arena. */
ShaleCode memtable_add(MemTable *m, uint64_t seq, ShaleKind kind, ShaleSlice key, ShaleSlice value)
{
    if (key.size > UINT32_MAX - SHALE_IKEY_TRAILER || value.size > UINT32_MAX)
        return SHALE_NO_MEMORY; /* an entry the node format cannot hold */
    if (!skiplist_insert(&m->list, key, shale_pack_trailer(seq, kind), value))
        return SHALE_NO_MEMORY;
    uint64_t n = atomic_load_explicit(&m->n_entries, memory_order_relaxed);
    atomic_store_explicit(&m->n_entries, n + 1, memory_order_relaxed);
    return SHALE_OK;
}

/* *value points into m's arena: valid while the caller holds a reference on m. */
MemGetResult memtable_get(MemTable *m, ShaleSlice key, uint64_t seq, ShaleSlice *value)
{
    if (seq > SHALE_MAX_SEQUENCE)
        seq = SHALE_MAX_SEQUENCE;
    SkipTarget t = { key.data, key.size, shale_pack_trailer(seq, SHALE_KIND_SEEK) };
    SkipNode *n = skiplist_seek(&m->list, &t);
    if (!n || n->klen - SHALE_IKEY_TRAILER != key.size ||
        (key.size && memcmp(n->data, key.data, key.size) != 0))
        return MEM_GET_NOT_PRESENT;
    if ((shale_get_fixed64(n->data + key.size) & 0xff) == SHALE_KIND_DELETE)
        return MEM_GET_DELETED;
    *value = skiplist_node_value(n);
    return MEM_GET_FOUND;
}

size_t memtable_bytes(const MemTable *m)
{
    return shale_arena_usage(&m->arena);
}

uint64_t memtable_n_entries(const MemTable *m)
{
    return atomic_load_explicit(&((MemTable *)m)->n_entries, memory_order_relaxed);
}

/* --- iterator ------------------------------------------------------------------ */

typedef struct MemIter {
    ShaleIter base;
    MemTable *m;      /* referenced until destroy */
    SkipNode *node;   /* NULL when not valid */
} MemIter;

static bool memiter_valid(ShaleIter *it)
{
    return ((MemIter *)it)->node != NULL;
}

static void memiter_seek_to_first(ShaleIter *it)
{
    MemIter *mi = (MemIter *)it;
    mi->node = skiplist_first(&mi->m->list);
}

static void memiter_seek_to_last(ShaleIter *it)
{
    MemIter *mi = (MemIter *)it;
    mi->node = skiplist_last(&mi->m->list);
}

static void memiter_seek(ShaleIter *it, ShaleSlice target)
{
    MemIter *mi = (MemIter *)it;
    SkipTarget t;
    if (target.size >= SHALE_IKEY_TRAILER) {
        t = skiplist_target_of(target);
    } else {
        /* not an internal key: treat it as a bare user key, before all its versions */
        t.ukey = target.data;
        t.ulen = target.size;
        t.trailer = UINT64_MAX;
    }
    mi->node = skiplist_seek(&mi->m->list, &t);
}

static void memiter_next(ShaleIter *it)
{
    MemIter *mi = (MemIter *)it;
    mi->node = skiplist_next(mi->node);
}

static void memiter_prev(ShaleIter *it)
{
    MemIter *mi = (MemIter *)it;
    mi->node = skiplist_prev(&mi->m->list, mi->node);
}

static ShaleSlice memiter_key(ShaleIter *it)
{
    return skiplist_node_key(((MemIter *)it)->node);
}

static ShaleSlice memiter_value(ShaleIter *it)
{
    return skiplist_node_value(((MemIter *)it)->node);
}

static ShaleCode memiter_status(ShaleIter *it, ShaleError *err)
{
    (void)it;
    (void)err;
    return SHALE_OK;
}

static void memiter_destroy(ShaleIter *it)
{
    MemIter *mi = (MemIter *)it;
    memtable_unref(mi->m);
    free(mi);
}

static const ShaleIterOps memiter_ops = {
    memiter_valid, memiter_seek_to_first, memiter_seek_to_last, memiter_seek,
    memiter_next, memiter_prev, memiter_key, memiter_value, memiter_status, memiter_destroy,
};

/* Returns an iterator (caller destroys with shale_iter_destroy) holding a reference on m;
 * key/value slices point into m's arena. NULL on OOM. */
ShaleIter *memtable_iter(MemTable *m)
{
    MemIter *mi = malloc(sizeof *mi);
    if (!mi)
        return NULL;
    shale_iter_init(&mi->base, &memiter_ops);
    memtable_ref(m);
    mi->m = m;
    mi->node = NULL;
    return &mi->base;
}
