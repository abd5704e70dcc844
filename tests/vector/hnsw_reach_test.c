/* hnsw_reach_test.c -- reachability of the HNSW graph on layer 0, and the repair pass that
 * guarantees it (hnsw_repair.c).
 *
 * The data set is e2e_hnsw_conc_test's create_index_with_concurrent_inserts: 4,000 vectors
 * [g, g%97, g%13, 1] and a line of 281 near-duplicates [id, -1000, 3, 4] (id 100000..100280),
 * m=16, ef_construction=200, L2. Every build (single-threaded in several orders, the 2-thread
 * parallel build, a parallel build with concurrent inserts, three threads of plain inserts)
 * is checked by this file's own breadth-first walk over layer-0 links from the entry point:
 * after a build (which repairs) or an explicit hnsw_repair, 0 live nodes may be unreachable.
 * Without the repair, inserts running beside each other made the whole line an island (241
 * or 281 nodes) in about half the runs: its first nodes were linked while the grid was
 * small, later grid inserts pruned every grid-to-line link and the line's nodes link only
 * each other; that count is printed (it varies with scheduling). A last test cuts a graph
 * deliberately (every link from the entry's cluster into another cluster, on every layer)
 * and checks that the repair reconnects it and that searches then find the cut-off nodes. */
#include "tests/harness/test.h"

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "facets/vector/hnsw.h"
#include "facets/vector/hnsw_int.h"

#define N_GRID 4000
#define N_DUP 281
#define N_ALL (N_GRID + N_DUP)

/* Fills x[N_ALL*4]: the grid first, then the near-duplicates. */
static void reach_make_data(float *x)
{
    for (int g = 0; g < N_GRID; g++) {
        float *v = x + (size_t)g * 4;
        v[0] = (float)g, v[1] = (float)(g % 97), v[2] = (float)(g % 13), v[3] = 1;
    }
    for (int i = 0; i < N_DUP; i++) {
        float *v = x + (size_t)(N_GRID + i) * 4;
        v[0] = (float)(100000 + i), v[1] = -1000, v[2] = 3, v[3] = 4;
    }
}

/* Number of nodes a layer-0 walk from the entry point does not reach. */
static size_t reach_count_unreachable(HnswIndex *idx)
{
    uint32_t n = atomic_load(&idx->n_nodes);
    uint64_t e = atomic_load(&idx->entry);
    if (e == HNSW_ENTRY_EMPTY)
        return n;
    bool *seen = calloc(n, 1);
    uint32_t *queue = malloc((size_t)n * sizeof *queue);
    if (!seen || !queue) {
        free(seen);
        free(queue);
        return n;
    }
    size_t head = 0, tail = 0, reached = 0;
    queue[tail++] = (uint32_t)e;
    seen[(uint32_t)e] = true;
    while (head < tail) {
        uint32_t id = queue[head++];
        reached++;
        const uint32_t *links = hnsw_links(idx, id, 0);
        uint32_t c = hnsw_links_count(links, idx->m0);
        for (uint32_t i = 0; i < c; i++) {
            uint32_t nb = hnsw_links_get(links, i);
            if (nb < n && !seen[nb]) {
                seen[nb] = true;
                queue[tail++] = nb;
            }
        }
    }
    free(seen);
    free(queue);
    return n - reached;
}

static HnswIndex *reach_new_index(void)
{
    HnswOptions o;
    hnsw_options_init(&o, 4, HNSW_METRIC_L2);
    o.m = 16;
    o.ef_construction = 200;
    HnswIndex *idx = NULL;
    ShaleError err;
    if (hnsw_create(&o, &idx, &err) != 0)
        return NULL;
    return idx;
}

static bool reach_insert(HnswIndex *idx, const float *x, size_t i)
{
    uint32_t lab = (uint32_t)i, node;
    ShaleError err;
    return hnsw_insert(idx, x + i * 4, &lab, sizeof lab, &node, &err) == 0;
}

/* order 0: grid then line; 1: line then grid; 2: interleaved (one line vector per 14 grid). */
static size_t reach_single(const float *x, int order)
{
    HnswIndex *idx = reach_new_index();
    if (!idx)
        return (size_t)-1;
    bool ok = true;
    if (order == 0 || order == 1) {
        for (size_t k = 0; k < N_ALL && ok; k++) {
            size_t i = order == 0 ? k : (k + N_GRID) % N_ALL;
            ok = reach_insert(idx, x, i);
        }
    } else {
        size_t g = 0, d = 0;
        while ((g < N_GRID || d < N_DUP) && ok) {
            if (d < N_DUP && (g % 14 == 0 || g >= N_GRID))
                ok = reach_insert(idx, x, N_GRID + d++);
            if (g < N_GRID && ok)
                ok = reach_insert(idx, x, g++);
        }
    }
    size_t lost = ok ? reach_count_unreachable(idx) : (size_t)-1;
    hnsw_free(idx);
    return lost;
}

typedef struct ReachArg {
    HnswIndex *idx;
    const float *x;
    size_t from, to;
    bool ok;
} ReachArg;

static void *reach_insert_range(void *p)
{
    ReachArg *a = p;
    a->ok = true;
    for (size_t i = a->from; i < a->to && a->ok; i++)
        a->ok = reach_insert(a->idx, a->x, i);
    return NULL;
}

/* Parallel build (2 threads) of [0, n_build); with_inserts adds [n_build, N_ALL) from a
 * third thread at the same time (as the e2e test's writer does during CREATE INDEX). */
static size_t reach_parallel(const float *x, size_t n_build, bool with_inserts)
{
    HnswIndex *idx = reach_new_index();
    if (!idx)
        return (size_t)-1;
    uint32_t *labs = malloc(N_ALL * sizeof *labs);
    const void **lp = malloc(N_ALL * sizeof *lp);
    size_t *ll = malloc(N_ALL * sizeof *ll);
    size_t lost = (size_t)-1;
    if (labs && lp && ll) {
        for (size_t i = 0; i < N_ALL; i++) {
            labs[i] = (uint32_t)i;
            lp[i] = &labs[i];
            ll[i] = sizeof labs[i];
        }
        ReachArg a = {idx, x, n_build, N_ALL, true};
        pthread_t th;
        bool started = with_inserts && pthread_create(&th, NULL, reach_insert_range, &a) == 0;
        ShaleError err;
        int rc = hnsw_build_parallel(idx, x, lp, ll, n_build, 2, &err);
        if (started)
            pthread_join(th, NULL);
        if (rc == 0 && a.ok && started) {
            /* the build's own repair ran while the inserter may still have been running:
             * repair once more with writers done (as vecindex_build does after its catch-up) */
            size_t before = reach_count_unreachable(idx);
            HnswRepairStats st;
            if (hnsw_repair(idx, &st, &err) != 0)
                rc = -1;
            else if (before > 0 || st.relinked > 0)
                printf("    after the build: %zu unreachable, repair relinked %llu\n", before,
                       (unsigned long long)st.relinked);
        }
        if (rc == 0 && a.ok)
            lost = reach_count_unreachable(idx);
    }
    free(labs);
    free(lp);
    free(ll);
    hnsw_free(idx);
    return lost;
}

TEST(line_of_near_duplicates_single_thread)
{
    float *x = malloc((size_t)N_ALL * 4 * sizeof *x);
    REQUIRE(x != NULL);
    reach_make_data(x);
    for (int order = 0; order < 3; order++) {
        size_t lost = reach_single(x, order);
        printf("  order %d: %zu of %d nodes unreachable on layer 0\n", order, lost, N_ALL);
        CHECK_MSG(lost == 0, "order %d: %zu unreachable", order, lost);
    }
    free(x);
}

TEST(line_of_near_duplicates_parallel)
{
    float *x = malloc((size_t)N_ALL * 4 * sizeof *x);
    REQUIRE(x != NULL);
    reach_make_data(x);
    for (int run = 0; run < 4; run++) {
        size_t a = reach_parallel(x, N_ALL, false);
        size_t b = reach_parallel(x, N_GRID + 40, true);
        printf("  run %d: parallel build %zu, build + concurrent inserts %zu unreachable of %d\n", run, a, b, N_ALL);
        CHECK_MSG(a == 0, "parallel build: %zu unreachable", a);
        CHECK_MSG(b == 0, "build with concurrent inserts: %zu unreachable after repair", b);
    }
    free(x);
}

typedef struct ReachShared {
    HnswIndex *idx;
    const float *x;
    _Atomic size_t next;
    size_t n_build;
    _Atomic int failed;
} ReachShared;

static void *reach_grid_worker(void *p)
{
    ReachShared *sh = p;
    for (;;) {
        size_t i = atomic_fetch_add(&sh->next, 1);
        if (i >= sh->n_build)
            break;
        if (!reach_insert(sh->idx, sh->x, i))
            atomic_store(&sh->failed, 1);
    }
    return NULL;
}

static void *reach_line_worker(void *p)
{
    ReachShared *sh = p;
    for (size_t i = sh->n_build; i < N_ALL; i++)
        if (!reach_insert(sh->idx, sh->x, i))
            atomic_store(&sh->failed, 1);
    return NULL;
}

/* Every live node of idx must come out of an exhaustive iterative walk from a query far from
 * everything; returns how many did not. */
static size_t reach_walk_missing(HnswIndex *idx, const float *q)
{
    HnswStats hs;
    hnsw_stats(idx, &hs);
    uint8_t *seen = calloc(hs.nodes ? hs.nodes : 1, 1);
    HnswSearch *s = NULL;
    ShaleError err;
    if (!seen || hnsw_search_begin(idx, q, 10, hs.nodes + 10, &s, &err) != 0) {
        free(seen);
        return (size_t)hs.nodes;
    }
    uint32_t node;
    double d;
    size_t got = 0;
    while (hnsw_search_next(s, &node, &d, &err) == 1)
        if (node < hs.nodes && !seen[node]) {
            seen[node] = 1;
            got++;
        }
    hnsw_search_end(s);
    free(seen);
    return (size_t)(hs.nodes - hs.deleted) - got;
}

/* Plain inserts from three threads (two on the grid and the line's first 40, one on the rest
 * of the line, as during CREATE INDEX with a concurrent writer) with no build around them:
 * the unrepaired graph is measured, then hnsw_repair must leave nothing unreachable and an
 * exhaustive walk must yield every node. */
TEST(concurrent_inserts_then_repair)
{
    float *x = malloc((size_t)N_ALL * 4 * sizeof *x);
    REQUIRE(x != NULL);
    reach_make_data(x);
#ifdef SHALE_SANITIZERS
    int runs = 3;
#else
    int runs = 8;
#endif
    int islands = 0;
    for (int run = 0; run < runs; run++) {
        HnswIndex *idx = reach_new_index();
        REQUIRE(idx != NULL);
        ReachShared sh = {.idx = idx, .x = x, .n_build = N_GRID + 40};
        atomic_init(&sh.next, 0);
        atomic_init(&sh.failed, 0);
        pthread_t th[3];
        int started = 0;
        for (int t = 0; t < 3; t++)
            if (pthread_create(&th[started], NULL, t < 2 ? reach_grid_worker : reach_line_worker, &sh) == 0)
                started++;
        for (int t = 0; t < started; t++)
            pthread_join(th[t], NULL);
        CHECK(started == 3 && !atomic_load(&sh.failed));
        size_t before = reach_count_unreachable(idx);
        uint64_t engine_count = 0;
        ShaleError err;
        CHECK_OK(hnsw_count_unreachable(idx, &engine_count, &err), &err);
        CHECK_EQ_U64(engine_count, before);
        HnswRepairStats st;
        CHECK_OK(hnsw_repair(idx, &st, &err), &err);
        size_t after = reach_count_unreachable(idx);
        float far[4] = {-5000, 5000, -77, 9};
        size_t walk_missing = reach_walk_missing(idx, far);
        printf("  run %d: %zu unreachable before repair, repair relinked %llu in %d round(s); after: %zu, "
               "walk misses %zu\n", run, before, (unsigned long long)st.relinked, st.rounds, after, walk_missing);
        islands += before > 0;
        CHECK_EQ_U64(st.unreachable, before);
        CHECK(before == 0 || st.relinked > 0);
        CHECK_EQ_U64(st.remaining, 0);
        CHECK_MSG(after == 0, "run %d: %zu unreachable after repair", run, after);
        CHECK_MSG(walk_missing == 0, "run %d: an exhaustive walk misses %zu nodes", run, walk_missing);
        hnsw_free(idx);
    }
    printf("  %d of %d runs had unreachable nodes before the repair\n", islands, runs);
    free(x);
}

typedef struct ReachSearcher {
    HnswIndex *idx;
    const float *x;
    _Atomic int *stop;
    uint64_t searches;
    bool ok;
} ReachSearcher;

/* Searches (ef 16, 5 results) for grid and line vectors in turn until told to stop: each
 * search_begin may run the live repair beside the inserters. */
static void *reach_search_worker(void *p)
{
    ReachSearcher *a = p;
    a->ok = true;
    for (size_t k = 0; !atomic_load(a->stop) && a->ok; k++) {
        HnswSearch *s;
        ShaleError err;
        size_t i = k % 2 ? (k * 37) % N_GRID : N_GRID + (k * 7) % N_DUP;
        if (hnsw_search_begin(a->idx, a->x + i * 4, 16, 0, &s, &err) != 0) {
            a->ok = false;
            break;
        }
        uint32_t node;
        double d;
        for (int j = 0; j < 5 && hnsw_search_next(s, &node, &d, &err) == 1; j++)
            ;
        hnsw_search_end(s);
        a->searches++;
    }
    return NULL;
}

/* Rank of the node labelled i among the results of an iterative search (ef 40, run to
 * exhaustion if need be) for x[i]'s own vector: 0 normally; -1 when not found at all (only
 * possible when it is unreachable). */
static long reach_self_rank(HnswIndex *idx, const float *x, uint32_t i)
{
    HnswSearch *s;
    ShaleError err;
    if (hnsw_search_begin(idx, x + (size_t)i * 4, 40, N_ALL, &s, &err) != 0)
        return -1;
    uint32_t node;
    double d;
    long rank = -1;
    for (long r = 0; rank < 0 && hnsw_search_next(s, &node, &d, &err) == 1; r++) {
        size_t len;
        const void *lab = hnsw_node_label(idx, node, &len);
        uint32_t got;
        if (len == sizeof got) {
            memcpy(&got, lab, sizeof got);
            if (got == i)
                rank = r;
        }
    }
    hnsw_search_end(s);
    return rank;
}

/* The live graph (no build, no save, no explicit repair): three threads insert as in
 * concurrent_inserts_then_repair, in half the runs with a fourth thread searching all along;
 * then the first search must find every node by its own vector, and no node may be
 * unreachable. Without the live repair (hnsw_repair_live from hnsw_search_begin) the line is
 * an island in most runs and its nodes are not found. */
TEST(live_inserts_then_search_finds_every_node)
{
    float *x = malloc((size_t)N_ALL * 4 * sizeof *x);
    REQUIRE(x != NULL);
    reach_make_data(x);
#ifdef SHALE_SANITIZERS
    int runs = 3;
#else
    int runs = 8;
#endif
    int islands = 0;
    for (int run = 0; run < runs; run++) {
        HnswIndex *idx = reach_new_index();
        REQUIRE(idx != NULL);
        ReachShared sh = {.idx = idx, .x = x, .n_build = N_GRID + 40};
        atomic_init(&sh.next, 0);
        atomic_init(&sh.failed, 0);
        _Atomic int stop;
        atomic_init(&stop, 0);
        ReachSearcher se = {.idx = idx, .x = x, .stop = &stop, .ok = true};
        pthread_t th[4], sth;
        int started = 0;
        for (int t = 0; t < 3; t++)
            if (pthread_create(&th[started], NULL, t < 2 ? reach_grid_worker : reach_line_worker, &sh) == 0)
                started++;
        bool searching = run % 2 == 1 && pthread_create(&sth, NULL, reach_search_worker, &se) == 0;
        for (int t = 0; t < started; t++)
            pthread_join(th[t], NULL);
        atomic_store(&stop, 1);
        if (searching)
            pthread_join(sth, NULL);
        CHECK(started == 3 && !atomic_load(&sh.failed) && se.ok);
        CHECK(run % 2 == 0 || searching);
        /* a live repair run by the searcher may have ended just now: searches skip the next
         * one for HNSW_REPAIR_SPACING times its duration (hnsw_repair.c); wait that out */
        uint64_t spacing_ns = HNSW_REPAIR_SPACING * atomic_load(&idx->repair_cost_ns);
        if (atomic_load(&idx->live_repairs) > 0) {
            struct timespec ts = {(time_t)(spacing_ns / 1000000000u), (long)(spacing_ns % 1000000000u) + 1000000};
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            nanosleep(&ts, NULL);
        }
        size_t before = reach_count_unreachable(idx);
        islands += before > 0;
        size_t missed = 0, not_first = 0;
        for (uint32_t i = 0; i < N_ALL; i += i < N_GRID ? 7 : 1) {
            long r = reach_self_rank(idx, x, i);
            missed += r < 0;
            not_first += r > 0;
        }
        size_t after = reach_count_unreachable(idx);
        printf("  run %d%s: %zu unreachable before the first search, after: %zu; own-vector searches "
               "missed %zu, found not first %zu (%llu searches beside the inserts)\n", run,
               searching ? " (searches beside)" : "", before, after, missed, not_first,
               (unsigned long long)se.searches);
        CHECK_MSG(after == 0, "run %d: %zu unreachable", run, after);
        CHECK_MSG(missed == 0, "run %d: %zu nodes not found by their own vector", run, missed);
        hnsw_free(idx);
    }
    printf("  %d of %d runs had unreachable nodes before the first search\n", islands, runs);
    free(x);
}

/* Removes every link from a non-island node to an island node on every layer (single
 * thread: no locks), keeping the layer-0 in-link counts true. Returns the links cut. */
static size_t reach_cut(HnswIndex *idx, const bool *island)
{
    uint32_t n = atomic_load(&idx->n_nodes);
    size_t cut = 0;
    for (uint32_t id = 0; id < n; id++) {
        if (island[id])
            continue;
        for (int l = 0; l <= hnsw_node(idx, id)->level; l++) {
            int cap = hnsw_level_cap(idx, l);
            uint32_t *links = hnsw_links(idx, id, l);
            float *ds = hnsw_links_dists(links, cap);
            uint32_t c = links[0], k = 0;
            for (uint32_t i = 0; i < c; i++) {
                uint32_t nb = links[1 + i] & HNSW_ID_MASK;
                if (island[nb]) {
                    cut++;
                    if (l == 0)
                        atomic_fetch_sub(hnsw_in0(idx, nb), 1);
                    continue;
                }
                links[1 + k] = links[1 + i];
                ds[k++] = ds[i];
            }
            links[0] = k;
        }
    }
    return cut;
}

/* Position of node among the first k results of a search for q (ef 64), or -1. */
static int reach_rank(HnswIndex *idx, const float *q, uint32_t node, int k)
{
    HnswSearch *s;
    ShaleError err;
    if (hnsw_search_begin(idx, q, 64, 0, &s, &err) != 0)
        return -1;
    uint32_t id;
    double d;
    int rank = -1;
    for (int i = 0; i < k && hnsw_search_next(s, &id, &d, &err) == 1; i++)
        if (id == node) {
            rank = i;
            break;
        }
    hnsw_search_end(s);
    return rank;
}

/* Two clusters (16 dims): the entry point's and the other; every link into the other is cut,
 * so it is an island nothing reaches. The repair must relink it, after which every node of
 * the island is found by a search for its own vector, and a saved file is complete. */
TEST(cut_island_is_reconnected)
{
    enum { DIMS = 16, N_A = 1500, N_B = 300, N = N_A + N_B };
    HnswOptions o;
    hnsw_options_init(&o, DIMS, HNSW_METRIC_L2);
    o.m = 8;
    o.ef_construction = 64;
    o.seed = 7;
    HnswIndex *idx;
    ShaleError err;
    REQUIRE_OK(hnsw_create(&o, &idx, &err), &err);
    float *x = malloc((size_t)N * DIMS * sizeof *x);
    bool *island = calloc(N, sizeof *island);
    REQUIRE(x && island);
    ShaleRandom rng;
    shale_random_seed(&rng, 42);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < DIMS; j++)
            x[(size_t)i * DIMS + j] = (float)(shale_random_next(&rng) % 1000) / 100.0f + (i >= N_A && j == 0 ? 40.0f : 0.0f);
        uint32_t lab = (uint32_t)i, node;
        /* interleaved, so the island's nodes also sit in upper layers and on both sides */
        CHECK_OK(hnsw_insert(idx, x + (size_t)i * DIMS, &lab, sizeof lab, &node, &err), &err);
    }
    /* settle the inserts' pending repair now, so the searches below see the cut graph */
    REQUIRE_OK(hnsw_repair_live(idx, NULL, &err), &err);
    uint32_t entry = (uint32_t)atomic_load(&idx->entry);
    bool entry_in_b = entry >= N_A;
    for (int i = 0; i < N; i++)
        island[i] = (i >= N_A) != entry_in_b;
    size_t n_island = entry_in_b ? N_A : N_B;
    size_t cut = reach_cut(idx, island);
    size_t lost = reach_count_unreachable(idx);
    printf("  %zu links cut: %zu of %d nodes unreachable (island of %zu)\n", cut, lost, N, n_island);
    CHECK(cut > 0);
    CHECK_EQ_U64(lost, n_island);
    size_t found_before = 0;
    for (int i = 0; i < N; i++)
        if (island[i])
            found_before += reach_rank(idx, x + (size_t)i * DIMS, (uint32_t)i, 10) >= 0;
    CHECK_EQ_U64(found_before, 0);

    HnswRepairStats st;
    REQUIRE_OK(hnsw_repair(idx, &st, &err), &err);
    printf("  repair: %llu unreachable, %llu relinked, %d round(s), %llu remaining\n",
           (unsigned long long)st.unreachable, (unsigned long long)st.relinked, st.rounds,
           (unsigned long long)st.remaining);
    CHECK_EQ_U64(st.unreachable, n_island);
    CHECK(st.relinked >= 1 && st.relinked < n_island);     /* groups, not every node */
    CHECK_EQ_U64(st.remaining, 0);
    CHECK_EQ_U64(reach_count_unreachable(idx), 0);
    size_t found = 0;
    for (int i = 0; i < N; i++)
        if (island[i])
            found += reach_rank(idx, x + (size_t)i * DIMS, (uint32_t)i, 10) >= 0;
    printf("  island nodes found in the top 10 of a search for their own vector: %zu of %zu\n", found, n_island);
    CHECK_MSG(found * 100 >= n_island * 99, "only %zu of %zu island nodes found", found, n_island);
    float q[DIMS];
    for (int j = 0; j < DIMS; j++)
        q[j] = 5.0f;                        /* the centre of the entry point's cluster */
    q[0] = entry_in_b ? 45.0f : 5.0f;
    CHECK_EQ_U64(reach_walk_missing(idx, q), 0);

    /* a snapshot write repairs first: cut again, save, and the in-memory graph and the file
     * are complete */
    CHECK(reach_cut(idx, island) > 0);
    CHECK(reach_count_unreachable(idx) > 0);
    char path[4200];
    snprintf(path, sizeof path, "%.4000s/cut.hnsw", test_tmpdir());
    CHECK_OK(hnsw_save_file(idx, path, &err), &err);
    CHECK_EQ_U64(reach_count_unreachable(idx), 0);
    HnswIndex *loaded = NULL;
    CHECK_OK(hnsw_load_file(path, &loaded, &err), &err);
    if (loaded) {
        CHECK_EQ_U64(reach_count_unreachable(loaded), 0);
        hnsw_free(loaded);
    }
    remove(path);
    hnsw_free(idx);
    free(x);
    free(island);
}

TEST_MAIN(
    RUN(line_of_near_duplicates_single_thread);
    RUN(line_of_near_duplicates_parallel);
    RUN(concurrent_inserts_then_repair);
    RUN(live_inserts_then_search_finds_every_node);
    RUN(cut_island_is_reconnected);
)
