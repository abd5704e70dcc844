/* embed_jobs.c -- embedding job records (format in embed_int.h), the per-transaction
 * bookkeeping of job writes, the commit that publishes them (counters, queue, the session's
 * read-your-writes mark) and the DML hook that enqueues jobs.
 *
 * Why the bookkeeping: the in-memory counters must stay exact, so each transaction
 * remembers, per job key it wrote, the committed state the key had before its first write
 * (read under the row's lock, so nobody else changes it until we commit) and, just before
 * committing, reads the state it is about to commit (ROLLBACK TO SAVEPOINT may have undone
 * some writes). The counters move by the difference once the commit is durable. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/keycodec.h"
#include "sql/embed_int.h"
#include "util/coding.h"
#include "util/hash.h"

/* ---- job records -------------------------------------------------------------------------- */

void embed_job_prefix(ShaleBuf *b, Oid db, uint32_t relfilenode, int16_t attnum)
{
    keycodec_append_prefix(b, db, relfilenode, EMBED_JOB_INDEX_BASE | (uint32_t)(uint16_t)attnum);
}

static void put_fixed64(ShaleBuf *b, uint64_t v)
{
    char t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (char)(v >> (8 * i));
    shale_buf_append(b, t, 8);
}

static bool get_fixed64(const char **p, const char *end, uint64_t *v)
{
    if (end - *p < 8)
        return false;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x |= (uint64_t)(unsigned char)(*p)[i] << (8 * i);
    *p += 8;
    *v = x;
    return true;
}

static bool get_varint32(const char **p, const char *end, uint32_t *v)
{
    uint32_t x = 0;
    for (int shift = 0; shift <= 28 && *p < end; shift += 7) {
        unsigned char c = (unsigned char)*(*p)++;
        x |= (uint32_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

void embed_job_encode(ShaleBuf *b, const EmbedJob *j)
{
    shale_buf_append_byte(b, 1);
    shale_buf_append_byte(b, (uint8_t)j->status);
    shale_buf_append_varint64(b, j->attempts);
    put_fixed64(b, j->hash);
    shale_buf_append_varint64(b, j->embedder);
    put_fixed64(b, (uint64_t)j->enqueued_at);
    put_fixed64(b, (uint64_t)j->updated_at);
    put_fixed64(b, (uint64_t)j->next_retry_at);
    size_t n = strnlen(j->last_error, EMBED_ERROR_MAX);
    shale_buf_append_varint64(b, n);
    shale_buf_append(b, j->last_error, n);
}

int embed_job_decode(const char *p, size_t n, EmbedJob *j)
{
    const char *end = p + n;
    memset(j, 0, sizeof *j);
    if (n < 2 || p[0] != 1)
        return -1;
    j->status = p[1];
    if (j->status != EMBED_JOB_PENDING && j->status != EMBED_JOB_READY && j->status != EMBED_JOB_FAILED)
        return -1;
    p += 2;
    uint64_t a, b, c;
    uint32_t len;
    if (!get_varint32(&p, end, &j->attempts) || !get_fixed64(&p, end, &j->hash) ||
        !get_varint32(&p, end, &j->embedder) || !get_fixed64(&p, end, &a) || !get_fixed64(&p, end, &b) ||
        !get_fixed64(&p, end, &c) || !get_varint32(&p, end, &len) || len > EMBED_ERROR_MAX ||
        (size_t)(end - p) != len)
        return -1;
    j->enqueued_at = (int64_t)a;
    j->updated_at = (int64_t)b;
    j->next_retry_at = (int64_t)c;
    memcpy(j->last_error, p, len);
    j->last_error[len] = '\0';
    return 0;
}

uint64_t embed_content_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int64_t embed_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec - 946684800) * 1000000 + ts.tv_nsec / 1000;
}

/* ---- per-transaction bookkeeping ---------------------------------------------------------- */

typedef struct FinalStateLite {
    char status;                   /* 0 = no job */
    EmbedJob job;
} FinalStateLite;

typedef struct TxnEntry {
    EmbedJobRef ref;
    char *key;                     /* in EmbedTxn.arena */
    size_t klen;
    char orig;                     /* status before the transaction, 0 = no job */
    char *text;                    /* the newest text written (arena), NULL = unknown */
    size_t tlen;
    uint64_t text_hash;
    uint64_t keep_seq;             /* worker retries keep their item's sequence (0 = new) */
    int64_t keep_owner;
    bool under_savepoint;          /* written inside a savepoint: re-read the final state */
    FinalStateLite last;           /* what was written last */
} TxnEntry;

struct EmbedTxn {
    RelTxn *owner;
    ShaleArena arena;
    TxnEntry *entries;             /* malloc'd */
    size_t n, cap;
    uint32_t *slots;               /* open addressing: entry index + 1, 0 = empty */
    size_t nslots;
};

static void txn_free(EmbedTxn *t)
{
    if (!t)
        return;
    shale_arena_destroy(&t->arena);
    free(t->entries);
    free(t->slots);
    free(t);
}

void embed_session_discard(SqlSession *s)
{
    txn_free(s->embed_txn);
    s->embed_txn = NULL;
}

static uint64_t key_hash(const char *k, size_t n)
{
    return embed_content_hash(k, n) | 1;
}

static int txn_grow(EmbedTxn *t)
{
    size_t ns = t->nslots ? t->nslots * 2 : 64;
    uint32_t *sl = calloc(ns, sizeof *sl);
    if (!sl)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        size_t h = (size_t)key_hash(t->entries[i].key, t->entries[i].klen) & (ns - 1);
        while (sl[h])
            h = (h + 1) & (ns - 1);
        sl[h] = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = sl;
    t->nslots = ns;
    return 0;
}

static TxnEntry *txn_find(EmbedTxn *t, const char *key, size_t klen, size_t *slot)
{
    if (!t->nslots)
        return NULL;
    size_t h = (size_t)key_hash(key, klen) & (t->nslots - 1);
    while (t->slots[h]) {
        TxnEntry *e = &t->entries[t->slots[h] - 1];
        if (e->klen == klen && memcmp(e->key, key, klen) == 0)
            return e;
        h = (h + 1) & (t->nslots - 1);
    }
    if (slot)
        *slot = h;
    return NULL;
}

int embed_txn_write(SqlSession *s, const EmbedJobRef *ref, const char *key, size_t klen, const EmbedJob *job,
                    char known_orig, const char *text, size_t tlen, SqlError *err)
{
    if (!s->txn)
        return SQL_ERR(err, INTERNAL_ERROR, "embedding job written outside a transaction");
    EmbedTxn *t = s->embed_txn;
    if (t && t->owner != s->txn) {
        embed_session_discard(s);
        t = NULL;
    }
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        shale_arena_init(&t->arena);
        t->owner = s->txn;
        s->embed_txn = t;
    }
    TxnEntry *e = txn_find(t, key, klen, NULL);
    if (!e) {
        char orig = known_orig == EMBED_ORIG_NONE ? 0 : known_orig;
        if (known_orig == EMBED_ORIG_READ) {
            ShaleBuf v;
            shale_buf_init(&v);
            int g = rel_aux_get(s->txn, key, klen, true, &v, err);
            EmbedJob old;
            if (g == 1 && embed_job_decode(v.data, v.len, &old) == 0)
                orig = old.status;
            shale_buf_free(&v);
            if (g < 0)
                return -1;
        }
        if (!orig && !job)
            return 0; /* deleting a job that does not exist */
        if ((t->n + 1) * 2 > t->nslots && txn_grow(t) != 0)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        if (t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 32;
            TxnEntry *ne = realloc(t->entries, nc * sizeof *ne);
            if (!ne)
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            t->entries = ne;
            t->cap = nc;
        }
        size_t slot;
        (void)txn_find(t, key, klen, &slot);
        e = &t->entries[t->n];
        memset(e, 0, sizeof *e);
        e->ref = *ref;
        e->key = shale_arena_alloc(&t->arena, klen);
        if (!e->key)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        memcpy(e->key, key, klen);
        e->klen = klen;
        e->orig = orig;
        t->slots[slot] = (uint32_t)(t->n + 1);
        t->n++;
    }
    e->under_savepoint = e->under_savepoint || s->n_savepoints > 0;
    e->last.status = job ? job->status : 0;
    if (job)
        e->last.job = *job;
    if (job) {
        ShaleBuf v;
        shale_buf_init(&v);
        embed_job_encode(&v, job);
        int rc = v.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory")
                       : rel_txn_put_aux(s->txn, key, klen, v.data, v.len, err);
        shale_buf_free(&v);
        if (rc != 0)
            return -1;
        if (text) {
            e->text = shale_arena_alloc(&t->arena, tlen ? tlen : 1);
            if (!e->text)
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            memcpy(e->text, text, tlen);
            e->tlen = tlen;
            e->text_hash = job->hash;
        }
        return 0;
    }
    return rel_txn_delete_aux(s->txn, key, klen, err);
}

void embed_txn_keep_seq(SqlSession *s, const char *key, size_t klen, uint64_t seq, int64_t owner)
{
    TxnEntry *e = s->embed_txn ? txn_find(s->embed_txn, key, klen, NULL) : NULL;
    if (e) {
        e->keep_seq = seq ? seq : 1; /* nonzero: "keep"; a rebuilt item has no waiter anyway */
        e->keep_owner = owner;
    }
}

/* ---- commit ------------------------------------------------------------------------------ */

typedef struct FinalState {
    char status;                   /* 0 = no job */
    EmbedJob job;
} FinalState;

static void col_add(EmbedCol *c, char status, int64_t d)
{
    if (status == EMBED_JOB_PENDING)
        c->pending += d;
    else if (status == EMBED_JOB_READY)
        c->ready += d;
    else if (status == EMBED_JOB_FAILED)
        c->failed += d;
}

static void rate_add(EmbedCol *c, int64_t n)
{
    int64_t sec = (int64_t)time(NULL);
    int i = (int)(sec % EMBED_RATE_SLOTS);
    if (c->rate_sec[i] != sec) {
        c->rate_sec[i] = sec;
        c->rate_n[i] = 0;
    }
    c->rate_n[i] += n;
}

/* A hash of the committed embedding columns of database db (table, storage range, column,
 * embedder; and the embedders): DDL that leaves it unchanged cannot have changed any job, so the commit skips
 * the recount. 0 when the catalog cannot be read (forces the recount). */
static uint64_t embed_signature(SqlSession *s, Oid db)
{
    CatSnapshot *snap;
    SqlError e;
    sql_error_clear(&e);
    if (catalog_snapshot(rel_db_catalog(s->eng->rdb), NULL, db, &snap, &e) != 0)
        return 0;
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < catsnap_n_relations(snap); i++) {
        const CatRelation *rel = catsnap_relation(snap, i);
        for (int c = 0; c < rel->ncols; c++)
            if (embed_is_column(rel, c)) {
                uint64_t v[4] = { rel->oid, rel->relfilenode, (uint64_t)rel->cols[c].attnum, rel->cols[c].embed_embedder };
                for (int k = 0; k < 4; k++)
                    h = shale_hash_u64(h ^ v[k]);
            }
    }
    for (int i = 0; i < catsnap_n_embedders(snap); i++) /* a dropped embedder's open copy is released */
        h = shale_hash_u64(h ^ catsnap_embedder(snap, i)->oid);
    catalog_snapshot_release(snap);
    return h;
}

int embed_session_commit(SqlSession *s, SqlError *err)
{
    EmbedEngine *ee = s->eng->embed;
    EmbedTxn *t = s->embed_txn;
    if (t && t->owner != s->txn) {
        embed_session_discard(s);
        t = NULL;
    }
    const CatTxn *ct = rel_txn_catalog(s->txn);
    bool ddl = ct->n_catalog_writes > 0;
    /* committed DDL recounts the jobs only when it can have changed them */
    int nsig = 0;
    Oid sig_db[4];
    uint64_t sig[4];
    bool recount_all = ddl && (ct->dirty_shared || ct->dirty_dbs[3] != 0);
    for (int i = 0; ddl && !recount_all && i < 4 && ct->dirty_dbs[i]; i++) {
        sig_db[nsig] = ct->dirty_dbs[i];
        sig[nsig++] = embed_signature(s, ct->dirty_dbs[i]);
    }
    if (!ee || (!t && !ddl)) {
        embed_session_discard(s);
        return rel_txn_commit(s->txn, err);
    }
    FinalState *fin = NULL;
    if (t && t->n) {
        fin = calloc(t->n, sizeof *fin);
        if (!fin) {
            embed_session_discard(s);
            rel_txn_abort(s->txn);
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        }
        ShaleBuf v;
        shale_buf_init(&v);
        for (size_t i = 0; i < t->n; i++) {
            if (!t->entries[i].under_savepoint) { /* nothing can have undone the last write */
                fin[i].status = t->entries[i].last.status;
                fin[i].job = t->entries[i].last.job;
                continue;
            }
            int g = rel_aux_get(s->txn, t->entries[i].key, t->entries[i].klen, true, &v, err);
            if (g < 0) {
                shale_buf_free(&v);
                free(fin);
                embed_session_discard(s);
                rel_txn_abort(s->txn);
                return -1;
            }
            if (g == 1 && embed_job_decode(v.data, v.len, &fin[i].job) == 0)
                fin[i].status = fin[i].job.status;
        }
        shale_buf_free(&v);
    }
    pthread_rwlock_rdlock(&ee->commit_lock);
    int rc = rel_txn_commit(s->txn, err);
    if (rc == 0 && t) {
        pthread_mutex_lock(&ee->mu);
        uint64_t seq = ++ee->next_seq;
        bool pushed = false;
        for (size_t i = 0; i < t->n; i++) {
            TxnEntry *e = &t->entries[i];
            char st = fin[i].status;
            if (st == e->orig && st != EMBED_JOB_PENDING)
                continue;
            EmbedCol *c = embed_col_find(ee, &e->ref, true);
            if (c) {
                col_add(c, e->orig, -1);
                col_add(c, st, +1);
                if (st == EMBED_JOB_READY && e->orig != EMBED_JOB_READY)
                    rate_add(c, 1);
            }
            if (st == EMBED_JOB_PENDING) {
                bool have_text = e->text && e->text_hash == fin[i].job.hash;
                if (embed_queue_push(ee, &e->ref, e->key, e->klen, &fin[i].job, e->keep_seq ? e->keep_seq : seq,
                                     e->keep_seq ? e->keep_owner : s->pid, have_text ? e->text : NULL,
                                     have_text ? e->tlen : 0) == 0 && !e->keep_seq)
                    pushed = true;
            }
        }
        if (pushed)
            s->embed_wait_seq = seq;
        pthread_cond_broadcast(&ee->work_cv);
        pthread_mutex_unlock(&ee->mu);
    }
    pthread_rwlock_unlock(&ee->commit_lock);
    free(fin);
    embed_session_discard(s);
    bool changed = recount_all;
    for (int i = 0; rc == 0 && ddl && !changed && i < nsig; i++)
        changed = sig[i] == 0 || embed_signature(s, sig_db[i]) != sig[i];
    if (ddl && !recount_all && nsig == 0)
        changed = true; /* catalog writes in no known database: be safe */
    if (rc == 0 && ddl && changed) {
        SqlError e2;
        sql_error_clear(&e2);
        (void)embed_engine_resync(ee, &e2); /* best effort: the counters are rebuilt again at next DDL/start */
    }
    return rc;
}

/* ---- DML hook ------------------------------------------------------------------------------ */

static bool texts_equal(const Value *a, const Value *b)
{
    if (a->null || b->null)
        return a->null && b->null;
    return a->u.s.n == b->u.s.n && memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0;
}

int embed_dml_row(const QueryEnv *env, const CatRelation *rel, const char *key, size_t klen,
                  const Value *old_texts, const Value *new_texts, SqlError *err)
{
    SqlSession *s = env->session;
    if (!s)
        return 0;
    ShaleBuf k;
    shale_buf_init(&k);
    int rc = 0;
    int64_t now = 0;
    for (int i = 0; i < rel->ncols && rc == 0; i++) {
        if (!embed_is_column(rel, i))
            continue;
        const Value *ov = old_texts ? &old_texts[i] : NULL;
        const Value *nv = new_texts ? &new_texts[i] : NULL;
        if (ov && nv && texts_equal(ov, nv))
            continue;
        if (!ov && nv && nv->null)
            continue; /* insert with a NULL text: no job */
        shale_buf_reset(&k);
        embed_job_prefix(&k, env->database_oid, rel->relfilenode, rel->cols[i].attnum);
        shale_buf_append(&k, key, klen);
        if (k.oom) {
            rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            break;
        }
        EmbedJobRef ref = { env->database_oid, rel->oid, rel->relfilenode, rel->cols[i].attnum };
        if (!nv || nv->null) {
            rc = embed_txn_write(s, &ref, k.data, k.len, NULL, EMBED_ORIG_READ, NULL, 0, err);
            continue;
        }
        if (!now)
            now = embed_now_us();
        EmbedJob j;
        memset(&j, 0, sizeof j);
        j.status = EMBED_JOB_PENDING;
        j.hash = embed_content_hash(nv->u.s.p, nv->u.s.n);
        j.embedder = rel->cols[i].embed_embedder;
        j.enqueued_at = j.updated_at = now;
        rc = embed_txn_write(s, &ref, k.data, k.len, &j, ov == NULL ? EMBED_ORIG_NONE : EMBED_ORIG_READ, nv->u.s.p,
                             nv->u.s.n, err);
    }
    shale_buf_free(&k);
    return rc;
}
