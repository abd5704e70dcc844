/* vector_bench_data.c -- the vector benchmark's synthetic dataset (a seeded Gaussian mixture,
 * L2-normalised), its exact top-K ground truth (brute force across threads) and recall
 * (see vector_bench.h for the dataset definition). */
#include "tools/bench/vector_bench.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: a tiny, well-mixed generator; one stream per purpose so the rows do not depend
 * on the query count and vice versa. */
typedef struct VbenchRng {
    uint64_t s;
    int have_spare;
    double spare;
} VbenchRng;

static uint64_t vbench_rng_next(VbenchRng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform in (0, 1) */
static double vbench_rng_unit(VbenchRng *r)
{
    return ((double)(vbench_rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* standard normal (Box-Muller, both values used) */
static double vbench_rng_gauss(VbenchRng *r)
{
    if (r->have_spare) {
        r->have_spare = 0;
        return r->spare;
    }
    double u = vbench_rng_unit(r), v = vbench_rng_unit(r);
    double rad = sqrt(-2.0 * log(u)), ang = 6.283185307179586 * v;
    r->spare = rad * sin(ang);
    r->have_spare = 1;
    return rad * cos(ang);
}

/* One mixture sample into out[0..dim), normalised. */
static void vbench_sample(VbenchRng *r, const float *centres, int ncentres, int dim, float *out)
{
    const float *c = centres + (size_t)(vbench_rng_next(r) % (uint64_t)ncentres) * (size_t)dim;
    double norm = 0;
    for (int j = 0; j < dim; j++) {
        double x = c[j] + VBENCH_SPREAD * vbench_rng_gauss(r);
        out[j] = (float)x;
        norm += x * x;
    }
    float inv = norm > 0 ? (float)(1.0 / sqrt(norm)) : 1.0f;
    for (int j = 0; j < dim; j++)
        out[j] *= inv;
}

int vbench_data_generate(VbenchData *d, int rows, int queries, int dim, int centres, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    d->rows = rows;
    d->queries = queries;
    d->dim = dim;
    float *cent = malloc((size_t)centres * (size_t)dim * sizeof(float));
    d->vec = malloc((size_t)rows * (size_t)dim * sizeof(float));
    d->qvec = malloc((size_t)queries * (size_t)dim * sizeof(float));
    d->category = malloc((size_t)rows * sizeof(int));
    if (!cent || !d->vec || !d->qvec || !d->category) {
        free(cent);
        vbench_data_free(d);
        return -1;
    }
    VbenchRng rc = {seed ^ 0x1111111111111111ULL, 0, 0};
    VbenchRng rr = {seed ^ 0x2222222222222222ULL, 0, 0};
    VbenchRng rq = {seed ^ 0x3333333333333333ULL, 0, 0};
    for (size_t i = 0; i < (size_t)centres * (size_t)dim; i++)
        cent[i] = (float)vbench_rng_gauss(&rc);
    for (int i = 0; i < rows; i++) {
        vbench_sample(&rr, cent, centres, dim, d->vec + (size_t)i * (size_t)dim);
        d->category[i] = i % VBENCH_CATEGORIES;
    }
    for (int q = 0; q < queries; q++)
        vbench_sample(&rq, cent, centres, dim, d->qvec + (size_t)q * (size_t)dim);
    free(cent);
    return 0;
}

void vbench_data_free(VbenchData *d)
{
    free(d->vec);
    free(d->qvec);
    free(d->category);
    for (int v = 0; v < VBENCH_NVARIANTS; v++) {
        free(d->truth[v]);
        free(d->truth_dist[v]);
    }
    memset(d, 0, sizeof *d);
}

void vbench_filter_range(VbenchVariant v, int q, int *lo, int *hi)
{
    if (v == VBENCH_FILTER1) {
        *lo = *hi = q % VBENCH_CATEGORIES;
    } else if (v == VBENCH_FILTER10) {
        *lo = (q % 10) * 10;
        *hi = *lo + 9;
    } else {
        *lo = 0;
        *hi = VBENCH_CATEGORIES - 1;
    }
}

int vbench_filter_match(const VbenchData *d, VbenchVariant v, int q, int id)
{
    int lo, hi;
    vbench_filter_range(v, q, &lo, &hi);
    int c = d->category[id];
    return c >= lo && c <= hi;
}

/* Dot product and squared distance with 8 independent float accumulators (vectorisable
 * without -ffast-math). */
static float vbench_dot(const float *a, const float *b, int dim)
{
    float acc[8] = {0};
    int j = 0;
    for (; j + 8 <= dim; j += 8)
        for (int t = 0; t < 8; t++)
            acc[t] += a[j + t] * b[j + t];
    float s = 0;
    for (; j < dim; j++)
        s += a[j] * b[j];
    return s + ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static float vbench_l2sq(const float *a, const float *b, int dim)
{
    float acc[8] = {0};
    int j = 0;
    for (; j + 8 <= dim; j += 8)
        for (int t = 0; t < 8; t++) {
            float x = a[j + t] - b[j + t];
            acc[t] += x * x;
        }
    float s = 0;
    for (; j < dim; j++)
        s += (a[j] - b[j]) * (a[j] - b[j]);
    return s + ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* The ranking key (monotone in the metric's distance): squared L2, or cosine distance. */
static float vbench_key(const float *q, const float *x, VbenchMetric metric, int dim)
{
    if (metric == VBENCH_L2)
        return vbench_l2sq(q, x, dim);
    float qq = vbench_dot(q, q, dim), xx = vbench_dot(x, x, dim);
    float den = sqrtf(qq * xx);
    return den > 0 ? 1.0f - vbench_dot(q, x, dim) / den : 1.0f;
}

float vbench_distance(const VbenchData *d, VbenchMetric metric, int q, int id)
{
    float k = vbench_key(d->qvec + (size_t)q * (size_t)d->dim, d->vec + (size_t)id * (size_t)d->dim,
                         metric, d->dim);
    return metric == VBENCH_L2 ? sqrtf(k) : k;
}

/* A sorted (ascending key) top-K list. */
typedef struct VbenchTop {
    int n;
    float key[VBENCH_K];
    int id[VBENCH_K];
} VbenchTop;

static void vbench_top_add(VbenchTop *t, float key, int id)
{
    if (t->n == VBENCH_K && key >= t->key[VBENCH_K - 1])
        return;
    int i = t->n < VBENCH_K ? t->n++ : VBENCH_K - 1;
    while (i > 0 && t->key[i - 1] > key) {
        t->key[i] = t->key[i - 1];
        t->id[i] = t->id[i - 1];
        i--;
    }
    t->key[i] = key;
    t->id[i] = id;
}

typedef struct VbenchTruthJob {
    VbenchData *d;       /* shared; each job writes only its own queries' truth slots */
    VbenchMetric metric;
    int q_begin, q_end;
} VbenchTruthJob;

static void *vbench_truth_worker(void *arg)
{
    VbenchTruthJob *job = arg;
    VbenchData *d = job->d;
    for (int q = job->q_begin; q < job->q_end; q++) {
        VbenchTop top[VBENCH_NVARIANTS];
        memset(top, 0, sizeof top);
        int lo1, hi1, lo10, hi10;
        vbench_filter_range(VBENCH_FILTER1, q, &lo1, &hi1);
        vbench_filter_range(VBENCH_FILTER10, q, &lo10, &hi10);
        const float *qv = d->qvec + (size_t)q * (size_t)d->dim;
        for (int i = 0; i < d->rows; i++) {
            float key = vbench_key(qv, d->vec + (size_t)i * (size_t)d->dim, job->metric, d->dim);
            vbench_top_add(&top[VBENCH_PLAIN], key, i);
            int c = d->category[i];
            if (c >= lo1 && c <= hi1)
                vbench_top_add(&top[VBENCH_FILTER1], key, i);
            if (c >= lo10 && c <= hi10)
                vbench_top_add(&top[VBENCH_FILTER10], key, i);
        }
        for (int v = 0; v < VBENCH_NVARIANTS; v++)
            for (int j = 0; j < VBENCH_K; j++) {
                size_t slot = (size_t)q * VBENCH_K + (size_t)j;
                int have = j < top[v].n;
                d->truth[v][slot] = have ? top[v].id[j] : -1;
                float k = have ? top[v].key[j] : INFINITY;
                d->truth_dist[v][slot] = (have && job->metric == VBENCH_L2) ? sqrtf(k) : k;
            }
    }
    return NULL;
}

int vbench_data_truth(VbenchData *d, VbenchMetric metric, int threads)
{
    size_t n = (size_t)d->queries * VBENCH_K;
    for (int v = 0; v < VBENCH_NVARIANTS; v++) {
        d->truth[v] = malloc(n * sizeof(int) + 1);
        d->truth_dist[v] = malloc(n * sizeof(float) + 1);
        if (!d->truth[v] || !d->truth_dist[v])
            return -1;
    }
    if (threads < 1)
        threads = 1;
    if (threads > 64)
        threads = 64;
    pthread_t tid[64];
    VbenchTruthJob jobs[64];
    int started = 0, rc = 0;
    for (int t = 0; t < threads; t++) {
        jobs[t] = (VbenchTruthJob){d, metric, (int)((int64_t)d->queries * t / threads),
                                   (int)((int64_t)d->queries * (t + 1) / threads)};
        if (pthread_create(&tid[t], NULL, vbench_truth_worker, &jobs[t]) != 0) {
            rc = -1;
            break;
        }
        started++;
    }
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    return rc;
}

int vbench_recall_hits(const VbenchData *d, VbenchMetric metric, VbenchVariant v, int q,
                       const int *ids, int n)
{
    const int *truth = d->truth[v] + (size_t)q * VBENCH_K;
    float kth = INFINITY;
    for (int j = VBENCH_K - 1; j >= 0; j--)
        if (truth[j] >= 0) {
            kth = d->truth_dist[v][(size_t)q * VBENCH_K + (size_t)j];
            break;
        }
    int hits = 0;
    for (int i = 0; i < n && hits < VBENCH_K; i++) {
        int id = ids[i], dup = 0;
        for (int j = 0; j < i; j++)
            dup |= ids[j] == id;
        if (dup || id < 0 || id >= d->rows)
            continue;
        int found = 0;
        for (int j = 0; j < VBENCH_K; j++)
            found |= truth[j] == id;
        if (!found && vbench_filter_match(d, v, q, id)) {
            float dist = vbench_distance(d, metric, q, id);
            found = dist <= kth + fabsf(kth) * 1e-5f + 1e-7f;
        }
        hits += found;
    }
    return hits;
}

int vbench_format_vector(const float *vec, int dim, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap < 3)
        return -1;
    buf[len++] = '[';
    for (int j = 0; j < dim; j++) {
        char tmp[32];
        int w = 0;
        for (int prec = 6; prec <= 9; prec++) {
            w = snprintf(tmp, sizeof tmp, "%.*g", prec, (double)vec[j]);
            if (strtof(tmp, NULL) == vec[j])
                break;
        }
        if (len + (size_t)w + 2 > cap)
            return -1;
        if (j > 0)
            buf[len++] = ',';
        memcpy(buf + len, tmp, (size_t)w);
        len += (size_t)w;
    }
    if (len + 2 > cap)
        return -1;
    buf[len++] = ']';
    buf[len] = '\0';
    return (int)len;
}
