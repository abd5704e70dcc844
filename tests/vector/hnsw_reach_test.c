/* hnsw_reach_test.c -- reachability of the HNSW graph on the data set of e2e_hnsw_conc_test's
 * create_index_with_concurrent_inserts: 4,000 vectors [g, g%97, g%13, 1] and a line of 281
 * near-duplicates [id, -1000, 3, 4] (id 100000..100280), m=16, ef_construction=200, L2. Each
 * build (single-threaded in several orders, the 2-thread parallel build, a parallel build
 * with concurrent inserts) is checked by a breadth-first walk over layer-0 links from the
 * entry point (internal API). Single-threaded and parallel builds must reach every node:
 * the parallel build used to leave one node unreachable in about 1 run in 6 (a prune
 * dropped its last in-link; hnsw_insert.c now keeps it). With inserts running beside the
 * build the whole line can still become an island (open, docs/vector.md): its first nodes
 * were linked while the grid was small, later grid inserts pruned every grid-to-line link
 * and the line's nodes link only each other. That count is printed, not checked. */
#include "tests/harness/test.h"

#include <pthread.h>
#include <stdlib.h>

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
        CHECK_MSG(b <= N_ALL, "build with concurrent inserts failed");
    }
    free(x);
}

TEST_MAIN(
    RUN(line_of_near_duplicates_single_thread);
    RUN(line_of_near_duplicates_parallel);
)
