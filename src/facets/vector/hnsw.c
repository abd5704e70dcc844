/* hnsw.c -- the HNSW index object: creation and teardown, node storage in chunks, the label
 * map (label bytes -> nodes) used by hnsw_mark_deleted_label, deletion marks, statistics,
 * and the pool of per-operation scratch contexts with their visited stamps and heaps.
 * Graph construction is in hnsw_insert.c, queries in hnsw_search.c, files in hnsw_file.c;
 * the invariants shared by all of them are listed in hnsw_int.h. */
#include "facets/vector/hnsw_int.h"

#include <math.h>
#include <stdlib.h>

#define HNSW_CHUNK_BYTES (4u << 20)

_Static_assert(sizeof(HnswNode) == 24, "the memory figures in hnsw.h assume a 24-byte node record");
#define HNSW_CHUNK_MIN_SHIFT 6
#define HNSW_CHUNK_MAX_SHIFT 12

void hnsw_options_init(HnswOptions *o, int dims, HnswMetric metric)
{
    memset(o, 0, sizeof *o);
    o->dims = dims;
    o->metric = metric;
    o->m = 16;
    o->ef_construction = 64;
    o->seed = 0x5eed5eedull;
}

const HnswOptions *hnsw_options(const HnswIndex *idx)
{
    return &idx->opts;
}

static int hnsw_options_check(const HnswOptions *o, ShaleError *err)
{
    if (o->dims < 1 || o->dims > HNSW_MAX_DIMS)
        return SHALE_ERR_INVALID(err, "hnsw: dims %d out of range 1..%d", o->dims, HNSW_MAX_DIMS), -1;
    if ((int)o->metric < 0 || (int)o->metric > HNSW_METRIC_L1)
        return SHALE_ERR_INVALID(err, "hnsw: unknown metric %d", (int)o->metric), -1;
    if (o->m < 2 || o->m > HNSW_MAX_M)
        return SHALE_ERR_INVALID(err, "hnsw: m %d out of range 2..%d", o->m, HNSW_MAX_M), -1;
    if (o->ef_construction < 4 || o->ef_construction > 1000 || o->ef_construction < 2 * o->m)
        return SHALE_ERR_INVALID(err, "hnsw: ef_construction %d must be in 4..1000 and >= 2*m",
                                 o->ef_construction), -1;
    return 0;
}

int hnsw_create(const HnswOptions *opts, HnswIndex **out, ShaleError *err)
{
    *out = NULL;
    if (hnsw_options_check(opts, err) != 0)
        return -1;
    HnswIndex *idx = calloc(1, sizeof *idx);
    if (!idx)
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    idx->opts = *opts;
    idx->kern = vector_kernels();
    idx->stride = ((size_t)opts->dims + 7) & ~(size_t)7;
    idx->m0 = 2 * opts->m;
    idx->ml = 1.0 / log((double)opts->m);
    int shift = HNSW_CHUNK_MAX_SHIFT;
    while (shift > HNSW_CHUNK_MIN_SHIFT && ((size_t)1 << shift) * idx->stride * 4 > HNSW_CHUNK_BYTES)
        shift--;
    idx->chunk_shift = shift;
    idx->chunk_mask = ((uint32_t)1 << shift) - 1;
    atomic_init(&idx->chunks, NULL);
    atomic_init(&idx->n_nodes, 0);
    atomic_init(&idx->entry, HNSW_ENTRY_EMPTY);
    atomic_init(&idx->n_deleted, 0);
    pthread_mutex_init(&idx->alloc_lock, NULL);
    pthread_mutex_init(&idx->entry_lock, NULL);
    pthread_mutex_init(&idx->pool_lock, NULL);
    pthread_mutex_init(&idx->repair_lock, NULL);
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&idx->ins_lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    atomic_init(&idx->pending, 0);
    atomic_init(&idx->live_repairs, 0);
    shale_arena_init(&idx->arena);
    shale_random_seed(&idx->rng, opts->seed ? opts->seed : 1);
    *out = idx;
    return 0;
}

static void hnsw_ctx_destroy(HnswCtx *ctx)
{
    free(ctx->visited);
    hnsw_heap_free(&ctx->cand);
    hnsw_heap_free(&ctx->res);
    hnsw_heap_free(&ctx->aux);
    hnsw_heap_free(&ctx->defer);
    hnsw_heap_free(&ctx->seeds);
    free(ctx->ids);
    free(ctx->vecs);
    free(ctx->q);
    free(ctx->raw);
    free(ctx);
}

/* Frees the graph data of idx (chunks, tables, arena, map), leaving locks and pool. */
static void hnsw_graph_free(HnswIndex *idx)
{
    HnswChunk **t = atomic_load(&idx->chunks);
    for (size_t i = 0; t && i < idx->n_chunks; i++) {
        free(t[i]->vectors);
        free(t[i]->links0);
        free(t[i]->nodes);
        free((void *)t[i]->deleted);
        free((void *)t[i]->in0);
        free(t[i]);
    }
    free(t);
    for (int i = 0; i < idx->n_old_tables; i++)
        free(idx->old_tables[i]);
    shale_arena_destroy(&idx->arena);
    free(idx->label_map);
}

void hnsw_free(HnswIndex *idx)
{
    if (!idx)
        return;
    hnsw_graph_free(idx);
    while (idx->free_ctx) {
        HnswCtx *c = idx->free_ctx;
        idx->free_ctx = c->next_free;
        hnsw_ctx_destroy(c);
    }
    pthread_mutex_destroy(&idx->alloc_lock);
    pthread_mutex_destroy(&idx->entry_lock);
    pthread_mutex_destroy(&idx->pool_lock);
    pthread_mutex_destroy(&idx->repair_lock);
    pthread_rwlock_destroy(&idx->ins_lock);
    free(idx);
}

void hnsw_swap_graph(HnswIndex *a, HnswIndex *b)
{
    HnswIndex t;
#define HNSW_SWAP(f) do { memcpy(&t.f, &a->f, sizeof t.f); memcpy(&a->f, &b->f, sizeof t.f); \
                          memcpy(&b->f, &t.f, sizeof t.f); } while (0)
    HNSW_SWAP(chunks);
    HNSW_SWAP(chunk_cap);
    HNSW_SWAP(n_chunks);
    HNSW_SWAP(old_tables);
    HNSW_SWAP(n_old_tables);
    HNSW_SWAP(n_nodes);
    HNSW_SWAP(entry);
    HNSW_SWAP(n_deleted);
    HNSW_SWAP(arena);
    HNSW_SWAP(label_map);
    HNSW_SWAP(map_cap);
    HNSW_SWAP(map_count);
    HNSW_SWAP(rng);
    HNSW_SWAP(pending);
#undef HNSW_SWAP
}

double hnsw_distance(const HnswIndex *idx, const float *a, const float *b)
{
    size_t n = (size_t)idx->opts.dims;
    switch (idx->opts.metric) {
    case HNSW_METRIC_L2: return sqrt((double)idx->kern->l2sq(a, b, n));
    case HNSW_METRIC_COSINE: return vector_cosine_distance(a, b, n);
    case HNSW_METRIC_IP: return -(double)idx->kern->dot(a, b, n);
    default: return (double)idx->kern->l1(a, b, n);
    }
}

int hnsw_prepare_vector(const HnswIndex *idx, const float *vec, float *out, ShaleError *err)
{
    size_t n = (size_t)idx->opts.dims;
    double norm = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(vec[i]))
            return SHALE_ERR_INVALID(err, "hnsw: vector component %zu is not finite", i), -1;
        norm += (double)vec[i] * vec[i];
    }
    memcpy(out, vec, n * sizeof(float));
    for (size_t i = n; i < idx->stride; i++)
        out[i] = 0.0f;
    if (idx->opts.metric == HNSW_METRIC_COSINE) {
        if (norm == 0.0)
            return 1;
        double inv = 1.0 / sqrt(norm);
        for (size_t i = 0; i < n; i++)
            out[i] = (float)((double)vec[i] * inv);
    }
    return 0;
}

/* Draws a level: floor(-ln(U) * mL). REQUIRES alloc_lock (idx->rng). */
static int hnsw_random_level(HnswIndex *idx)
{
    uint64_t r = shale_random_next(&idx->rng);
    double u = ((double)(r >> 11) + 0.5) * (1.0 / 9007199254740992.0);   /* (0, 1) */
    double l = floor(-log(u) * idx->ml);
    return l > HNSW_MAX_LEVEL ? HNSW_MAX_LEVEL : (int)l;
}

/* ---- node allocation (under alloc_lock) ---- */

static bool hnsw_chunk_add(HnswIndex *idx)
{
    if (idx->n_chunks == idx->chunk_cap) {
        size_t cap = idx->chunk_cap ? idx->chunk_cap * 2 : 16;
        if (idx->n_old_tables == (int)(sizeof idx->old_tables / sizeof idx->old_tables[0]))
            return false;
        HnswChunk **t = calloc(cap, sizeof *t);
        if (!t)
            return false;
        HnswChunk **old = atomic_load(&idx->chunks);
        if (old) {
            memcpy(t, old, idx->n_chunks * sizeof *t);
            idx->old_tables[idx->n_old_tables++] = old;
        }
        atomic_store_explicit(&idx->chunks, t, memory_order_release);
        idx->chunk_cap = cap;
    }
    size_t nodes = (size_t)1 << idx->chunk_shift;
    HnswChunk *c = calloc(1, sizeof *c);
    if (!c)
        return false;
    c->vectors = aligned_alloc(64, nodes * idx->stride * sizeof(float));
    c->links0 = calloc(nodes * (size_t)(1 + 2 * idx->m0), sizeof(uint32_t));
    c->nodes = calloc(nodes, sizeof(HnswNode));
    c->deleted = calloc(nodes / 64, sizeof(uint64_t));
    c->in0 = calloc(nodes, sizeof(uint32_t));
    if (!c->vectors || !c->links0 || !c->nodes || !c->deleted || !c->in0) {
        free(c->vectors);
        free(c->links0);
        free(c->nodes);
        free((void *)c->deleted);
        free((void *)c->in0);
        free(c);
        return false;
    }
    HnswChunk **t = atomic_load(&idx->chunks);
    t[idx->n_chunks++] = c;
    return true;
}

static bool hnsw_label_eq(const HnswNode *n, uint32_t hash, const void *label, size_t len)
{
    return n->hash == hash && n->label_len == len && memcmp(n->label, label, len) == 0;
}

static bool hnsw_map_insert(HnswIndex *idx, uint32_t id, uint32_t hash)
{
    if ((idx->map_count + 1) * 2 > idx->map_cap) {
        size_t cap = idx->map_cap ? idx->map_cap * 2 : 1024;
        uint32_t *m = malloc(cap * sizeof *m);
        if (!m)
            return false;
        memset(m, 0xff, cap * sizeof *m);
        for (size_t i = 0; i < idx->map_cap; i++) {
            uint32_t v = idx->label_map[i];
            if (v == HNSW_NO_NODE)
                continue;
            size_t p = hnsw_node(idx, v)->hash & (cap - 1);
            while (m[p] != HNSW_NO_NODE)
                p = (p + 1) & (cap - 1);
            m[p] = v;
        }
        free(idx->label_map);
        idx->label_map = m;
        idx->map_cap = cap;
    }
    size_t p = hash & (idx->map_cap - 1);
    while (idx->label_map[p] != HNSW_NO_NODE)
        p = (p + 1) & (idx->map_cap - 1);
    idx->label_map[p] = id;
    idx->map_count++;
    return true;
}

uint32_t hnsw_node_new(HnswIndex *idx, const float *stored, const void *label, size_t label_len,
                       int level, bool deleted, ShaleError *err)
{
    if (label_len < 1 || label_len > HNSW_MAX_LABEL) {
        SHALE_ERR_INVALID(err, "hnsw: label length %zu out of range 1..%d", label_len, HNSW_MAX_LABEL);
        return HNSW_NO_NODE;
    }
    uint32_t hash = shale_hash32(label, label_len, 0x4e5357u);
    pthread_mutex_lock(&idx->alloc_lock);
    uint32_t id = atomic_load_explicit(&idx->n_nodes, memory_order_relaxed);
    if (id >= HNSW_MAX_NODES) {
        pthread_mutex_unlock(&idx->alloc_lock);
        SHALE_ERR_INVALID(err, "hnsw: index is full (%u nodes)", id);
        return HNSW_NO_NODE;
    }
    if ((id >> idx->chunk_shift) >= idx->n_chunks && !hnsw_chunk_add(idx))
        goto nomem;
    if (level < 0)
        level = hnsw_random_level(idx);
    uint8_t *lab = shale_arena_alloc(&idx->arena, label_len);
    uint32_t *upper = NULL;
    if (!lab)
        goto nomem;
    if (level > 0) {
        size_t n = (size_t)level * (size_t)(1 + 2 * idx->opts.m);
        upper = shale_arena_alloc(&idx->arena, n * sizeof *upper);
        if (!upper)
            goto nomem;
        memset(upper, 0, n * sizeof *upper);
    }
    memcpy(lab, label, label_len);
    HnswNode *node = hnsw_node(idx, id);
    node->label = lab;
    node->upper = upper;
    node->hash = hash;
    node->label_len = (uint16_t)label_len;
    node->level = (uint8_t)level;
    atomic_store_explicit(&node->lock, 0, memory_order_relaxed);
    atomic_store_explicit(hnsw_in0(idx, id), 0, memory_order_relaxed);
    uint32_t *l0 = hnsw_links(idx, id, 0);
    l0[0] = 0;
    memcpy(hnsw_vec(idx, id), stored, idx->stride * sizeof(float));
    if (!hnsw_map_insert(idx, id, hash))
        goto nomem;
    if (deleted && hnsw_set_deleted(idx, id))
        atomic_fetch_add(&idx->n_deleted, 1);
    atomic_store_explicit(&idx->n_nodes, id + 1, memory_order_release);
    pthread_mutex_unlock(&idx->alloc_lock);
    return id;
nomem:
    pthread_mutex_unlock(&idx->alloc_lock);
    SHALE_ERR_NOMEM(err, "hnsw: out of memory allocating node");
    return HNSW_NO_NODE;
}

/* ---- deletion marks, stats, accessors ---- */

void hnsw_mark_deleted(HnswIndex *idx, uint32_t node)
{
    if (node >= atomic_load_explicit(&idx->n_nodes, memory_order_acquire))
        return;
    if (hnsw_set_deleted(idx, node))
        atomic_fetch_add(&idx->n_deleted, 1);
}

/* Counts the nodes this call newly marked (nodes already marked are not counted). */
int hnsw_mark_deleted_label(HnswIndex *idx, const void *label, size_t label_len)
{
    if (label_len < 1 || label_len > HNSW_MAX_LABEL)
        return 0;
    uint32_t hash = shale_hash32(label, label_len, 0x4e5357u);
    int marked = 0;
    pthread_mutex_lock(&idx->alloc_lock);
    if (idx->map_cap) {
        size_t p = hash & (idx->map_cap - 1);
        for (uint32_t v; (v = idx->label_map[p]) != HNSW_NO_NODE; p = (p + 1) & (idx->map_cap - 1)) {
            HnswNode *n = hnsw_node(idx, v);
            if (hnsw_label_eq(n, hash, label, label_len) && hnsw_set_deleted(idx, v)) {
                atomic_fetch_add(&idx->n_deleted, 1);
                marked++;
            }
        }
    }
    pthread_mutex_unlock(&idx->alloc_lock);
    return marked;
}

void hnsw_stats(const HnswIndex *idx, HnswStats *out)
{
    HnswIndex *w = (HnswIndex *)idx;
    pthread_mutex_lock(&w->alloc_lock);
    size_t per_node = idx->stride * sizeof(float) + (size_t)(1 + 2 * idx->m0) * 4 + sizeof(HnswNode) + 4;
    size_t per_chunk = ((size_t)1 << idx->chunk_shift) * per_node + ((size_t)1 << idx->chunk_shift) / 8;
    out->bytes = (uint64_t)(idx->n_chunks * (per_chunk + sizeof(HnswChunk)) +
                            idx->chunk_cap * sizeof(HnswChunk *) + shale_arena_usage(&idx->arena) +
                            idx->map_cap * sizeof(uint32_t) + sizeof *idx);
    pthread_mutex_unlock(&w->alloc_lock);
    out->nodes = atomic_load(&w->n_nodes);
    out->deleted = atomic_load(&w->n_deleted);
    uint64_t e = atomic_load(&w->entry);
    out->max_level = e == HNSW_ENTRY_EMPTY ? -1 : (int)(e >> 32);
}

const void *hnsw_node_label(const HnswIndex *idx, uint32_t node, size_t *label_len)
{
    const HnswNode *n = hnsw_node(idx, node);
    *label_len = n->label_len;
    return n->label;
}

const float *hnsw_node_vector(const HnswIndex *idx, uint32_t node)
{
    return hnsw_vec(idx, node);
}

bool hnsw_node_deleted(const HnswIndex *idx, uint32_t node)
{
    return hnsw_is_deleted(idx, node);
}

/* ---- scratch contexts ---- */

HnswCtx *hnsw_ctx_get(HnswIndex *idx)
{
    pthread_mutex_lock(&idx->pool_lock);
    HnswCtx *c = idx->free_ctx;
    if (c)
        idx->free_ctx = c->next_free;
    pthread_mutex_unlock(&idx->pool_lock);
    if (c)
        return c;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->idx = idx;
    size_t scratch = (size_t)(2 * idx->m0 + 2);
    c->ids = malloc(scratch * sizeof *c->ids);
    c->vecs = malloc(scratch * sizeof *c->vecs);
    /* aligned_alloc needs a size that is a multiple of the alignment (ASan aborts otherwise:
     * a 3-dim index has a 32-byte stride) */
    size_t qbytes = (idx->stride * sizeof(float) + 63) & ~(size_t)63;
    c->q = aligned_alloc(64, qbytes);
    c->raw = aligned_alloc(64, qbytes);
    if (!c->ids || !c->vecs || !c->q || !c->raw) {
        hnsw_ctx_destroy(c);
        return NULL;
    }
    return c;
}

void hnsw_ctx_put(HnswIndex *idx, HnswCtx *ctx)
{
    pthread_mutex_lock(&idx->pool_lock);
    ctx->next_free = idx->free_ctx;
    idx->free_ctx = ctx;
    pthread_mutex_unlock(&idx->pool_lock);
}

void hnsw_visited_reset(HnswCtx *ctx)
{
    if (++ctx->gen == 0) {
        if (ctx->visited)
            memset(ctx->visited, 0, ctx->vcap * sizeof *ctx->visited);
        ctx->gen = 1;
    }
}

bool hnsw_visited_grow(HnswCtx *ctx, uint32_t id)
{
    size_t want = (size_t)atomic_load_explicit(&ctx->idx->n_nodes, memory_order_acquire);
    if (want < (size_t)id + 1)
        want = (size_t)id + 1;
    want += want / 4 + 1024;
    uint16_t *v = realloc(ctx->visited, want * sizeof *v);
    if (!v)
        return false;
    memset(v + ctx->vcap, 0, (want - ctx->vcap) * sizeof *v);
    ctx->visited = v;
    ctx->vcap = want;
    return true;
}

/* ---- heaps ---- */

bool hnsw_heap_reserve(HnswHeap *h, size_t need)
{
    if (h->n + need <= h->cap)
        return true;
    size_t cap = h->cap ? h->cap * 2 : 256;
    while (cap < h->n + need)
        cap *= 2;
    HnswPair *a = realloc(h->a, cap * sizeof *a);
    if (!a)
        return false;
    h->a = a;
    h->cap = cap;
    return true;
}

void hnsw_heap_free(HnswHeap *h)
{
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}

void hnsw_heap_push_min(HnswHeap *h, float d, uint32_t id)
{
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->a[p].d <= d)
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i].d = d;
    h->a[i].id = id;
}

static void hnsw_sift_down_min(HnswPair *a, size_t n, size_t i)
{
    HnswPair x = a[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && a[c + 1].d < a[c].d)
            c++;
        if (a[c].d >= x.d)
            break;
        a[i] = a[c];
        i = c;
    }
    a[i] = x;
}

HnswPair hnsw_heap_pop_min(HnswHeap *h)
{
    HnswPair top = h->a[0];
    if (--h->n > 0) {
        h->a[0] = h->a[h->n];
        hnsw_sift_down_min(h->a, h->n, 0);
    }
    return top;
}

void hnsw_heap_heapify_min(HnswHeap *h)
{
    for (size_t i = h->n / 2; i-- > 0;)
        hnsw_sift_down_min(h->a, h->n, i);
}

void hnsw_heap_push_max(HnswHeap *h, float d, uint32_t id)
{
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->a[p].d >= d)
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i].d = d;
    h->a[i].id = id;
}

HnswPair hnsw_heap_pop_max(HnswHeap *h)
{
    HnswPair top = h->a[0];
    if (--h->n > 0) {
        HnswPair x = h->a[h->n];
        size_t n = h->n, i = 0;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= n)
                break;
            if (c + 1 < n && h->a[c + 1].d > h->a[c].d)
                c++;
            if (h->a[c].d <= x.d)
                break;
            h->a[i] = h->a[c];
            i = c;
        }
        h->a[i] = x;
    }
    return top;
}

static inline bool hnsw_pair_less(HnswPair x, HnswPair y)
{
    return x.d < y.d || (x.d == y.d && x.id < y.id);
}

/* Insertion sort for short runs, heapsort otherwise: no callbacks, no allocation. */
void hnsw_pairs_sort(HnswPair *a, size_t n)
{
    if (n <= 24) {
        for (size_t i = 1; i < n; i++) {
            HnswPair x = a[i];
            size_t j = i;
            while (j > 0 && hnsw_pair_less(x, a[j - 1])) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    /* max-heap on (d, id), then move the max to the end repeatedly */
    for (size_t start = n / 2; start-- > 0;) {
        HnswPair x = a[start];
        size_t i = start;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= n)
                break;
            if (c + 1 < n && hnsw_pair_less(a[c], a[c + 1]))
                c++;
            if (!hnsw_pair_less(x, a[c]))
                break;
            a[i] = a[c];
            i = c;
        }
        a[i] = x;
    }
    for (size_t end = n - 1; end > 0; end--) {
        HnswPair x = a[end];
        a[end] = a[0];
        size_t i = 0;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= end)
                break;
            if (c + 1 < end && hnsw_pair_less(a[c], a[c + 1]))
                c++;
            if (!hnsw_pair_less(x, a[c]))
                break;
            a[i] = a[c];
            i = c;
        }
        a[i] = x;
    }
}
