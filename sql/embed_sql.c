/* embed_sql.c -- the SQL surface of embedding jobs, served through sql/pgcat's registries:
 *
 *   shale_embedding_jobs    one row per job, read from storage in the statement's snapshot
 *   shale_embedding_status  one row per embedding column, from the engine's exact in-memory
 *                           counters (committed state) and its recent completion rate
 *   shale_embedders         one row per embedder: name, provider, stored options (what
 *                           `shalectl dump` needs to re-create it)
 *   shale_embedding_columns one row per EMBEDDING OF column: attrelid, attnum, expression
 *                           text, embedder name (the definition, for `shalectl dump`)
 *   embed(embedder, text) -> vector                     synchronous
 *   shale_retry_failed_embeddings(regclass) -> bigint   failed jobs back to pending
 *   shale_wait_for_embeddings([timeout_ms int]) -> bool read-your-writes wait
 *
 * Values are produced in the arena the scan/call gives (pgcat.h's memory rules). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/blocking.h"
#include "catalog/keycodec.h"
#include "sql/embed_int.h"
#include "sql/types/types.h"

#define EMBED_VIEW_JOBS_OID 9400u
#define EMBED_VIEW_STATUS_OID 9401u
#define EMBED_VIEW_EMBEDDERS_OID 9402u
#define EMBED_VIEW_COLUMNS_OID 9403u

static Value text_val(ShaleArena *a, Oid type, const char *s, size_t n)
{
    char *p = shale_arena_alloc(a, n ? n : 1);
    if (!p)
        return value_null(type);
    memcpy(p, s, n);
    return value_bytes(type, p, (uint32_t)n);
}

static Value cstr_val(ShaleArena *a, Oid type, const char *s)
{
    return s ? text_val(a, type, s, strlen(s)) : value_null(type);
}

static Value interval_us(int64_t us)
{
    Value v = value_null(INTERVALOID);
    v.null = false;
    v.u.iv.months = 0;
    v.u.iv.days = 0;
    v.u.iv.us = us;
    return v;
}

static EmbedEngine *env_engine(const QueryEnv *env)
{
    SqlSession *s = env->session;
    return s ? s->eng->embed : NULL;
}

static const char *embedder_name_of(const QueryEnv *env, Oid oid)
{
    const CatEmbedder *e = embed_embedder_by_oid(env->cat, oid);
    return e ? e->name : NULL;
}

/* ---- shale_embedding_jobs ----------------------------------------------------------------- */

static const PgCatColumn jobs_cols[] = {
    {"table_name", NAMEOID, -1}, {"column_name", NAMEOID, -1}, {"row_key", TEXTOID, -1},
    {"status", TEXTOID, -1}, {"attempts", INT4OID, -1}, {"content_hash", TEXTOID, -1},
    {"embedder", NAMEOID, -1}, {"last_error", TEXTOID, -1}, {"enqueued_at", TIMESTAMPTZOID, -1},
    {"updated_at", TIMESTAMPTZOID, -1}, {"next_retry_at", TIMESTAMPTZOID, -1},
};

typedef struct JobsScan {
    const QueryEnv *env;
    ShaleArena *arena;
    PgCatEmit emit;
    void *arg;
    SqlError *err;
    const CatRelation *rel;
    int col;
} JobsScan;

static int jobs_row(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
    JobsScan *js = arg;
    EmbedJob j;
    if (embed_job_decode(val, vlen, &j) != 0 || klen < KEY_PREFIX_LEN)
        return 0;
    const CatRelation *rel = js->rel;
    const CatIndex *pk = catrel_primary_index(rel);
    ShaleBuf rk;
    shale_buf_init(&rk);
    Value pkv[40];
    if (pk && pk->ncols <= 40 &&
        rel_decode_index_values(rel, pk, key + KEY_PREFIX_LEN, klen - KEY_PREFIX_LEN, js->arena, pkv, js->err) == 0) {
        for (int i = 0; i < pk->ncols; i++) {
            if (i)
                shale_buf_append(&rk, ", ", 2);
            if (pkv[i].null)
                shale_buf_append(&rk, "NULL", 4);
            else
                types_output(js->env->tc, &pkv[i], &rk);
        }
    }
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)j.hash);
    const char *st = j.status == EMBED_JOB_PENDING ? "pending" : j.status == EMBED_JOB_READY ? "ready" : "failed";
    Value v[11];
    v[0] = cstr_val(js->arena, NAMEOID, rel->name);
    v[1] = cstr_val(js->arena, NAMEOID, rel->cols[js->col].name);
    v[2] = text_val(js->arena, TEXTOID, rk.data ? rk.data : "", rk.len);
    v[3] = cstr_val(js->arena, TEXTOID, st);
    v[4] = value_int(INT4OID, j.attempts);
    v[5] = cstr_val(js->arena, TEXTOID, hex);
    v[6] = cstr_val(js->arena, NAMEOID, embedder_name_of(js->env, j.embedder));
    v[7] = j.last_error[0] ? cstr_val(js->arena, TEXTOID, j.last_error) : value_null(TEXTOID);
    v[8] = value_int(TIMESTAMPTZOID, j.enqueued_at);
    v[9] = value_int(TIMESTAMPTZOID, j.updated_at);
    v[10] = j.next_retry_at ? value_int(TIMESTAMPTZOID, j.next_retry_at) : value_null(TIMESTAMPTZOID);
    shale_buf_free(&rk);
    return js->emit(js->arg, v, js->err) == 0 ? 0 : -1;
}

static int jobs_rows(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    if (!env->txn)
        return 0;
    for (int i = 0; i < catsnap_n_relations(env->cat); i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int c = 0; c < rel->ncols; c++) {
            if (!embed_is_column(rel, c))
                continue;
            JobsScan js = { env, arena, emit, arg, err, rel, c };
            ShaleBuf lo, hi;
            shale_buf_init(&lo);
            shale_buf_init(&hi);
            embed_job_prefix(&lo, env->database_oid, rel->relfilenode, rel->cols[c].attnum);
            shale_buf_append(&hi, lo.data, lo.len);
            bool bounded = keycodec_prefix_successor(&hi);
            int rc = lo.oom || hi.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory")
                                      : rel_aux_scan(env->txn, lo.data, lo.len, bounded ? hi.data : NULL, hi.len,
                                                     jobs_row, &js, err);
            shale_buf_free(&lo);
            shale_buf_free(&hi);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- shale_embedding_status ----------------------------------------------------------------- */

static const PgCatColumn status_cols[] = {
    {"table_name", NAMEOID, -1}, {"column_name", NAMEOID, -1}, {"embedder", NAMEOID, -1},
    {"pending", INT8OID, -1}, {"ready", INT8OID, -1}, {"failed", INT8OID, -1},
    {"oldest_pending_age", INTERVALOID, -1}, {"rows_per_second", FLOAT8OID, -1}, {"eta", INTERVALOID, -1},
};

static int status_rows(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    EmbedEngine *ee = env_engine(env);
    if (!ee)
        return 0;
    int64_t now = embed_now_us();
    int64_t sec = (int64_t)time(NULL);
    for (int i = 0; i < catsnap_n_relations(env->cat); i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int c = 0; c < rel->ncols; c++) {
            if (!embed_is_column(rel, c))
                continue;
            EmbedJobRef ref = { env->database_oid, rel->oid, rel->relfilenode, rel->cols[c].attnum };
            int64_t pending = 0, ready = 0, failed = 0, oldest = 0, done = 0;
            pthread_mutex_lock(&ee->mu);
            EmbedCol *col = embed_col_find(ee, &ref, false);
            if (col && col->ref.relfilenode == ref.relfilenode) {
                pending = col->pending;
                ready = col->ready;
                failed = col->failed;
                for (int k = 0; k < EMBED_RATE_SLOTS; k++)
                    if (col->rate_sec[k] >= sec - EMBED_RATE_SLOTS && col->rate_sec[k] < sec)
                        done += col->rate_n[k];
            }
            if (pending > 0) {
                for (int q = 0; q < ee->nqueues; q++)
                    for (EmbedItem *it = ee->queues[q].head; it; it = it->next)
                        if (it->ref.rel == ref.rel && it->ref.db == ref.db && it->ref.attnum == ref.attnum &&
                            (!oldest || it->enqueued_at < oldest))
                            oldest = it->enqueued_at;
                for (int w = 0; w < 64; w++)
                    for (int k = 0; k < ee->wf_n[w]; k++) {
                        EmbedItem *it = ee->wf_items[w][k];
                        if (it->ref.rel == ref.rel && it->ref.db == ref.db && it->ref.attnum == ref.attnum &&
                            (!oldest || it->enqueued_at < oldest))
                            oldest = it->enqueued_at;
                    }
            }
            pthread_mutex_unlock(&ee->mu);
            double rate = (double)done / EMBED_RATE_SLOTS;
            Value v[9];
            v[0] = cstr_val(arena, NAMEOID, rel->name);
            v[1] = cstr_val(arena, NAMEOID, rel->cols[c].name);
            v[2] = cstr_val(arena, NAMEOID, embedder_name_of(env, rel->cols[c].embed_embedder));
            v[3] = value_int(INT8OID, pending);
            v[4] = value_int(INT8OID, ready);
            v[5] = value_int(INT8OID, failed);
            v[6] = pending > 0 && oldest ? interval_us(now - oldest) : value_null(INTERVALOID);
            v[7] = value_float(FLOAT8OID, rate);
            v[8] = pending == 0 ? interval_us(0)
                   : rate > 0 ? interval_us((int64_t)((double)pending / rate * 1e6)) : value_null(INTERVALOID);
            if (emit(arg, v, err) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- shale_embedders / shale_embedding_columns (definitions, from the catalog snapshot) ------ */

static const PgCatColumn embedders_cols[] = {
    {"oid", OIDOID, -1}, {"name", NAMEOID, -1}, {"provider", TEXTOID, -1}, {"options", TEXTOID, -1},
};

static int embedders_rows(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    for (int i = 0; i < catsnap_n_embedders(env->cat); i++) {
        const CatEmbedder *e = catsnap_embedder(env->cat, i);
        Value v[4];
        v[0] = value_int(OIDOID, (int64_t)e->oid);
        v[1] = cstr_val(arena, NAMEOID, e->name);
        v[2] = cstr_val(arena, TEXTOID, e->provider);
        v[3] = cstr_val(arena, TEXTOID, e->options ? e->options : "");
        if (emit(arg, v, err) != 0)
            return -1;
    }
    return 0;
}

static const PgCatColumn columns_cols[] = {
    {"attrelid", OIDOID, -1}, {"attnum", INT2OID, -1}, {"expression", TEXTOID, -1}, {"embedder", NAMEOID, -1},
};

static int columns_rows(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    for (int i = 0; i < catsnap_n_relations(env->cat); i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int c = 0; c < rel->ncols; c++) {
            if (!embed_is_column(rel, c))
                continue;
            Value v[4];
            v[0] = value_int(OIDOID, (int64_t)rel->oid);
            v[1] = value_int(INT2OID, rel->cols[c].attnum);
            v[2] = cstr_val(arena, TEXTOID, rel->cols[c].embed_expr);
            v[3] = cstr_val(arena, NAMEOID, embedder_name_of(env, rel->cols[c].embed_embedder));
            if (emit(arg, v, err) != 0)
                return -1;
        }
    }
    return 0;
}

static const PgCatTable embed_views[] = {
    {"pg_catalog", "shale_embedding_jobs", EMBED_VIEW_JOBS_OID, 'v', 11, jobs_cols, jobs_rows},
    {"pg_catalog", "shale_embedding_status", EMBED_VIEW_STATUS_OID, 'v', 9, status_cols, status_rows},
    {"pg_catalog", "shale_embedders", EMBED_VIEW_EMBEDDERS_OID, 'v', 4, embedders_cols, embedders_rows},
    {"pg_catalog", "shale_embedding_columns", EMBED_VIEW_COLUMNS_OID, 'v', 4, columns_cols, columns_rows},
};
#define N_EMBED_VIEWS ((int)(sizeof embed_views / sizeof embed_views[0]))

const PgCatTable *embed_views_lookup(const char *schema, const char *name)
{
    for (int i = 0; i < N_EMBED_VIEWS; i++)
        if (!strcmp(embed_views[i].name, name) && !strcmp(embed_views[i].schema, schema ? schema : "pg_catalog"))
            return &embed_views[i];
    return NULL;
}

const PgCatTable *embed_views_lookup_oid(Oid oid)
{
    for (int i = 0; i < N_EMBED_VIEWS; i++)
        if (embed_views[i].oid == oid)
            return &embed_views[i];
    return NULL;
}

int embed_views_count(void)
{
    return N_EMBED_VIEWS;
}

const PgCatTable *embed_views_at(int i)
{
    return i >= 0 && i < N_EMBED_VIEWS ? &embed_views[i] : NULL;
}

/* ---- functions ------------------------------------------------------------------------------ */

static const char *arg_cstr(ShaleArena *a, const Value *v)
{
    char *p = shale_arena_alloc(a, v->u.s.n + 1u);
    if (p) {
        memcpy(p, v->u.s.p, v->u.s.n);
        p[v->u.s.n] = '\0';
    }
    return p;
}

static bool env_cancelled(void *arg)
{
    const QueryEnv *env = arg;
    return env->hooks.cancelled && env->hooks.cancelled(env->hooks.arg);
}

static int fn_embed(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)nargs;
    EmbedEngine *ee = env_engine(env);
    const char *name = arg_cstr(a, &args[0]);
    if (!ee || !name)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    const CatEmbedder *ce = catsnap_embedder_by_name(env->cat, name);
    if (!ce)
        return SQL_ERR(err, UNDEFINED_OBJECT, "embedder \"%s\" does not exist", name);
    EmbedReg *r;
    if (embed_reg_get(ee, env->database_oid, ce, &r, err) != 0)
        return -1;
    int dims = embedder_dims(r->e);
    char *vb = shale_arena_alloc(a, 4 + (size_t)dims * 4);
    float *f = malloc((size_t)dims * sizeof(float));
    const char *text = args[1].u.s.p ? args[1].u.s.p : "";
    size_t len = args[1].u.s.n;
    EmbedFailure fail;
    memset(&fail, 0, sizeof fail);
    int rc = 0;
    if (!vb || !f)
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    else if (embedder_embed(r->e, &text, &len, 1, f, env_cancelled, (void *)env, &fail) != 0)
        rc = fail.kind == EMBED_PERMANENT ? SQL_ERR(err, DATA_EXCEPTION, "embedder \"%s\" failed: %s", name, fail.message)
                                          : SQL_ERR(err, CONNECTION_EXCEPTION, "embedder \"%s\" failed: %s", name,
                                                    fail.message);
    embed_reg_release(ee, r);
    if (rc == 0) {
        vb[0] = (char)(dims & 0xff);
        vb[1] = (char)(dims >> 8);
        vb[2] = vb[3] = 0;
        memcpy(vb + 4, f, (size_t)dims * 4); /* little-endian hosts only (x86-64, arm64) */
        *out = value_bytes(VECTOROID, vb, (uint32_t)(4 + dims * 4));
    }
    free(f);
    return rc;
}

typedef struct RetryScan {
    ShaleArena *a;
    char **keys;
    size_t *lens;
    size_t n, cap;
} RetryScan;

static int retry_collect(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
    RetryScan *r = arg;
    EmbedJob j;
    if (embed_job_decode(val, vlen, &j) != 0 || j.status != EMBED_JOB_FAILED)
        return 0;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        char **nk = shale_arena_alloc(r->a, nc * sizeof *nk);
        size_t *nl = shale_arena_alloc(r->a, nc * sizeof *nl);
        if (!nk || !nl)
            return -1;
        if (r->n) {
            memcpy(nk, r->keys, r->n * sizeof *nk);
            memcpy(nl, r->lens, r->n * sizeof *nl);
        }
        r->keys = nk;
        r->lens = nl;
        r->cap = nc;
    }
    char *k = shale_arena_alloc(r->a, klen);
    if (!k)
        return -1;
    memcpy(k, key, klen);
    r->keys[r->n] = k;
    r->lens[r->n++] = klen;
    return 0;
}

static int fn_retry_failed(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                           SqlError *err)
{
    (void)nargs;
    SqlSession *s = env->session;
    const CatRelation *rel = catsnap_relation_by_oid(env->cat, (Oid)args[0].u.i);
    if (!s || !env->txn)
        return SQL_ERR(err, INTERNAL_ERROR, "no transaction");
    if (!rel)
        return SQL_ERR(err, UNDEFINED_TABLE, "relation with OID %u does not exist", (Oid)args[0].u.i);
    int64_t count = 0, now = embed_now_us();
    for (int c = 0; c < rel->ncols; c++) {
        if (!embed_is_column(rel, c))
            continue;
        RetryScan rs = { a, NULL, NULL, 0, 0 };
        ShaleBuf lo, hi, v;
        shale_buf_init(&lo);
        shale_buf_init(&hi);
        shale_buf_init(&v);
        embed_job_prefix(&lo, env->database_oid, rel->relfilenode, rel->cols[c].attnum);
        shale_buf_append(&hi, lo.data, lo.len);
        bool bounded = keycodec_prefix_successor(&hi);
        int rc = lo.oom || hi.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory")
                                  : rel_aux_scan(env->txn, lo.data, lo.len, bounded ? hi.data : NULL, hi.len,
                                                 retry_collect, &rs, err);
        EmbedJobRef ref = { env->database_oid, rel->oid, rel->relfilenode, rel->cols[c].attnum };
        for (size_t i = 0; i < rs.n && rc == 0; i++) {
            RelLockResult res;
            rc = rel_lock_row(env->txn, rel, rs.keys[i] + KEY_PREFIX_LEN, rs.lens[i] - KEY_PREFIX_LEN,
                              REL_LOCK_EXCLUSIVE, NULL, &res, err);
            if (rc != 0 || res == REL_ROW_DELETED)
                continue;
            EmbedJob j;
            int g = rel_aux_get(env->txn, rs.keys[i], rs.lens[i], true, &v, err);
            if (g < 0) {
                rc = -1;
                break;
            }
            if (g == 0 || embed_job_decode(v.data, v.len, &j) != 0 || j.status != EMBED_JOB_FAILED)
                continue;
            j.status = EMBED_JOB_PENDING;
            j.attempts = 0;
            j.next_retry_at = 0;
            j.enqueued_at = j.updated_at = now;
            rc = embed_txn_write(s, &ref, rs.keys[i], rs.lens[i], &j, EMBED_JOB_FAILED, NULL, 0, err);
            if (rc == 0)
                count++;
        }
        shale_buf_free(&lo);
        shale_buf_free(&hi);
        shale_buf_free(&v);
        if (rc != 0)
            return -1;
    }
    *out = value_int(INT8OID, count);
    return 0;
}

/* True while a job this session queued (owner) up to sequence seq is queued or in flight.
 * REQUIRES mu. */
static bool outstanding(EmbedEngine *ee, int64_t owner, uint64_t seq)
{
    for (int q = 0; q < ee->nqueues; q++)
        for (EmbedItem *it = ee->queues[q].head; it; it = it->next)
            if (it->owner == owner && it->seq <= seq)
                return true;
    for (int w = 0; w < 64; w++)
        for (int k = 0; k < ee->wf_n[w]; k++)
            if (ee->wf_items[w][k]->owner == owner && ee->wf_items[w][k]->seq <= seq)
                return true;
    return false;
}

static int fn_wait(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)a;
    SqlSession *s = env->session;
    EmbedEngine *ee = env_engine(env);
    int64_t timeout_ms = nargs > 0 && !args[0].null ? args[0].u.i : 10000;
    if (!s || !ee)
        return SQL_ERR(err, INTERNAL_ERROR, "no session");
    if (ee->nthreads == 0) {
        *out = value_bool(false);
        return 0;
    }
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    int64_t deadline = (int64_t)dl.tv_sec * 1000 + dl.tv_nsec / 1000000 + (timeout_ms > 0 ? timeout_ms : 0);
    bool ok = false;
    pthread_mutex_lock(&ee->mu);
    for (;;) {
        if (s->embed_wait_seq == 0 || !outstanding(ee, s->pid, s->embed_wait_seq)) {
            ok = true;
            break;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t nms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
        if (nms >= deadline || env_cancelled((void *)env) || atomic_load(&ee->stopping))
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        shale_block_enter();
        pthread_cond_timedwait(&ee->done_cv, &ee->mu, &ts);
        shale_block_leave();
    }
    pthread_mutex_unlock(&ee->mu);
    if (!ok && env_cancelled((void *)env))
        return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
    *out = value_bool(ok);
    return 0;
}

static const PgCatFunc embed_funcs[] = {
    {"embed", 2, {TEXTOID, TEXTOID, 0, 0}, VECTOROID, true, fn_embed, 9410},
    {"shale_retry_failed_embeddings", 1, {REGCLASSOID, 0, 0, 0}, INT8OID, true, fn_retry_failed, 9411},
    {"shale_wait_for_embeddings", 0, {0, 0, 0, 0}, BOOLOID, false, fn_wait, 9412},
    {"shale_wait_for_embeddings", 1, {INT4OID, 0, 0, 0}, BOOLOID, false, fn_wait, 9413},
};

int embed_func_count(void)
{
    return (int)(sizeof embed_funcs / sizeof embed_funcs[0]);
}

const PgCatFunc *embed_func_at(int i)
{
    return i >= 0 && i < embed_func_count() ? &embed_funcs[i] : NULL;
}
