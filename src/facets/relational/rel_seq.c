/* rel_seq.c -- non-transactional per-table state: sequences, approximate row counts and the
 * hidden row-id counters. All of it is guarded by rdb->seq_mu.
 *
 * Meta keys (KEY_DB_META range, written outside transactions):
 *   FFFFFFFF | 00000001 | db | seq oid      -> last:i64 LE | is_called:u8   (sequence state)
 *   FFFFFFFF | 00000002 | db | relfilenode  -> rows:i64 LE                  (row-count estimate)
 * A sequence persists a value 32 increments ahead of what it hands out (synced) before
 * handing it out, so after a crash it restarts beyond every value returned (PostgreSQL's
 * SEQ_LOG_VALS); a clean close (seq_persist_exact) stores the exact state again, so only a
 * crash leaves a gap. Row-id counters are not persisted: the first insert of a process into a
 * table continues after the largest row id stored. */
#include <stdlib.h>
#include <string.h>

#include "catalog/keycodec.h"
#include "facets/relational/rel_int.h"
#include "util/coding.h"

#define META_SEQ 1u
#define META_COUNT 2u
#define SEQ_LOG_VALS 32

typedef struct SeqState {
    struct SeqState *next;
    Oid db, oid;
    int64_t last;
    bool is_called;
    int64_t durable;           /* value persisted: nextval may hand out up to it */
} SeqState;

static void meta_key(char *k, uint32_t kind, Oid db, uint32_t id)
{
    keycodec_put_u32be(k, KEY_DB_META);
    keycodec_put_u32be(k + 4, kind);
    keycodec_put_u32be(k + 8, db);
    keycodec_put_u32be(k + 12, id);
}

/* Clean close: every sequence whose stored state runs ahead of what it handed out gets
 * its exact state (last value, is_called) back, so the next process continues without a
 * gap, as PostgreSQL after a clean shutdown. Crash safety is unchanged: the next nextval
 * persists SEQ_LOG_VALS ahead again before handing a value out, and a crash before this
 * write leaves the ahead value (a gap, never a repeat). Synced: after this returns, the
 * exact state is what a restart reads. */
void seq_persist_exact(RelDB *rdb)
{
    ShaleWriteBatch *b = shale_batch_new();
    if (!b)
        return;   /* OOM: the stored ahead values stay (a gap after restart, no repeat) */
    pthread_mutex_lock(&rdb->seq_mu);
    for (SeqState *s = rdb->seqs; s; s = s->next) {
        if (s->durable == s->last)
            continue;
        char k[16], val[9];
        meta_key(k, META_SEQ, s->db, s->oid);
        shale_put_fixed64(val, (uint64_t)s->last);
        val[8] = s->is_called ? 1 : 0;
        shale_batch_put(b, k, sizeof k, val, sizeof val);
    }
    pthread_mutex_unlock(&rdb->seq_mu);
    if (shale_batch_count(b) && shale_db_write(rdb->db, b, true, NULL) != SHALE_OK) {
        /* the ahead values stay stored: a gap after restart, never a repeated value */
    }
    shale_batch_free(b);
}

void seq_free_all(RelDB *rdb)
{
    while (rdb->seqs) {
        SeqState *s = rdb->seqs;
        rdb->seqs = s->next;
        free(s);
    }
}

static int seq_persist(RelDB *rdb, SeqState *s, int64_t v, bool is_called, SqlError *err)
{
    char k[16], val[9];
    meta_key(k, META_SEQ, s->db, s->oid);
    shale_put_fixed64(val, (uint64_t)v);
    val[8] = is_called ? 1 : 0;
    ShaleError se;
    if (shale_db_put(rdb->db, k, sizeof k, val, sizeof val, true, &se) != SHALE_OK)
        return sql_error_from_storage(err, &se);
    return 0;
}

/* seq_mu held. */
static SeqState *seq_get(RelDB *rdb, Oid db, const CatRelation *seq, SqlError *err)
{
    for (SeqState *s = rdb->seqs; s; s = s->next)
        if (s->db == db && s->oid == seq->oid)
            return s;
    SeqState *s = calloc(1, sizeof *s);
    if (!s) {
        SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    s->db = db;
    s->oid = seq->oid;
    char k[16];
    meta_key(k, META_SEQ, db, seq->oid);
    char *v = NULL;
    size_t vlen = 0;
    ShaleError se;
    ShaleCode rc = shale_db_get(rdb->db, NULL, k, sizeof k, &v, &vlen, &se);
    if (rc == SHALE_OK && vlen == 9) {
        s->last = (int64_t)shale_get_fixed64(v);
        s->is_called = v[8] != 0;
    } else if (rc == SHALE_OK || rc == SHALE_NOT_FOUND) {
        if (rc == SHALE_OK) {
            free(v);
            free(s);
            SQL_ERR(err, DATA_CORRUPTED, "bad state of sequence \"%s\"", seq->name);
            return NULL;
        }
        s->last = seq->seq.start;
        s->is_called = false;
    } else {
        free(s);
        sql_error_from_storage(err, &se);
        return NULL;
    }
    free(v);
    s->durable = s->last;
    s->next = rdb->seqs;
    rdb->seqs = s;
    return s;
}

int rel_seq_nextval(RelDB *rdb, Oid db, const CatRelation *seq, int64_t *out, SqlError *err)
{
    const CatSequenceDef *d = &seq->seq;
    pthread_mutex_lock(&rdb->seq_mu);
    SeqState *s = seq_get(rdb, db, seq, err);
    if (!s) {
        pthread_mutex_unlock(&rdb->seq_mu);
        return -1;
    }
    int64_t next;
    if (!s->is_called) {
        next = s->last;
    } else {
        bool ovf = __builtin_add_overflow(s->last, d->increment, &next);
        if (ovf || (d->increment > 0 && next > d->max) || (d->increment < 0 && next < d->min)) {
            if (!d->cycle) {
                pthread_mutex_unlock(&rdb->seq_mu);
                return SQL_ERR(err, SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
                               "nextval: reached %s value of sequence \"%s\" (%lld)",
                               d->increment > 0 ? "maximum" : "minimum", seq->name,
                               (long long)(d->increment > 0 ? d->max : d->min));
            }
            next = d->increment > 0 ? d->min : d->max;
        }
    }
    bool beyond = d->increment > 0 ? next > s->durable : next < s->durable;
    if (beyond || !s->is_called) {
        int64_t ahead;
        if (__builtin_mul_overflow(d->increment, (int64_t)SEQ_LOG_VALS, &ahead) ||
            __builtin_add_overflow(next, ahead, &ahead))
            ahead = d->increment > 0 ? d->max : d->min;
        if (d->increment > 0 && ahead > d->max) ahead = d->max;
        if (d->increment < 0 && ahead < d->min) ahead = d->min;
        if (beyond || ahead != s->durable) {
            if (seq_persist(rdb, s, ahead, true, err) != 0) {
                pthread_mutex_unlock(&rdb->seq_mu);
                return -1;
            }
            s->durable = ahead;
        }
    }
    s->last = next;
    s->is_called = true;
    *out = next;
    pthread_mutex_unlock(&rdb->seq_mu);
    return 0;
}

int rel_seq_setval(RelDB *rdb, Oid db, const CatRelation *seq, int64_t v, bool is_called, SqlError *err)
{
    const CatSequenceDef *d = &seq->seq;
    if (v < d->min || v > d->max)
        return SQL_ERR(err, NUMERIC_VALUE_OUT_OF_RANGE,
                       "setval: value %lld is out of bounds for sequence \"%s\" (%lld..%lld)",
                       (long long)v, seq->name, (long long)d->min, (long long)d->max);
    pthread_mutex_lock(&rdb->seq_mu);
    SeqState *s = seq_get(rdb, db, seq, err);
    int rc = s ? seq_persist(rdb, s, v, is_called, err) : -1;
    if (rc == 0) {
        s->last = v;
        s->is_called = is_called;
        s->durable = v;
    }
    pthread_mutex_unlock(&rdb->seq_mu);
    return rc;
}

int rel_seq_state(RelDB *rdb, Oid db, const CatRelation *seq, int64_t *last_value, bool *is_called, SqlError *err)
{
    pthread_mutex_lock(&rdb->seq_mu);
    SeqState *s = seq_get(rdb, db, seq, err);
    if (s) {
        *last_value = s->last;
        *is_called = s->is_called;
    }
    pthread_mutex_unlock(&rdb->seq_mu);
    return s ? 0 : -1;
}

/* ---- row counts ------------------------------------------------------------------------------ */

/* seq_mu held. Returns the entry for id, loading it from storage; NULL on OOM. */
static CountEntry *count_entry(RelDB *rdb, uint64_t id)
{
    if ((rdb->counts_n + 1) * 2 > rdb->counts_cap) {
        size_t cap = rdb->counts_cap ? rdb->counts_cap * 2 : 64;
        CountEntry *n = calloc(cap, sizeof *n);
        if (!n)
            return NULL;
        for (size_t i = 0; i < rdb->counts_cap; i++) {
            if (!rdb->counts[i].loaded)
                continue;
            size_t j = shale_hash_u64(rdb->counts[i].id) & (cap - 1);
            while (n[j].loaded)
                j = (j + 1) & (cap - 1);
            n[j] = rdb->counts[i];
        }
        free(rdb->counts);
        rdb->counts = n;
        rdb->counts_cap = cap;
    }
    size_t j = shale_hash_u64(id) & (rdb->counts_cap - 1);
    while (rdb->counts[j].loaded) {
        if (rdb->counts[j].id == id)
            return &rdb->counts[j];
        j = (j + 1) & (rdb->counts_cap - 1);
    }
    CountEntry *e = &rdb->counts[j];
    e->id = id;
    e->loaded = true;
    e->n = 0;
    rdb->counts_n++;
    char k[16], *v = NULL;
    size_t vlen;
    meta_key(k, META_COUNT, (Oid)(id >> 32), (uint32_t)id);
    if (shale_db_get(rdb->db, NULL, k, sizeof k, &v, &vlen, NULL) == SHALE_OK && vlen == 8)
        e->n = (int64_t)shale_get_fixed64(v);
    free(v);
    return e;
}

void counts_apply(RelDB *rdb, const CountDelta *d, size_t n)
{
    if (!n)
        return;
    pthread_mutex_lock(&rdb->seq_mu);
    for (size_t i = 0; i < n; i++) {
        CountEntry *e = count_entry(rdb, d[i].id);
        if (e) {
            e->n += d[i].delta;
            if (e->n < 0)
                e->n = 0;
        }
    }
    pthread_mutex_unlock(&rdb->seq_mu);
}

void counts_set(RelDB *rdb, uint64_t id, int64_t n)
{
    pthread_mutex_lock(&rdb->seq_mu);
    CountEntry *e = count_entry(rdb, id);
    if (e)
        e->n = n < 0 ? 0 : n;
    pthread_mutex_unlock(&rdb->seq_mu);
    /* persisted now (not only at close): ANALYZE's count survives a crash */
    char k[16], v[8];
    meta_key(k, META_COUNT, (Oid)(id >> 32), (uint32_t)id);
    shale_put_fixed64(v, (uint64_t)(n < 0 ? 0 : n));
    if (shale_db_put(rdb->db, k, sizeof k, v, sizeof v, false, NULL) != SHALE_OK) {
        /* an estimate only: the in-memory count stays right, close persists it again */
    }
}

void counts_persist(RelDB *rdb)
{
    ShaleWriteBatch *b = shale_batch_new();
    if (!b)
        return;
    pthread_mutex_lock(&rdb->seq_mu);
    for (size_t i = 0; i < rdb->counts_cap; i++) {
        CountEntry *e = &rdb->counts[i];
        if (!e->loaded)
            continue;
        char k[16], v[8];
        meta_key(k, META_COUNT, (Oid)(e->id >> 32), (uint32_t)e->id);
        shale_put_fixed64(v, (uint64_t)e->n);
        shale_batch_put(b, k, sizeof k, v, sizeof v);
    }
    pthread_mutex_unlock(&rdb->seq_mu);
    if (shale_batch_count(b) && shale_db_write(rdb->db, b, false, NULL) != SHALE_OK) {
        /* statistics only: a lost update makes the estimate stale, nothing else */
    }
    shale_batch_free(b);
}

int64_t rel_table_row_estimate(RelDB *rdb, Oid db, const CatRelation *rel)
{
    pthread_mutex_lock(&rdb->seq_mu);
    CountEntry *e = count_entry(rdb, ((uint64_t)db << 32) | rel->relfilenode);
    int64_t n = e ? e->n : 0;
    pthread_mutex_unlock(&rdb->seq_mu);
    return n;
}

/* ---- hidden row ids ---------------------------------------------------------------------------- */

int64_t rowid_next(RelDB *rdb, Oid db, uint32_t relfilenode, SqlError *err)
{
    uint64_t id = ((uint64_t)db << 32) | relfilenode;
    pthread_mutex_lock(&rdb->seq_mu);
    for (size_t i = 0; i < rdb->rowids_n; i++)
        if (rdb->rowids[i].id == id) {
            int64_t v = ++rdb->rowids[i].n;
            pthread_mutex_unlock(&rdb->seq_mu);
            return v;
        }
    if (rdb->rowids_n == rdb->rowids_cap) {
        size_t cap = rdb->rowids_cap ? rdb->rowids_cap * 2 : 16;
        CountEntry *n = realloc(rdb->rowids, cap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&rdb->seq_mu);
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        }
        rdb->rowids = n;
        rdb->rowids_cap = cap;
    }
    /* the largest stored row id: last key of the rows range */
    char lo[KEY_PREFIX_LEN], hi[KEY_PREFIX_LEN];
    keycodec_put_u32be(lo, db);
    keycodec_put_u32be(lo + 4, relfilenode);
    keycodec_put_u32be(lo + 8, KEY_INDEX_ROWS);
    memcpy(hi, lo, sizeof hi);
    keycodec_put_u32be(hi + 8, KEY_INDEX_ROWS + 1);
    int64_t max = 0;
    ShaleDBIter *it = shale_db_iter_new(rdb->db, NULL);
    if (it) {
        shale_db_iter_seek_for_prev(it, hi, sizeof hi);
        if (shale_db_iter_valid(it)) {
            size_t kl;
            const char *k = shale_db_iter_key(it, &kl);
            if (kl > KEY_PREFIX_LEN && memcmp(k, lo, KEY_PREFIX_LEN) == 0) {
                const char *p = k + KEY_PREFIX_LEN;
                Value v;
                if (keycodec_decode_value(&p, k + kl, INT8OID, 0, NULL, &v, NULL) == SHALE_OK && !v.null)
                    max = v.u.i;
            }
        }
        shale_db_iter_destroy(it);
    }
    rdb->rowids[rdb->rowids_n++] = (CountEntry){ id, max + 1, true };
    pthread_mutex_unlock(&rdb->seq_mu);
    return max + 1;
}
