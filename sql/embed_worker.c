/* embed_worker.c -- the embedding worker threads. Each worker loops: claim a batch of ready
 * jobs of one embedder queue (in memory only: a crash leaves them pending in storage), read
 * the texts it lacks from the rows, call the embedder (a failed batch of several texts is
 * retried text by text so one poison row fails alone), then write back in ONE transaction
 * per batch through an internal session of the job's database:
 *
 *   UPDATE t SET emb = $1 WHERE pk = $2 ... AND ((expr)::text) = $n
 *
 * (the normal update path: constraints and index maintenance apply; the WHERE re-check under
 * the row lock means a row changed since the job was taken is never given a stale vector)
 * and the job record becomes ready; failures schedule a retry with exponential backoff and
 * jitter or end `failed`. Write-backs commit with synchronous_commit off: a vector lost in a
 * crash leaves its job pending, so it is simply computed again after restart. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/embed_int.h"
#include "sql/parser/parser.h"
#include "util/hash.h"

#define MAX_BATCH 512
#define MAX_SESS 8

typedef struct WSess {
    Oid db;
    SqlSession *s;
} WSess;

typedef struct Worker {
    EmbedEngine *ee;
    int id;
    WSess sess[MAX_SESS];
    int nsess;
    ShaleRandom rnd;
} Worker;

typedef enum ItemFate { FATE_DONE = 0, FATE_REQUEUE = 1 } ItemFate;

typedef struct ItemWork {
    EmbedItem *it;
    bool drop;                     /* superseded / gone: nothing to write */
    bool ok;                       /* vector computed */
    EmbedFailKind fail;
    char msg[EMBED_ERROR_MAX + 1];
    ItemFate fate;
} ItemWork;

static bool worker_cancelled(void *arg)
{
    EmbedEngine *ee = arg;
    return atomic_load(&ee->stopping);
}

static int64_t backoff_us(Worker *w, int attempts)
{
    const EmbedConfig *c = &w->ee->cfg;
    double ms = c->retry_base_ms;
    for (int i = 1; i < attempts && ms < c->retry_max_ms; i++)
        ms *= 2;
    if (ms > c->retry_max_ms)
        ms = c->retry_max_ms;
    double jitter = 0.5 + (double)(shale_random_next(&w->rnd) >> 11) / 9007199254740992.0;
    return (int64_t)(ms * jitter * 1000.0);
}

/* ---- the worker's internal sessions ------------------------------------------------------- */

static SqlSession *worker_session(Worker *w, Oid db, SqlError *err)
{
    for (int i = 0; i < w->nsess; i++)
        if (w->sess[i].db == db)
            return w->sess[i].s;
    SqlEngine *eng = w->ee->eng;
    CatSnapshot *snap;
    if (catalog_snapshot(rel_db_catalog(eng->rdb), NULL, db, &snap, err) != 0)
        return NULL;
    const CatRole *su = catsnap_role_by_oid(snap, CAT_OID_BOOTSTRAP_SUPERUSER);
    const CatDatabase *dbd = catsnap_database_by_oid(snap, db);
    char user[128], dbname[128];
    snprintf(user, sizeof user, "%s", su ? su->name : "postgres");
    snprintf(dbname, sizeof dbname, "%s", dbd ? dbd->name : "");
    catalog_snapshot_release(snap);
    if (!dbd) {
        sql_error_set(err, ERRCODE_INVALID_CATALOG_NAME, "database %u does not exist", db);
        return NULL;
    }
    if (w->nsess == MAX_SESS) {
        sql_session_close(w->sess[0].s);
        memmove(&w->sess[0], &w->sess[1], sizeof w->sess[0] * (MAX_SESS - 1));
        w->nsess--;
    }
    SqlSession *s;
    if (sql_session_open(eng, user, dbname, 0, NULL, NULL, &s, err) != 0)
        return NULL;
    if (session_set(s, "synchronous_commit", "off", false, err) != 0) {
        sql_session_close(s);
        return NULL;
    }
    w->sess[w->nsess].db = db;
    w->sess[w->nsess].s = s;
    w->nsess++;
    return s;
}

/* ---- statements ----------------------------------------------------------------------------- */

typedef struct StmtCache {
    Oid rel;
    int16_t attnum;
    bool update;
    PreparedQuery *q;
} StmtCache;

typedef struct Phase {
    SqlSession *s;
    QueryEnv env;
    CatSnapshot *cat;
    ShaleArena arena;              /* plans and decoded keys of this transaction */
    StmtCache cache[16];
    int ncache;
} Phase;

static int phase_begin(Phase *ph, SqlSession *s, SqlError *err)
{
    memset(ph, 0, sizeof *ph);
    ph->s = s;
    shale_arena_init(&ph->arena);
    /* lock waits are bounded (a row held by an idle transaction must not park the worker):
     * the batch is then simply retried later */
    if (session_ensure_txn(s, err) != 0 || rel_txn_statement_begin(s->txn, 5000, err) != 0 ||
        session_query_env(s, &ph->env, &ph->cat, err) != 0)
        return -1;
    return 0;
}

static int phase_end(Phase *ph, bool commit, SqlError *err)
{
    if (ph->cat)
        catalog_snapshot_release(ph->cat);
    ph->cat = NULL;
    shale_arena_destroy(&ph->arena);
    return session_end_txn(ph->s, commit, err);
}

static void append_where_pk(ShaleBuf *b, const CatRelation *rel, int first_param)
{
    const CatIndex *pk = catrel_primary_index(rel);
    shale_buf_append(b, " WHERE ", 7);
    for (int i = 0; i < pk->ncols; i++) {
        char num[16];
        if (i)
            shale_buf_append(b, " AND ", 5);
        sql_deparse_ident(rel->cols[pk->attnums[i] - 1].name, b);
        int n = snprintf(num, sizeof num, " = $%d", first_param + i);
        shale_buf_append(b, num, (size_t)n);
    }
}

/* SELECT ((expr)::text) FROM t WHERE pk = $1..  or
 * UPDATE t SET col = $1 WHERE pk = $2.. AND ((expr)::text) = $n */
static PreparedQuery *phase_stmt(Phase *ph, const CatRelation *rel, int16_t attnum, bool update, SqlError *err)
{
    for (int i = 0; i < ph->ncache; i++)
        if (ph->cache[i].rel == rel->oid && ph->cache[i].attnum == attnum && ph->cache[i].update == update)
            return ph->cache[i].q;
    const CatIndex *pk = catrel_primary_index(rel);
    const CatColumn *col = &rel->cols[attnum - 1];
    if (!pk) {
        sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "table \"%s\" has no primary key", rel->name);
        return NULL;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    const CatNamespace *ns = catsnap_namespace_by_oid(ph->cat, rel->nsp);
    Oid types[40];
    int np = 0;
    if (update) {
        shale_buf_append(&b, "UPDATE ONLY ", 12);
        types[np++] = VECTOROID;
    } else {
        shale_buf_append(&b, "SELECT ((", 9);
        shale_buf_append(&b, col->embed_expr, strlen(col->embed_expr));
        shale_buf_append(&b, ")::text) FROM ONLY ", 19);
    }
    if (ns) {
        sql_deparse_ident(ns->name, &b);
        shale_buf_append_byte(&b, '.');
    }
    sql_deparse_ident(rel->name, &b);
    if (update) {
        shale_buf_append(&b, " SET ", 5);
        sql_deparse_ident(col->name, &b);
        shale_buf_append(&b, " = $1", 5);
    }
    append_where_pk(&b, rel, np + 1);
    for (int i = 0; i < pk->ncols && np < 38; i++)
        types[np++] = rel->cols[pk->attnums[i] - 1].type;
    if (update) {
        char num[48];
        int n = snprintf(num, sizeof num, ")::text) = $%d", np + 1);
        shale_buf_append(&b, " AND ((", 7);
        shale_buf_append(&b, col->embed_expr, strlen(col->embed_expr));
        shale_buf_append(&b, num, (size_t)n);
        types[np++] = TEXTOID;
    }
    shale_buf_append_byte(&b, '\0');
    PreparedQuery *q = NULL;
    if (b.oom) {
        SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    } else {
        char *sql = shale_arena_alloc(&ph->arena, b.len);
        SqlRawStmt raw;
        if (!sql) {
            SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        } else {
            memcpy(sql, b.data, b.len);
            if (sql_parse_one(sql, b.len - 1, &ph->arena, &raw, err) == 0 &&
                query_prepare(&ph->env, raw.stmt, sql, np, types, &ph->arena, &q, err) != 0)
                q = NULL;
        }
    }
    shale_buf_free(&b);
    if (q && ph->ncache < 16)
        ph->cache[ph->ncache++] = (StmtCache){ rel->oid, attnum, update, q };
    return q;
}

/* Runs q with params; *rows = rows affected/returned; with out, the first column of the
 * first row is copied into out (malloc'd text; NULL when NULL). */
static int run_stmt(Phase *ph, PreparedQuery *q, const Value *params, uint64_t *rows, char **out, size_t *outlen,
                    SqlError *err)
{
    ShaleArena a;
    shale_arena_init(&a);
    QueryCursor *c = NULL;
    int rc = -1;
    if (out)
        *out = NULL;
    ph->env.stmt_timestamp = embed_now_us();
    if (query_open(&ph->env, q, params, &a, &c, err) == 0) {
        const Value *row;
        int r = query_next(c, &row, err);
        if (r >= 0) {
            rc = 0;
            if (r == 1 && out && !row[0].null) {
                *out = malloc(row[0].u.s.n ? row[0].u.s.n : 1);
                if (!*out)
                    rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                else
                    memcpy(*out, row[0].u.s.p, row[0].u.s.n);
                *outlen = row[0].u.s.n;
            }
            while (rc == 0 && r == 1)
                r = query_next(c, &row, err);
            if (r < 0)
                rc = -1;
        }
        *rows = query_rows(c);
        query_close(c);
    }
    shale_arena_destroy(&a);
    return rc;
}

/* The live relation of an item, NULL when its table/column/embedder changed. */
static const CatRelation *item_rel(Phase *ph, const EmbedItem *it)
{
    const CatRelation *rel = catsnap_relation_by_oid(ph->cat, it->ref.rel);
    if (!rel || rel->relfilenode != it->ref.relfilenode || !embed_is_column(rel, it->ref.attnum - 1) ||
        rel->cols[it->ref.attnum - 1].embed_embedder != it->embedder || !catrel_primary_index(rel))
        return NULL;
    return rel;
}

static int item_params(Phase *ph, const CatRelation *rel, const EmbedItem *it, Value *params, int first,
                       SqlError *err)
{
    const CatIndex *pk = catrel_primary_index(rel);
    if (pk->ncols > 36)
        return sql_error_set(err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "primary key too wide");
    return rel_decode_index_values(rel, pk, it->key + 12, it->klen - 12, &ph->arena, params + first, err);
}

/* 1 when the item's job is still pending with its hash (*job filled), 0 when not, -1. */
static int item_job(SqlSession *s, const EmbedItem *it, EmbedJob *job, SqlError *err)
{
    ShaleBuf v;
    shale_buf_init(&v);
    int g = rel_aux_get(s->txn, it->key, it->klen, true, &v, err);
    int rc = g < 0 ? -1 : 0;
    if (g == 1 && embed_job_decode(v.data, v.len, job) == 0 && job->status == EMBED_JOB_PENDING &&
        job->hash == it->hash && job->embedder == it->embedder)
        rc = 1;
    shale_buf_free(&v);
    return rc;
}

/* Phase A: texts of items that lack them (jobs rebuilt at start). */
static int fetch_texts(Worker *w, SqlSession *s, ItemWork *iw, int n, SqlError *err)
{
    (void)w;
    Phase ph;
    int rc = phase_begin(&ph, s, err);
    for (int i = 0; i < n && rc == 0; i++) {
        EmbedItem *it = iw[i].it;
        if (it->text || iw[i].drop)
            continue;
        const CatRelation *rel = item_rel(&ph, it);
        EmbedJob job;
        int j = rel ? item_job(s, it, &job, err) : 0;
        if (j < 0) {
            rc = -1;
            break;
        }
        if (j == 0) {
            iw[i].drop = true;
            continue;
        }
        it->attempts = job.attempts;
        PreparedQuery *q = phase_stmt(&ph, rel, it->ref.attnum, false, err);
        Value params[40];
        uint64_t rows = 0;
        char *text = NULL;
        size_t tlen = 0;
        if (!q || item_params(&ph, rel, it, params, 0, err) != 0 ||
            run_stmt(&ph, q, params, &rows, &text, &tlen, err) != 0) {
            rc = -1;
            break;
        }
        if (!text || embed_content_hash(text, tlen) != it->hash) {
            free(text);
            iw[i].drop = true; /* changed: the newer job takes over */
            continue;
        }
        it->text = text;
        it->text_len = tlen;
    }
    SqlError e2;
    sql_error_clear(&e2);
    (void)phase_end(&ph, false, &e2);
    return rc;
}

static void set_fail(ItemWork *w, const EmbedFailure *f)
{
    w->ok = false;
    w->fail = f->kind == EMBED_OK ? EMBED_RETRYABLE : f->kind;
    snprintf(w->msg, sizeof w->msg, "%s", f->message[0] ? f->message : "embedding failed");
}

/* Calls the embedder; vec[i * dims ..] for each ok item. Returns true when every call failed
 * retryably (the embedder looks down). */
static bool embed_items(EmbedEngine *ee, Embedder *e, ItemWork *iw, int n, float *vec)
{
    int dims = embedder_dims(e), bs = embedder_batch_size(e);
    if (bs < 1)
        bs = 1;
    const char *texts[MAX_BATCH];
    size_t lens[MAX_BATCH];
    int idx[MAX_BATCH];
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!iw[i].drop) {
            idx[m] = i;
            texts[m] = iw[i].it->text;
            lens[m] = iw[i].it->text_len;
            m++;
        }
    bool any_ok = false, any_call = false;
    for (int off = 0; off < m; off += bs) {
        int k = m - off < bs ? m - off : bs;
        EmbedFailure f;
        memset(&f, 0, sizeof f);
        float *tmp = malloc((size_t)k * (size_t)dims * sizeof(float));
        if (!tmp) {
            for (int j = 0; j < k; j++) {
                iw[idx[off + j]].ok = false;
                iw[idx[off + j]].fail = EMBED_RETRYABLE;
                snprintf(iw[idx[off + j]].msg, sizeof iw[0].msg, "out of memory");
            }
            continue;
        }
        any_call = true;
        if (embedder_embed(e, texts + off, lens + off, k, tmp, worker_cancelled, ee, &f) == 0) {
            for (int j = 0; j < k; j++) {
                iw[idx[off + j]].ok = true;
                memcpy(vec + (size_t)idx[off + j] * (size_t)dims, tmp + (size_t)j * (size_t)dims,
                       (size_t)dims * sizeof(float));
            }
            any_ok = true;
        } else if (k == 1) {
            set_fail(&iw[idx[off]], &f);
        } else if (f.kind == EMBED_RETRYABLE && f.http_status == 0 && !worker_cancelled(ee) &&
                   strstr(f.message, "refused")) {
            /* the endpoint is down: no use trying each text */
            for (int j = 0; j < k; j++)
                set_fail(&iw[idx[off + j]], &f);
        } else {
            for (int j = 0; j < k; j++) { /* isolate the poison text */
                EmbedFailure f1;
                memset(&f1, 0, sizeof f1);
                if (embedder_embed(e, texts + off + j, lens + off + j, 1, tmp, worker_cancelled, ee, &f1) == 0) {
                    iw[idx[off + j]].ok = true;
                    memcpy(vec + (size_t)idx[off + j] * (size_t)dims, tmp, (size_t)dims * sizeof(float));
                    any_ok = true;
                } else {
                    set_fail(&iw[idx[off + j]], &f1);
                }
            }
        }
        free(tmp);
    }
    if (!any_call || any_ok)
        return false;
    for (int i = 0; i < m; i++)
        if (iw[idx[i]].fail != EMBED_RETRYABLE)
            return false;
    return true;
}

/* Phase B: one transaction writing every result. Returns -1 with *bad = index of the item
 * whose statement failed (or -1 when the failure was not an item's). */
static int write_back(Worker *w, SqlSession *s, ItemWork *iw, int n, const float *vec, int dims, int *bad,
                      SqlError *err)
{
    Phase ph;
    *bad = -1;
    if (phase_begin(&ph, s, err) != 0) {
        SqlError e2;
        sql_error_clear(&e2);
        (void)phase_end(&ph, false, &e2);
        return -1;
    }
    int64_t now = embed_now_us();
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        EmbedItem *it = iw[i].it;
        if (iw[i].drop)
            continue;
        const CatRelation *rel = item_rel(&ph, it);
        if (!rel)
            continue;
        /* one statement snapshot for the batch: every item committed before it was claimed,
         * and the UPDATE re-checks a row changed since under its lock (READ COMMITTED) */
        EmbedJobRef ref = it->ref;
        EmbedJob job;
        if (iw[i].ok) {
            PreparedQuery *q = phase_stmt(&ph, rel, it->ref.attnum, true, err);
            Value params[40];
            uint64_t rows = 0;
            char *vb = shale_arena_alloc(&ph.arena, 4 + (size_t)dims * 4);
            if (!q || !vb || item_params(&ph, rel, it, params, 1, err) != 0) {
                if (!vb)
                    SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                *bad = i;
                rc = -1;
                break;
            }
            vb[0] = (char)(dims & 0xff);
            vb[1] = (char)(dims >> 8);
            vb[2] = vb[3] = 0;
            const float *v = vec + (size_t)i * (size_t)dims;
            for (int d = 0; d < dims; d++) {
                uint32_t u;
                memcpy(&u, &v[d], 4);
                vb[4 + d * 4] = (char)u;
                vb[5 + d * 4] = (char)(u >> 8);
                vb[6 + d * 4] = (char)(u >> 16);
                vb[7 + d * 4] = (char)(u >> 24);
            }
            const CatIndex *pk = catrel_primary_index(rel);
            params[0] = value_bytes(VECTOROID, vb, (uint32_t)(4 + dims * 4));
            params[1 + pk->ncols] = value_bytes(TEXTOID, it->text, (uint32_t)it->text_len);
            if (run_stmt(&ph, q, params, &rows, NULL, NULL, err) != 0) {
                *bad = i;
                rc = -1;
                break;
            }
            if (rows == 0)
                continue; /* the row changed or went away: a newer job (or none) owns it */
            int j = item_job(s, it, &job, err);
            if (j < 0) {
                rc = -1;
                break;
            }
            if (j == 0)
                continue;
            job.status = EMBED_JOB_READY;
            job.updated_at = embed_now_us();
            job.next_retry_at = 0;
            job.last_error[0] = '\0';
        } else {
            RelLockResult res;
            if (rel_lock_row(s->txn, rel, it->key + 12, it->klen - 12, REL_LOCK_EXCLUSIVE, NULL, &res, err) != 0) {
                rc = -1;
                break;
            }
            if (res == REL_ROW_DELETED)
                continue;
            int j = item_job(s, it, &job, err);
            if (j < 0) {
                rc = -1;
                break;
            }
            if (j == 0)
                continue;
            job.attempts++;
            job.updated_at = now;
            snprintf(job.last_error, sizeof job.last_error, "%s", iw[i].msg);
            if (iw[i].fail == EMBED_PERMANENT || (int)job.attempts >= w->ee->cfg.max_attempts) {
                job.status = EMBED_JOB_FAILED;
                job.next_retry_at = 0;
            } else {
                job.next_retry_at = now + backoff_us(w, (int)job.attempts);
            }
        }
        if (embed_txn_write(s, &ref, it->key, it->klen, &job, EMBED_JOB_PENDING, it->text, it->text_len, err) != 0) {
            rc = -1;
            break;
        }
        embed_txn_keep_seq(s, it->key, it->klen, it->seq, it->owner);
    }
    if (rc != 0) {
        SqlError e2;
        sql_error_clear(&e2);
        (void)phase_end(&ph, false, &e2);
        return -1;
    }
    return phase_end(&ph, true, err);
}

static void process_batch(Worker *w, Oid db, Oid embedder, ItemWork *iw, int n, bool *down, int *batch_size)
{
    EmbedEngine *ee = w->ee;
    SqlError err;
    sql_error_clear(&err);
    *down = false;
    SqlSession *s = worker_session(w, db, &err);
    if (!s)
        return; /* database gone (or no session): the jobs stay pending in storage, if any */
    bool need_text = false;
    for (int i = 0; i < n; i++)
        need_text = need_text || !iw[i].it->text;
    if (need_text && fetch_texts(w, s, iw, n, &err) != 0) {
        for (int i = 0; i < n; i++)
            iw[i].fate = FATE_REQUEUE;
        return;
    }
    CatSnapshot *snap;
    sql_error_clear(&err);
    if (catalog_snapshot(rel_db_catalog(ee->eng->rdb), NULL, db, &snap, &err) != 0) {
        for (int i = 0; i < n; i++)
            iw[i].fate = FATE_REQUEUE;
        return;
    }
    const CatEmbedder *ce = embed_embedder_by_oid(snap, embedder);
    EmbedReg *reg = NULL;
    int rc = ce ? embed_reg_get(ee, db, ce, &reg, &err) : 0;
    catalog_snapshot_release(snap);
    if (!ce)
        return; /* the embedder is gone (DROP EMBEDDER CASCADE removed its jobs) */
    if (rc != 0) {
        for (int i = 0; i < n; i++)
            if (!iw[i].drop) {
                iw[i].ok = false;
                iw[i].fail = EMBED_PERMANENT;
                snprintf(iw[i].msg, sizeof iw[i].msg, "%s", err.message);
            }
    }
    int dims = reg ? embedder_dims(reg->e) : 1;
    float *vec = calloc((size_t)n * (size_t)dims, sizeof(float));
    if (!vec) {
        if (reg)
            embed_reg_release(ee, reg);
        for (int i = 0; i < n; i++)
            iw[i].fate = FATE_REQUEUE;
        return;
    }
    if (reg) {
        *batch_size = embedder_batch_size(reg->e);
        *down = embed_items(ee, reg->e, iw, n, vec);
        embed_reg_release(ee, reg);
    }
    if (atomic_load(&ee->stopping)) {
        free(vec); /* shutting down: the jobs stay pending in storage */
        return;
    }
    for (int attempt = 0; attempt < 4; attempt++) {
        int bad;
        sql_error_clear(&err);
        if (write_back(w, s, iw, n, vec, dims, &bad, &err) == 0)
            break;
        bool transient = err.code == ERRCODE_QUERY_CANCELED || err.code == ERRCODE_DEADLOCK_DETECTED ||
                         err.code == ERRCODE_SERIALIZATION_FAILURE || err.code == ERRCODE_LOCK_NOT_AVAILABLE ||
                         err.code == ERRCODE_OUT_OF_MEMORY;
        if (bad < 0 || transient || attempt == 3) {
            for (int i = 0; i < n; i++)
                iw[i].fate = FATE_REQUEUE;
            break;
        }
        /* this item's write fails (a constraint, a dimension change...): record it as failed */
        iw[bad].ok = false;
        iw[bad].fail = EMBED_PERMANENT;
        snprintf(iw[bad].msg, sizeof iw[bad].msg, "%s", err.message);
    }
    free(vec);
}

/* ---- claiming batches ------------------------------------------------------------------------- */

/* Takes up to max ready items of one queue (REQUIRES mu). *wake = when something becomes ready. */
static int claim(EmbedEngine *ee, EmbedItem **out, int max, int *qidx, int64_t *wake)
{
    int64_t now = embed_now_us();
    *wake = now + 500000;
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < ee->nqueues; k++) {
            int qi = (ee->rr + k) % ee->nqueues;
            EmbedQueue *q = &ee->queues[qi];
            if (!q->n)
                continue;
            if (q->backoff_until > now) {
                if (q->backoff_until < *wake)
                    *wake = q->backoff_until;
                continue;
            }
            if (pass == 0 && q->active)
                continue;
            if (pass == 1 && (q->fail_streak || q->active >= 2))
                continue;
            int lim = q->batch_size * 4;
            if (lim > max)
                lim = max;
            if (lim < 1)
                lim = 1;
            int n = 0;
            EmbedItem **pp = &q->head;
            EmbedItem *last_kept = NULL;
            while (*pp && n < lim) { /* stops at lim: claiming stays O(batch) on a long queue */
                EmbedItem *it = *pp;
                if (it->next_retry_at <= now) {
                    *pp = it->next;
                    embed_map_remove(ee, it);
                    it->queued = false;
                    it->next = NULL;
                    out[n++] = it;
                    q->n--;
                    continue;
                }
                if (it->next_retry_at < *wake)
                    *wake = it->next_retry_at;
                last_kept = it;
                pp = &it->next;
            }
            if (!*pp)
                q->tail = last_kept; /* scanned to the end: the last item kept is the tail */
            if (n) {
                ee->rr = qi + 1;
                *qidx = qi;
                return n;
            }
        }
    }
    return 0;
}

/* ---- the loop --------------------------------------------------------------------------------- */

void *embed_worker_main(void *arg)
{
    EmbedEngine *ee = arg;
    Worker *w = calloc(1, sizeof *w);
    EmbedItem **batch = calloc(MAX_BATCH, sizeof *batch);
    ItemWork *iw = calloc(MAX_BATCH, sizeof *iw);
    if (!w || !batch || !iw) {
        free(w);
        free(batch);
        free(iw);
        return NULL;
    }
    w->ee = ee;
    pthread_mutex_lock(&ee->mu);
    w->id = ee->next_worker_id++;
    shale_random_seed(&w->rnd, 0x5eedull + (uint64_t)w->id);
    while (!atomic_load(&ee->stopping)) {
        int qi;
        int64_t wake;
        int n = claim(ee, batch, MAX_BATCH, &qi, &wake);
        if (n == 0) {
            int64_t ms = (wake - embed_now_us()) / 1000;
            if (ms < 1)
                ms = 1;
            if (ms > 500)
                ms = 500;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += ms / 1000;
            ts.tv_nsec += (ms % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&ee->work_cv, &ee->mu, &ts);
            continue;
        }
        EmbedQueue *q = &ee->queues[qi];
        Oid db = q->db, embedder = q->embedder;
        int bs = q->batch_size;
        q->active++;
        if (w->id < 64) {
            ee->wf_items[w->id] = batch;
            ee->wf_n[w->id] = n;
        }
        pthread_mutex_unlock(&ee->mu);

        memset(iw, 0, sizeof *iw * (size_t)n);
        for (int i = 0; i < n; i++)
            iw[i].it = batch[i];
        bool down = false;
        process_batch(w, db, embedder, iw, n, &down, &bs);

        pthread_mutex_lock(&ee->mu);
        q = embed_queue_get(ee, db, embedder);
        if (q) {
            q->active--;
            q->batch_size = bs > 0 ? (bs > MAX_BATCH / 4 ? MAX_BATCH / 4 : bs) : 64;
            if (down) {
                q->fail_streak++;
                q->backoff_until = embed_now_us() + backoff_us(w, q->fail_streak);
            } else {
                q->fail_streak = 0;
                q->backoff_until = 0;
            }
        }
        if (w->id < 64)
            ee->wf_n[w->id] = 0;
        int64_t retry_at = embed_now_us() + backoff_us(w, 1);
        for (int i = 0; i < n; i++) {
            if (iw[i].fate == FATE_REQUEUE && !atomic_load(&ee->stopping) &&
                embed_requeue(ee, batch[i], retry_at) == 0)
                continue;
            free(batch[i]->text);
            free(batch[i]);
        }
        pthread_cond_broadcast(&ee->done_cv);
    }
    pthread_mutex_unlock(&ee->mu);
    for (int i = 0; i < w->nsess; i++)
        sql_session_close(w->sess[i].s);
    free(w);
    free(batch);
    free(iw);
    return NULL;
}
