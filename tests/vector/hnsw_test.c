/* hnsw_test.c -- the HNSW index (src/facets/vector/hnsw.h): recall@10 against brute force on
 * a seeded Gaussian mixture for every metric (build time and queries/s printed for the
 * lead), iterative search, deletion marks, concurrent inserts with searches, parallel build,
 * compaction, snapshot save/load and corruption of saved files, and odd inputs (zero
 * vectors under cosine, NaN, odd dimensions). */
#include "tests/harness/test.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "facets/vector/hnsw.h"
#include "util/env.h"
#include "util/hash.h"

#ifdef SHALE_SANITIZERS
#define N_BASE 2000
#else
#define N_BASE 10000
#endif
#define N_QUERIES 200
#define K 10

static double now_sec(void)
{
    return (double)shale_env_now_micros() / 1e6;
}

static double gauss(ShaleRandom *r)
{
    double u1 = ((double)(shale_random_next(r) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = ((double)(shale_random_next(r) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* n points of dims dims drawn from a mixture of 16 Gaussians (malloc'd; caller frees). */
static float *make_data(size_t n, int dims, uint64_t seed)
{
    ShaleRandom r;
    shale_random_seed(&r, seed);
    enum { NC = 16 };
    float *centers = malloc(sizeof(float) * NC * (size_t)dims);
    float *x = malloc(sizeof(float) * n * (size_t)dims);
    for (int i = 0; i < NC * dims; i++)
        centers[i] = (float)(gauss(&r) * 2.0);
    for (size_t i = 0; i < n; i++) {
        const float *c = centers + (shale_random_uniform(&r, NC) * (size_t)dims);
        for (int j = 0; j < dims; j++)
            x[i * (size_t)dims + (size_t)j] = c[j] + (float)gauss(&r);
    }
    free(centers);
    return x;
}

static void label_of(uint64_t i, unsigned char out[8])
{
    for (int b = 0; b < 8; b++)
        out[b] = (unsigned char)(i >> (8 * b));
}

static uint64_t label_value(const HnswIndex *idx, uint32_t node)
{
    size_t len;
    const unsigned char *l = hnsw_node_label(idx, node, &len);
    uint64_t v = 0;
    for (size_t b = 0; b < len && b < 8; b++)
        v |= (uint64_t)l[b] << (8 * b);
    return v;
}

static double ref_distance(HnswMetric m, const float *a, const float *b, int dims)
{
    double s = 0, na = 0, nb = 0;
    for (int i = 0; i < dims; i++) {
        switch (m) {
        case HNSW_METRIC_L2: s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]); break;
        case HNSW_METRIC_L1: s += fabs((double)a[i] - b[i]); break;
        default:
            s += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
    }
    if (m == HNSW_METRIC_COSINE)
        return 1.0 - s / sqrt(na * nb);
    return m == HNSW_METRIC_IP ? -s : s;
}

/* The exact k nearest labels (row indexes) of q among x[0..n), skipping skip[i] != 0. */
static void brute_topk(HnswMetric m, const float *x, size_t n, int dims, const float *q, const char *skip,
                       uint64_t *out, int k)
{
    double best[K];
    int have = 0;
    for (size_t i = 0; i < n; i++) {
        if (skip && skip[i])
            continue;
        double d = ref_distance(m, q, x + i * (size_t)dims, dims);
        if (have == k && d >= best[k - 1])
            continue;
        int j = have < k ? have++ : k - 1;
        while (j > 0 && best[j - 1] > d) {
            best[j] = best[j - 1];
            out[j] = out[j - 1];
            j--;
        }
        best[j] = d;
        out[j] = i;
    }
}

static HnswIndex *build_index(HnswMetric metric, const float *x, size_t n, int dims, int threads, double *secs)
{
    HnswOptions o;
    hnsw_options_init(&o, dims, metric);
    HnswIndex *idx = NULL;
    ShaleError err;
    if (hnsw_create(&o, &idx, &err) != 0)
        return NULL;
    double t0 = now_sec();
    if (threads <= 1) {
        for (size_t i = 0; i < n; i++) {
            unsigned char lab[8];
            label_of(i, lab);
            uint32_t node;
            if (hnsw_insert(idx, x + i * (size_t)dims, lab, 8, &node, &err) != 0) {
                hnsw_free(idx);
                return NULL;
            }
        }
    } else {
        unsigned char *labs = malloc(n * 8);
        const void **lp = malloc(n * sizeof *lp);
        size_t *ll = malloc(n * sizeof *ll);
        for (size_t i = 0; i < n; i++) {
            label_of(i, labs + 8 * i);
            lp[i] = labs + 8 * i;
            ll[i] = 8;
        }
        int rc = hnsw_build_parallel(idx, x, lp, ll, n, threads, &err);
        free(labs);
        free(lp);
        free(ll);
        if (rc != 0) {
            hnsw_free(idx);
            return NULL;
        }
    }
    if (secs)
        *secs = now_sec() - t0;
    return idx;
}

/* recall@K of idx over nq queries at ef (queries: fresh points of the same mixture). */
static double measure_recall(HnswIndex *idx, HnswMetric metric, const float *x, size_t n, int dims,
                             const float *queries, int nq, int ef, const char *skip, double *qps)
{
    uint64_t *truth = malloc(sizeof(uint64_t) * (size_t)nq * K);
    for (int qi = 0; qi < nq; qi++)
        brute_topk(metric, x, n, dims, queries + (size_t)qi * (size_t)dims, skip, truth + (size_t)qi * K, K);
    size_t hits = 0;
    double t0 = now_sec();
    for (int qi = 0; qi < nq; qi++) {
        HnswSearch *s;
        ShaleError err;
        if (hnsw_search_begin(idx, queries + (size_t)qi * (size_t)dims, ef, 0, &s, &err) != 0)
            continue;
        uint32_t node;
        double d;
        for (int got = 0; got < K && hnsw_search_next(s, &node, &d, &err) == 1; got++) {
            uint64_t lab = label_value(idx, node);
            for (int j = 0; j < K; j++)
                if (truth[(size_t)qi * K + (size_t)j] == lab)
                    hits++;
        }
        hnsw_search_end(s);
    }
    double el = now_sec() - t0;
    if (qps)
        *qps = el > 0 ? nq / el : 0;
    free(truth);
    return (double)hits / ((double)nq * K);
}

static const char *metric_name(HnswMetric m)
{
    static const char *names[] = {"l2", "cosine", "ip", "l1"};
    return names[m];
}

TEST(recall_every_metric)
{
    int dims = 32;
    float *x = make_data(N_BASE + N_QUERIES, dims, 42);
    float *q = x + (size_t)N_BASE * (size_t)dims;
    for (int m = 0; m < 4; m++) {
        double secs, qps;
        HnswIndex *idx = build_index((HnswMetric)m, x, N_BASE, dims, 1, &secs);
        REQUIRE(idx != NULL);
        double rec = measure_recall(idx, (HnswMetric)m, x, N_BASE, dims, q, N_QUERIES, 40, NULL, &qps);
        HnswStats st;
        hnsw_stats(idx, &st);
        printf("  %s: %d x %d build %.2f s (%.0f inserts/s), recall@10 ef=40 %.4f, %.0f queries/s, "
               "%.0f bytes/vector, max level %d\n", metric_name((HnswMetric)m), N_BASE, dims, secs,
               N_BASE / secs, rec, qps, (double)st.bytes / N_BASE, st.max_level);
        CHECK_MSG(rec >= 0.95, "%s recall %.4f", metric_name((HnswMetric)m), rec);
        CHECK_EQ_U64(st.nodes, N_BASE);
        hnsw_free(idx);
    }
    free(x);
}

/* The vector benchmark's shape (tools/bench: 100 centres, N(0, 0.35^2) noise, normalised):
 * every cluster about equally far from every other. (At 100k x 128 a greedy upper-layer
 * descent strands ~1% of queries in a wrong cluster; this smaller set is a sanity check.) */
TEST(clustered_normalised_recall)
{
#ifdef SHALE_SANITIZERS
    size_t n = 3000;
#else
    size_t n = 10000;
#endif
    int dims = 64, nq = 300;
    ShaleRandom r;
    shale_random_seed(&r, 2024);
    float *cent = malloc(sizeof(float) * 100 * (size_t)dims);
    float *x = malloc(sizeof(float) * (n + (size_t)nq) * (size_t)dims);
    for (int i = 0; i < 100 * dims; i++)
        cent[i] = (float)gauss(&r);
    for (size_t i = 0; i < n + (size_t)nq; i++) {
        const float *c = cent + shale_random_uniform(&r, 100) * (size_t)dims;
        double norm = 0;
        float *v = x + i * (size_t)dims;
        for (int j = 0; j < dims; j++) {
            v[j] = c[j] + (float)(0.35 * gauss(&r));
            norm += (double)v[j] * v[j];
        }
        for (int j = 0; j < dims; j++)
            v[j] = (float)(v[j] / sqrt(norm));
    }
    for (int m = 0; m < 2; m++) {
        double secs, qps;
        HnswIndex *idx = build_index((HnswMetric)m, x, n, dims, 2, &secs);
        REQUIRE(idx != NULL);
        double rec = measure_recall(idx, (HnswMetric)m, x, n, dims, x + n * (size_t)dims, nq, 40, NULL, &qps);
        printf("  %s: %zu x %d (100 clusters, normalised) build %.2f s on 2 threads, recall@10 ef=40 %.4f, "
               "%.0f queries/s\n", metric_name((HnswMetric)m), n, dims, secs, rec, qps);
        CHECK_MSG(rec >= 0.95, "%s recall %.4f", metric_name((HnswMetric)m), rec);
        hnsw_free(idx);
    }
    free(cent);
    free(x);
}

TEST(parallel_build_recall)
{
    int dims = 32;
    float *x = make_data(N_BASE + N_QUERIES, dims, 7);
    float *q = x + (size_t)N_BASE * (size_t)dims;
    double secs, qps;
    HnswIndex *idx = build_index(HNSW_METRIC_L2, x, N_BASE, dims, 2, &secs);
    REQUIRE(idx != NULL);
    double rec = measure_recall(idx, HNSW_METRIC_L2, x, N_BASE, dims, q, N_QUERIES, 40, NULL, &qps);
    printf("  parallel (2 threads): build %.2f s (%.0f inserts/s), recall@10 %.4f, %.0f queries/s\n", secs,
           N_BASE / secs, rec, qps);
    CHECK_MSG(rec >= 0.95, "recall %.4f", rec);
    HnswStats st;
    hnsw_stats(idx, &st);
    CHECK_EQ_U64(st.nodes, N_BASE);
    /* every label present exactly once */
    char *seen = calloc(N_BASE, 1);
    for (uint32_t i = 0; i < N_BASE; i++) {
        uint64_t l = label_value(idx, i);
        REQUIRE(l < N_BASE);
        CHECK(!seen[l]);
        seen[l] = 1;
    }
    free(seen);
    hnsw_free(idx);
    free(x);
}

TEST(iterative_and_deleted)
{
    int dims = 16;
    size_t n = N_BASE / 2;
    float *x = make_data(n + 20, dims, 11);
    HnswIndex *idx = build_index(HNSW_METRIC_L2, x, n, dims, 1, NULL);
    REQUIRE(idx != NULL);
    /* delete every third row by label */
    char *del = calloc(n, 1);
    int marked = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned char lab[8];
        label_of(i, lab);
        marked += hnsw_mark_deleted_label(idx, lab, 8);
        del[i] = 1;
    }
    CHECK_EQ_INT(marked, (int)((n + 2) / 3));
    unsigned char lab0[8];
    label_of(0, lab0);
    CHECK_EQ_INT(hnsw_mark_deleted_label(idx, lab0, 8), 0);  /* already marked */
    HnswStats st;
    hnsw_stats(idx, &st);
    CHECK_EQ_U64(st.deleted, (uint64_t)marked);
    float *q = x + n * (size_t)dims;
    char *seen = calloc(n, 1);
    for (int qi = 0; qi < 20; qi++) {
        HnswSearch *s;
        ShaleError err;
        REQUIRE_OK(hnsw_search_begin(idx, q + (size_t)qi * (size_t)dims, 10, 600, &s, &err), &err);
        memset(seen, 0, n);
        uint32_t node;
        double d, prev = -1;
        int got = 0, inversions = 0, rc;
        while ((rc = hnsw_search_next(s, &node, &d, &err)) == 1) {
            REQUIRE(node < n);
            CHECK(!hnsw_node_deleted(idx, node));
            uint64_t l = label_value(idx, node);
            CHECK(!del[l]);
            CHECK(!seen[l]);
            seen[l] = 1;
            double want = sqrt(ref_distance(HNSW_METRIC_L2, q + (size_t)qi * (size_t)dims,
                                            x + l * (size_t)dims, dims));
            CHECK(fabs(d - want) <= 1e-3 * (1 + want));
            if (d < prev)
                inversions++;
            prev = d;
            got++;
        }
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_INT(got, 600);
        CHECK(inversions < got / 4);
        hnsw_search_end(s);
        /* first beam only */
        REQUIRE_OK(hnsw_search_begin(idx, q + (size_t)qi * (size_t)dims, 10, 0, &s, &err), &err);
        got = 0;
        while (hnsw_search_next(s, &node, &d, &err) == 1)
            got++;
        CHECK(got <= 10 && got >= 5);
        hnsw_search_end(s);
    }
    /* the live nodes' recall holds with a third deleted */
    double rec = measure_recall(idx, HNSW_METRIC_L2, x, n, dims, q, 20, 40, del, NULL);
    CHECK_MSG(rec >= 0.9, "recall with deletions %.4f", rec);
    /* iterative search exhausts the whole graph: every live node exactly once */
    {
        HnswSearch *s;
        ShaleError err;
        REQUIRE_OK(hnsw_search_begin(idx, q, 5, UINT64_MAX, &s, &err), &err);
        memset(seen, 0, n);
        uint32_t node;
        double d;
        size_t got = 0;
        while (hnsw_search_next(s, &node, &d, &err) == 1) {
            uint64_t l = label_value(idx, node);
            CHECK(!seen[l] && !del[l]);
            seen[l] = 1;
            got++;
        }
        hnsw_search_end(s);
        CHECK_EQ_U64(got, n - (size_t)marked);
    }
    /* compaction drops the deleted nodes and keeps the rest searchable */
    ShaleError err;
    REQUIRE_OK(hnsw_compact(idx, &err), &err);
    hnsw_stats(idx, &st);
    CHECK_EQ_U64(st.nodes, n - (size_t)marked);
    CHECK_EQ_U64(st.deleted, 0);
    for (uint32_t i = 0; i < st.nodes; i++)
        CHECK(!del[label_value(idx, i)]);
    rec = measure_recall(idx, HNSW_METRIC_L2, x, n, dims, q, 20, 40, del, NULL);
    CHECK_MSG(rec >= 0.95, "recall after compaction %.4f", rec);
    label_of(1, lab0);
    CHECK_EQ_INT(hnsw_mark_deleted_label(idx, lab0, 8), 1);
    free(seen);
    free(del);
    free(x);
    hnsw_free(idx);
}

/* ---- concurrency ---- */

typedef struct ConcArg {
    HnswIndex *idx;
    const float *x;
    int dims;
    size_t from, to;
    _Atomic int *stop;
    long searches;
    int errors;
} ConcArg;

static void *conc_insert(void *p)
{
    ConcArg *a = p;
    for (size_t i = a->from; i < a->to; i++) {
        unsigned char lab[8];
        label_of(i, lab);
        uint32_t node;
        ShaleError err;
        if (hnsw_insert(a->idx, a->x + i * (size_t)a->dims, lab, 8, &node, &err) != 0)
            a->errors++;
        if (i % 7 == 0)
            hnsw_mark_deleted_label(a->idx, lab, 8);
    }
    return NULL;
}

static void *conc_search(void *p)
{
    ConcArg *a = p;
    size_t i = 0;
    while (!atomic_load(a->stop)) {
        HnswSearch *s;
        ShaleError err;
        if (hnsw_search_begin(a->idx, a->x + (i++ % a->to) * (size_t)a->dims, 20, 100, &s, &err) != 0) {
            a->errors++;
            continue;
        }
        uint32_t node, prev_count = 0;
        double d;
        int rc;
        while ((rc = hnsw_search_next(s, &node, &d, &err)) == 1) {
            if (hnsw_node_deleted(a->idx, node) && node % 7 == 0)
                prev_count++;   /* may have been deleted after being yielded: not an error */
            if (isnan(d))
                a->errors++;
        }
        if (rc < 0)
            a->errors++;
        hnsw_search_end(s);
        a->searches++;
        (void)prev_count;
    }
    return NULL;
}

TEST(concurrent_insert_and_search)
{
    int dims = 24;
    size_t n = N_BASE / 2;
    float *x = make_data(n, dims, 99);
    HnswOptions o;
    hnsw_options_init(&o, dims, HNSW_METRIC_COSINE);
    HnswIndex *idx;
    ShaleError err;
    REQUIRE_OK(hnsw_create(&o, &idx, &err), &err);
    _Atomic int stop = 0;
    ConcArg ins[2], srch[2];
    pthread_t th[4];
    for (int t = 0; t < 2; t++) {
        ins[t] = (ConcArg){idx, x, dims, n / 2 * (size_t)t, t ? n : n / 2, &stop, 0, 0};
        srch[t] = (ConcArg){idx, x, dims, 0, n, &stop, 0, 0};
        pthread_create(&th[t], NULL, conc_insert, &ins[t]);
        pthread_create(&th[2 + t], NULL, conc_search, &srch[t]);
    }
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    atomic_store(&stop, 1);
    pthread_join(th[2], NULL);
    pthread_join(th[3], NULL);
    CHECK_EQ_INT(ins[0].errors + ins[1].errors + srch[0].errors + srch[1].errors, 0);
    printf("  %ld searches ran during the inserts\n", srch[0].searches + srch[1].searches);
    HnswStats st;
    hnsw_stats(idx, &st);
    CHECK_EQ_U64(st.nodes, n);
    /* the graph finds the live vectors: in the first beam nearly always, by iteration almost
     * always. Not always: pruning a full list drops an in-link, and (as in pgvector and
     * hnswlib) a node -- or a small group linking only each other -- can lose every in-link
     * from the rest of layer 0; seen for ~3 of 850 nodes in 1 of ~30 concurrent runs of
     * this tiny sanitizer-build graph, never in the single-threaded ones. A prune no longer
     * drops a node's last in-link (hnsw_insert.c), so only a group can still be cut off:
     * 0 lost in every run measured since; 0.2% allowed. */
    size_t first = 0, live = 0, lost = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 7 == 0)
            continue;
        live++;
        HnswSearch *s;
        REQUIRE_OK(hnsw_search_begin(idx, x + i * (size_t)dims, 32, n, &s, &err), &err);
        uint32_t node;
        double d;
        size_t pos = 0;
        bool found = false;
        while (hnsw_search_next(s, &node, &d, &err) == 1) {
            CHECK(label_value(idx, node) % 7 != 0);
            if (label_value(idx, node) == i) {
                found = true;
                break;
            }
            pos++;
        }
        hnsw_search_end(s);
        if (!found)
            lost++;
        if (found && pos < 32)
            first++;
    }
    if (lost)
        printf("  %zu of %zu live vectors unreachable from the entry point (orphaned by pruning)\n", lost, live);
    CHECK_MSG(lost * 500 <= live, "%zu of %zu vectors unreachable", lost, live);
    CHECK_MSG(first >= live * 99 / 100, "%zu of %zu found in the first beam", first, live);
    hnsw_free(idx);
    free(x);
}

/* ---- odd inputs ---- */

TEST(zero_nan_and_odd_dims)
{
    HnswOptions o;
    HnswIndex *idx;
    ShaleError err;
    hnsw_options_init(&o, 3, HNSW_METRIC_COSINE);
    REQUIRE_OK(hnsw_create(&o, &idx, &err), &err);
    float zero[3] = {0, 0, 0}, one[3] = {1, 2, 3}, nan3[3] = {1, NAN, 0}, inf3[3] = {INFINITY, 0, 0};
    uint32_t node = 0;
    CHECK_OK(hnsw_insert(idx, zero, "z", 1, &node, &err), &err);
    CHECK_EQ_U64(node, UINT32_MAX);
    CHECK_EQ_INT(hnsw_insert(idx, nan3, "n", 1, &node, &err), -1);
    CHECK_EQ_INT(err.code, SHALE_INVALID_ARGUMENT);
    CHECK_EQ_INT(hnsw_insert(idx, inf3, "i", 1, &node, &err), -1);
    CHECK_EQ_INT(hnsw_insert(idx, one, "", 0, &node, &err), -1);
    CHECK_OK(hnsw_insert(idx, one, "o", 1, &node, &err), &err);
    CHECK_EQ_U64(node, 0);
    HnswStats st;
    hnsw_stats(idx, &st);
    CHECK_EQ_U64(st.nodes, 1);
    /* stored normalised; distances are the SQL operator's */
    const float *v = hnsw_node_vector(idx, 0);
    CHECK(fabs(v[0] * v[0] + v[1] * v[1] + v[2] * v[2] - 1.0) < 1e-5);
    float two[3] = {2, 4, 6};
    CHECK(fabs(hnsw_distance(idx, one, two)) < 1e-6);
    HnswSearch *s;
    double d;
    REQUIRE_OK(hnsw_search_begin(idx, zero, 10, 10, &s, &err), &err);
    CHECK_EQ_INT(hnsw_search_next(s, &node, &d, &err), 0);   /* zero query: nothing */
    hnsw_search_end(s);
    CHECK_EQ_INT(hnsw_search_begin(idx, nan3, 10, 10, &s, &err), -1);
    hnsw_free(idx);

    /* bad options */
    hnsw_options_init(&o, 0, HNSW_METRIC_L2);
    CHECK_EQ_INT(hnsw_create(&o, &idx, &err), -1);
    hnsw_options_init(&o, 8, HNSW_METRIC_L2);
    o.m = 1;
    CHECK_EQ_INT(hnsw_create(&o, &idx, &err), -1);

    /* odd dimensions: exact self-match and recall on a small set */
    static const int dims_list[] = {1, 3, 17, 129};
    for (int di = 0; di < 4; di++) {
        int dims = dims_list[di];
        size_t n = 1000;
        float *x = make_data(n, dims, 500 + (uint64_t)dims);
        for (int m = 0; m < 4; m++) {
            HnswIndex *ix = build_index((HnswMetric)m, x, n, dims, 1, NULL);
            REQUIRE(ix != NULL);
            if (dims > 1) {
                double rec = measure_recall(ix, (HnswMetric)m, x, n, dims, x, 50, 40, NULL, NULL);
                CHECK_MSG(rec >= 0.95, "dims %d %s recall %.4f", dims, metric_name((HnswMetric)m), rec);
            }
            HnswSearch *ss;
            REQUIRE_OK(hnsw_search_begin(ix, x + 5 * (size_t)dims, 40, 0, &ss, &err), &err);
            CHECK_EQ_INT(hnsw_search_next(ss, &node, &d, &err), 1);
            if (m == HNSW_METRIC_L2 || m == HNSW_METRIC_L1)
                CHECK(d == 0.0);
            hnsw_search_end(ss);
            hnsw_free(ix);
        }
        free(x);
    }
}


/* ---- snapshot files ---- */

/* The first up-to-100 yields of an iterative search, as node ids and distances. */
static int search_trace(HnswIndex *idx, const float *q, uint32_t *nodes, double *dists)
{
    HnswSearch *s;
    ShaleError err;
    if (hnsw_search_begin(idx, q, 16, 100, &s, &err) != 0)
        return -1;
    int n = 0;
    uint32_t node;
    double d;
    while (n < 100 && hnsw_search_next(s, &node, &d, &err) == 1) {
        nodes[n] = node;
        dists[n++] = d;
    }
    hnsw_search_end(s);
    return n;
}

/* 1 when a and b answer the queries identically. */
static int same_answers(HnswIndex *a, HnswIndex *b, const float *q, int nq, int dims)
{
    uint32_t na[100], nb[100];
    double da[100], db[100];
    for (int i = 0; i < nq; i++) {
        int ca = search_trace(a, q + (size_t)i * (size_t)dims, na, da);
        int cb = search_trace(b, q + (size_t)i * (size_t)dims, nb, db);
        if (ca != cb || memcmp(na, nb, sizeof na[0] * (size_t)(ca > 0 ? ca : 0)) != 0 ||
            memcmp(da, db, sizeof da[0] * (size_t)(ca > 0 ? ca : 0)) != 0)
            return 0;
    }
    return 1;
}

TEST(save_load_round_trip)
{
    int dims = 16;
    size_t n = 2000;
    float *x = make_data(n + 30, dims, 1234);
    const float *q = x + n * (size_t)dims;
    char path[600];
    snprintf(path, sizeof path, "%s/rt.hnsw", test_tmpdir());
    ShaleError err;
    for (int m = 0; m < 4; m++) {
        HnswIndex *idx = build_index((HnswMetric)m, x, n, dims, 2, NULL);
        REQUIRE(idx != NULL);
        for (size_t i = 0; i < n; i += 5)
            hnsw_mark_deleted(idx, (uint32_t)i);
        REQUIRE_OK(hnsw_save_file(idx, path, &err), &err);
        CHECK(!shale_env_exists("rt.hnsw.tmp"));
        HnswIndex *back;
        REQUIRE_OK(hnsw_load_file(path, &back, &err), &err);
        const HnswOptions *oa = hnsw_options(idx), *ob = hnsw_options(back);
        CHECK(oa->dims == ob->dims && oa->metric == ob->metric && oa->m == ob->m &&
              oa->ef_construction == ob->ef_construction && oa->seed == ob->seed);
        HnswStats sa, sb;
        hnsw_stats(idx, &sa);
        hnsw_stats(back, &sb);
        CHECK_EQ_U64(sa.nodes, sb.nodes);
        CHECK_EQ_U64(sa.deleted, sb.deleted);
        CHECK_EQ_INT(sa.max_level, sb.max_level);
        CHECK(same_answers(idx, back, q, 30, dims));
        for (uint32_t i = 0; i < n; i += 97) {
            size_t la, lb;
            const void *pa = hnsw_node_label(idx, i, &la), *pb = hnsw_node_label(back, i, &lb);
            CHECK_MEM(pa, la, pb, lb);
            CHECK(memcmp(hnsw_node_vector(idx, i), hnsw_node_vector(back, i), sizeof(float) * (size_t)dims) == 0);
        }
        /* the loaded index keeps working: inserts, label deletes */
        uint32_t node;
        CHECK_OK(hnsw_insert(back, q, "new", 3, &node, &err), &err);
        CHECK_EQ_U64(node, n);
        size_t l1;
        const void *lab1 = hnsw_node_label(back, 1, &l1);   /* node 1 is live */
        CHECK_EQ_INT(hnsw_mark_deleted_label(back, lab1, l1), 1);
        hnsw_free(back);
        hnsw_free(idx);
    }
    /* an empty index round-trips */
    HnswOptions o;
    hnsw_options_init(&o, 5, HNSW_METRIC_L2);
    HnswIndex *empty, *back;
    REQUIRE_OK(hnsw_create(&o, &empty, &err), &err);
    REQUIRE_OK(hnsw_save_file(empty, path, &err), &err);
    REQUIRE_OK(hnsw_load_file(path, &back, &err), &err);
    HnswStats st;
    hnsw_stats(back, &st);
    CHECK_EQ_U64(st.nodes, 0);
    hnsw_free(empty);
    hnsw_free(back);
    CHECK_EQ_INT(hnsw_load_file("/nonexistent/x.hnsw", &back, &err), -1);
    CHECK(back == NULL);
    shale_env_remove(shale_env_default(), path, NULL);
    free(x);
}

/* Plain write without fsync: the damaged copies are scratch files. */
static int write_plain(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

TEST(corrupted_files_detected)
{
    int dims = 4;
    size_t n = 60;
    float *x = make_data(n + 10, dims, 31337);
    const float *q = x + n * (size_t)dims;
    HnswIndex *idx = build_index(HNSW_METRIC_COSINE, x, n, dims, 1, NULL);
    REQUIRE(idx != NULL);
    hnsw_mark_deleted(idx, 3);
    char path[600], bad[600];
    snprintf(path, sizeof path, "%s/good.hnsw", test_tmpdir());
    /* the damaged copies go to tmpfs when there is one: thousands of rewrites of one file */
    if (shale_env_exists("/dev/shm"))
        snprintf(bad, sizeof bad, "/dev/shm/shale-hnsw-test-%d.bad", (int)getpid());
    else
        snprintf(bad, sizeof bad, "%s/bad.hnsw", test_tmpdir());
    ShaleError err;
    REQUIRE_OK(hnsw_save_file(idx, path, &err), &err);
    char *data;
    size_t len;
    REQUIRE_OK(shale_env_read_all(shale_env_default(), path, &data, &len, &err), &err);
#ifdef SHALE_SANITIZERS
    size_t step = 13;
#else
    size_t step = 3;
#endif
    int loaded = 0, detected = 0;
    for (size_t pos = 0; pos < len; pos += (pos < 128 ? 1 : step)) {
        for (int variant = 0; variant < 2; variant += 1 + (pos >= 128)) {
            char *copy = malloc(len);
            memcpy(copy, data, len);
            copy[pos] ^= variant ? (char)0xff : (char)(1u << (pos % 8));
            REQUIRE(write_plain(bad, copy, len) == 0);
            free(copy);
            HnswIndex *back = NULL;
            ShaleError lerr;
            if (hnsw_load_file(bad, &back, &lerr) == 0) {
                loaded++;
                CHECK_MSG(same_answers(idx, back, q, 10, dims), "flip at %zu changed answers", pos);
                hnsw_free(back);
            } else {
                detected++;
                CHECK_MSG(lerr.code == SHALE_CORRUPTION, "flip at %zu: %s", pos, lerr.msg);
            }
        }
    }
    /* truncations and a trailing byte */
    for (size_t cut = 0; cut <= len; cut += (cut < 100 || len - cut < 100) ? 1 : 37) {
        REQUIRE(write_plain(bad, data, cut) == 0);
        HnswIndex *back = NULL;
        ShaleError lerr;
        int rc = hnsw_load_file(bad, &back, &lerr);
        if (cut == len) {
            CHECK_OK(rc, &lerr);
        } else {
            CHECK_MSG(rc == -1 && lerr.code == SHALE_CORRUPTION, "cut at %zu loaded", cut);
        }
        hnsw_free(back);
    }
    char *longer = malloc(len + 1);
    memcpy(longer, data, len);
    longer[len] = 0;
    REQUIRE(write_plain(bad, longer, len + 1) == 0);
    HnswIndex *back = NULL;
    CHECK_EQ_INT(hnsw_load_file(bad, &back, &err), -1);
    free(longer);
    printf("  %zu-byte file: %d damaged copies rejected, %d loaded with identical answers\n", len, detected, loaded);
    CHECK_EQ_INT(loaded, 0);
    free(data);
    shale_env_remove(shale_env_default(), path, NULL);
    shale_env_remove(shale_env_default(), bad, NULL);
    hnsw_free(idx);
    free(x);
}

TEST_MAIN(
    RUN(recall_every_metric);
    RUN(clustered_normalised_recall);
    RUN(parallel_build_recall);
    RUN(iterative_and_deleted);
    RUN(concurrent_insert_and_search);
    RUN(zero_nan_and_odd_dims);
    RUN(save_load_round_trip);
    RUN(corrupted_files_detected);
    test_rm_rf(test_tmpdir());
)
