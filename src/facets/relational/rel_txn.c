/* rel_txn.c -- RelDB open/close and transactions: snapshots (see the timestamp scheme in
 * rel_int.h), buffered writes, savepoints, the conflict tracker and commit log, commit and
 * abort, and the CatTxn the catalog uses.
 *
 * Transaction states:  NEW -> STARTED [rel_txn_statement_begin] -> gone [rel_txn_commit /
 * rel_txn_abort]. A STARTED transaction is on tm.active with its snap_ts. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/keycodec.h"
#include "facets/relational/rel_int.h"
#include "util/blocking.h"

int64_t rel_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int storage_err(SqlError *err, const ShaleError *se)
{
    return sql_error_from_storage(err, se);
}

/* ---- tracker (tm.mu held) ------------------------------------------------------------------ */

static uint64_t key_hash(const char *key, size_t klen)
{
    uint64_t h = ((uint64_t)shale_hash32(key, klen, 0x9e3779b9u) << 32) | shale_hash32(key, klen, 0x7f4a7c15u);
    return h ? h : 1;
}

static uint64_t min_active_snap(TxnMgr *tm, bool serializable_only)
{
    uint64_t m = UINT64_MAX;
    for (RelTxn *t = tm->active; t; t = t->next)
        if ((!serializable_only || t->opts.isolation == REL_SERIALIZABLE) && t->snap_ts < m)
            m = t->snap_ts;
    return m;
}

/* The snap_ts a snapshot taken now would get. */
static uint64_t low_mark(const TxnMgr *tm)
{
    uint64_t ts = tm->last_ts;
    for (size_t i = 0; i < tm->n_inflight; i++)
        if (tm->inflight[i] - 1 < ts)
            ts = tm->inflight[i] - 1;
    return ts;
}

static bool track_grow(TxnMgr *tm)
{
    uint64_t horizon = min_active_snap(tm, false);
    if (low_mark(tm) < horizon)
        horizon = low_mark(tm);
    size_t live = 0;
    for (size_t i = 0; i < tm->track_cap; i++)
        if (tm->track[i].h && tm->track[i].ts > horizon)
            live++;
    size_t cap = tm->track_cap ? tm->track_cap : 1024;
    while (live * 2 >= cap)
        cap *= 2;
    TrackSlot *n = calloc(cap, sizeof *n);
    if (!n)
        return false;
    for (size_t i = 0; i < tm->track_cap; i++) {
        TrackSlot s = tm->track[i];
        if (!s.h || s.ts <= horizon)
            continue;
        size_t j = s.h & (cap - 1);
        while (n[j].h)
            j = (j + 1) & (cap - 1);
        n[j] = s;
    }
    free(tm->track);
    tm->track = n;
    tm->track_cap = cap;
    tm->track_n = live;
    return true;
}

static void track_set(TxnMgr *tm, uint64_t h, uint64_t ts)
{
    if ((tm->track_n + 1) * 4 >= tm->track_cap * 3 && !track_grow(tm))
        return;  /* OOM: conflicts against this key are missed; the tracker is best effort only under OOM */
    size_t j = h & (tm->track_cap - 1);
    while (tm->track[j].h && tm->track[j].h != h)
        j = (j + 1) & (tm->track_cap - 1);
    if (!tm->track[j].h)
        tm->track_n++;
    tm->track[j].h = h;
    tm->track[j].ts = ts;
}

static uint64_t track_get(TxnMgr *tm, uint64_t h)
{
    if (!tm->track_cap)
        return 0;
    size_t j = h & (tm->track_cap - 1);
    while (tm->track[j].h) {
        if (tm->track[j].h == h)
            return tm->track[j].ts;
        j = (j + 1) & (tm->track_cap - 1);
    }
    return 0;
}

uint64_t txn_key_commit_ts(RelDB *rdb, const char *key, size_t klen)
{
    uint64_t h = key_hash(key, klen);
    pthread_mutex_lock(&rdb->tm.mu);
    uint64_t ts = track_get(&rdb->tm, h);
    pthread_mutex_unlock(&rdb->tm.mu);
    return ts;
}

/* Drops entries no current or future snapshot precedes: future snapshots start at the
 * in-flight low mark. */
static void commit_log_prune(TxnMgr *tm)
{
    uint64_t horizon = low_mark(tm);
    if (tm->n_serializable) {
        uint64_t m = min_active_snap(tm, true);
        if (m < horizon)
            horizon = m;
    }
    while (tm->log_head && tm->log_head->ts <= horizon) {
        CommitLogEntry *e = tm->log_head;
        tm->log_head = e->next;
        free(e);
    }
    if (!tm->log_head)
        tm->log_tail = NULL;
}

/* ---- RelDB --------------------------------------------------------------------------------- */

static int bootstrap_if_needed(RelDB *rdb, const RelDBOptions *opts, SqlError *err)
{
    bool done;
    if (catalog_is_bootstrapped(rdb->cat, &done, err) != 0)
        return -1;
    if (done)
        return 0;
    RelTxnOptions to;
    rel_txn_options_init(&to);
    to.db = CAT_OID_DB_POSTGRES;
    RelTxn *t;
    if (rel_txn_begin(rdb, &to, &t, err) != 0)
        return -1;
    if (rel_txn_statement_begin(t, 0, err) != 0 ||
        catalog_bootstrap(rdb->cat, rel_txn_catalog(t),
                          opts && opts->bootstrap_superuser ? opts->bootstrap_superuser : "postgres",
                          opts ? opts->bootstrap_database : NULL, err) != 0) {
        rel_txn_abort(t);
        return -1;
    }
    return rel_txn_commit(t, err);
}

int rel_db_open(ShaleDB *db, const RelDBOptions *opts, RelDB **out, SqlError *err)
{
    RelDB *rdb = calloc(1, sizeof *rdb);
    if (!rdb)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    rdb->db = db;
    lockmgr_init(&rdb->lm);
    pthread_mutex_init(&rdb->tm.mu, NULL);
    pthread_cond_init(&rdb->tm.cv, NULL);
    pthread_mutex_init(&rdb->seq_mu, NULL);
    rdb->tm.next_xid = 1000;
    if (!rdb->lm.buckets) {
        rel_db_close(rdb);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    if (catalog_open(db, &rdb->cat, err) != 0 || bootstrap_if_needed(rdb, opts, err) != 0 ||
        catalog_purge(rdb->cat, err) != 0) {
        rel_db_close(rdb);
        return -1;
    }
    *out = rdb;
    return 0;
}

void rel_db_close(RelDB *rdb)
{
    if (!rdb)
        return;
    if (rdb->cat) {
        counts_persist(rdb);
        seq_persist_exact(rdb);
    }
    seq_free_all(rdb);
    rel_stats_free_all(rdb);
    if (rdb->cat)
        catalog_close(rdb->cat);
    lockmgr_destroy(&rdb->lm);
    TxnMgr *tm = &rdb->tm;
    free(tm->inflight);
    free(tm->track);
    free(tm->guards);
    while (tm->log_head) {
        CommitLogEntry *e = tm->log_head;
        tm->log_head = e->next;
        free(e);
    }
    pthread_mutex_destroy(&tm->mu);
    pthread_cond_destroy(&tm->cv);
    pthread_mutex_destroy(&rdb->seq_mu);
    free(rdb->counts);
    free(rdb->rowids);
    free(rdb);
}

Catalog *rel_db_catalog(RelDB *rdb) { return rdb->cat; }
ShaleDB *rel_db_storage(RelDB *rdb) { return rdb->db; }

/* ---- CatTxn adapter -------------------------------------------------------------------------- */

static int ct_get(void *impl, const char *key, size_t klen, bool latest, ShaleBuf *val, SqlError *err)
{
    return txn_get(impl, key, klen, latest, val, err);
}

static int ct_put(void *impl, const char *key, size_t klen, const char *val, size_t vlen, SqlError *err)
{
    return txn_put(impl, key, klen, val, vlen, err);
}

static int ct_del(void *impl, const char *key, size_t klen, SqlError *err)
{
    return txn_del(impl, key, klen, err);
}

static int ct_scan(void *impl, const char *lo, size_t lolen, const char *hi, size_t hilen,
                   CatScanFn fn, void *arg, SqlError *err)
{
    RelTxn *t = impl;
    if (txn_ensure_snapshot(t, err) != 0)
        return -1;
    ViewIter vi;
    if (!view_iter_open(&vi, t->rdb->db, t->snap, &t->wb, lo, lolen, hi, hilen, hi != NULL, false)) {
        view_iter_close(&vi);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    int rc = 0;
    for (; vi.valid; view_iter_next(&vi)) {
        int r = fn(arg, vi.key, vi.klen, vi.val, vi.vlen);
        if (r < 0) { rc = -1; break; }
        if (r > 0) break;
    }
    if (rc == 0 && vi.failed)
        rc = storage_err(err, &vi.serr);
    view_iter_close(&vi);
    return rc;
}

static int ct_lock(void *impl, const char *key, size_t klen, SqlError *err)
{
    return lock_acquire(impl, key, klen, REL_LOCK_EXCLUSIVE, err);
}

static const CatTxnOps cat_txn_ops = { ct_get, ct_put, ct_del, ct_scan, ct_lock };

/* ---- transactions ------------------------------------------------------------------------- */

void rel_txn_options_init(RelTxnOptions *o)
{
    memset(o, 0, sizeof *o);
    o->db = CAT_OID_DB_POSTGRES;
    o->isolation = REL_READ_COMMITTED;
    o->sync_commit = true;
}

int rel_txn_begin(RelDB *rdb, const RelTxnOptions *opts, RelTxn **out, SqlError *err)
{
    RelTxn *t = calloc(1, sizeof *t);
    if (!t)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    t->rdb = rdb;
    if (opts)
        t->opts = *opts;
    else
        rel_txn_options_init(&t->opts);
    wb_init(&t->wb);
    shale_buf_init(&t->scratch);
    cat_txn_init(&t->cat, &cat_txn_ops, t, t->opts.db);
    pthread_mutex_lock(&rdb->tm.mu);
    t->xid = ++rdb->tm.next_xid;
    pthread_mutex_unlock(&rdb->tm.mu);
    t->stmt_epoch = atomic_load(&rdb->tm.ddl_epoch);
    *out = t;
    return 0;
}

int rel_txn_set_isolation(RelTxn *t, RelIsolation iso, SqlError *err)
{
    if (t->started)
        return SQL_ERR(err, ACTIVE_SQL_TRANSACTION, "SET TRANSACTION ISOLATION LEVEL must be called before any query");
    t->opts.isolation = iso;
    return 0;
}

void rel_txn_set_read_only(RelTxn *t, bool ro) { t->opts.read_only = ro; }
void rel_txn_set_sync_commit(RelTxn *t, bool sync) { t->opts.sync_commit = sync; }
uint64_t rel_txn_xid(const RelTxn *t) { return t->xid; }
RelIsolation rel_txn_isolation(const RelTxn *t) { return t->opts.isolation; }
bool rel_txn_has_writes(const RelTxn *t) { return t->wb.n_live > 0; }
CatTxn *rel_txn_catalog(RelTxn *t) { return &t->cat; }

/* Takes a new snapshot (tm.mu): see rel_int.h for why snap_ts is the in-flight low mark. */
static void take_snapshot(RelTxn *t, bool force_wait)
{
    RelDB *rdb = t->rdb;
    TxnMgr *tm = &rdb->tm;
    const ShaleSnapshot *old = t->snap;
    pthread_mutex_lock(&tm->mu);
    if (t->opts.isolation != REL_READ_COMMITTED || force_wait) {
        /* Wait for the commits already numbered to land, so snap_ts covers everything the
         * storage snapshot shows except commits that raced in after this point (those give
         * rare false conflicts). READ COMMITTED never waits: it only uses the tracker to
         * say "changed since the statement began", where a false positive is harmless. */
        uint64_t target = tm->last_ts;
        for (;;) {
            bool pending = false;
            for (size_t i = 0; i < tm->n_inflight && !pending; i++)
                pending = tm->inflight[i] <= target;
            if (!pending)
                break;
            tm->n_snap_waiters++;
            shale_block_enter();
            pthread_cond_wait(&tm->cv, &tm->mu);
            shale_block_leave();
            tm->n_snap_waiters--;
        }
    }
    t->snap_ts = low_mark(tm);
    t->snap = shale_db_snapshot(rdb->db);
    if (!t->in_active) {
        t->in_active = true;
        t->prev = NULL;
        t->next = tm->active;
        if (tm->active)
            tm->active->prev = t;
        tm->active = t;
        if (t->opts.isolation == REL_SERIALIZABLE)
            tm->n_serializable++;
    }
    pthread_mutex_unlock(&tm->mu);
    if (old)
        shale_db_release_snapshot(rdb->db, old);
}

int txn_ensure_snapshot(RelTxn *t, SqlError *err)
{
    (void)err;
    if (!t->started) {
        take_snapshot(t, false);
        t->started = true;
    }
    return 0;
}

void txn_snapshot_refresh(RelTxn *t)
{
    take_snapshot(t, true);
    t->started = true;
}

int rel_txn_statement_begin(RelTxn *t, int64_t timeout_ms, SqlError *err)
{
    /* before the caller fetches its catalog snapshot (rel_idxguard.c) */
    t->stmt_epoch = atomic_load(&t->rdb->tm.ddl_epoch);
    t->deadline_us = timeout_ms > 0 ? rel_now_us() + timeout_ms * 1000 : 0;
    if (!t->started || t->opts.isolation == REL_READ_COMMITTED) {
        take_snapshot(t, false);
        t->started = true;
    }
    (void)err;
    return 0;
}

int txn_check_writable(RelTxn *t, SqlError *err)
{
    if (t->opts.read_only)
        return SQL_ERR(err, READ_ONLY_SQL_TRANSACTION, "cannot execute this statement in a read-only transaction");
    return txn_ensure_snapshot(t, err);
}

int txn_put(RelTxn *t, const char *key, size_t klen, const char *val, size_t vlen, SqlError *err)
{
    if (!wb_set(&t->wb, key, klen, val, vlen, WB_PUT))
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    return 0;
}

int txn_del(RelTxn *t, const char *key, size_t klen, SqlError *err)
{
    if (!wb_set(&t->wb, key, klen, NULL, 0, WB_DEL))
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    return 0;
}

int txn_get(RelTxn *t, const char *key, size_t klen, bool latest, ShaleBuf *val, SqlError *err)
{
    shale_buf_reset(val);
    WbNode *n = wb_find(&t->wb, key, klen);
    if (n && n->state == WB_PUT) {
        shale_buf_append(val, n->val, n->vlen);
        return val->oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : 1;
    }
    if (n && n->state == WB_DEL)
        return 0;
    if (txn_ensure_snapshot(t, err) != 0)
        return -1;
    if (!latest)
        txn_note_read(t, key, klen, key, klen);
    char *v = NULL;
    size_t vlen = 0;
    ShaleError se;
    ShaleCode rc = shale_db_get(t->rdb->db, latest ? NULL : t->snap, key, klen, &v, &vlen, &se);
    if (rc == SHALE_NOT_FOUND)
        return 0;
    if (rc != SHALE_OK)
        return storage_err(err, &se);
    shale_buf_append(val, v, vlen);
    free(v);
    return val->oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory") : 1;
}

void txn_note_read(RelTxn *t, const char *lo, size_t lolen, const char *hi, size_t hilen)
{
    if (t->opts.isolation != REL_SERIALIZABLE)
        return;
    if (t->n_reads == t->cap_reads) {
        size_t cap = t->cap_reads ? t->cap_reads * 2 : 16;
        ReadRange *n = realloc(t->reads, cap * sizeof *n);
        if (!n)
            goto everything;
        t->reads = n;
        t->cap_reads = cap;
    }
    ReadRange *r = &t->reads[t->n_reads];
    r->lo = malloc(lolen ? lolen : 1);
    r->hi = hi ? malloc(hilen ? hilen : 1) : NULL;
    if (!r->lo || (hi && !r->hi)) {
        free(r->lo);
        free(r->hi);
        goto everything;
    }
    memcpy(r->lo, lo, lolen);
    r->lolen = lolen;
    if (hi)
        memcpy(r->hi, hi, hilen);
    r->hilen = hilen;
    t->n_reads++;
    return;
everything:
    /* OOM: widen to "read everything" so validation stays safe. */
    if (t->n_reads) {
        t->reads[0].hi = NULL;
        t->reads[0].lolen = 0;
    }
}

void txn_count_delta(RelTxn *t, Oid db, uint32_t relfilenode, int64_t d)
{
    uint64_t id = ((uint64_t)db << 32) | relfilenode;
    for (size_t i = 0; i < t->n_deltas; i++)
        if (t->deltas[i].id == id) {
            t->deltas[i].delta += d;
            return;
        }
    if (t->n_deltas == t->cap_deltas) {
        size_t cap = t->cap_deltas ? t->cap_deltas * 2 : 4;
        CountDelta *n = realloc(t->deltas, cap * sizeof *n);
        if (!n)
            return;  /* statistics only */
        t->deltas = n;
        t->cap_deltas = cap;
    }
    t->deltas[t->n_deltas++] = (CountDelta){ id, d };
}

/* ---- savepoints ------------------------------------------------------------------------------ */

uint32_t rel_txn_savepoint(RelTxn *t)
{
    if (t->n_sp == t->cap_sp) {
        uint32_t cap = t->cap_sp ? t->cap_sp * 2 : 4;
        size_t *n = realloc(t->sp_marks, cap * sizeof *n);
        if (!n)
            return 0;
        t->sp_marks = n;
        t->cap_sp = cap;
    }
    t->sp_marks[t->n_sp++] = t->wb.n_undo;
    return t->n_sp;
}

int rel_txn_rollback_to(RelTxn *t, uint32_t level, SqlError *err)
{
    if (level == 0 || level > t->n_sp)
        return SQL_ERR(err, S_E_INVALID_SPECIFICATION, "savepoint does not exist");
    wb_rollback(&t->wb, t->sp_marks[level - 1]);
    t->n_sp = level;
    return 0;
}

int rel_txn_release(RelTxn *t, uint32_t level, SqlError *err)
{
    if (level == 0 || level > t->n_sp)
        return SQL_ERR(err, S_E_INVALID_SPECIFICATION, "savepoint does not exist");
    t->n_sp = level - 1;
    return 0;
}

/* ---- end of transaction ---------------------------------------------------------------------- */

static void txn_free(RelTxn *t, bool committed)
{
    RelDB *rdb = t->rdb;
    TxnMgr *tm = &rdb->tm;
    if (t->vec_state && rdb->vec_hook.txn_end)   /* before the row locks go (rel_vecidx.c) */
        rdb->vec_hook.txn_end(rdb->vec_hook.arg, t, committed);
    lock_release_all(t);
    if (t->in_active) {
        pthread_mutex_lock(&tm->mu);
        if (t->prev) t->prev->next = t->next; else tm->active = t->next;
        if (t->next) t->next->prev = t->prev;
        if (t->opts.isolation == REL_SERIALIZABLE)
            tm->n_serializable--;
        commit_log_prune(tm);
        pthread_mutex_unlock(&tm->mu);
    }
    if (t->snap)
        shale_db_release_snapshot(rdb->db, t->snap);
    catalog_txn_end(rdb->cat, &t->cat, committed);
    idxguard_txn_end(t, committed);   /* after the catalog change is visible */
    for (size_t i = 0; i < t->n_reads; i++) {
        free(t->reads[i].lo);
        free(t->reads[i].hi);
    }
    free(t->reads);
    free(t->locks);
    lock_txn_cleanup(t);
    free(t->sp_marks);
    free(t->deltas);
    shale_buf_free(&t->scratch);
    wb_free(&t->wb);
    free(t);
}

void rel_txn_abort(RelTxn *t)
{
    if (t)
        txn_free(t, false);
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int r = n ? memcmp(a, b, n) : 0;
    return r ? r : (an < bn ? -1 : an > bn);
}

static bool in_read_set(const RelTxn *t, ShaleSlice k)
{
    for (size_t i = 0; i < t->n_reads; i++) {
        const ReadRange *r = &t->reads[i];
        if (key_cmp(k.data, k.size, r->lo, r->lolen) < 0)
            continue;
        if (r->hi && key_cmp(k.data, k.size, r->hi, r->hilen) > 0)
            continue;
        return true;
    }
    return false;
}

/* tm.mu held. */
static bool serializable_ok(TxnMgr *tm, const RelTxn *t)
{
    for (CommitLogEntry *e = tm->log_head; e; e = e->next) {
        if (e->ts <= t->snap_ts)
            continue;
        for (size_t i = 0; i < e->nkeys; i++)
            if (in_read_set(t, e->keys[i]))
                return false;
    }
    return true;
}

static CommitLogEntry *commit_log_entry(const WriteBuf *wb)
{
    size_t bytes = 0, n = 0;
    for (WbNode *x = wb->head ? wb->head->next[0] : NULL; x; x = x->next[0])
        if (x->state != WB_ABSENT) {
            bytes += x->klen;
            n++;
        }
    CommitLogEntry *e = malloc(sizeof *e + n * sizeof(ShaleSlice) + bytes);
    if (!e)
        return NULL;
    e->next = NULL;
    e->nkeys = n;
    e->keys = (ShaleSlice *)(e + 1);
    char *p = (char *)(e->keys + n);
    size_t i = 0;
    for (WbNode *x = wb->head ? wb->head->next[0] : NULL; x; x = x->next[0])
        if (x->state != WB_ABSENT) {
            memcpy(p, x->key, x->klen);
            e->keys[i++] = shale_slice(p, x->klen);
            p += x->klen;
        }
    return e;
}

int rel_txn_commit(RelTxn *t, SqlError *err)
{
    RelDB *rdb = t->rdb;
    TxnMgr *tm = &rdb->tm;
    bool serializable = t->opts.isolation == REL_SERIALIZABLE;
    if (t->wb.n_live == 0) {
        /* read-only: a SERIALIZABLE reader still validates (its snapshot may not be a prefix
         * of the commit order, see rel_int.h) */
        if (serializable && t->in_active) {
            pthread_mutex_lock(&tm->mu);
            bool ok = serializable_ok(tm, t);
            pthread_mutex_unlock(&tm->mu);
            if (!ok) {
                txn_free(t, false);
                sql_error_set(err, ERRCODE_SERIALIZATION_FAILURE,
                              "could not serialize access due to read/write dependencies among transactions");
                sql_error_detail(err, "Reason code: Canceled on identification as a pivot, during commit attempt.");
                sql_error_hint(err, "The transaction might succeed if retried.");
                return -1;
            }
        }
        txn_free(t, true);
        return 0;
    }
    ShaleWriteBatch *b = shale_batch_new();
    if (!b) {
        txn_free(t, false);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    for (WbNode *x = t->wb.head->next[0]; x; x = x->next[0]) {
        if (x->state == WB_PUT)
            shale_batch_put(b, x->key, x->klen, x->val, x->vlen);
        else if (x->state == WB_DEL)
            shale_batch_delete(b, x->key, x->klen);
    }
    CommitLogEntry *cle = NULL;

    pthread_mutex_lock(&tm->mu);
    if (serializable && !serializable_ok(tm, t)) {
        pthread_mutex_unlock(&tm->mu);
        shale_batch_free(b);
        txn_free(t, false);
        sql_error_set(err, ERRCODE_SERIALIZATION_FAILURE,
                      "could not serialize access due to read/write dependencies among transactions");
        sql_error_detail(err, "Reason code: Canceled on identification as a pivot, during commit attempt.");
        sql_error_hint(err, "The transaction might succeed if retried.");
        return -1;
    }
    if (!idxguard_commit_ok(tm, t)) {
        pthread_mutex_unlock(&tm->mu);
        shale_batch_free(b);
        txn_free(t, false);
        sql_error_set(err, ERRCODE_SERIALIZATION_FAILURE, "could not serialize access due to concurrent index creation");
        sql_error_detail(err, "An index was created on a table this transaction wrote after its statement began.");
        sql_error_hint(err, "The transaction might succeed if retried.");
        return -1;
    }
    if (tm->n_inflight == tm->cap_inflight) {
        size_t cap = tm->cap_inflight ? tm->cap_inflight * 2 : 16;
        uint64_t *n = realloc(tm->inflight, cap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&tm->mu);
            shale_batch_free(b);
            txn_free(t, false);
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        }
        tm->inflight = n;
        tm->cap_inflight = cap;
    }
    uint64_t ts = ++tm->last_ts;
    tm->inflight[tm->n_inflight++] = ts;
    for (WbNode *x = t->wb.head->next[0]; x; x = x->next[0])
        if (x->state != WB_ABSENT)
            track_set(tm, key_hash(x->key, x->klen), ts);
    /* Every commit enters the commit log before its write (a SERIALIZABLE transaction whose
     * snapshot is taken while we are in flight must see us); pruning drops entries no
     * snapshot can precede. OOM: validation might miss this commit. */
    cle = commit_log_entry(&t->wb);
    if (cle) {
        cle->ts = ts;
        if (tm->log_tail) tm->log_tail->next = cle; else tm->log_head = cle;
        tm->log_tail = cle;
    }
    pthread_mutex_unlock(&tm->mu);

    ShaleError se;
    ShaleCode rc = shale_db_write(rdb->db, b, t->opts.sync_commit, &se);
    shale_batch_free(b);

    pthread_mutex_lock(&tm->mu);
    for (size_t i = 0; i < tm->n_inflight; i++)
        if (tm->inflight[i] == ts) {
            tm->inflight[i] = tm->inflight[--tm->n_inflight];
            break;
        }
    if (tm->n_snap_waiters)
        pthread_cond_broadcast(&tm->cv);
    commit_log_prune(tm);
    pthread_mutex_unlock(&tm->mu);
    if (rc != SHALE_OK) {
        txn_free(t, false);
        return storage_err(err, &se);
    }
    counts_apply(rdb, t->deltas, t->n_deltas);
    bool ddl = t->cat.n_catalog_writes > 0;
    txn_free(t, true);
    if (ddl) {
        SqlError perr;
        (void)catalog_purge(rdb->cat, &perr);  /* a failed purge is retried at next open */
    }
    return 0;
}
