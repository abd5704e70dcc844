/* hnsw_link_race_test.c -- regression test for the island an insert made when the layer
 * search's only seed was a node still being linked by another thread (its upper-layer lists
 * reachable, its lower-layer lists still empty: hnsw_link_node writes them top-down). The
 * interleaving is reproduced deterministically in one thread by creating such a half-linked
 * node by hand (internal API). Before the fix the new node got one link (to the half-linked
 * node), was later pruned out of that node's list and no search could reach it again
 * (e2e_hnsw_conc_test: a live row missing from a full-table index scan). */
#include "tests/harness/test.h"

#include <stdlib.h>

#include "facets/vector/hnsw.h"
#include "facets/vector/hnsw_int.h"

TEST(insert_next_to_half_linked_node)
{
    HnswOptions o;
    hnsw_options_init(&o, 3, HNSW_METRIC_L2);
    o.m = 8;
    o.ef_construction = 32;
    o.seed = 42;
    HnswIndex *idx;
    ShaleError err;
    REQUIRE(hnsw_create(&o, &idx, &err) == 0);
    uint64_t r = 7;
    for (int i = 0; i < 400; i++) {
        float v[3];
        for (int d = 0; d < 3; d++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            v[d] = (float)((r >> 33) % 1000);
        }
        char lab[16];
        int n = snprintf(lab, sizeof lab, "r%d", i);
        REQUIRE(hnsw_insert(idx, v, lab, (size_t)n, NULL, &err) == 0);
    }
    uint64_t e = atomic_load(&idx->entry);
    int top = (int)(e >> 32);
    uint32_t ep = (uint32_t)e;
    REQUIRE(top >= 1);
    /* the half-linked node: at every layer up to top, empty lists, linked from the entry's
     * top-layer list only (as a concurrent insert that linked its top layer so far) */
    const float far[8] = {5000, 5000, 5000};   /* the stored form: stride (32 bytes) floats */
    uint32_t x = hnsw_node_new(idx, far, "half", 4, top, false, &err);
    REQUIRE(x != HNSW_NO_NODE);
    uint32_t *links = hnsw_links(idx, ep, top);
    int cap = hnsw_level_cap(idx, top);
    uint32_t n = links[0];
    if (n == (uint32_t)cap)
        n--;
    links[1 + n] = x | HNSW_KEPT;
    hnsw_links_dists(links, cap)[n] = hnsw_dist(idx, hnsw_vec(idx, ep), far);
    links[0] = n + 1;
    /* a new vector right next to it: the descent ends at the half-linked node */
    const float near[3] = {5000, 5000, 5001};
    uint32_t y;
    REQUIRE(hnsw_insert(idx, near, "new", 3, &y, &err) == 0);
    uint32_t out0 = hnsw_links_count(hnsw_links(idx, y, 0), idx->m0);
    printf("  new node's layer-0 links: %u\n", out0);
    CHECK(out0 >= (uint32_t)o.m);   /* was 1: linked to the half-linked node alone */
    /* and a search that exhausts the graph finds every node */
    HnswStats st;
    hnsw_stats(idx, &st);
    HnswSearch *s;
    REQUIRE(hnsw_search_begin(idx, (const float[]){500, 500, 500}, 1000, 1000000, &s, &err) == 0);
    uint32_t node;
    double dist;
    uint64_t found = 0;
    bool found_new = false;
    while (hnsw_search_next(s, &node, &dist, &err) == 1) {
        found++;
        found_new |= node == y;
    }
    hnsw_search_end(s);
    CHECK(found_new);
    CHECK_EQ_INT((int)found, (int)st.nodes);
    hnsw_free(idx);
}

TEST_MAIN(
    RUN(insert_next_to_half_linked_node);
)
