/* vecindex_stub.c -- TEMPORARY brute-force stand-in for src/facets/vector/hnsw.h, used only
 * until the real HNSW engine (branch s2-hnsw) is merged; then this file is deleted.
 * Searches sort every node by distance; the file format is a raw dump without checks. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facets/vector/hnsw.h"

typedef struct StubNode {
    float *vec;
    char *label;
    size_t label_len;
    bool deleted;
} StubNode;

struct HnswIndex {
    HnswOptions o;
    pthread_mutex_t mu;
    StubNode *nodes;
    uint32_t n, cap;
};

struct HnswSearch {
    uint32_t *ids;
    double *d;
    uint32_t n, pos, limit;
};

void hnsw_options_init(HnswOptions *o, int dims, HnswMetric metric)
{
    memset(o, 0, sizeof *o);
    o->dims = dims;
    o->metric = metric;
    o->m = 16;
    o->ef_construction = 64;
    o->seed = 1;
}

int hnsw_create(const HnswOptions *opts, HnswIndex **out, ShaleError *err)
{
    HnswIndex *x = calloc(1, sizeof *x);
    if (!x)
        return SHALE_ERR_NOMEM(err, "out of memory"), -1;
    x->o = *opts;
    pthread_mutex_init(&x->mu, NULL);
    *out = x;
    return 0;
}

void hnsw_free(HnswIndex *idx)
{
    if (!idx)
        return;
    for (uint32_t i = 0; i < idx->n; i++) {
        free(idx->nodes[i].vec);
        free(idx->nodes[i].label);
    }
    free(idx->nodes);
    pthread_mutex_destroy(&idx->mu);
    free(idx);
}

double hnsw_distance(const HnswIndex *idx, const float *a, const float *b)
{
    double s = 0, na = 0, nb = 0;
    for (int i = 0; i < idx->o.dims; i++) {
        double x = a[i], y = b[i];
        switch (idx->o.metric) {
        case HNSW_METRIC_L2: s += (x - y) * (x - y); break;
        case HNSW_METRIC_L1: s += fabs(x - y); break;
        default: s += x * y; na += x * x; nb += y * y; break;
        }
    }
    switch (idx->o.metric) {
    case HNSW_METRIC_L2: return sqrt(s);
    case HNSW_METRIC_L1: return s;
    case HNSW_METRIC_IP: return -s;
    default: return 1 - s / sqrt(na * nb);
    }
}

int hnsw_insert(HnswIndex *idx, const float *vec, const void *label, size_t label_len, uint32_t *node_out,
                ShaleError *err)
{
    pthread_mutex_lock(&idx->mu);
    if (idx->n == idx->cap) {
        uint32_t cap = idx->cap ? idx->cap * 2 : 64;
        StubNode *n = realloc(idx->nodes, sizeof *n * cap);
        if (!n) {
            pthread_mutex_unlock(&idx->mu);
            return SHALE_ERR_NOMEM(err, "out of memory"), -1;
        }
        idx->nodes = n;
        idx->cap = cap;
    }
    StubNode *s = &idx->nodes[idx->n];
    s->vec = malloc(sizeof(float) * (size_t)idx->o.dims);
    s->label = malloc(label_len);
    if (!s->vec || !s->label) {
        free(s->vec);
        free(s->label);
        pthread_mutex_unlock(&idx->mu);
        return SHALE_ERR_NOMEM(err, "out of memory"), -1;
    }
    memcpy(s->vec, vec, sizeof(float) * (size_t)idx->o.dims);
    memcpy(s->label, label, label_len);
    s->label_len = label_len;
    s->deleted = false;
    if (node_out)
        *node_out = idx->n;
    idx->n++;
    pthread_mutex_unlock(&idx->mu);
    return 0;
}

int hnsw_mark_deleted_label(HnswIndex *idx, const void *label, size_t label_len)
{
    int k = 0;
    pthread_mutex_lock(&idx->mu);
    for (uint32_t i = 0; i < idx->n; i++)
        if (idx->nodes[i].label_len == label_len && memcmp(idx->nodes[i].label, label, label_len) == 0 &&
            !idx->nodes[i].deleted) {
            idx->nodes[i].deleted = true;
            k++;
        }
    pthread_mutex_unlock(&idx->mu);
    return k;
}

void hnsw_mark_deleted(HnswIndex *idx, uint32_t node)
{
    pthread_mutex_lock(&idx->mu);
    if (node < idx->n)
        idx->nodes[node].deleted = true;
    pthread_mutex_unlock(&idx->mu);
}

void hnsw_stats(const HnswIndex *idx, HnswStats *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock((pthread_mutex_t *)&idx->mu);
    out->nodes = idx->n;
    for (uint32_t i = 0; i < idx->n; i++)
        out->deleted += idx->nodes[i].deleted;
    out->bytes = (uint64_t)idx->n * (uint64_t)(idx->o.dims * 4 + 64);
    pthread_mutex_unlock((pthread_mutex_t *)&idx->mu);
}

const void *hnsw_node_label(const HnswIndex *idx, uint32_t node, size_t *label_len)
{
    *label_len = idx->nodes[node].label_len;
    return idx->nodes[node].label;
}

const float *hnsw_node_vector(const HnswIndex *idx, uint32_t node)
{
    return idx->nodes[node].vec;
}

bool hnsw_node_deleted(const HnswIndex *idx, uint32_t node)
{
    return idx->nodes[node].deleted;
}

static const double *sort_d;
static int cmp_ids(const void *a, const void *b)
{
    double x = sort_d[*(const uint32_t *)a], y = sort_d[*(const uint32_t *)b];
    return x < y ? -1 : x > y;
}

int hnsw_search_begin(HnswIndex *idx, const float *query, int ef, uint64_t max_candidates, HnswSearch **out,
                      ShaleError *err)
{
    static pthread_mutex_t sort_mu = PTHREAD_MUTEX_INITIALIZER;
    HnswSearch *s = calloc(1, sizeof *s);
    pthread_mutex_lock(&idx->mu);
    uint32_t n = idx->n;
    if (s) {
        s->ids = malloc(sizeof(uint32_t) * (n + 1));
        s->d = malloc(sizeof(double) * (n + 1));
    }
    if (!s || !s->ids || !s->d) {
        pthread_mutex_unlock(&idx->mu);
        if (s) {
            free(s->ids);
            free(s->d);
        }
        free(s);
        return SHALE_ERR_NOMEM(err, "out of memory"), -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        s->d[i] = hnsw_distance(idx, query, idx->nodes[i].vec);
        if (!idx->nodes[i].deleted)
            s->ids[s->n++] = i;
    }
    pthread_mutex_unlock(&idx->mu);
    pthread_mutex_lock(&sort_mu);
    sort_d = s->d;
    qsort(s->ids, s->n, sizeof(uint32_t), cmp_ids);
    pthread_mutex_unlock(&sort_mu);
    s->limit = max_candidates ? (uint32_t)(max_candidates < s->n ? max_candidates : s->n)
                              : ((uint32_t)ef < s->n ? (uint32_t)ef : s->n);
    *out = s;
    return 0;
}

int hnsw_search_next(HnswSearch *s, uint32_t *node, double *dist, ShaleError *err)
{
    (void)err;
    if (s->pos >= s->limit)
        return 0;
    *node = s->ids[s->pos++];
    *dist = s->d[*node];
    return 1;
}

void hnsw_search_end(HnswSearch *s)
{
    if (!s)
        return;
    free(s->ids);
    free(s->d);
    free(s);
}

static HnswOptions stub_opts;
const HnswOptions *hnsw_options(const HnswIndex *idx)
{
    (void)stub_opts;
    return &idx->o;
}

int hnsw_save_file(HnswIndex *idx, const char *path, ShaleError *err)
{
    (void)idx;
    (void)path;
    return shale_error_set(err, SHALE_NOT_SUPPORTED, "stub"), -1;
}

int hnsw_load_file(const char *path, HnswIndex **out, ShaleError *err)
{
    (void)path;
    *out = NULL;
    return shale_error_set(err, SHALE_NOT_SUPPORTED, "stub"), -1;
}

int hnsw_compact(HnswIndex *idx, ShaleError *err)
{
    (void)idx;
    (void)err;
    return 0;
}

int hnsw_build_parallel(HnswIndex *idx, const float *vecs, const void *const *labels, const size_t *label_lens,
                        size_t n, int nthreads, ShaleError *err)
{
    (void)nthreads;
    for (size_t i = 0; i < n; i++)
        if (hnsw_insert(idx, vecs + i * (size_t)idx->o.dims, labels[i], label_lens[i], NULL, err) != 0)
            return -1;
    return 0;
}
