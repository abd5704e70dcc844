/* vector_bench.h -- shared declarations of tools/bench/vector_bench, the vector search
 * benchmark (docs/benchmarks.md, "Vector search"): the seeded synthetic dataset, the exact
 * ground truth computed in C, and recall. vector_bench_data.c implements these;
 * vector_bench.c is the libpq client (load, index, queries, reports).
 *
 * Dataset (a pure function of rows, queries, dim, centres and seed): centres c_j ~ N(0,1)^dim;
 * each row and query picks a centre uniformly and adds N(0, VBENCH_SPREAD^2) noise per
 * dimension, then the vector is L2-normalised. Row i has id i and category i % 100; the
 * category is independent of the vector. Query q's filters: "1%" = category == q % 100,
 * "10%" = category in [ (q % 10) * 10, (q % 10) * 10 + 9 ]. */
#ifndef SHALE_TOOLS_VECTOR_BENCH_H
#define SHALE_TOOLS_VECTOR_BENCH_H

#include <stddef.h>
#include <stdint.h>

#define VBENCH_K 10                 /* results per query (LIMIT) */
#define VBENCH_CATEGORIES 100       /* category = id % 100 */
#define VBENCH_SPREAD 0.35          /* per-dimension noise around a centre, before normalising */

typedef enum VbenchMetric { VBENCH_L2 = 0, VBENCH_COSINE = 1 } VbenchMetric;

/* The query variants; ground truth exists for each. */
typedef enum VbenchVariant {
    VBENCH_PLAIN = 0,      /* no filter */
    VBENCH_FILTER1 = 1,    /* category = $2: 1% of the rows */
    VBENCH_FILTER10 = 2,   /* category BETWEEN $2 AND $3: 10% of the rows */
    VBENCH_NVARIANTS = 3
} VbenchVariant;

/* The generated data; owns every array (vbench_data_free). */
typedef struct VbenchData {
    int rows, queries, dim;
    float *vec;              /* rows x dim, row-major */
    float *qvec;             /* queries x dim */
    int *category;           /* rows */
    /* truth[v][q * VBENCH_K + j]: id of the j-th nearest row (ascending distance; -1 when
     * fewer than K rows match); truth_dist the matching distances (the metric's own value). */
    int *truth[VBENCH_NVARIANTS];
    float *truth_dist[VBENCH_NVARIANTS];
} VbenchData;

/* Fills *d (caller-owned struct; arrays owned by it afterwards). Returns 0, or -1 on OOM. */
int vbench_data_generate(VbenchData *d, int rows, int queries, int dim, int centres, uint64_t seed);

/* Computes every variant's exact top-K for every query by brute force on `threads` threads.
 * Returns 0, or -1 on OOM / thread creation failure. */
int vbench_data_truth(VbenchData *d, VbenchMetric metric, int threads);

void vbench_data_free(VbenchData *d);

/* The filter parameters of query q for variant v (lo == hi for FILTER1; unused for PLAIN). */
void vbench_filter_range(VbenchVariant v, int q, int *lo, int *hi);

/* True when row `id` passes query q's filter of variant v. */
int vbench_filter_match(const VbenchData *d, VbenchVariant v, int q, int id);

/* Distance of rows id to query q under the metric (squared L2 is not used: plain L2). */
float vbench_distance(const VbenchData *d, VbenchMetric metric, int q, int id);

/* Recall hits of one answer: how many of ids[0..n) are among query q's true top-K for
 * variant v. A returned id that is not in the true list still counts when it passes the
 * filter and its distance is within a relative 1e-5 of the K-th true distance (a tie the
 * server may break differently or round differently in float). At most K hits. */
int vbench_recall_hits(const VbenchData *d, VbenchMetric metric, VbenchVariant v, int q,
                       const int *ids, int n);

/* Writes the text form "[x,y,...]" of vec[0..dim) (shortest decimal that reads back as the
 * same float) into buf (capacity cap, caller-owned). Returns the length, or -1 if cap is short. */
int vbench_format_vector(const float *vec, int dim, char *buf, size_t cap);

#endif
