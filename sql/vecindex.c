/* vecindex.c -- the registry of hnsw graphs (sql/vecindex.h): first-use load + reconcile or
 * rebuild, statement-time node inserts (the relational facet's vector hook), periodic and
 * shutdown saves, DROP/TRUNCATE. CREATE INDEX validation and build are in vecindex_ddl.c.
 *
 * Memory: the registry and its VecGraph structs are malloc'd and live until vecreg_close
 * (a forgotten graph keeps its small struct, its HnswIndex is freed). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sql/vecindex.h"
#include "util/hash.h"

/* Save a graph once this many nodes were inserted since its file was written (and at
 * least SAVE_FRACTION of its size): bounds the delta a restart re-inserts. */
#define SAVE_MIN_INSERTS 5000
#define SAVE_FRACTION 4
/* Compact at load when more than 1/COMPACT_FRACTION of the nodes are deleted. */
#define COMPACT_FRACTION 5

struct VecGraph {
    VecRegistry *reg;
    Oid db, idxoid;
    uint32_t relfilenode;
    char name[72];
    pthread_rwlock_t rw;          /* shared: insert/search; exclusive: save, compact, free */
    pthread_mutex_t load_mu;      /* serialises the first-use load */
    HnswIndex *h;                 /* NULL until loaded (and after vecreg_forget) */
    atomic_bool loaded;
    atomic_uint_fast64_t dirty;   /* nodes inserted since the file was written */
    atomic_uint_fast64_t gen;     /* bumped when node ids change (install, forget, compact) */
    bool ever_saved;
};

/* One write of a transaction to a graph (see "transaction bookkeeping" below). */
typedef struct VecPending VecPending;
struct VecPending {
    VecGraph *g;
    uint64_t gen;
    uint32_t node;                /* UINT32_MAX: a deletion record */
    bool replaced;
    char *label;
    size_t llen;
    size_t seq;                   /* order of the write in the transaction */
    bool created;                 /* the graph was built by this transaction's CREATE INDEX */
};

struct VecRegistry {
    RelDB *rdb;
    char *dir;                    /* <data_dir>/hnsw, NULL = no files */
    pthread_mutex_t mu;           /* the array below */
    VecGraph **g;
    size_t n, cap;
};

bool vecindex_decode(const char *p, size_t n, int dims, float *out)
{
    if (n < 4 || dims < 1)
        return false;
    unsigned d = (unsigned)(uint8_t)p[0] | ((unsigned)(uint8_t)p[1] << 8);
    if ((int)d != dims || n != 4 + 4 * (size_t)d)
        return false;
    memcpy(out, p + 4, 4 * (size_t)d);   /* little-endian host (x86-64) */
    return true;
}

bool vecindex_node_matches(const HnswIndex *h, uint32_t node, const float *vec, float *scratch)
{
    const HnswOptions *o = hnsw_options(h);
    size_t n = (size_t)o->dims;
    const float *want = vec;
    if (o->metric == HNSW_METRIC_COSINE) {
        double norm = 0;
        for (size_t i = 0; i < n; i++)
            norm += (double)vec[i] * vec[i];
        if (norm == 0.0)
            return false;
        double inv = 1.0 / sqrt(norm);
        for (size_t i = 0; i < n; i++)
            scratch[i] = (float)((double)vec[i] * inv);
        want = scratch;
    }
    return memcmp(hnsw_node_vector(h, node), want, n * sizeof(float)) == 0;
}

int vecindex_opclass_metric(const char *opclass)
{
    if (!opclass)
        return -1;
    if (strcmp(opclass, "vector_l2_ops") == 0)
        return HNSW_METRIC_L2;
    if (strcmp(opclass, "vector_cosine_ops") == 0)
        return HNSW_METRIC_COSINE;
    if (strcmp(opclass, "vector_ip_ops") == 0)
        return HNSW_METRIC_IP;
    if (strcmp(opclass, "vector_l1_ops") == 0)
        return HNSW_METRIC_L1;
    return -1;
}

int vecindex_options(const CatRelation *rel, const CatIndex *idx, HnswOptions *out, SqlError *err)
{
    int a = idx->ncols == 1 ? idx->attnums[0] : 0;
    int metric = vecindex_opclass_metric(idx->opclasses ? idx->opclasses[0] : NULL);
    if (a < 1 || a > rel->ncols || metric < 0 || rel->cols[a - 1].typmod < 1)
        return SQL_ERR(err, DATA_CORRUPTED, "hnsw index \"%s\" has a bad definition", idx->name);
    hnsw_options_init(out, rel->cols[a - 1].typmod, (HnswMetric)metric);
    for (int i = 0; i < idx->n_options; i++) {
        if (strcmp(idx->opt_keys[i], "m") == 0)
            out->m = atoi(idx->opt_values[i]);
        else if (strcmp(idx->opt_keys[i], "ef_construction") == 0)
            out->ef_construction = atoi(idx->opt_values[i]);
    }
    out->seed = idx->oid;
    return 0;
}

/* Server log line (stderr is the server log; the SQL layer has no logger of its own). */
static void vlog(const char *name, const char *what)
{
    fprintf(stderr, "LOG:  hnsw index \"%s\": %s\n", name, what);
}

static void graph_path(const VecGraph *g, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%u_%u_%u.hnsw", g->reg->dir, (unsigned)g->db, (unsigned)g->idxoid,
             (unsigned)g->relfilenode);
}

/* REQUIRES: g->rw held exclusively (or g not yet published). */
static void graph_save(VecGraph *g)
{
    if (!g->reg->dir || !g->h)
        return;
    char path[4200], msg[4900];
    graph_path(g, path, sizeof path);
    (void)mkdir(g->reg->dir, 0700);
    ShaleError se;
    if (hnsw_save_file(g->h, path, &se) != 0) {
        snprintf(msg, sizeof msg, "could not save graph to \"%s\": %s", path, se.msg);
        vlog(g->name, msg);
        return;
    }
    atomic_store(&g->dirty, 0);
    g->ever_saved = true;
}

/* ---- load and reconcile ----------------------------------------------------------------- */

typedef struct Reconcile {
    HnswIndex *h;
    int dims;
    uint32_t n_nodes;
    uint32_t *heads, *next;       /* label hash chains over live nodes */
    uint32_t mask;
    uint8_t *seen;
    float *tmp, *scratch;
    /* entries the graph lacks */
    float *vecs;
    char **labels;
    size_t *lens;
    size_t n_missing, cap_missing;
} Reconcile;

static int rc_add_missing(Reconcile *r, const char *rk, size_t rklen, SqlError *err)
{
    if (r->n_missing == r->cap_missing) {
        size_t cap = r->cap_missing ? r->cap_missing * 2 : 256;
        float *v = realloc(r->vecs, sizeof(float) * (size_t)r->dims * cap);
        if (v)
            r->vecs = v;
        char **l = realloc(r->labels, sizeof(char *) * cap);
        if (l)
            r->labels = l;
        size_t *n = realloc(r->lens, sizeof(size_t) * cap);
        if (n)
            r->lens = n;
        if (!v || !l || !n)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        r->cap_missing = cap;
    }
    char *lab = malloc(rklen ? rklen : 1);
    if (!lab)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memcpy(lab, rk, rklen);
    memcpy(r->vecs + r->n_missing * (size_t)r->dims, r->tmp, sizeof(float) * (size_t)r->dims);
    r->labels[r->n_missing] = lab;
    r->lens[r->n_missing] = rklen;
    r->n_missing++;
    return 0;
}

static int rc_entry(void *arg, const char *rk, size_t rklen, const char *vec, size_t vlen, SqlError *err)
{
    Reconcile *r = arg;
    if (!vecindex_decode(vec, vlen, r->dims, r->tmp) || rklen == 0)
        return 0;   /* not indexable (dims changed?): verified away by readers anyway */
    if (r->heads) {
        uint32_t hsh = shale_hash32(rk, rklen, 0x9e37) & r->mask;
        for (uint32_t i = r->heads[hsh]; i != UINT32_MAX; i = r->next[i]) {
            size_t ll;
            const void *lab = hnsw_node_label(r->h, i, &ll);
            if (!r->seen[i] && ll == rklen && memcmp(lab, rk, rklen) == 0 &&
                vecindex_node_matches(r->h, i, r->tmp, r->scratch)) {
                r->seen[i] = 1;
                return 0;
            }
        }
    }
    return rc_add_missing(r, rk, rklen, err);
}

static void rc_free(Reconcile *r)
{
    for (size_t i = 0; i < r->n_missing; i++)
        free(r->labels[i]);
    free(r->labels);
    free(r->lens);
    free(r->vecs);
    free(r->heads);
    free(r->next);
    free(r->seen);
    free(r->tmp);
    free(r->scratch);
}

static bool opts_match(const HnswOptions *a, const HnswOptions *b)
{
    return a->dims == b->dims && a->metric == b->metric && a->m == b->m && a->ef_construction == b->ef_construction;
}

/* Loads g (REQUIRES load_mu): file + reconcile, or a full rebuild. */
static int graph_load(VecGraph *g, const CatRelation *rel, const CatIndex *idx, SqlError *err)
{
    HnswOptions opts;
    if (vecindex_options(rel, idx, &opts, err) != 0)
        return -1;
    char path[4200], msg[4900];
    HnswIndex *h = NULL;
    const char *why = "no graph file";
    ShaleError se;
    if (g->reg->dir) {
        graph_path(g, path, sizeof path);
        if (access(path, F_OK) == 0) {
            if (hnsw_load_file(path, &h, &se) != 0) {
                h = NULL;
                snprintf(msg, sizeof msg, "graph file \"%s\" unusable (%s), rebuilding", path, se.msg);
                vlog(g->name, msg);
                why = "damaged graph file";
            } else if (!opts_match(hnsw_options(h), &opts)) {
                hnsw_free(h);
                h = NULL;
                why = "graph file options differ";
            }
        }
    }
    bool from_file = h != NULL;
    if (!h && hnsw_create(&opts, &h, &se) != 0)
        return SQL_ERR(err, OUT_OF_MEMORY, "could not create hnsw index: %s", se.msg);
    Reconcile r;
    memset(&r, 0, sizeof r);
    r.h = h;
    r.dims = opts.dims;
    HnswStats st;
    hnsw_stats(h, &st);
    r.n_nodes = (uint32_t)st.nodes;
    r.tmp = malloc(sizeof(float) * (size_t)opts.dims);
    r.scratch = malloc(sizeof(float) * (size_t)opts.dims);
    int rc = r.tmp && r.scratch ? 0 : SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (rc == 0 && r.n_nodes > 0) {
        uint32_t nb = 1;
        while (nb < r.n_nodes)
            nb <<= 1;
        r.mask = nb - 1;
        r.heads = malloc(sizeof(uint32_t) * nb);
        r.next = malloc(sizeof(uint32_t) * r.n_nodes);
        r.seen = calloc(r.n_nodes, 1);
        if (!r.heads || !r.next || !r.seen) {
            rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        } else {
            memset(r.heads, 0xff, sizeof(uint32_t) * nb);
            for (uint32_t i = 0; i < r.n_nodes; i++) {
                r.next[i] = UINT32_MAX;
                if (hnsw_node_deleted(h, i))
                    continue;
                size_t ll;
                const void *lab = hnsw_node_label(h, i, &ll);
                uint32_t hsh = shale_hash32(lab, ll, 0x9e37) & r.mask;
                r.next[i] = r.heads[hsh];
                r.heads[hsh] = i;
            }
        }
    }
    if (rc == 0)
        rc = rel_vecidx_scan(g->reg->rdb, g->db, rel, idx, rc_entry, &r, err);
    size_t marked = 0;
    for (uint32_t i = 0; rc == 0 && i < r.n_nodes; i++)
        if (!r.seen[i] && !hnsw_node_deleted(h, i)) {
            hnsw_mark_deleted(h, i);
            marked++;
        }
    if (rc == 0 && r.n_missing > 0 &&
        hnsw_build_parallel(h, r.vecs, (const void *const *)r.labels, r.lens, r.n_missing, 2, &se) != 0)
        rc = SQL_ERR(err, OUT_OF_MEMORY, "could not build hnsw index \"%s\": %s", idx->name, se.msg);
    if (rc == 0) {
        hnsw_stats(h, &st);
        if (st.deleted * COMPACT_FRACTION > st.nodes && hnsw_compact(h, &se) != 0) {
            snprintf(msg, sizeof msg, "compaction failed: %s", se.msg);
            vlog(g->name, msg);
        }
        if (from_file)
            snprintf(msg, sizeof msg, "loaded %u nodes from file, reconciled: %zu inserted, %zu marked deleted",
                     r.n_nodes, r.n_missing, marked);
        else
            snprintf(msg, sizeof msg, "rebuilt from %zu entries (%s)", r.n_missing, why);
        vlog(g->name, msg);
        g->h = h;
        atomic_fetch_add(&g->gen, 1);
        if (!from_file || r.n_missing > 0 || marked > 0)
            graph_save(g);
        else
            g->ever_saved = true;
        atomic_store(&g->loaded, true);
    } else {
        hnsw_free(h);
    }
    rc_free(&r);
    return rc;
}

/* ---- registry --------------------------------------------------------------------------- */

static VecGraph *graph_find(VecRegistry *reg, Oid db, Oid idxoid, uint32_t rfn, bool create)
{
    pthread_mutex_lock(&reg->mu);
    VecGraph *g = NULL;
    for (size_t i = 0; i < reg->n && !g; i++)
        if (reg->g[i]->db == db && reg->g[i]->idxoid == idxoid && reg->g[i]->relfilenode == rfn)
            g = reg->g[i];
    if (!g && create) {
        if (reg->n == reg->cap) {
            size_t cap = reg->cap ? reg->cap * 2 : 8;
            VecGraph **n = realloc(reg->g, sizeof(VecGraph *) * cap);
            if (n) {
                reg->g = n;
                reg->cap = cap;
            }
        }
        g = reg->n < reg->cap ? calloc(1, sizeof *g) : NULL;
        if (g) {
            g->reg = reg;
            g->db = db;
            g->idxoid = idxoid;
            g->relfilenode = rfn;
            pthread_rwlock_init(&g->rw, NULL);
            pthread_mutex_init(&g->load_mu, NULL);
            atomic_init(&g->loaded, false);
            atomic_init(&g->dirty, 0);
            atomic_init(&g->gen, 1);
            reg->g[reg->n++] = g;
        }
    }
    pthread_mutex_unlock(&reg->mu);
    return g;
}

int vecreg_acquire(VecRegistry *reg, Oid db, const CatRelation *rel, const CatIndex *idx, VecGraph **out,
                   SqlError *err)
{
    VecGraph *g = graph_find(reg, db, idx->oid, rel->relfilenode, true);
    if (!g)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    for (;;) {
        if (!atomic_load(&g->loaded)) {
            pthread_mutex_lock(&g->load_mu);
            snprintf(g->name, sizeof g->name, "%s", idx->name);
            int rc = atomic_load(&g->loaded) ? 0 : graph_load(g, rel, idx, err);
            pthread_mutex_unlock(&g->load_mu);
            if (rc != 0)
                return -1;
        }
        pthread_rwlock_rdlock(&g->rw);
        if (atomic_load(&g->loaded) && g->h) {
            *out = g;
            return 0;
        }
        pthread_rwlock_unlock(&g->rw);   /* forgotten meanwhile: load again */
    }
}

HnswIndex *vecgraph_index(VecGraph *g)
{
    return g->h;
}

void vecgraph_release(VecGraph *g)
{
    if (g)
        pthread_rwlock_unlock(&g->rw);
}

static VecPending *pending_add(RelTxn *t, VecGraph *g, const char *rk, size_t rklen);

void vecreg_install(VecRegistry *reg, RelTxn *t, Oid db, const CatRelation *rel, const CatIndex *idx, HnswIndex *h)
{
    VecGraph *g = graph_find(reg, db, idx->oid, rel->relfilenode, true);
    if (!g) {
        hnsw_free(h);
        return;
    }
    pthread_mutex_lock(&g->load_mu);
    pthread_rwlock_wrlock(&g->rw);
    snprintf(g->name, sizeof g->name, "%s", idx->name);
    hnsw_free(g->h);
    g->h = h;
    atomic_fetch_add(&g->gen, 1);
    graph_save(g);
    atomic_store(&g->loaded, true);
    pthread_rwlock_unlock(&g->rw);
    pthread_mutex_unlock(&g->load_mu);
    VecPending *p = t ? pending_add(t, g, "", 0) : NULL;
    if (p)
        p->created = true;   /* rollback: graph_forget (no orphan file) */
}

/* Frees g's graph and deletes its file; why (NULL = silent) goes to the server log. */
static void graph_forget(VecGraph *g, const char *why)
{
    VecRegistry *reg = g->reg;
    pthread_mutex_lock(&g->load_mu);
    pthread_rwlock_wrlock(&g->rw);
    hnsw_free(g->h);
    g->h = NULL;
    atomic_fetch_add(&g->gen, 1);
    atomic_store(&g->loaded, false);
    if (reg->dir) {
        char path[4200];
        graph_path(g, path, sizeof path);
        (void)unlink(path);
    }
    if (why)
        vlog(g->name, why);
    pthread_rwlock_unlock(&g->rw);
    pthread_mutex_unlock(&g->load_mu);
}

void vecreg_forget(VecRegistry *reg, Oid db, const CatRelation *rel, const CatIndex *idx)
{
    if (!reg)
        return;
    VecGraph *g = graph_find(reg, db, idx->oid, rel->relfilenode, false);
    if (g)
        graph_forget(g, NULL);
}

/* ---- transaction bookkeeping -----------------------------------------------------------
 * Per transaction (RelTxn's vec slot): the nodes it inserted and the labels whose entries it
 * deleted or replaced. Abort: its nodes are marked deleted. Commit (before its row locks
 * are released, so no later writer of those rows has inserted yet): each label is settled
 * by the entry's FINAL state in the transaction's write buffer (rel_vecidx_txn_entry), so
 * writes undone by ROLLBACK TO SAVEPOINT leave the graph as it was:
 *   no net write   -> only the transaction's own nodes of the label are marked deleted;
 *   deleted        -> every node of the label is marked deleted;
 *   put vector V   -> if the row had an entry before (delete/replace records): every node
 *                     of the label is marked and V inserted again; otherwise its own nodes
 *                     that are not V are marked.
 * Node ids of a graph whose ids changed since (gen) are not used: the readers' check keeps
 * results right, the next load reconciles. */

typedef struct VecTxnState {
    VecPending *items;
    size_t n, cap;
} VecTxnState;

static VecPending *pending_add(RelTxn *t, VecGraph *g, const char *rk, size_t rklen)
{
    void **slot = rel_txn_vec_state(t);
    VecTxnState *st = *slot;
    if (!st && !(st = *slot = calloc(1, sizeof *st)))
        return NULL;
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        VecPending *n = realloc(st->items, sizeof *n * cap);
        if (!n)
            return NULL;
        st->items = n;
        st->cap = cap;
    }
    VecPending *p = &st->items[st->n];
    memset(p, 0, sizeof *p);
    p->label = malloc(rklen ? rklen : 1);
    if (!p->label)
        return NULL;
    memcpy(p->label, rk, rklen);
    p->llen = rklen;
    p->g = g;
    p->gen = atomic_load(&g->gen);
    p->node = UINT32_MAX;
    p->seq = st->n;
    st->n++;
    return p;
}

/* Settles one label at commit: its records are items[lo..hi) (in write order).
 * REQUIRES g->rw shared and g->h set. v/scratch hold dims floats (NULL: out of memory). */
static void settle_label(RelTxn *t, const VecPending *items, size_t lo, size_t hi, float *v, float *scratch)
{
    const VecPending *p = &items[hi - 1];
    VecGraph *g = p->g;
    HnswIndex *h = g->h;
    uint64_t gen = atomic_load(&g->gen);
    int dims = hnsw_options(h)->dims;
    const char *val = NULL;
    size_t vlen = 0;
    int fin = rel_vecidx_txn_entry(t, g->db, g->relfilenode, g->idxoid, p->label, p->llen, &val, &vlen);
    bool had_old = false;
    for (size_t j = lo; j < hi; j++)
        if (items[j].node == UINT32_MAX || items[j].replaced)
            had_old = true;
    bool have_v = fin == 1 && v && vecindex_decode(val, vlen, dims, v);
    if (fin == 0 || (fin == 1 && had_old)) {
        hnsw_mark_deleted_label(h, p->label, p->llen);
        ShaleError se;
        uint32_t node;
        if (have_v && hnsw_insert(h, v, p->label, p->llen, &node, &se) == 0)
            atomic_fetch_add(&g->dirty, 1);
        return;
    }
    for (size_t j = lo; j < hi; j++) {
        const VecPending *q = &items[j];
        if (q->node == UINT32_MAX || q->gen != gen || hnsw_node_deleted(h, q->node))
            continue;
        if (!have_v || !vecindex_node_matches(h, q->node, v, scratch))
            hnsw_mark_deleted(h, q->node);
    }
}

static int cmp_label(const VecPending *a, const VecPending *b)
{
    if (a->g != b->g)
        return (uintptr_t)a->g < (uintptr_t)b->g ? -1 : 1;
    if (a->llen != b->llen)
        return a->llen < b->llen ? -1 : 1;
    return memcmp(a->label, b->label, a->llen);
}

static int cmp_pending(const void *x, const void *y)
{
    const VecPending *a = x, *b = y;
    int c = cmp_label(a, b);
    return c ? c : (a->seq < b->seq ? -1 : a->seq > b->seq);
}

/* Commit: groups the records by label (sorted in place, O(n log n)), settles each label. */
static void settle_all(RelTxn *t, VecTxnState *st)
{
    qsort(st->items, st->n, sizeof *st->items, cmp_pending);
    float *v = NULL, *scratch = NULL;
    int vdims = 0;
    for (size_t lo = 0, hi; lo < st->n; lo = hi) {
        hi = lo + 1;
        while (hi < st->n && cmp_label(&st->items[lo], &st->items[hi]) == 0)
            hi++;
        VecGraph *g = st->items[lo].g;
        if (st->items[lo].created)
            continue;
        pthread_rwlock_rdlock(&g->rw);
        if (g->h) {
            int dims = hnsw_options(g->h)->dims;
            if (dims > vdims) {
                free(v);
                free(scratch);
                v = malloc(sizeof(float) * (size_t)dims);
                scratch = malloc(sizeof(float) * (size_t)dims);
                vdims = v && scratch ? dims : 0;
            }
            settle_label(t, st->items, lo, hi, vdims ? v : NULL, scratch);
        }
        pthread_rwlock_unlock(&g->rw);
    }
    free(v);
    free(scratch);
}

static void hook_txn_end(void *arg, RelTxn *t, bool committed)
{
    (void)arg;
    void **slot = rel_txn_vec_state(t);
    VecTxnState *st = *slot;
    *slot = NULL;
    if (!st)
        return;
    if (committed) {
        settle_all(t, st);
    } else {
        for (size_t i = 0; i < st->n; i++) {
            VecPending *p = &st->items[i];
            VecGraph *g = p->g;
            if (p->created) {
                graph_forget(g, "CREATE INDEX rolled back: graph and file removed");
                continue;
            }
            pthread_rwlock_rdlock(&g->rw);
            if (g->h && p->node != UINT32_MAX && atomic_load(&g->gen) == p->gen)
                hnsw_mark_deleted(g->h, p->node);
            pthread_rwlock_unlock(&g->rw);
        }
    }
    /* compaction once deleted nodes exceed 1/COMPACT_FRACTION (exclusive: skipped while any
     * scan or insert holds the graph; retried at a later commit) */
    for (size_t i = 0; committed && i < st->n; i++) {
        VecGraph *g = st->items[i].g;
        if (i > 0 && st->items[i - 1].g == g)
            continue;
        HnswStats hs;
        if (pthread_rwlock_trywrlock(&g->rw) != 0)
            continue;
        if (g->h) {
            hnsw_stats(g->h, &hs);
            ShaleError se;
            if (hs.nodes >= 1000 && hs.deleted * COMPACT_FRACTION > hs.nodes && hnsw_compact(g->h, &se) == 0) {
                atomic_fetch_add(&g->gen, 1);
                atomic_store(&g->dirty, SAVE_MIN_INSERTS);   /* ids changed: save soon */
            }
        }
        pthread_rwlock_unlock(&g->rw);
    }
    for (size_t i = 0; i < st->n; i++)
        free(st->items[i].label);
    free(st->items);
    free(st);
}

static void hook_entry_del(void *arg, RelTxn *t, Oid db, const CatRelation *rel, const CatIndex *idx, const char *rk,
                           size_t rklen)
{
    VecRegistry *reg = arg;
    VecGraph *g;
    SqlError err;
    if (vecreg_acquire(reg, db, rel, idx, &g, &err) != 0)
        return;
    (void)pending_add(t, g, rk, rklen);
    vecgraph_release(g);
}

/* The relational facet's hook: a row's entry was written (statement time). */
static void hook_entry_put(void *arg, RelTxn *t, Oid db, const CatRelation *rel, const CatIndex *idx, const char *rk,
                           size_t rklen, const char *vec, size_t vlen, bool replaced)
{
    VecRegistry *reg = arg;
    VecGraph *g;
    SqlError err;
    if (vecreg_acquire(reg, db, rel, idx, &g, &err) != 0)
        return;   /* the graph is rebuilt from the entries on its next load */
    int dims = hnsw_options(g->h)->dims;
    float *v = malloc(sizeof(float) * (size_t)dims);
    ShaleError se;
    uint32_t node = UINT32_MAX;
    if (v && vecindex_decode(vec, vlen, dims, v) && hnsw_insert(g->h, v, rk, rklen, &node, &se) == 0) {
        atomic_fetch_add(&g->dirty, 1);
        VecPending *p = pending_add(t, g, rk, rklen);
        if (p) {
            p->node = node;
            p->replaced = replaced;
        }
    }
    free(v);
    HnswStats st;
    uint64_t dirty = atomic_load(&g->dirty);
    bool save = false;
    if (dirty >= SAVE_MIN_INSERTS) {
        hnsw_stats(g->h, &st);
        save = dirty * SAVE_FRACTION >= st.nodes;
    }
    vecgraph_release(g);
    if (save && pthread_rwlock_trywrlock(&g->rw) == 0) {
        /* exclusive: no insert or scan runs; skipped (retried later) while any does */
        if (g->h && atomic_load(&g->dirty) >= SAVE_MIN_INSERTS)
            graph_save(g);
        pthread_rwlock_unlock(&g->rw);
    }
}

int vecreg_open(RelDB *rdb, const char *data_dir, VecRegistry **out, SqlError *err)
{
    VecRegistry *reg = calloc(1, sizeof *reg);
    if (!reg)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    reg->rdb = rdb;
    if (data_dir) {
        size_t l = strlen(data_dir) + 8;
        reg->dir = malloc(l);
        if (!reg->dir) {
            free(reg);
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        }
        snprintf(reg->dir, l, "%s/hnsw", data_dir);
    }
    pthread_mutex_init(&reg->mu, NULL);
    RelVecHook hook = { hook_entry_put, hook_entry_del, hook_txn_end, reg };
    rel_db_set_vec_hook(rdb, &hook);
    *out = reg;
    return 0;
}

void vecreg_close(VecRegistry *reg)
{
    if (!reg)
        return;
    RelVecHook none = { NULL, NULL, NULL, NULL };
    rel_db_set_vec_hook(reg->rdb, &none);
    for (size_t i = 0; i < reg->n; i++) {
        VecGraph *g = reg->g[i];
        if (g->h && (atomic_load(&g->dirty) > 0 || !g->ever_saved))
            graph_save(g);
        hnsw_free(g->h);
        pthread_rwlock_destroy(&g->rw);
        pthread_mutex_destroy(&g->load_mu);
        free(g);
    }
    free(reg->g);
    free(reg->dir);
    pthread_mutex_destroy(&reg->mu);
    free(reg);
}
