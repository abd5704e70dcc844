/* hnsw_search.c -- k-NN queries over the HNSW graph, resumable (pgvector's iterative scan).
 *
 * Phase 1 is the standard search: descent through the upper layers (4-wide beams, see
 * HNSW_UPPER_EF), then a beam of width ef on layer 0. Besides the frontier F (cand,
 * min-heap) and the beam W (res, max-heap of non-deleted nodes), an iterative search
 * remembers what a plain beam search forgets: R (aux), every visited node that left or never
 * entered W, and D (defer), the visited nodes rejected from the beam and hence never
 * expanded. W is then yielded in ascending order.
 *
 * Phase 2 (only when max_candidates allows more) merges D into F and R into a min-heap O and
 * runs a best-first walk: before yielding O's closest node it expands every frontier node
 * at least as close, so yields come out in ascending order of what has been discovered.
 * The visited stamps persist across phases: no node is evaluated or yielded twice. Deleted
 * nodes are expanded (the graph stays connected) but never enter W and are never yielded. */
#include "facets/vector/hnsw_int.h"

#include <math.h>
#include <stdlib.h>

enum { HNSW_PHASE_BEAM = 1, HNSW_PHASE_WALK = 2, HNSW_PHASE_DONE = 3 };

/* Collects the not-yet-visited neighbours of c at layer 0 into ctx->ids (prefetching their
 * vectors). Returns how many, or -1 when out of memory. */
static int hnsw_fresh_neighbours(const HnswIndex *idx, HnswCtx *ctx, uint32_t c)
{
    const uint32_t *links = hnsw_links(idx, c, 0);
    uint32_t n = hnsw_links_count(links, idx->m0);
    int fresh = 0;
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
    return fresh;
}

/* Phase 1 from entry ep (distance ep_d) on layer 0. With keep (an iterative search) the
 * nodes a plain beam search forgets are kept in R and D for phase 2. */
static int hnsw_search_beam(HnswIndex *idx, HnswCtx *ctx, uint32_t ep, float ep_d, int ef, bool keep)
{
    HnswHeap *F = &ctx->cand, *W = &ctx->res, *R = &ctx->aux, *D = &ctx->defer;
    const float *q = ctx->q;
    if (!hnsw_heap_reserve(F, 1 + (size_t)idx->m0) || !hnsw_heap_reserve(W, (size_t)ef + 1))
        return -1;
    if (hnsw_visit(ctx, ep) < 0)
        return -1;
    hnsw_heap_push_min(F, ep_d, ep);
    if (!hnsw_is_deleted(idx, ep))
        hnsw_heap_push_max(W, ep_d, ep);
    while (F->n > 0) {
        if (W->n >= (size_t)ef && F->a[0].d > W->a[0].d)
            break;
        HnswPair c = hnsw_heap_pop_min(F);
        if (F->n > 0)   /* likely the next node expanded: fetch its list while we work */
            __builtin_prefetch(hnsw_links(idx, F->a[0].id, 0), 0, 3);
        int fresh = hnsw_fresh_neighbours(idx, ctx, c.id);
        if (fresh < 0 || !hnsw_heap_reserve(F, (size_t)fresh))
            return -1;
        if (keep && (!hnsw_heap_reserve(R, (size_t)fresh + 1) || !hnsw_heap_reserve(D, (size_t)fresh)))
            return -1;
        for (int i = 0; i < fresh; i++) {
            uint32_t nb = ctx->ids[i];
            float d = hnsw_dist(idx, q, hnsw_vec(idx, nb));
            if (W->n < (size_t)ef || d < W->a[0].d) {
                hnsw_heap_push_min(F, d, nb);
                if (hnsw_is_deleted(idx, nb))
                    continue;
                hnsw_heap_push_max(W, d, nb);
                if (W->n > (size_t)ef) {
                    HnswPair out = hnsw_heap_pop_max(W);
                    if (keep)
                        R->a[R->n++] = out;
                }
            } else if (keep) {
                /* rejected: unexpanded (D) and not yielded (R; deleted ones are dropped when
                 * phase 2 pops them) */
                D->a[D->n++] = (HnswPair){d, nb};
                R->a[R->n++] = (HnswPair){d, nb};
            }
        }
    }
    hnsw_pairs_sort(W->a, W->n);
    return 0;
}

int hnsw_search_begin(HnswIndex *idx, const float *query, int ef, uint64_t max_candidates,
                      HnswSearch **out, ShaleError *err)
{
    *out = NULL;
    if (ef < 1)
        return SHALE_ERR_INVALID(err, "hnsw: ef_search must be >= 1"), -1;
    /* inserts since the last repair may have cut a group off layer 0: relink it first, so
     * every node whose hnsw_insert returned before this call is reachable (hnsw_repair.c) */
    if (hnsw_repair_if_due(idx, err) != 0)
        return -1;
    HnswCtx *ctx = hnsw_ctx_get(idx);
    if (!ctx)
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    ctx->cand.n = ctx->res.n = ctx->aux.n = ctx->defer.n = 0;
    ctx->out_pos = 0;
    ctx->yielded = 0;
    ctx->max_candidates = max_candidates;
    ctx->phase = HNSW_PHASE_DONE;
    hnsw_visited_reset(ctx);
    int rc = hnsw_prepare_vector(idx, query, ctx->q, err);
    if (rc < 0) {
        hnsw_ctx_put(idx, ctx);
        return -1;
    }
    memcpy(ctx->raw, query, (size_t)idx->opts.dims * sizeof(float));
    uint64_t e = atomic_load_explicit(&idx->entry, memory_order_acquire);
    /* a zero query under cosine has no defined distance: nothing to yield (as pgvector) */
    if (rc == 1 || e == HNSW_ENTRY_EMPTY) {
        *out = ctx;
        return 0;
    }
    uint32_t cur;
    float cur_d;
    if (hnsw_descend(idx, ctx, ctx->q, e, 0, HNSW_NO_NODE, &cur, &cur_d) != 0) {
        hnsw_ctx_put(idx, ctx);
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    }
    hnsw_visited_reset(ctx);
    ctx->res.n = 0;
    if (hnsw_search_beam(idx, ctx, cur, cur_d, ef, max_candidates > 0) != 0) {
        hnsw_ctx_put(idx, ctx);
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    }
    ctx->phase = HNSW_PHASE_BEAM;
    *out = ctx;
    return 0;
}

/* Switches to phase 2: F += D, O = heapify(R). */
static void hnsw_search_start_walk(HnswCtx *ctx)
{
    HnswHeap *F = &ctx->cand, *D = &ctx->defer;
    if (D->n > 0 && hnsw_heap_reserve(F, D->n)) {     /* D->a is NULL until first used */
        memcpy(F->a + F->n, D->a, D->n * sizeof *D->a);
        F->n += D->n;
    }
    D->n = 0;
    /* the entry point joins the frontier: layer 0 is searched from where the descent landed,
     * from which not every node need be reachable, while every live node is reachable from
     * the entry point (hnsw_repair.c); so a walk run to exhaustion yields every live node */
    HnswHeap *O = &ctx->aux;
    uint64_t e = atomic_load_explicit(&ctx->idx->entry, memory_order_acquire);
    if (e != HNSW_ENTRY_EMPTY && hnsw_heap_reserve(F, 1) && hnsw_heap_reserve(O, 1) &&
        hnsw_visit(ctx, (uint32_t)e) == 1) {
        uint32_t ep = (uint32_t)e;
        float d = hnsw_dist(ctx->idx, ctx->q, hnsw_vec(ctx->idx, ep));
        F->a[F->n++] = (HnswPair){d, ep};
        if (!hnsw_is_deleted(ctx->idx, ep))
            O->a[O->n++] = (HnswPair){d, ep};
    }
    hnsw_heap_heapify_min(F);
    hnsw_heap_heapify_min(O);
    ctx->phase = HNSW_PHASE_WALK;
}

/* Phase 2 step: the next node in best-first order, or false when the graph is exhausted. */
static int hnsw_search_walk(HnswCtx *ctx, HnswPair *outp)
{
    HnswIndex *idx = ctx->idx;
    HnswHeap *F = &ctx->cand, *O = &ctx->aux;
    while (F->n > 0 && (O->n == 0 || F->a[0].d <= O->a[0].d)) {
        HnswPair c = hnsw_heap_pop_min(F);
        int fresh = hnsw_fresh_neighbours(idx, ctx, c.id);
        if (fresh < 0 || !hnsw_heap_reserve(F, (size_t)fresh) || !hnsw_heap_reserve(O, (size_t)fresh))
            return -1;
        for (int i = 0; i < fresh; i++) {
            uint32_t nb = ctx->ids[i];
            float d = hnsw_dist(idx, ctx->q, hnsw_vec(idx, nb));
            hnsw_heap_push_min(F, d, nb);
            if (!hnsw_is_deleted(idx, nb))
                hnsw_heap_push_min(O, d, nb);
        }
    }
    if (O->n == 0)
        return 0;
    *outp = hnsw_heap_pop_min(O);
    return 1;
}

int hnsw_search_next(HnswSearch *s, uint32_t *node, double *dist, ShaleError *err)
{
    HnswIndex *idx = s->idx;
    for (;;) {
        if (s->phase == HNSW_PHASE_BEAM) {
            while (s->out_pos < s->res.n) {
                uint32_t id = s->res.a[s->out_pos++].id;
                if (hnsw_is_deleted(idx, id))    /* deleted since the beam ran */
                    continue;
                s->yielded++;
                *node = id;
                *dist = hnsw_distance(idx, s->raw, hnsw_vec(idx, id));
                return 1;
            }
            if (s->yielded >= s->max_candidates) {
                s->phase = HNSW_PHASE_DONE;
                return 0;
            }
            hnsw_search_start_walk(s);
            continue;
        }
        if (s->phase != HNSW_PHASE_WALK || s->yielded >= s->max_candidates) {
            s->phase = HNSW_PHASE_DONE;
            return 0;
        }
        HnswPair p;
        int rc = hnsw_search_walk(s, &p);
        if (rc < 0) {
            s->phase = HNSW_PHASE_DONE;
            return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
        }
        if (rc == 0) {
            s->phase = HNSW_PHASE_DONE;
            return 0;
        }
        if (hnsw_is_deleted(idx, p.id))
            continue;
        s->yielded++;
        *node = p.id;
        *dist = hnsw_distance(idx, s->raw, hnsw_vec(idx, p.id));
        return 1;
    }
}

void hnsw_search_end(HnswSearch *s)
{
    if (s)
        hnsw_ctx_put(s->idx, s);
}
