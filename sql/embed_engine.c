/* embed_engine.c -- the EmbedEngine: exact per-column counters, the per-embedder job queues
 * (with a key map so a re-enqueued job refreshes its queued item instead of adding one), the
 * resync that rebuilds both from storage (at start and after committed DDL), the registry of
 * open embedders, and the worker threads' lifecycle.
 *
 * Options of an embedder are stored in CatEmbedder.options as `key = 'value', ...` (values
 * single-quoted with '' for a quote), the way CREATE EMBEDDER writes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/keycodec.h"
#include "sql/embed_int.h"

/* ---- counters ------------------------------------------------------------------------------ */

EmbedCol *embed_col_find(EmbedEngine *ee, const EmbedJobRef *ref, bool create)
{
    for (int i = 0; i < ee->ncols; i++) {
        EmbedCol *c = &ee->cols[i];
        if (c->ref.db == ref->db && c->ref.rel == ref->rel && c->ref.attnum == ref->attnum) {
            if (c->ref.relfilenode != ref->relfilenode && create) {
                /* TRUNCATE gave the table a fresh range: the old jobs went with it */
                memset(c, 0, sizeof *c);
                c->ref = *ref;
            }
            return c;
        }
    }
    if (!create)
        return NULL;
    if (ee->ncols == ee->cap_cols) {
        int nc = ee->cap_cols ? ee->cap_cols * 2 : 8;
        EmbedCol *n = realloc(ee->cols, (size_t)nc * sizeof *n);
        if (!n)
            return NULL;
        ee->cols = n;
        ee->cap_cols = nc;
    }
    EmbedCol *c = &ee->cols[ee->ncols++];
    memset(c, 0, sizeof *c);
    c->ref = *ref;
    return c;
}

/* ---- key map of queued items ------------------------------------------------------------------- */

#define MAP_TOMB ((EmbedItem *)(uintptr_t)1)

static size_t map_hash(const char *k, size_t n)
{
    return (size_t)embed_content_hash(k, n);
}

static EmbedItem **map_slot(EmbedEngine *ee, const char *key, size_t klen, bool for_insert)
{
    if (!ee->map_cap)
        return NULL;
    size_t h = map_hash(key, klen) & (ee->map_cap - 1);
    EmbedItem **tomb = NULL;
    for (;;) {
        EmbedItem *it = ee->map[h];
        if (!it)
            return for_insert ? (tomb ? tomb : &ee->map[h]) : NULL;
        if (it == MAP_TOMB) {
            if (!tomb)
                tomb = &ee->map[h];
        } else if (it->klen == klen && memcmp(it->key, key, klen) == 0) {
            return &ee->map[h];
        }
        h = (h + 1) & (ee->map_cap - 1);
    }
}

static int map_grow(EmbedEngine *ee)
{
    size_t nc = ee->map_cap ? ee->map_cap * 2 : 1024;
    if (ee->map_n * 4 < ee->map_cap)
        nc = ee->map_cap; /* mostly tombstones: rehash in place size */
    EmbedItem **old = ee->map;
    size_t oc = ee->map_cap;
    ee->map = calloc(nc, sizeof *ee->map);
    if (!ee->map) {
        ee->map = old;
        return -1;
    }
    ee->map_cap = nc;
    ee->map_n = 0;
    ee->map_tomb = 0;
    for (size_t i = 0; i < oc; i++)
        if (old[i] && old[i] != MAP_TOMB) {
            *map_slot(ee, old[i]->key, old[i]->klen, true) = old[i];
            ee->map_n++;
        }
    free(old);
    return 0;
}

void embed_map_remove(EmbedEngine *ee, EmbedItem *it)
{
    EmbedItem **sl = map_slot(ee, it->key, it->klen, false);
    if (sl && *sl == it) {
        *sl = MAP_TOMB;
        ee->map_n--;
        ee->map_tomb++;
    }
}

/* ---- queues ---------------------------------------------------------------------------------- */

EmbedQueue *embed_queue_get(EmbedEngine *ee, Oid db, Oid embedder)
{
    for (int i = 0; i < ee->nqueues; i++)
        if (ee->queues[i].db == db && ee->queues[i].embedder == embedder)
            return &ee->queues[i];
    if (ee->nqueues == ee->cap_queues) {
        int nc = ee->cap_queues ? ee->cap_queues * 2 : 8;
        EmbedQueue *n = realloc(ee->queues, (size_t)nc * sizeof *n);
        if (!n)
            return NULL;
        ee->queues = n;
        ee->cap_queues = nc;
    }
    EmbedQueue *q = &ee->queues[ee->nqueues++];
    memset(q, 0, sizeof *q);
    q->db = db;
    q->embedder = embedder;
    q->batch_size = 64;
    return q;
}

int embed_queue_push(EmbedEngine *ee, const EmbedJobRef *ref, const char *key, size_t klen, const EmbedJob *job,
                     uint64_t seq, int64_t owner, const char *text, size_t tlen)
{
    EmbedItem **sl = map_slot(ee, key, klen, false);
    EmbedItem *it = sl ? *sl : NULL;
    char *tcopy = NULL;
    if (text) {
        tcopy = malloc(tlen ? tlen : 1);
        if (!tcopy)
            return -1;
        memcpy(tcopy, text, tlen);
    }
    if (it && it->embedder == job->embedder) {
        free(it->text);
        it->text = tcopy;
        it->text_len = tlen;
        it->ref = *ref;
        it->hash = job->hash;
        if (seq > it->seq) {
            it->seq = seq;
            it->owner = owner;
        }
        it->attempts = job->attempts;
        it->enqueued_at = job->enqueued_at;
        it->next_retry_at = job->next_retry_at;
        it->seen = true;
        return 0;
    }
    if (it) { /* another embedder now: the old item is dropped when processed */
        embed_map_remove(ee, it);
    }
    EmbedQueue *q = embed_queue_get(ee, ref->db, job->embedder);
    if ((ee->map_n + ee->map_tomb + 1) * 2 > ee->map_cap && map_grow(ee) != 0)
        q = NULL;
    it = q ? malloc(sizeof *it + klen) : NULL;
    if (!it) {
        free(tcopy);
        return -1;
    }
    memset(it, 0, sizeof *it);
    it->ref = *ref;
    it->embedder = job->embedder;
    it->hash = job->hash;
    it->seq = seq;
    it->owner = owner;
    it->attempts = job->attempts;
    it->enqueued_at = job->enqueued_at;
    it->next_retry_at = job->next_retry_at;
    it->text = tcopy;
    it->text_len = tlen;
    it->queued = true;
    it->seen = true;
    it->klen = klen;
    memcpy(it->key, key, klen);
    *map_slot(ee, key, klen, true) = it;
    ee->map_n++;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->n++;
    return 0;
}

int embed_requeue(EmbedEngine *ee, EmbedItem *it, int64_t next_retry_at)
{
    EmbedItem **sl = map_slot(ee, it->key, it->klen, false);
    if (sl && *sl)
        return -1;
    EmbedQueue *q = embed_queue_get(ee, it->ref.db, it->embedder);
    if (!q || ((ee->map_n + ee->map_tomb + 1) * 2 > ee->map_cap && map_grow(ee) != 0))
        return -1;
    it->next_retry_at = next_retry_at;
    it->queued = true;
    it->next = NULL;
    *map_slot(ee, it->key, it->klen, true) = it;
    ee->map_n++;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->n++;
    return 0;
}

/* ---- resync ------------------------------------------------------------------------------------- */

typedef struct ScanCtx {
    EmbedEngine *ee;
    EmbedCol *col;
    EmbedJobRef ref;
} ScanCtx;

static int resync_job(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
    ScanCtx *c = arg;
    EmbedJob j;
    if (embed_job_decode(val, vlen, &j) != 0)
        return 0; /* a damaged record is skipped, not trusted */
    EmbedCol *col = embed_col_find(c->ee, &c->ref, true);
    if (!col)
        return 0;
    if (j.status == EMBED_JOB_PENDING) {
        col->pending++;
        EmbedItem **sl = map_slot(c->ee, key, klen, false);
        EmbedItem *it = sl ? *sl : NULL;
        if (it && it->hash == j.hash && it->embedder == j.embedder) {
            it->seen = true; /* keeps its text and sequence */
            it->ref = c->ref;
        } else {
            (void)embed_queue_push(c->ee, &c->ref, key, klen, &j, it ? it->seq : 0, it ? it->owner : 0, NULL, 0);
        }
    } else if (j.status == EMBED_JOB_READY) {
        col->ready++;
    } else {
        col->failed++;
    }
    return 0;
}

static int resync_db(EmbedEngine *ee, Oid db, SqlError *err)
{
    Catalog *cat = rel_db_catalog(ee->eng->rdb);
    CatSnapshot *snap;
    if (catalog_snapshot(cat, NULL, db, &snap, err) != 0)
        return -1;
    RelTxn *txn = NULL;
    int rc = 0;
    for (int i = 0; i < catsnap_n_relations(snap) && rc == 0; i++) {
        const CatRelation *rel = catsnap_relation(snap, i);
        for (int c = 0; c < rel->ncols && rc == 0; c++) {
            if (!embed_is_column(rel, c))
                continue;
            if (!txn) {
                RelTxnOptions o;
                rel_txn_options_init(&o);
                o.db = db;
                o.read_only = true;
                if (rel_txn_begin(ee->eng->rdb, &o, &txn, err) != 0 || rel_txn_statement_begin(txn, 0, err) != 0) {
                    rc = -1;
                    break;
                }
            }
            ScanCtx sc = { ee, NULL, { db, rel->oid, rel->relfilenode, rel->cols[c].attnum } };
            EmbedCol *col = embed_col_find(ee, &sc.ref, true);
            if (col)
                col->embedder = rel->cols[c].embed_embedder;
            ShaleBuf lo, hi;
            shale_buf_init(&lo);
            shale_buf_init(&hi);
            embed_job_prefix(&lo, db, rel->relfilenode, rel->cols[c].attnum);
            shale_buf_append(&hi, lo.data, lo.len);
            bool bounded = keycodec_prefix_successor(&hi);
            rc = lo.oom || hi.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory")
                                  : rel_aux_scan(txn, lo.data, lo.len, bounded ? hi.data : NULL, hi.len, resync_job,
                                                 &sc, err);
            shale_buf_free(&lo);
            shale_buf_free(&hi);
        }
    }
    if (txn)
        rel_txn_abort(txn);
    /* open embedders of dropped embedders are released once unused */
    pthread_mutex_lock(&ee->reg_mu);
    for (int i = 0; i < ee->nreg; i++)
        if (ee->reg[i].db == db && !embed_embedder_by_oid(snap, ee->reg[i].oid))
            ee->reg[i].stale = true;
    pthread_mutex_unlock(&ee->reg_mu);
    catalog_snapshot_release(snap);
    return rc;
}

int embed_engine_resync(EmbedEngine *ee, SqlError *err)
{
    Catalog *cat = rel_db_catalog(ee->eng->rdb);
    CatSnapshot *snap;
    if (catalog_snapshot(cat, NULL, CAT_OID_DB_POSTGRES, &snap, err) != 0)
        return -1;
    int ndb = catsnap_n_databases(snap);
    Oid *dbs = calloc((size_t)ndb + 1, sizeof *dbs);
    if (!dbs) {
        catalog_snapshot_release(snap);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    for (int i = 0; i < ndb; i++)
        dbs[i] = catsnap_database(snap, i)->oid;
    catalog_snapshot_release(snap);

    pthread_rwlock_wrlock(&ee->commit_lock);
    pthread_mutex_lock(&ee->mu);
    /* counters are recounted; the recent rates survive */
    EmbedCol *old = ee->ncols ? malloc((size_t)ee->ncols * sizeof *old) : NULL;
    int nold = old ? ee->ncols : 0;
    if (old)
        memcpy(old, ee->cols, (size_t)nold * sizeof *old);
    ee->ncols = 0;
    for (int qi = 0; qi < ee->nqueues; qi++)
        for (EmbedItem *it = ee->queues[qi].head; it; it = it->next)
            it->seen = false;
    int rc = 0;
    for (int i = 0; i < ndb && rc == 0; i++)
        rc = resync_db(ee, dbs[i], err);
    pthread_mutex_lock(&ee->reg_mu);
    for (int r = 0; r < ee->nreg; r++) {
        bool live = false;
        for (int i = 0; i < ndb; i++)
            live = live || ee->reg[r].db == dbs[i];
        if (!live)
            ee->reg[r].stale = true; /* its database was dropped */
    }
    pthread_mutex_unlock(&ee->reg_mu);
    for (int i = 0; i < ee->ncols; i++)
        for (int k = 0; k < nold; k++)
            if (old[k].ref.db == ee->cols[i].ref.db && old[k].ref.rel == ee->cols[i].ref.rel &&
                old[k].ref.attnum == ee->cols[i].ref.attnum) {
                memcpy(ee->cols[i].rate_sec, old[k].rate_sec, sizeof old[k].rate_sec);
                memcpy(ee->cols[i].rate_n, old[k].rate_n, sizeof old[k].rate_n);
            }
    free(old);
    /* queued items whose job is gone (dropped tables, columns, databases) leave the queues */
    for (int qi = 0; qi < ee->nqueues && rc == 0; qi++) {
        EmbedQueue *q = &ee->queues[qi];
        EmbedItem **pp = &q->head;
        q->tail = NULL;
        while (*pp) {
            EmbedItem *it = *pp;
            if (!it->seen) {
                *pp = it->next;
                embed_map_remove(ee, it);
                free(it->text);
                free(it);
                q->n--;
                continue;
            }
            q->tail = it;
            pp = &it->next;
        }
    }
    pthread_cond_broadcast(&ee->work_cv);
    pthread_cond_broadcast(&ee->done_cv);
    pthread_mutex_unlock(&ee->mu);
    pthread_rwlock_unlock(&ee->commit_lock);
    free(dbs);
    return rc;
}

/* ---- registry of open embedders --------------------------------------------------------------------- */

int embed_options_parse(const char *text, ShaleArena *arena, EmbedderOption *opts, int max)
{
    int n = 0;
    const char *p = text ? text : "";
    for (;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            return n;
        const char *ks = p;
        while (*p && *p != ' ' && *p != '=')
            p++;
        size_t kl = (size_t)(p - ks);
        while (*p == ' ')
            p++;
        if (*p++ != '=')
            return -1;
        while (*p == ' ')
            p++;
        if (*p++ != '\'')
            return -1;
        ShaleBuf v;
        shale_buf_init(&v);
        for (;;) {
            if (!*p) {
                shale_buf_free(&v);
                return -1;
            }
            if (*p == '\'' && p[1] == '\'') {
                shale_buf_append_byte(&v, '\'');
                p += 2;
            } else if (*p == '\'') {
                p++;
                break;
            } else {
                shale_buf_append_byte(&v, (uint8_t)*p++);
            }
        }
        char *k = shale_arena_alloc(arena, kl + 1);
        char *val = shale_arena_alloc(arena, v.len + 1);
        if (!k || !val || v.oom || n >= max) {
            shale_buf_free(&v);
            return -1;
        }
        memcpy(k, ks, kl);
        k[kl] = '\0';
        memcpy(val, v.data ? v.data : "", v.len);
        val[v.len] = '\0';
        shale_buf_free(&v);
        opts[n].key = k;
        opts[n].value = val;
        n++;
    }
}

const CatEmbedder *embed_embedder_by_oid(const CatSnapshot *snap, Oid oid)
{
    for (int i = 0; i < catsnap_n_embedders(snap); i++)
        if (catsnap_embedder(snap, i)->oid == oid)
            return catsnap_embedder(snap, i);
    return NULL;
}

static bool streq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int embed_reg_get(EmbedEngine *ee, Oid db, const CatEmbedder *ce, EmbedReg **out, SqlError *err)
{
    pthread_mutex_lock(&ee->reg_mu);
    for (int i = 0; i < ee->nreg; i++) {
        EmbedReg *r = &ee->reg[i];
        if (r->db != db || r->oid != ce->oid || r->stale)
            continue;
        if (streq(r->provider, ce->provider) && streq(r->options, ce->options)) {
            r->refs++;
            *out = r;
            pthread_mutex_unlock(&ee->reg_mu);
            return 0;
        }
        r->stale = true; /* ALTER EMBEDDER: reopen below; freed when unused */
    }
    pthread_mutex_unlock(&ee->reg_mu);
    ShaleArena a;
    shale_arena_init(&a);
    EmbedderOption opts[64];
    int n = embed_options_parse(ce->options, &a, opts, 64);
    Embedder *e = NULL;
    int rc = n < 0 ? SQL_ERR(err, DATA_CORRUPTED, "embedder \"%s\" has malformed stored options", ce->name)
                   : embedder_open(ce->name, ce->provider, opts, n, &e, err);
    shale_arena_destroy(&a);
    if (rc != 0)
        return -1;
    pthread_mutex_lock(&ee->reg_mu);
    /* reuse a free slot (stale, unused) or append; slots never move while referenced, so the
     * registry array is allocated once at its maximum size */
    EmbedReg *r = NULL;
    for (int i = 0; i < ee->nreg && !r; i++)
        if (ee->reg[i].stale && ee->reg[i].refs == 0) {
            embedder_free(ee->reg[i].e);
            free(ee->reg[i].provider);
            free(ee->reg[i].options);
            r = &ee->reg[i];
        }
    if (!r && ee->nreg < ee->cap_reg)
        r = &ee->reg[ee->nreg++];
    if (!r) {
        pthread_mutex_unlock(&ee->reg_mu);
        embedder_free(e);
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "too many embedders in use");
    }
    memset(r, 0, sizeof *r);
    r->db = db;
    r->oid = ce->oid;
    r->provider = strdup(ce->provider ? ce->provider : "");
    r->options = strdup(ce->options ? ce->options : "");
    r->e = e;
    r->refs = 1;
    *out = r;
    pthread_mutex_unlock(&ee->reg_mu);
    return 0;
}

void embed_reg_release(EmbedEngine *ee, EmbedReg *r)
{
    pthread_mutex_lock(&ee->reg_mu);
    r->refs--;
    pthread_mutex_unlock(&ee->reg_mu);
}

/* ---- lifecycle ------------------------------------------------------------------------------------- */

int embed_engine_open(SqlEngine *eng, const EmbedConfig *cfg, EmbedEngine **out, SqlError *err)
{
    *out = NULL;
    EmbedEngine *ee = calloc(1, sizeof *ee);
    if (!ee)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    ee->eng = eng;
    ee->cfg = *cfg;
    if (ee->cfg.workers == 0)
        ee->cfg.workers = 2;
    if (ee->cfg.workers > 64)
        ee->cfg.workers = 64;
    if (ee->cfg.retry_base_ms <= 0)
        ee->cfg.retry_base_ms = 1000;
    if (ee->cfg.retry_max_ms <= 0)
        ee->cfg.retry_max_ms = 60000;
    if (ee->cfg.max_attempts <= 0)
        ee->cfg.max_attempts = 5;
    pthread_rwlock_init(&ee->commit_lock, NULL);
    pthread_mutex_init(&ee->mu, NULL);
    pthread_mutex_init(&ee->reg_mu, NULL);
    pthread_cond_init(&ee->work_cv, NULL);
    pthread_cond_init(&ee->done_cv, NULL);
    ee->cap_reg = 256;
    ee->reg = calloc((size_t)ee->cap_reg, sizeof *ee->reg);
    if (!ee->reg || embed_engine_resync(ee, err) != 0) {
        embed_engine_close(ee);
        return ee->reg ? -1 : SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    int nw = ee->cfg.workers < 0 ? 0 : ee->cfg.workers;
    ee->threads = nw ? calloc((size_t)nw, sizeof *ee->threads) : NULL;
    for (int i = 0; i < nw && ee->threads; i++) {
        if (pthread_create(&ee->threads[i], NULL, embed_worker_main, ee) != 0)
            break;
        ee->nthreads++;
    }
    *out = ee;
    return 0;
}

static void free_items(EmbedItem *it)
{
    while (it) {
        EmbedItem *n = it->next;
        free(it->text);
        free(it);
        it = n;
    }
}

void embed_engine_close(EmbedEngine *ee)
{
    if (!ee)
        return;
    pthread_mutex_lock(&ee->mu);
    atomic_store(&ee->stopping, true);
    pthread_cond_broadcast(&ee->work_cv);
    pthread_cond_broadcast(&ee->done_cv);
    pthread_mutex_unlock(&ee->mu);
    for (int i = 0; i < ee->nthreads; i++)
        pthread_join(ee->threads[i], NULL);
    free(ee->threads);
    for (int i = 0; i < ee->nqueues; i++)
        free_items(ee->queues[i].head);
    free(ee->queues);
    free(ee->cols);
    free(ee->map);
    for (int i = 0; i < ee->nreg; i++) {
        embedder_free(ee->reg[i].e);
        free(ee->reg[i].provider);
        free(ee->reg[i].options);
    }
    free(ee->reg);
    pthread_rwlock_destroy(&ee->commit_lock);
    pthread_mutex_destroy(&ee->mu);
    pthread_mutex_destroy(&ee->reg_mu);
    pthread_cond_destroy(&ee->work_cv);
    pthread_cond_destroy(&ee->done_cv);
    free(ee);
}
