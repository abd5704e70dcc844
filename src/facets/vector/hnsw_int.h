/* hnsw_int.h -- internals of the HNSW index shared by hnsw.c (nodes, labels, scratch pool),
 * hnsw_insert.c (graph construction), hnsw_search.c (queries) and hnsw_file.c (snapshots).
 * Not a public header: only src/facets/vector/hnsw*.c include it.
 *
 * Memory layout. Nodes live in chunks of 2^chunk_shift nodes (64..4096, so a chunk's vectors
 * stay near 4 MB whatever the dimension); a chunk holds, per node, the vector (stride floats,
 * cosine vectors stored L2-normalised), the layer-0 link list and an HnswNode record; layers
 * >= 1 keep their lists in idx->arena. A list of capacity cap (2m on layer 0, m above) is
 * 1 + 2*cap uint32: count, then cap ids, then cap float distances to the node. Lists are
 * sorted by distance, and each id's top bit (HNSW_KEPT) says whether the selection
 * heuristic keeps it (the others fill free slots): adding a link re-selects incrementally. Chunks never
 * move; the chunk table grows by copying under alloc_lock and readers load it through an
 * atomic pointer (old tables are kept until hnsw_free, so a reader holding one stays safe).
 *
 * Memory per vector: stride*4 (vector) + (1+4m)*4 (layer 0) + 24 (HnswNode) + 4 (in-link count) + label bytes
 * (arena, 8-aligned) + (1+2m)*4 per upper layer (1/(m-1) upper layers on average) + 8 (label
 * map slots at load <= 1/2) + 1 bit (deletion mark). 128 dims, m=16, 8-byte labels:
 * 512+260+24+4+8+9+8 = ~825 bytes; hnsw_stats measured ~845 at 100k nodes before the count.
 *
 * Concurrency invariants.
 *  1. A node id becomes reachable (in a link list or the entry point) only after its vector,
 *     level, label and upper-layer lists are written; ids are stored with release and loaded
 *     with acquire atomics, so a reader that sees an id sees the node.
 *  2. A link list is only written under its node's spinlock, ids first, then the count
 *     (release). Readers take no lock: they load the count (acquire), clamp it to the list's
 *     capacity and load ids; a list rewritten under them yields a mix of old and new ids,
 *     all of them valid nodes, which a search tolerates.
 *  3. An insert holds at most one node spinlock at a time (no lock order to respect).
 *  4. The entry point and max level are one packed atomic (level << 32 | id), changed only
 *     under entry_lock. */
#ifndef SHALE_FACETS_VECTOR_HNSW_INT_H
#define SHALE_FACETS_VECTOR_HNSW_INT_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "facets/vector/hnsw.h"
#include "facets/vector/vector_kernels.h"
#include "util/arena.h"
#include "util/hash.h"

#define HNSW_MAX_LEVEL 24
#define HNSW_MAX_LABEL 1024
#define HNSW_MAX_DIMS 16000
#define HNSW_MAX_M 100
#define HNSW_NO_NODE UINT32_MAX
#define HNSW_ENTRY_EMPTY UINT64_MAX
/* Node ids stay below 2^31: the top bit of a stored link is the HNSW_KEPT flag. */
#define HNSW_MAX_NODES 0x7fffffffu
#define HNSW_KEPT 0x80000000u
#define HNSW_ID_MASK 0x7fffffffu

/* One node's bookkeeping (the vector and layer-0 links sit in parallel chunk arrays). */
typedef struct HnswNode {
    const uint8_t *label;       /* in idx->arena, label_len bytes */
    uint32_t *upper;            /* layers 1..level, (1+2m) uint32 each, in idx->arena; NULL at level 0 */
    uint32_t hash;              /* shale_hash32 of the label, for the label map */
    uint16_t label_len;         /* 1..HNSW_MAX_LABEL */
    uint8_t level;              /* 0..HNSW_MAX_LEVEL */
    _Atomic uint8_t lock;       /* spinlock guarding this node's link lists */
} HnswNode;

typedef struct HnswChunk {
    float *vectors;             /* chunk_size * stride floats, 64-byte aligned */
    uint32_t *links0;           /* chunk_size * (1 + 2*m0): count, ids, distances */
    HnswNode *nodes;            /* chunk_size records */
    /* deletion marks, one bit per node, set once (searches test them for every node they
     * reach: a dense bitmap stays in cache where the node records would not) */
    _Atomic uint64_t *deleted;
    /* per node, how many layer-0 lists hold it (its in-links), kept by hnsw_insert.c and
     * recounted on load: a prune never drops a node's last in-link while another member of
     * the list can go instead (else the node would be unreachable for good) */
    _Atomic uint32_t *in0;
} HnswChunk;

/* (distance, node) pairs: the unit of every heap and candidate list. */
typedef struct HnswPair {
    float d;
    uint32_t id;
} HnswPair;

/* A growable pair array used as a binary heap (min or max by the functions applied). */
typedef struct HnswHeap {
    HnswPair *a;
    size_t n, cap;
} HnswHeap;

/* Per-operation scratch: taken from idx's pool by an insert or a search and given back at its
 * end, so steady-state operations do not malloc. An HnswSearch IS an HnswCtx (hnsw.h's type
 * is this struct) while the search lives. */
struct HnswSearch {
    HnswIndex *idx;
    struct HnswSearch *next_free;   /* pool link while idle */
    uint16_t *visited;              /* generation stamps per node id */
    size_t vcap;                    /* entries in visited */
    uint16_t gen;                   /* current stamp; 0 is never a live stamp */
    HnswHeap cand;                  /* frontier (min-heap) */
    HnswHeap res;                   /* beam results (max-heap) */
    HnswHeap aux;                   /* query: visited, not yielded, outside the beam (R) */
    HnswHeap defer;                 /* query: visited, rejected from the beam, unexpanded (D) */
    HnswHeap seeds;                 /* insert: entry points of the next layer */
    uint32_t *ids;                  /* scratch id list, 2*m0 + 2 entries */
    const float **vecs;             /* scratch vector pointers, 2*m0 + 2 entries */
    float *q;                       /* the (normalised for cosine) query, stride floats */
    float *raw;                     /* the query as given (search only), stride floats */
    /* search state */
    int phase;                      /* 1: yielding the beam from res; 2: best-first; 3: done */
    size_t out_pos;                 /* next index into res.a (sorted ascending) in phase 1 */
    uint64_t yielded;
    uint64_t max_candidates;
};
typedef struct HnswSearch HnswCtx;

struct HnswIndex {
    HnswOptions opts;
    const VectorKernels *kern;
    size_t stride;                  /* floats per stored vector (dims rounded up to 8) */
    int m0;                         /* layer-0 capacity: 2*m */
    double ml;                      /* level multiplier 1/ln(m) */
    int chunk_shift;
    uint32_t chunk_mask;

    _Atomic(HnswChunk **) chunks;   /* chunk table, chunk_cap entries */
    size_t chunk_cap;               /* under alloc_lock */
    size_t n_chunks;                /* under alloc_lock */
    HnswChunk **old_tables[32];     /* replaced tables, freed by hnsw_free */
    int n_old_tables;

    _Atomic uint32_t n_nodes;       /* published node count (ids < n_nodes are complete) */
    _Atomic uint64_t entry;         /* level << 32 | id, or HNSW_ENTRY_EMPTY */
    _Atomic uint64_t n_deleted;

    pthread_mutex_t alloc_lock;     /* node allocation, arena, label map, rng, chunk table */
    pthread_mutex_t entry_lock;     /* entry point changes */
    pthread_mutex_t pool_lock;      /* ctx pool */
    /* Live reachability (hnsw_repair.c): hnsw_insert links under ins_lock shared and then
     * counts itself in pending; a search that finds pending > 0 repairs first, under
     * repair_lock and ins_lock exclusive (writer-preferring, so a stream of inserts cannot
     * starve it). Lock order: repair_lock, ins_lock; node spinlocks and alloc/entry locks are
     * taken inside either and never held while waiting for these two. */
    pthread_rwlock_t ins_lock;
    pthread_mutex_t repair_lock;
    _Atomic uint64_t pending;       /* hnsw_insert calls finished since the last repair began */
    _Atomic uint64_t live_repairs;  /* repairs run by hnsw_repair_live (diagnostics) */
    _Atomic uint64_t repair_end_ns; /* CLOCK_MONOTONIC end of the last live repair */
    _Atomic uint64_t repair_cost_ns;/* and how long it held inserts off */
    ShaleArena arena;               /* labels and upper-layer lists */
    uint32_t *label_map;            /* open addressing of node ids by label hash; UINT32_MAX empty */
    size_t map_cap, map_count;
    ShaleRandom rng;
    HnswCtx *free_ctx;              /* idle scratch contexts */
};

/* ---- node access (inline: the search loops live on these) ---- */

static inline HnswChunk *hnsw_chunk(const HnswIndex *idx, uint32_t id)
{
    HnswChunk **t = atomic_load_explicit(&((HnswIndex *)idx)->chunks, memory_order_acquire);
    return t[id >> idx->chunk_shift];
}

static inline float *hnsw_vec(const HnswIndex *idx, uint32_t id)
{
    return hnsw_chunk(idx, id)->vectors + (size_t)(id & idx->chunk_mask) * idx->stride;
}

static inline HnswNode *hnsw_node(const HnswIndex *idx, uint32_t id)
{
    return &hnsw_chunk(idx, id)->nodes[id & idx->chunk_mask];
}

/* The link list of id at level (count at [0], ids after). REQUIRES level <= node level. */
static inline uint32_t *hnsw_links(const HnswIndex *idx, uint32_t id, int level)
{
    HnswChunk *c = hnsw_chunk(idx, id);
    uint32_t slot = id & idx->chunk_mask;
    if (level == 0)
        return c->links0 + (size_t)slot * (size_t)(1 + 2 * idx->m0);
    return c->nodes[slot].upper + (size_t)(level - 1) * (size_t)(1 + 2 * idx->opts.m);
}

/* The distances of a list of capacity cap (written and read under the node lock only). */
static inline float *hnsw_links_dists(uint32_t *links, int cap)
{
    return (float *)(void *)(links + 1 + cap);
}

static inline _Atomic uint32_t *hnsw_in0(const HnswIndex *idx, uint32_t id)
{
    return &hnsw_chunk(idx, id)->in0[id & idx->chunk_mask];
}

static inline bool hnsw_is_deleted(const HnswIndex *idx, uint32_t id)
{
    uint32_t slot = id & idx->chunk_mask;
    uint64_t w = atomic_load_explicit(&hnsw_chunk(idx, id)->deleted[slot >> 6], memory_order_relaxed);
    return (w >> (slot & 63)) & 1;
}

/* Sets id's deletion mark; returns true if this call set it. */
static inline bool hnsw_set_deleted(const HnswIndex *idx, uint32_t id)
{
    uint32_t slot = id & idx->chunk_mask;
    uint64_t bit = (uint64_t)1 << (slot & 63);
    return !(atomic_fetch_or(&hnsw_chunk(idx, id)->deleted[slot >> 6], bit) & bit);
}

static inline int hnsw_level_cap(const HnswIndex *idx, int level)
{
    return level == 0 ? idx->m0 : idx->opts.m;
}

/* Count of a link list as a lock-free reader sees it, clamped to the list's capacity. */
static inline uint32_t hnsw_links_count(const uint32_t *links, int cap)
{
    uint32_t n = __atomic_load_n(&links[0], __ATOMIC_ACQUIRE);
    return n > (uint32_t)cap ? (uint32_t)cap : n;
}

static inline uint32_t hnsw_links_get(const uint32_t *links, uint32_t i)
{
    return __atomic_load_n(&links[1 + i], __ATOMIC_ACQUIRE) & HNSW_ID_MASK;
}

/* Internal distance: squared L2, 1 - dot of normalised vectors, -dot, or L1. */
static inline float hnsw_dist(const HnswIndex *idx, const float *a, const float *b)
{
    size_t n = (size_t)idx->opts.dims;
    switch (idx->opts.metric) {
    case HNSW_METRIC_L2: return idx->kern->l2sq(a, b, n);
    case HNSW_METRIC_COSINE: return 1.0f - idx->kern->dot(a, b, n);
    case HNSW_METRIC_IP: return -idx->kern->dot(a, b, n);
    default: return idx->kern->l1(a, b, n);
    }
}

static inline void hnsw_prefetch_vec(const HnswIndex *idx, const float *v)
{
    const char *p = (const char *)v;
    size_t bytes = (size_t)idx->opts.dims * 4;
    if (bytes > 512)
        bytes = 512;
    for (size_t off = 0; off < bytes; off += 64)
        __builtin_prefetch(p + off, 0, 3);
}

static inline void hnsw_node_lock(HnswNode *n)
{
    unsigned spins = 0;
    while (atomic_exchange_explicit(&n->lock, 1, memory_order_acquire)) {
        while (atomic_load_explicit(&n->lock, memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            if (++spins > 1000) {
                spins = 0;
                sched_yield();
            }
        }
    }
}

static inline void hnsw_node_unlock(HnswNode *n)
{
    atomic_store_explicit(&n->lock, 0, memory_order_release);
}

/* ---- visited stamps ---- */

/* Starts a new visited generation for ctx (REQUIRES ctx->vcap covers nothing in particular:
 * hnsw_visit grows the array on demand). */
void hnsw_visited_reset(HnswCtx *ctx);
/* Slow path of hnsw_visit: grows visited to cover id. Returns false when out of memory. */
bool hnsw_visited_grow(HnswCtx *ctx, uint32_t id);

/* Marks id visited; returns 1 if it was not visited before, 0 if it was, -1 on OOM. */
static inline int hnsw_visit(HnswCtx *ctx, uint32_t id)
{
    if (id >= ctx->vcap && !hnsw_visited_grow(ctx, id))
        return -1;
    if (ctx->visited[id] == ctx->gen)
        return 0;
    ctx->visited[id] = ctx->gen;
    return 1;
}

/* ---- heaps ---- */

bool hnsw_heap_reserve(HnswHeap *h, size_t need);
void hnsw_heap_free(HnswHeap *h);
/* REQUIRES capacity reserved. */
void hnsw_heap_push_min(HnswHeap *h, float d, uint32_t id);
HnswPair hnsw_heap_pop_min(HnswHeap *h);
void hnsw_heap_push_max(HnswHeap *h, float d, uint32_t id);
HnswPair hnsw_heap_pop_max(HnswHeap *h);
/* Rebuilds min-heap order over h->a[0..n). */
void hnsw_heap_heapify_min(HnswHeap *h);
/* Sorts h->a ascending by distance (destroys heap order). */
void hnsw_pairs_sort(HnswPair *a, size_t n);

/* ---- internal API across the hnsw*.c files ---- */

/* Scratch context from the pool (NULL on OOM); give back with hnsw_ctx_put. */
HnswCtx *hnsw_ctx_get(HnswIndex *idx);
void hnsw_ctx_put(HnswIndex *idx, HnswCtx *ctx);

/* Validates vec (finite; cosine: nonzero) and writes the stored form to out[stride]
 * (normalised for cosine, zero padding). Returns 0, 1 when the vector is skipped (cosine
 * zero vector), -1 with *err on NaN/Inf. */
int hnsw_prepare_vector(const HnswIndex *idx, const float *vec, float *out, ShaleError *err);

/* Allocates a node with the given stored vector, label and level (-1: drawn at random with
 * mL = 1/ln(m)), not yet linked into the graph, published in n_nodes. Returns its id or
 * HNSW_NO_NODE with *err. */
uint32_t hnsw_node_new(HnswIndex *idx, const float *stored, const void *label, size_t label_len,
                       int level, bool deleted, ShaleError *err);

/* Beam width on the layers above the one a search starts working on. A purely greedy
 * descent (width 1) ends in the wrong cluster for ~1% of queries on clustered data (every
 * cluster about equally far from the others: no gradient to follow); width 4 finds the way
 * at a few dozen more distance computations. */
#define HNSW_UPPER_EF 4

/* Descends from entry (level << 32 | id) through layers top..stop+1 with HNSW_UPPER_EF-wide
 * beams; sets *cur, *cur_d to the closest node found (never skip). Uses ctx->seeds and
 * ctx->res. Returns -1 when out of memory. */
int hnsw_descend(HnswIndex *idx, HnswCtx *ctx, const float *q, uint64_t entry, int stop, uint32_t skip,
                 uint32_t *cur, float *cur_d);

/* Beam search of width ef on one layer from ctx->seeds; leaves the ef closest nodes found
 * (deleted ones included: they stay linkable) in ctx->res as a max-heap. skip is not
 * reported (the node being inserted). Returns -1 when out of memory. */
int hnsw_search_layer(HnswIndex *idx, HnswCtx *ctx, const float *q, int ef, int level, uint32_t skip);

/* The heuristic over cand[0..n) sorted ascending by distance to the base: a candidate is
 * kept when no kept nearer candidate is closer to it than the base is; rejected ones fill
 * the slots the kept ones leave free (pgvector's keepPrunedConnections). Writes up to max
 * entries to out[] and kept[] in ascending distance order and returns how many. vecs is
 * scratch for max pointers. */
int hnsw_select(const HnswIndex *idx, const HnswPair *cand, size_t n, int max, HnswPair *out, bool *kept_out,
                const float **vecs);

/* Adds new_id (at distance d from node) to node's list at level under node's spinlock
 * (the only lock held), re-selecting incrementally and pruning when full; on layer 0 a
 * prune never takes a member's last in-link while another member can go. Returns whether
 * new_id is in the list afterwards (false: the prune chose new_id itself). force (the
 * repair pass): new_id is flagged kept and is never the member dropped, so the link is
 * made even when new_id already has in-links elsewhere. */
bool hnsw_link_add(HnswIndex *idx, uint32_t node, int level, uint32_t new_id, float d, bool force);

/* A search's live repair is due when inserts ran since the last repair and at least this
 * many times the last live repair's duration has passed since it ended: repairs then take
 * at most 1/(HNSW_REPAIR_SPACING+1) of the time (see hnsw_repair.c for the window this leaves). */
#define HNSW_REPAIR_SPACING 20

/* hnsw_repair_live when due (above); called by hnsw_search_begin. Returns 0 or -1 with *err. */
int hnsw_repair_if_due(HnswIndex *idx, ShaleError *err);

/* Links node id (already allocated, vector stored) into the graph. */
int hnsw_link_node(HnswIndex *idx, HnswCtx *ctx, uint32_t id, ShaleError *err);

/* Exchanges the graphs (nodes, labels, entry, counts) of a and b; options stay put.
 * REQUIRES both quiescent and with equal options. */
void hnsw_swap_graph(HnswIndex *a, HnswIndex *b);

#endif
