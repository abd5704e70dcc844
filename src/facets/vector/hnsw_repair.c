/* hnsw_repair.c -- layer-0 reachability repair of the HNSW graph: a breadth-first walk over
 * the layer-0 links from the entry point finds the live nodes no search can reach, and each
 * unreached group is linked back into the reachable graph.
 *
 * Why a repair pass. Neighbour pruning only ever looks at one list, so it cannot see that
 * it removes the last link from the rest of the graph into a GROUP of nodes: a line of
 * near-duplicates whose first members were linked while the rest of the graph was small
 * ends up linked only from its own members once later inserts have pruned every other link
 * into it (each member still has in-links, so the per-node last-in-link rule of
 * hnsw_insert.c does not protect it). Such an island is invisible to every search that
 * starts outside it. The walk is cheap (one pass over the layer-0 lists, no distance
 * computation), so the pass runs at the end of every build, before every snapshot write,
 * after compaction and at load; see docs/vector.md for the measured cost.
 *
 * Relinking. Unreached live nodes are taken in id order (the oldest member of an island
 * first); for each one u: a search from the entry point over the reachable graph (the
 * descent, then a beam of ef_construction on layer 0 seeded with the descent's node and the
 * entry point, results restricted to nodes the walk reached) gives u's nearest reachable
 * neighbours, the usual selection heuristic picks up to 2m of them, each gets a link to u
 * (ordinary adds with pruning; if every one of them prunes u away, the nearest takes a forced
 * link that drops another member with a spare in-link instead, never a last in-link while
 * another member can go), and u gets links to them. The walk then continues from u, so the
 * rest of u's island becomes reached without more searches: one relink per island in the
 * common case. A forced link can take the last path into some other part of the graph, so
 * the whole walk is redone after each round, up to HNSW_REPAIR_ROUNDS rounds.
 *
 * Upper layers are not repaired, and need not be: they only choose where the layer-0 search
 * starts (a 4-wide descent). An upper-layer node nothing links to on its layer is a missed
 * shortcut, not a lost node, because every node lives on layer 0 and the guarantee this pass
 * gives is about layer 0: every live node is reachable from the entry point there. A search
 * whose beam is exhausted keeps walking (iterative scan) and, seeded with the entry point
 * (hnsw_search.c), reaches every live node. Deleted nodes are traversed (they carry links)
 * but never relinked: nothing needs to find them.
 *
 * Concurrency. The pass is safe beside lock-free readers and beside concurrent inserts: it
 * changes lists only through hnsw_link_add (one node spinlock at a time, ids then count
 * stored with release, exactly as an insert does), so a reader sees old or new ids, all of
 * valid nodes. Its completeness guarantee, however, holds only for the nodes published when
 * it started (ids below n_nodes then) and only when no writer ran meanwhile (a concurrent
 * insert's prune may cut a new island after the walk): the callers that need the guarantee
 * (end of a build, snapshot write, compaction, load) run it with writers excluded.
 *
 * The live graph. Statement-time inserts (hnsw_insert) link under idx->ins_lock shared and
 * then add one to idx->pending; a repair sets pending to 0 before its walk. Both are seq_cst,
 * so an insert counted before the reset had finished its links (and prunes) before the walk
 * began, and one counted after leaves pending > 0. hnsw_repair_live runs the repair under
 * ins_lock exclusive when pending > 0: no insert links during its walk, so when it returns
 * every node whose hnsw_insert had returned is reachable. hnsw_search_begin calls it through
 * hnsw_repair_if_due, which skips it while less than HNSW_REPAIR_SPACING times the last live
 * repair's duration has passed since that repair ended: repairs take at most about 1/21 of
 * the time under a mix of inserts and searches, and a search starting inside that spacing
 * after an insert that cut a group off is the one case that can miss it (the next search
 * after the spacing repairs). Only inserts can cut a group off: deletion marks change no
 * link, and compaction and loads rebuild and repair. */
#include "facets/vector/hnsw_int.h"

#include <stdlib.h>
#include <time.h>

static uint64_t hnsw_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Walk-and-relink rounds before giving up (each round after the first only exists because
 * a forced link cut something; in practice the second walk finds nothing). */
#define HNSW_REPAIR_ROUNDS 8

/* The reached set of a walk over the nodes published when the pass started. */
typedef struct HnswWalk {
    uint32_t n;             /* ids < n are covered; newer nodes are left to their inserts */
    uint8_t *reached;       /* n flags, owned by the pass */
    uint32_t *queue;        /* n ids, owned by the pass (each id is queued at most once) */
} HnswWalk;

/* Extends w->reached with everything reachable from start over layer-0 links. */
static void hnsw_walk_from(const HnswIndex *idx, HnswWalk *w, uint32_t start)
{
    if (start >= w->n || w->reached[start])
        return;
    size_t head = 0, tail = 0;
    w->reached[start] = 1;
    w->queue[tail++] = start;
    while (head < tail) {
        uint32_t id = w->queue[head++];
        const uint32_t *links = hnsw_links(idx, id, 0);
        uint32_t c = hnsw_links_count(links, idx->m0);
        for (uint32_t i = 0; i < c; i++) {
            uint32_t nb = hnsw_links_get(links, i);
            if (nb < w->n && !w->reached[nb]) {
                w->reached[nb] = 1;
                w->queue[tail++] = nb;
            }
        }
    }
}

/* Marks id's unreached neighbours; those at or below the sweep position pos (already passed
 * by the sweep) go on the stack w->queue[*top]. */
static void hnsw_sweep_expand(const HnswIndex *idx, HnswWalk *w, uint32_t id, uint32_t pos, size_t *top)
{
    const uint32_t *links = hnsw_links(idx, id, 0);
    uint32_t c = hnsw_links_count(links, idx->m0);
    for (uint32_t i = 0; i < c; i++) {
        uint32_t nb = hnsw_links_get(links, i);
        if (nb < w->n && !w->reached[nb]) {
            w->reached[nb] = 1;
            if (nb <= pos)
                w->queue[(*top)++] = nb;
        }
    }
}

/* A fresh walk from the entry point e; returns the number of live nodes it misses. The walk
 * sweeps the ids in order, expanding each reached node when the sweep gets to it, and only
 * the links that point back behind the sweep are followed at once (a stack): the lists are
 * read almost sequentially, about 3x faster than a breadth-first walk over 100k nodes whose
 * lists do not fit in the cache. Each reached node is expanded exactly once. */
static uint64_t hnsw_walk_all(const HnswIndex *idx, HnswWalk *w, uint64_t e)
{
    memset(w->reached, 0, w->n);
    uint32_t start = (uint32_t)e;
    if (start < w->n) {
        w->reached[start] = 1;
        for (uint32_t pos = 0; pos < w->n; pos++) {
            if (!w->reached[pos])
                continue;
            size_t top = 0;
            if (pos + 8 < w->n)
                __builtin_prefetch(hnsw_links(idx, pos + 8, 0), 0, 1);
            hnsw_sweep_expand(idx, w, pos, pos, &top);
            while (top > 0)
                hnsw_sweep_expand(idx, w, w->queue[--top], pos, &top);
        }
    }
    uint64_t miss = 0;
    for (uint32_t i = 0; i < w->n; i++)
        if (!w->reached[i] && !hnsw_is_deleted(idx, i))
            miss++;
    return miss;
}

/* Links u into the reachable graph (see the top of the file). *linked: whether some reached
 * node now links to u. Returns -1 when out of memory. */
static int hnsw_repair_relink(HnswIndex *idx, HnswCtx *ctx, const HnswWalk *w, uint32_t u, uint64_t e,
                              bool *linked)
{
    const float *q = hnsw_vec(idx, u);
    uint32_t ep = (uint32_t)e, cur;
    float cur_d;
    *linked = false;
    if (hnsw_descend(idx, ctx, q, e, 0, u, &cur, &cur_d) != 0)
        return -1;
    ctx->seeds.n = 0;
    if (!hnsw_heap_reserve(&ctx->seeds, 2))
        return -1;
    ctx->seeds.a[ctx->seeds.n++] = (HnswPair){hnsw_dist(idx, q, hnsw_vec(idx, ep)), ep};
    if (cur != ep && cur < w->n && w->reached[cur])
        ctx->seeds.a[ctx->seeds.n++] = (HnswPair){cur_d, cur};
    if (hnsw_search_layer(idx, ctx, q, idx->opts.ef_construction, 0, u) != 0)
        return -1;
    /* the beam started from reached nodes, so it holds reached nodes; the filter only drops
     * nodes published after the walk started (concurrent inserts) */
    HnswHeap *res = &ctx->res;
    size_t k = 0;
    for (size_t i = 0; i < res->n; i++)
        if (res->a[i].id < w->n && w->reached[res->a[i].id] && res->a[i].id != u)
            res->a[k++] = res->a[i];
    res->n = k;
    hnsw_pairs_sort(res->a, k);
    HnswPair sel[2 * HNSW_MAX_M];
    bool kept[2 * HNSW_MAX_M];
    int ns = hnsw_select(idx, res->a, k, idx->m0, sel, kept, ctx->vecs);
    bool in = false;
    for (int i = 0; i < ns; i++)
        if (hnsw_link_add(idx, sel[i].id, 0, u, sel[i].d, false))
            in = true;
    if (!in && ns > 0)
        in = hnsw_link_add(idx, sel[0].id, 0, u, sel[0].d, true);
    for (int i = 0; i < ns; i++)
        (void)hnsw_link_add(idx, u, 0, sel[i].id, sel[i].d, false);
    *linked = in;
    return 0;
}

int hnsw_repair(HnswIndex *idx, HnswRepairStats *st, ShaleError *err)
{
    HnswRepairStats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    /* entry before n_nodes: the entry's node was published before it became the entry, so
     * its id is below the count loaded after it */
    uint64_t pending = atomic_exchange(&idx->pending, 0);
    uint64_t e = atomic_load_explicit(&idx->entry, memory_order_acquire);
    uint32_t n = atomic_load_explicit(&idx->n_nodes, memory_order_acquire);
    if (e == HNSW_ENTRY_EMPTY || n == 0)
        return 0;
    HnswWalk w = {n, calloc(n, 1), malloc((size_t)n * sizeof(uint32_t))};
    HnswCtx *ctx = hnsw_ctx_get(idx);
    int rc = 0;
    if (!w.reached || !w.queue || !ctx)
        rc = -1;
    for (int round = 0; rc == 0; round++) {
        uint64_t miss = hnsw_walk_all(idx, &w, e);
        if (round == 0)
            st->unreachable = miss;
        st->remaining = miss;
        if (miss == 0 || round == HNSW_REPAIR_ROUNDS)
            break;
        st->rounds = round + 1;
        for (uint32_t u = 0; u < n && rc == 0; u++) {
            if (w.reached[u] || hnsw_is_deleted(idx, u))
                continue;
            bool linked;
            rc = hnsw_repair_relink(idx, ctx, &w, u, e, &linked);
            st->relinked++;
            if (rc == 0 && linked)
                hnsw_walk_from(idx, &w, u);
        }
    }
    if (ctx)
        hnsw_ctx_put(idx, ctx);
    free(w.reached);
    free(w.queue);
    if (rc != 0) {
        atomic_fetch_add(&idx->pending, pending ? pending : 1);     /* not repaired: the next search retries */
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    }
    return 0;
}

int hnsw_repair_live(HnswIndex *idx, HnswRepairStats *st, ShaleError *err)
{
    if (st)
        memset(st, 0, sizeof *st);
    if (atomic_load(&idx->pending) == 0)
        return 0;
    pthread_mutex_lock(&idx->repair_lock);
    int rc = 0;
    /* a search that waited here behind another one's repair usually finds nothing left */
    if (atomic_load(&idx->pending) != 0) {
        pthread_rwlock_wrlock(&idx->ins_lock);
        uint64_t t0 = hnsw_now_ns();
        rc = hnsw_repair(idx, st, err);
        uint64_t t1 = hnsw_now_ns();
        pthread_rwlock_unlock(&idx->ins_lock);
        atomic_store(&idx->repair_cost_ns, t1 - t0);
        atomic_store(&idx->repair_end_ns, t1);
        atomic_fetch_add(&idx->live_repairs, 1);
    }
    pthread_mutex_unlock(&idx->repair_lock);
    return rc;
}

int hnsw_repair_if_due(HnswIndex *idx, ShaleError *err)
{
    if (atomic_load(&idx->pending) == 0)
        return 0;
    uint64_t end = atomic_load(&idx->repair_end_ns);
    if (end != 0 && hnsw_now_ns() - end < HNSW_REPAIR_SPACING * atomic_load(&idx->repair_cost_ns))
        return 0;
    return hnsw_repair_live(idx, NULL, err);
}

int hnsw_count_unreachable(HnswIndex *idx, uint64_t *out, ShaleError *err)
{
    *out = 0;
    uint64_t e = atomic_load_explicit(&idx->entry, memory_order_acquire);
    uint32_t n = atomic_load_explicit(&idx->n_nodes, memory_order_acquire);
    if (n == 0)
        return 0;
    if (e == HNSW_ENTRY_EMPTY) {
        *out = n - atomic_load(&idx->n_deleted);
        return 0;
    }
    HnswWalk w = {n, calloc(n, 1), malloc((size_t)n * sizeof(uint32_t))};
    if (!w.reached || !w.queue) {
        free(w.reached);
        free(w.queue);
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    }
    *out = hnsw_walk_all(idx, &w, e);
    free(w.reached);
    free(w.queue);
    return 0;
}
