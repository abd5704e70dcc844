/* hnsw_insert.c -- HNSW graph construction: insert (descent through the upper layers with
 * 4-wide beams, beam search with ef_construction on each layer the new node lives on,
 * neighbour selection by the heuristic, back-links with pruning), the parallel bulk build
 * and compaction.
 *
 * Neighbour selection (the paper's heuristic): walking the candidates in ascending distance
 * to the base node, a candidate is kept only if it is closer to the base than to every
 * neighbour already kept; this spreads links over directions and keeps clusters connected.
 * A new node takes up to m links on upper layers and 2*m on layer 0 (as pgvector does); a
 * neighbour whose list is full re-selects among its old links plus the new node. */
#include "facets/vector/hnsw_int.h"

#include <stdlib.h>

int hnsw_search_layer(HnswIndex *idx, HnswCtx *ctx, const float *q, int ef, int level, uint32_t skip)
{
    int cap = hnsw_level_cap(idx, level);
    HnswHeap *cand = &ctx->cand, *res = &ctx->res;
    cand->n = res->n = 0;
    hnsw_visited_reset(ctx);
    if (!hnsw_heap_reserve(cand, ctx->seeds.n + (size_t)cap) || !hnsw_heap_reserve(res, (size_t)ef + 1))
        return -1;
    for (size_t i = 0; i < ctx->seeds.n; i++) {
        HnswPair p = ctx->seeds.a[i];
        if (hnsw_visit(ctx, p.id) < 0)
            return -1;
        hnsw_heap_push_min(cand, p.d, p.id);
        if (p.id == skip)
            continue;
        hnsw_heap_push_max(res, p.d, p.id);
        if (res->n > (size_t)ef)
            hnsw_heap_pop_max(res);
    }
    while (cand->n > 0) {
        HnswPair c = hnsw_heap_pop_min(cand);
        if (res->n >= (size_t)ef && c.d > res->a[0].d)
            break;
        if (cand->n > 0)    /* likely the next node expanded: fetch its list while we work */
            __builtin_prefetch(hnsw_links(idx, cand->a[0].id, level), 0, 3);
        const uint32_t *links = hnsw_links(idx, c.id, level);
        uint32_t n = hnsw_links_count(links, cap);
        uint32_t fresh = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t nb = hnsw_links_get(links, i);
            int v = hnsw_visit(ctx, nb);
            if (v < 0)
                return -1;
            if (v) {
                ctx->ids[fresh++] = nb;
                hnsw_prefetch_vec(idx, hnsw_vec(idx, nb));
            }
        }
        if (!hnsw_heap_reserve(cand, fresh))
            return -1;
        for (uint32_t i = 0; i < fresh; i++) {
            uint32_t nb = ctx->ids[i];
            float d = hnsw_dist(idx, q, hnsw_vec(idx, nb));
            if (res->n < (size_t)ef || d < res->a[0].d) {
                hnsw_heap_push_min(cand, d, nb);
                if (nb == skip)
                    continue;
                hnsw_heap_push_max(res, d, nb);
                if (res->n > (size_t)ef)
                    hnsw_heap_pop_max(res);
            }
        }
    }
    return 0;
}

int hnsw_descend(HnswIndex *idx, HnswCtx *ctx, const float *q, uint64_t entry, int stop, uint32_t skip,
                 uint32_t *cur, float *cur_d)
{
    *cur = (uint32_t)entry;
    *cur_d = hnsw_dist(idx, q, hnsw_vec(idx, *cur));
    int top = (int)(entry >> 32);
    if (top <= stop)
        return 0;
    ctx->seeds.n = 0;
    if (!hnsw_heap_reserve(&ctx->seeds, 1))
        return -1;
    ctx->seeds.a[ctx->seeds.n++] = (HnswPair){*cur_d, *cur};
    for (int lc = top; lc > stop; lc--) {
        if (hnsw_search_layer(idx, ctx, q, HNSW_UPPER_EF, lc, skip) != 0 ||
            !hnsw_heap_reserve(&ctx->seeds, ctx->res.n))
            return -1;
        if (ctx->res.n == 0)
            break;      /* only skip itself up there: keep the previous seeds */
        memcpy(ctx->seeds.a, ctx->res.a, ctx->res.n * sizeof *ctx->res.a);
        ctx->seeds.n = ctx->res.n;
    }
    for (size_t i = 0; i < ctx->seeds.n; i++) {
        if (ctx->seeds.a[i].id != skip && ctx->seeds.a[i].d < *cur_d) {
            *cur_d = ctx->seeds.a[i].d;
            *cur = ctx->seeds.a[i].id;
        }
    }
    return 0;
}

int hnsw_select(const HnswIndex *idx, const HnswPair *cand, size_t n, int max, HnswPair *out, bool *kept_out,
                const float **vecs)
{
    bool keep[1024];
    int kept = 0;
    size_t scanned = 0;
    if (n > sizeof keep)
        n = sizeof keep;
    for (; scanned < n && kept < max; scanned++) {
        const float *v = hnsw_vec(idx, cand[scanned].id);
        bool good = true;
        for (int j = 0; j < kept; j++) {
            if (hnsw_dist(idx, v, vecs[j]) < cand[scanned].d) {
                good = false;
                break;
            }
        }
        keep[scanned] = good;
        if (good)
            vecs[kept++] = v;
    }
    int fill = max - kept, n_out = 0;
    for (size_t i = 0; i < scanned; i++) {
        if (!keep[i]) {
            if (fill == 0)
                continue;
            fill--;
        }
        kept_out[n_out] = keep[i];
        out[n_out++] = cand[i];
    }
    return n_out;
}

/* Writes a list (ids with their kept flags, distances, then the count) for lock-free readers.
 * REQUIRES the node's lock. */
static void hnsw_list_store(uint32_t *links, int cap, const HnswPair *p, const bool *kept, int n)
{
    float *dists = hnsw_links_dists(links, cap);
    for (int i = 0; i < n; i++) {
        __atomic_store_n(&links[1 + i], p[i].id | (kept[i] ? HNSW_KEPT : 0), __ATOMIC_RELEASE);
        dists[i] = p[i].d;
    }
    __atomic_store_n(&links[0], (uint32_t)n, __ATOMIC_RELEASE);
}

/* Takes one in-link from id's count unless it is id's last; returns whether it did. The
 * compare-exchange makes two prunes racing on id's last two in-links keep one of them. */
static bool hnsw_in0_release(HnswIndex *idx, uint32_t id)
{
    _Atomic uint32_t *c = hnsw_in0(idx, id);
    uint32_t v = atomic_load_explicit(c, memory_order_relaxed);
    while (v > 1)
        if (atomic_compare_exchange_weak_explicit(c, &v, v - 1, memory_order_relaxed, memory_order_relaxed))
            return true;
    return false;
}

/* Which member of an overfull layer-0 list p[0..total) goes (REQUIRES the list's node lock).
 * The heuristic's choice (pref: the farthest rejected member, else the farthest) unless that
 * would cut the member's last in-link and orphan it for good: then the next member in the
 * same preference order (rejected ones farthest first, then kept ones farthest first) that
 * has another in-link, or new_id itself if it already has one. If every member hangs on this
 * list alone, pref goes anyway. The chosen member's count is taken (new_id's was never given). */
static int hnsw_drop_choose(HnswIndex *idx, const HnswPair *p, const bool *kept, int total, uint32_t new_id,
                            int pref, bool force)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = total - 1; i >= 0; i--) {
            if (kept[i] != (pass == 1))
                continue;
            if (p[i].id == new_id) {
                if (!force && atomic_load_explicit(hnsw_in0(idx, new_id), memory_order_relaxed) > 0)
                    return i;
                continue;
            }
            if (hnsw_in0_release(idx, p[i].id))
                return i;
        }
    }
    if (force && p[pref].id == new_id)
        pref = pref == total - 1 ? total - 2 : total - 1;     /* total >= 2: the list was full */
    if (p[pref].id != new_id)
        atomic_fetch_sub_explicit(hnsw_in0(idx, p[pref].id), 1, memory_order_relaxed);
    return pref;
}

/* Adds new_id (at distance d from node) to node's list at level, under node's lock (see
 * hnsw_int.h for the contract; force is the repair pass's: new_id is never the one dropped).
 *
 * The list stays the heuristic's answer over its members plus new_id, computed incrementally:
 * members nearer than new_id keep their flags; new_id is kept unless a kept nearer member is
 * closer to it than d. If new_id is rejected, nothing after it changes (the kept set before
 * each of them is the same). If kept, a farther kept member may now be rejected (one distance
 * each); from the first such change on, the flags after it are recomputed in full. When the
 * list overflows, the farthest rejected member goes (or the farthest member when every one
 * is kept): exactly what re-running the selection with fill would keep. */
bool hnsw_link_add(HnswIndex *idx, uint32_t node, int level, uint32_t new_id, float d, bool force)
{
    int cap = hnsw_level_cap(idx, level);
    HnswNode *nd = hnsw_node(idx, node);
    HnswPair p[2 * HNSW_MAX_M + 1];
    bool kept[2 * HNSW_MAX_M + 1];
    const float *vecs[2 * HNSW_MAX_M + 1];
    hnsw_node_lock(nd);
    uint32_t *links = hnsw_links(idx, node, level);
    const float *dists = hnsw_links_dists(links, cap);
    int n = links[0] > (uint32_t)cap ? cap : (int)links[0];
    int pos = n;
    for (int i = 0; i < n; i++) {
        uint32_t raw = links[1 + i];
        if ((raw & HNSW_ID_MASK) == new_id) {
            hnsw_node_unlock(nd);
            return true;
        }
        if (pos == n && dists[i] > d)
            pos = i;
    }
    const float *vnew = hnsw_vec(idx, new_id);
    bool kept_new = true;
    for (int i = 0, o = 0; i < n; i++, o++) {
        if (i == pos)
            o++;            /* leave room for new_id */
        uint32_t raw = links[1 + i];
        p[o].id = raw & HNSW_ID_MASK;
        p[o].d = dists[i];
        kept[o] = (raw & HNSW_KEPT) != 0;
        vecs[o] = hnsw_vec(idx, p[o].id);
        if (i < pos && kept_new && kept[o] && hnsw_dist(idx, vnew, vecs[o]) < d)
            kept_new = false;
    }
    if (force)
        kept_new = true;    /* a repair link: the heuristic's prunes drop it last */
    p[pos].id = new_id;
    p[pos].d = d;
    kept[pos] = kept_new;
    vecs[pos] = vnew;
    int total = n + 1;
    if (kept_new) {
        bool changed = false;
        for (int i = pos + 1; i < total; i++) {
            if (!changed) {
                if (kept[i] && hnsw_dist(idx, vecs[i], vnew) < p[i].d) {
                    kept[i] = false;
                    changed = true;
                }
                continue;
            }
            bool good = true;
            for (int j = 0; j < i && good; j++)
                if (kept[j] && hnsw_dist(idx, vecs[i], vecs[j]) < p[i].d)
                    good = false;
            kept[i] = good;
        }
    }
    bool added = true;
    if (total > cap) {
        int drop = total - 1;
        for (int i = total - 1; i >= 0; i--) {
            if (!kept[i]) {
                drop = i;
                break;
            }
        }
        if (level == 0)
            drop = hnsw_drop_choose(idx, p, kept, total, new_id, drop, force);
        added = p[drop].id != new_id;
        for (int i = drop; i + 1 < total; i++) {
            p[i] = p[i + 1];
            kept[i] = kept[i + 1];
        }
        total--;
    }
    hnsw_list_store(links, cap, p, kept, total);
    hnsw_node_unlock(nd);
    if (level == 0 && added)
        atomic_fetch_add_explicit(hnsw_in0(idx, new_id), 1, memory_order_relaxed);
    return added;
}

/* Sets id's own list at level to the selection sel[0..n): written directly while the list is
 * empty; when concurrent inserts already linked to id, merged link by link. */
static void hnsw_links_set_own(HnswIndex *idx, uint32_t id, int level, const HnswPair *sel, const bool *kept, int n)
{
    HnswNode *nd = hnsw_node(idx, id);
    hnsw_node_lock(nd);
    uint32_t *links = hnsw_links(idx, id, level);
    if (links[0] == 0) {
        hnsw_list_store(links, hnsw_level_cap(idx, level), sel, kept, n);
        hnsw_node_unlock(nd);
        for (int i = 0; level == 0 && i < n; i++)
            atomic_fetch_add_explicit(hnsw_in0(idx, sel[i].id), 1, memory_order_relaxed);
        return;
    }
    hnsw_node_unlock(nd);
    for (int i = 0; i < n; i++)
        hnsw_link_add(idx, id, level, sel[i].id, sel[i].d, false);
}

/* A node's lists are written top-down (hnsw_link_node), so a concurrent insert can reach a
 * node through its upper-layer links while its list on a lower layer is still empty. When
 * such a node is the only seed, the layer search finds nothing but it and the new node
 * would be linked to it alone: an island that later pruning of the seed's list cuts off for
 * good (found by e2e_hnsw_conc_test: a live row no search could reach). So when the search
 * found fewer nodes than a list holds while the graph has more, it is run again from its
 * beam plus the entry point e (whose lists are complete: it becomes the entry only after it
 * is linked). Costs nothing in the common case (a beam of ef_construction >= 2m nodes).
 * Returns -1 when out of memory. */
static int hnsw_reseed_from_entry(HnswIndex *idx, HnswCtx *ctx, const float *q, uint64_t e, int lc, uint32_t id)
{
    HnswHeap *res = &ctx->res;
    uint32_t ep = (uint32_t)e;
    if (res->n >= (size_t)hnsw_level_cap(idx, lc) || (size_t)atomic_load(&idx->n_nodes) <= res->n + 1 || ep == id)
        return 0;
    for (size_t i = 0; i < res->n; i++)
        if (res->a[i].id == ep)
            return 0;   /* the entry was reached: the layer really is this small */
    if (!hnsw_heap_reserve(&ctx->seeds, res->n + 1))
        return -1;
    memcpy(ctx->seeds.a, res->a, res->n * sizeof *res->a);
    ctx->seeds.n = res->n;
    ctx->seeds.a[ctx->seeds.n++] = (HnswPair){hnsw_dist(idx, q, hnsw_vec(idx, ep)), ep};
    return hnsw_search_layer(idx, ctx, q, idx->opts.ef_construction, lc, id);
}

int hnsw_link_node(HnswIndex *idx, HnswCtx *ctx, uint32_t id, ShaleError *err)
{
    const float *q = hnsw_vec(idx, id);
    int level = hnsw_node(idx, id)->level;
    uint64_t e = atomic_load_explicit(&idx->entry, memory_order_acquire);
    if (e == HNSW_ENTRY_EMPTY) {
        pthread_mutex_lock(&idx->entry_lock);
        e = atomic_load(&idx->entry);
        if (e == HNSW_ENTRY_EMPTY) {
            atomic_store_explicit(&idx->entry, (uint64_t)level << 32 | id, memory_order_release);
            pthread_mutex_unlock(&idx->entry_lock);
            return 0;
        }
        pthread_mutex_unlock(&idx->entry_lock);
    }
    int top = (int)(e >> 32);
    uint32_t cur;
    float cur_d;
    if (hnsw_descend(idx, ctx, q, e, level, id, &cur, &cur_d) != 0)
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    ctx->seeds.n = 0;
    if (!hnsw_heap_reserve(&ctx->seeds, 1))
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    ctx->seeds.a[ctx->seeds.n++] = (HnswPair){cur_d, cur};
    HnswPair sel[2 * HNSW_MAX_M];
    bool kept[2 * HNSW_MAX_M];
    for (int lc = level < top ? level : top; lc >= 0; lc--) {
        if (hnsw_search_layer(idx, ctx, q, idx->opts.ef_construction, lc, id) != 0)
            return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
        HnswHeap *res = &ctx->res;
        if (hnsw_reseed_from_entry(idx, ctx, q, e, lc, id) != 0)
            return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
        hnsw_pairs_sort(res->a, res->n);
        int n = hnsw_select(idx, res->a, res->n, hnsw_level_cap(idx, lc), sel, kept, ctx->vecs);
        hnsw_links_set_own(idx, id, lc, sel, kept, n);
        for (int i = 0; i < n; i++)
            hnsw_link_add(idx, sel[i].id, lc, id, sel[i].d, false);
        /* the beam becomes the next layer's entry set */
        if (!hnsw_heap_reserve(&ctx->seeds, res->n))
            return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
        memcpy(ctx->seeds.a, res->a, res->n * sizeof *res->a);
        ctx->seeds.n = res->n;
        if (ctx->seeds.n == 0)
            ctx->seeds.a[ctx->seeds.n++] = (HnswPair){cur_d, cur};
    }
    if (level > top) {
        pthread_mutex_lock(&idx->entry_lock);
        e = atomic_load(&idx->entry);
        if ((int)(e >> 32) < level)
            atomic_store_explicit(&idx->entry, (uint64_t)level << 32 | id, memory_order_release);
        pthread_mutex_unlock(&idx->entry_lock);
    }
    return 0;
}

/* Prepares, allocates and links one vector using ctx. */
static int hnsw_insert_ctx(HnswIndex *idx, HnswCtx *ctx, const float *vec, const void *label, size_t label_len,
                           bool deleted, uint32_t *node_out, ShaleError *err)
{
    *node_out = HNSW_NO_NODE;
    int rc = hnsw_prepare_vector(idx, vec, ctx->q, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    uint32_t id = hnsw_node_new(idx, ctx->q, label, label_len, -1, deleted, err);
    if (id == HNSW_NO_NODE)
        return -1;
    if (hnsw_link_node(idx, ctx, id, err) != 0)
        return -1;
    *node_out = id;
    return 0;
}

int hnsw_insert(HnswIndex *idx, const float *vec, const void *label, size_t label_len,
                uint32_t *node_out, ShaleError *err)
{
    uint32_t dummy;
    if (!node_out)
        node_out = &dummy;
    *node_out = HNSW_NO_NODE;
    HnswCtx *ctx = hnsw_ctx_get(idx);
    if (!ctx)
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    pthread_rwlock_rdlock(&idx->ins_lock);
    int rc = hnsw_insert_ctx(idx, ctx, vec, label, label_len, false, node_out, err);
    pthread_rwlock_unlock(&idx->ins_lock);
    hnsw_ctx_put(idx, ctx);
    /* counted after the links (and their prunes) are done, seq_cst like the repair's reset:
     * a count made before a repair reset it belongs to an insert that repair's walk sees
     * whole; one made after keeps pending > 0 for the next search (hnsw_repair.c) */
    atomic_fetch_add(&idx->pending, 1);
    return rc;
}

/* ---- parallel build and compaction ---- */

typedef struct HnswBuildJob {
    HnswIndex *idx;
    const float *vecs;              /* NULL: take vectors and labels from src's live nodes */
    const void *const *labels;
    const size_t *label_lens;
    const HnswIndex *src;
    const uint32_t *src_ids;
    size_t n;
    _Atomic size_t next;
    _Atomic int failed;
    pthread_mutex_t err_lock;
    ShaleError err;
} HnswBuildJob;

static void *hnsw_build_worker(void *arg)
{
    HnswBuildJob *job = arg;
    HnswIndex *idx = job->idx;
    HnswCtx *ctx = hnsw_ctx_get(idx);
    ShaleError err;
    int rc = 0;
    if (!ctx) {
        rc = -1;
        SHALE_ERR_NOMEM(&err, "hnsw: out of memory");
    }
    while (rc == 0 && !atomic_load(&job->failed)) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->n)
            break;
        uint32_t node;
        if (job->vecs) {
            rc = hnsw_insert_ctx(idx, ctx, job->vecs + i * (size_t)idx->opts.dims, job->labels[i],
                                 job->label_lens[i], false, &node, &err);
        } else {
            size_t len;
            uint32_t sid = job->src_ids[i];
            const void *lab = hnsw_node_label(job->src, sid, &len);
            rc = hnsw_insert_ctx(idx, ctx, hnsw_node_vector(job->src, sid), lab, len, false, &node, &err);
        }
    }
    if (ctx)
        hnsw_ctx_put(idx, ctx);
    if (rc != 0) {
        pthread_mutex_lock(&job->err_lock);
        if (!atomic_exchange(&job->failed, 1))
            job->err = err;
        pthread_mutex_unlock(&job->err_lock);
    }
    return NULL;
}

static int hnsw_build_run(HnswBuildJob *job, int nthreads, ShaleError *err)
{
    atomic_init(&job->next, 0);
    atomic_init(&job->failed, 0);
    pthread_mutex_init(&job->err_lock, NULL);
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > 64)
        nthreads = 64;
    if ((size_t)nthreads > job->n / 64 + 1)
        nthreads = (int)(job->n / 64 + 1);
    pthread_t th[64];
    int started = 0;
    for (int i = 1; i < nthreads; i++) {
        if (pthread_create(&th[started], NULL, hnsw_build_worker, job) != 0)
            break;
        started++;
    }
    hnsw_build_worker(job);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&job->err_lock);
    if (atomic_load(&job->failed)) {
        if (err)
            *err = job->err;
        return -1;
    }
    return 0;
}

int hnsw_build_parallel(HnswIndex *idx, const float *vecs, const void *const *labels,
                        const size_t *label_lens, size_t n, int nthreads, ShaleError *err)
{
    HnswBuildJob job;
    memset(&job, 0, sizeof job);
    job.idx = idx;
    job.vecs = vecs;
    job.labels = labels;
    job.label_lens = label_lens;
    job.n = n;
    if (hnsw_build_run(&job, nthreads, err) != 0)
        return -1;
    /* parallel inserts can cut a group off layer 0 (hnsw_repair.c) */
    return hnsw_repair(idx, NULL, err);
}

int hnsw_compact(HnswIndex *idx, ShaleError *err)
{
    uint32_t n = atomic_load(&idx->n_nodes);
    uint32_t *live = malloc(((size_t)n + 1) * sizeof *live);
    if (!live)
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    size_t n_live = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!hnsw_node_deleted(idx, i))
            live[n_live++] = i;
    HnswIndex *fresh;
    if (hnsw_create(&idx->opts, &fresh, err) != 0) {
        free(live);
        return -1;
    }
    HnswBuildJob job;
    memset(&job, 0, sizeof job);
    job.idx = fresh;
    job.src = idx;
    job.src_ids = live;
    job.n = n_live;
    int rc = hnsw_build_run(&job, 2, err);
    if (rc == 0)
        rc = hnsw_repair(fresh, NULL, err);
    free(live);
    if (rc == 0)
        hnsw_swap_graph(idx, fresh);
    hnsw_free(fresh);
    return rc;
}
