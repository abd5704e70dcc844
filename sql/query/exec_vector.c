/* exec_vector.c -- the hnsw Index Scan (plan_vector.c): rows nearest first from the graph,
 * each candidate verified against the row in the transaction's view.
 *
 * The graph is a superset of the committed state (sql/vecindex.h), so a candidate (node:
 * row key + vector) is returned only when rel_get finds the row in this transaction's view
 * (own uncommitted writes included, others' not), its vector equals the node's bit for bit
 * (after the engine's normalisation for cosine), and the row key was not returned already.
 * The distance is then the node's, which equals the row's (same stored vector): the stream
 * stays in the order the search yields it, and no reorder buffer is needed. hnsw.iterative_scan:
 *   off            one beam of hnsw.ef_search candidates (pgvector: a filtered query may
 *                  return fewer rows than LIMIT)
 *   relaxed_order  the search resumes until LIMIT is met or hnsw.max_scan_tuples candidates
 *                  were examined (order approximately ascending)
 *   strict_order   as relaxed_order, but a candidate nearer than one already returned is
 *                  skipped, so the output is strictly ascending.
 * State: VecScan, malloc'd, freed by exec_vector_close (node reset/close). */
#include <stdlib.h>
#include <string.h>

#include "sql/query/exec_int.h"
#include "sql/settings.h"
#include "sql/vecindex.h"
#include "util/hash.h"

typedef struct VecScan {
    VecGraph *g;
    HnswSearch *s;
    float *q;
    float *row, *scratch;         /* [dims] each: the candidate row's vector, normalising */
    int dims;
    int mode;                     /* 0 off, 1 relaxed, 2 strict */
    double last;
    bool done;
    /* row keys returned (open addressing; keys malloc'd) */
    char **keys;
    size_t *lens;
    size_t cap, n;
} VecScan;

void exec_vector_close(ExecNode *n)
{
    VecScan *v = n->state;
    if (!v)
        return;
    hnsw_search_end(v->s);
    vecgraph_release(v->g);
    for (size_t i = 0; i < v->cap; i++)
        free(v->keys[i]);
    free(v->keys);
    free(v->lens);
    free(v->q);
    free(v->row);
    free(v->scratch);
    free(v);
    n->state = NULL;
}

/* Adds key to the returned set; false when already there (or on OOM: then it may repeat). */
static bool seen_add(VecScan *v, const char *k, size_t len)
{
    if ((v->n + 1) * 2 > v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        char **nk = calloc(cap, sizeof(char *));
        size_t *nl = calloc(cap, sizeof(size_t));
        if (!nk || !nl) {
            free(nk);
            free(nl);
            return true;
        }
        for (size_t i = 0; i < v->cap; i++) {
            if (!v->keys[i])
                continue;
            size_t h = shale_hash32(v->keys[i], v->lens[i], 7) & (cap - 1);
            while (nk[h])
                h = (h + 1) & (cap - 1);
            nk[h] = v->keys[i];
            nl[h] = v->lens[i];
        }
        free(v->keys);
        free(v->lens);
        v->keys = nk;
        v->lens = nl;
        v->cap = cap;
    }
    size_t h = shale_hash32(k, len, 7) & (v->cap - 1);
    for (; v->keys[h]; h = (h + 1) & (v->cap - 1))
        if (v->lens[h] == len && memcmp(v->keys[h], k, len) == 0)
            return false;
    char *c = malloc(len ? len : 1);
    if (!c)
        return true;
    memcpy(c, k, len);
    v->keys[h] = c;
    v->lens[h] = len;
    v->n++;
    return true;
}

static long setting_int(const QueryEnv *env, SettingId id, long dflt)
{
    if (!env->settings)
        return dflt;
    const char *s = settings_get(env->settings, id);
    return s && *s ? atol(s) : dflt;
}

static int vec_open(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    QueryCursor *qc = n->qc;
    VecScan *v = calloc(1, sizeof *v);
    if (!v)
        return q_oom(err);
    n->state = v;
    EvalCtx c;
    exec_ctx(n, &c, n->wide, &n->keep);
    Value qv;
    if (eval_expr(&c, p->ib.vec_order->args[1], &qv, err) != 0)
        return -1;
    if (qv.null) {
        v->done = true;   /* distance NULL for every row: nothing to order by */
        return 0;
    }
    VecRegistry *reg = rel_db_vec_hook_arg(qc->env->rdb);
    if (!reg)
        return SQL_ERR(err, INTERNAL_ERROR, "hnsw index registry missing");
    if (vecreg_acquire(reg, qc->env->database_oid, p->rel, p->ib.index, &v->g, err) != 0)
        return -1;
    HnswIndex *h = vecgraph_index(v->g);
    v->dims = hnsw_options(h)->dims;
    int qd = qv.u.s.n >= 2 ? (int)((unsigned)(uint8_t)qv.u.s.p[0] | ((unsigned)(uint8_t)qv.u.s.p[1] << 8)) : 0;
    if (qd != v->dims)
        return SQL_ERR(err, DATA_EXCEPTION, "different vector dimensions %d and %d", v->dims, qd);
    v->q = malloc(sizeof(float) * (size_t)v->dims);
    v->row = malloc(sizeof(float) * (size_t)v->dims);
    v->scratch = malloc(sizeof(float) * (size_t)v->dims);
    if (!v->q || !v->row || !v->scratch)
        return q_oom(err);
    if (!vecindex_decode(qv.u.s.p, qv.u.s.n, v->dims, v->q))
        return SQL_ERR(err, DATA_EXCEPTION, "different vector dimensions %d and %d", v->dims, qd);
    long ef = setting_int(qc->env, SETTING_HNSW_EF_SEARCH, 40);
    const char *it = qc->env->settings ? settings_get(qc->env->settings, SETTING_HNSW_ITERATIVE_SCAN) : "off";
    v->mode = strcmp(it, "relaxed_order") == 0 ? 1 : strcmp(it, "strict_order") == 0 ? 2 : 0;
    long max_tuples = setting_int(qc->env, SETTING_HNSW_MAX_SCAN_TUPLES, 20000);
    ShaleError se;
    if (hnsw_search_begin(h, v->q, ef < 1 ? 1 : (int)ef, v->mode ? (uint64_t)(max_tuples < 1 ? 1 : max_tuples) : 0,
                          &v->s, &se) != 0)
        return SQL_ERR(err, OUT_OF_MEMORY, "hnsw search failed: %s", se.msg);
    v->last = -1e300;
    return 0;
}

int exec_vector_next(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    QueryCursor *qc = n->qc;
    if (!n->state && vec_open(n, err) != 0)
        return -1;
    VecScan *v = n->state;
    if (v->done)
        return 0;
    HnswIndex *h = vecgraph_index(v->g);
    int a = p->ib.index->attnums[0];
    const RTE *rte = p->rte;
    for (;;) {
        if ((++n->ticks & 255) == 0 && qc->env->hooks.cancelled && qc->env->hooks.cancelled(qc->env->hooks.arg))
            return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
        uint32_t node;
        double dist;
        ShaleError se;
        int r = hnsw_search_next(v->s, &node, &dist, &se);
        if (r < 0)
            return SQL_ERR(err, OUT_OF_MEMORY, "hnsw search failed: %s", se.msg);
        if (r == 0) {
            v->done = true;
            return 0;
        }
        if (v->mode == 2 && dist < v->last)
            continue;
        size_t ll;
        const char *label = hnsw_node_label(h, node, &ll);
        int g = rel_get(qc->env->txn, p->rel, label, ll, &n->rr, err);
        if (g < 0)
            return -1;
        if (g == 0 || a > n->rr.nvals || n->rr.vals[a - 1].null)
            continue;   /* not in this snapshot (uncommitted elsewhere, rolled back, deleted) */
        const Value *rv = &n->rr.vals[a - 1];
        if (!vecindex_decode(rv->u.s.p, rv->u.s.n, v->dims, v->row) ||
            !vecindex_node_matches(h, node, v->row, v->scratch))
            continue;   /* the row's vector is another version's */
        if (!seen_add(v, label, ll))
            continue;
        v->last = dist;
        Value *seg = n->wide + rte->offset;
        for (int i = 0; i < rte->ncols; i++)
            seg[i] = i < n->rr.nvals ? n->rr.vals[i] : value_null(rte->coltypes[i]);
        qarena_reset(&n->out);
        EvalCtx c;
        exec_ctx(n, &c, n->wide, &n->out);
        bool pass;
        if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
            return -1;
        if (pass)
            return 1;
    }
}
