/* model_test.c -- randomized model test of the storage engine: one fixed-seed stream of
 * operations drives both a ShaleDB and an in-memory model, and every read is compared.
 *
 * The model: the key universe is a fixed, sorted array of a few thousand distinct binary keys
 * (variable length, zero bytes, shared prefixes); the database state is an array of stamps
 * indexed by key rank (0 = absent). A stamp names a value: value bytes are a pure function of
 * the stamp, so states and snapshots are just stamp arrays, and a snapshot is a copy of the
 * array taken when the engine snapshot was. Probe keys outside the universe are placed by
 * binary search, so seeks to arbitrary keys are modelled exactly.
 *
 * Operations (each counted): puts, deletes, atomic multi-op batches (one op per entry), point
 * gets at the latest state and at held snapshots, iterator steps (seek, seek_for_prev,
 * seek_to_first/last, next, prev, mixed directions; iterators stay open across later writes,
 * flushes and compactions), snapshot take/release, flush, compact_range over random and whole
 * ranges, full scans, close/reopen with varied table options, and shale_db_drop_range:
 * part of the universe is MT_GENS "generations" of keys "\x7fD<gen><suffix>" (no random key
 * starts with 0x7f); writes to generation keys go only to the current generation, and a
 * drop discards the current one (sometimes with already dropped ones, so ranges overlap
 * and merge) from the model's state and from every held snapshot's view, then checks that
 * a write into it is refused. Dropped generations are never written again (the contract). The default run is
 * 3,500,000 ops over three cases (1/5 of that under sanitizers), times SHALE_TEST_SCALE;
 * SHALE_MODEL_SEED=N reruns the main case with another seed. */
#include "tests/harness/test.h"
#include "tests/storage/db_test_util.h"

#define MT_SEED 0x5EA1EDB5ULL
#define MT_MAX_KEYS 4000
#define MT_KEY_MAX 24
#define MT_HOT 300
#define MT_MAX_SNAPS 6
#define MT_MAX_VALUE 8200
#define MT_GENS 40
#define MT_GEN_KEYS 14

typedef struct MtKey {
    uint8_t len;
    unsigned char b[MT_KEY_MAX];
} MtKey;

/* A held engine snapshot and the model state it must show. view is owned (malloc'd). */
typedef struct MtSnap {
    const ShaleSnapshot *snap;
    uint32_t *view;
    int iter_users; /* open iterators reading through it: it is not released meanwhile */
} MtSnap;

/* The whole test state; owned by mt_run's stack frame except the malloc'd arrays. */
typedef struct Mt {
    ShaleDB *db;
    ShaleDBOptions opts;
    char dir[600];
    ShaleRandom rnd;
    uint64_t seed;
    int mix;              /* 0: balanced; 1: delete-heavy with long-lived iterators */
    uint64_t op;          /* operations so far */
    bool failed;
    MtKey keys[MT_MAX_KEYS];
    int n_keys;
    int hot[MT_HOT];
    uint32_t *cur;        /* latest state: stamp per rank */
    uint32_t next_stamp;
    MtSnap snaps[MT_MAX_SNAPS];
    int n_snaps;
    /* the open iterator, if any */
    ShaleDBIter *it;
    uint32_t *it_view;    /* state the iterator must show: a snapshot's view or it_copy */
    uint32_t *it_copy;    /* owned scratch: the latest state copied when a latest iterator opens */
    int it_snap;          /* index into snaps or -1 */
    int it_pos;           /* model position: rank, or -1 when invalid */
    int it_budget;        /* steps left before it is destroyed */
    char *vbuf;           /* MT_MAX_VALUE scratch for expected values */
    /* counters for the summary */
    uint64_t n_puts, n_dels, n_batches, n_gets, n_iter_steps, n_flushes, n_compactions,
        n_reopens, n_snapshots_taken, n_found, n_drops;
    int gen_lo[MT_GENS + 1]; /* ranks of generation g: [gen_lo[g], gen_lo[g + 1]) */
    int drop_gen;            /* generations below are dropped; only this one is written */
} Mt;

static int mt_key_cmp(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(a, b, n);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int mt_key_qsort_cmp(const void *x, const void *y)
{
    const MtKey *a = x, *b = y;
    return mt_key_cmp(a->b, a->len, b->b, b->len);
}

/* A random key shaped like real data: shared prefixes, zero bytes, 0xff bytes. */
static void mt_random_key(ShaleRandom *r, MtKey *k)
{
    static const char *prefixes[] = {"", "user/", "user/1", "\x00\x00", "\xff", "idx:", "a", "b"};
    static const uint8_t prefix_len[] = {0, 5, 6, 2, 1, 4, 1, 1};
    int p = (int)shale_random_uniform(r, 8);
    memcpy(k->b, prefixes[p], prefix_len[p]);
    size_t len = prefix_len[p];
    size_t extra = shale_random_uniform(r, 14) + (len == 0 ? 1 : 0);
    for (size_t i = 0; i < extra && len < MT_KEY_MAX; i++) {
        uint64_t x = shale_random_uniform(r, 10);
        unsigned char c = x == 0 ? 0 : x == 1 ? 0xff : (unsigned char)('0' + shale_random_uniform(r, 10));
        k->b[len++] = c;
    }
    k->len = (uint8_t)len;
}

/* Rank of the first universe key >= k; *exact tells whether it equals k. */
static int mt_lower_bound(const Mt *m, const unsigned char *k, size_t klen, bool *exact)
{
    int lo = 0, hi = m->n_keys;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (mt_key_cmp(m->keys[mid].b, m->keys[mid].len, k, klen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *exact = lo < m->n_keys && mt_key_cmp(m->keys[lo].b, m->keys[lo].len, k, klen) == 0;
    return lo;
}

static size_t mt_value_len(uint32_t stamp)
{
    uint64_t h = shale_hash_u64((uint64_t)stamp * 2 + 1);
    unsigned r = (unsigned)(h % 1000);
    h >>= 10;
    if (r < 50)
        return 0;
    if (r < 600)
        return 1 + h % 40;
    if (r < 900)
        return 40 + h % 260;
    if (r < 992)
        return 300 + h % 1700;
    return 2000 + h % 6000;
}

/* The value named by stamp into buf (MT_MAX_VALUE bytes); returns its length. Half of the
 * values are compressible patterns, half random bytes; the first 4 bytes are the stamp. */
static size_t mt_value(uint32_t stamp, char *buf)
{
    size_t len = mt_value_len(stamp);
    ShaleRandom r;
    shale_random_seed(&r, stamp);
    bool pattern = stamp & 1;
    uint64_t x = shale_random_next(&r);
    for (size_t i = 0; i < len; i++) {
        if (pattern)
            buf[i] = (char)('a' + (stamp + i / 16) % 26);
        else {
            if (i % 8 == 0)
                x = shale_random_next(&r);
            buf[i] = (char)(x >> (8 * (i % 8)));
        }
    }
    for (size_t i = 0; i < 4 && i < len; i++)
        buf[i] = (char)(stamp >> (8 * i));
    return len;
}

static void mt_fail(Mt *m, const char *what, int rank, const void *got, size_t glen, uint32_t want)
{
    char kh[256], gh[256], wh[256];
    const MtKey *k = rank >= 0 && rank < m->n_keys ? &m->keys[rank] : NULL;
    size_t wlen = want ? mt_value(want, m->vbuf) : 0;
    CHECK_MSG(false, "model mismatch at op %llu (seed %llu): %s; key \"%s\" (rank %d); engine "
              "gave %s%s%s (len %zu); model wants %s%s%s (stamp %u, len %zu)",
              (unsigned long long)m->op, (unsigned long long)m->seed, what,
              k ? dbt_hex(kh, sizeof kh, k->b, k->len) : "-", rank, got ? "\"" : "",
              got ? dbt_hex(gh, sizeof gh, got, glen) : "(none)", got ? "\"" : "", glen,
              want ? "\"" : "", want ? dbt_hex(wh, sizeof wh, m->vbuf, wlen) : "(absent)",
              want ? "\"" : "", want, wlen);
    m->failed = true;
}

static void mt_fail_code(Mt *m, const char *what, int code, const ShaleError *err)
{
    CHECK_MSG(false, "engine error at op %llu (seed %llu): %s returned %d (%s): %s",
              (unsigned long long)m->op, (unsigned long long)m->seed, what, code,
              shale_code_name((ShaleCode)code), err ? err->msg : "");
    m->failed = true;
}

static bool mt_value_matches(Mt *m, uint32_t stamp, const char *v, size_t vlen)
{
    size_t want = mt_value(stamp, m->vbuf);
    return want == vlen && (vlen == 0 || memcmp(v, m->vbuf, vlen) == 0);
}

static bool mt_is_gen_key(const MtKey *k)
{
    return k->len >= 3 && k->b[0] == 0x7f && k->b[1] == 'D';
}

/* The first key of generation g (g may be MT_GENS: the end of the last one). */
static void mt_gen_begin(int g, unsigned char out[3])
{
    out[0] = 0x7f;
    out[1] = 'D';
    out[2] = (unsigned char)(0x40 + g);
}

/* A rank to write: never a key of a dropped or future generation (those are remapped to
 * the current generation, or to rank 0 when every generation is dropped). */
static int mt_pick_rank(Mt *m)
{
    int r;
    if (shale_random_uniform(&m->rnd, 100) < 60)
        r = m->hot[shale_random_uniform(&m->rnd, MT_HOT)];
    else
        r = (int)shale_random_uniform(&m->rnd, (uint64_t)m->n_keys);
    if (mt_is_gen_key(&m->keys[r]) && (r < m->gen_lo[m->drop_gen] || m->drop_gen >= MT_GENS ||
                                       r >= m->gen_lo[m->drop_gen + 1])) {
        int g = m->drop_gen;
        if (g >= MT_GENS || m->gen_lo[g + 1] == m->gen_lo[g])
            return 0;
        r = m->gen_lo[g] + (int)shale_random_uniform(&m->rnd, (uint64_t)(m->gen_lo[g + 1] - m->gen_lo[g]));
    }
    return r;
}

/* --- the engine side -------------------------------------------------------------- */

static void mt_open(Mt *m)
{
    ShaleError err;
    ShaleCode rc = shale_db_open(m->dir, &m->opts, &m->db, &err);
    if (rc != SHALE_OK) {
        mt_fail_code(m, "shale_db_open", rc, &err);
        m->db = NULL;
    }
}

static void mt_iter_close(Mt *m)
{
    if (!m->it)
        return;
    shale_db_iter_destroy(m->it);
    m->it = NULL;
    if (m->it_snap >= 0)
        m->snaps[m->it_snap].iter_users--;
    m->it_view = NULL;
}

static void mt_snap_release(Mt *m, int i)
{
    shale_db_release_snapshot(m->db, m->snaps[i].snap);
    free(m->snaps[i].view);
    /* keep the open iterator's index pointing at its snapshot */
    int last = m->n_snaps - 1;
    if (i != last) {
        m->snaps[i] = m->snaps[last];
        if (m->it && m->it_snap == last)
            m->it_snap = i;
    }
    m->n_snaps--;
}

static void mt_apply_put(Mt *m, int rank, uint32_t stamp) { m->cur[rank] = stamp; }

static void mt_do_put(Mt *m)
{
    int rank = mt_pick_rank(m);
    uint32_t stamp = m->next_stamp++;
    size_t vlen = mt_value(stamp, m->vbuf);
    ShaleError err;
    bool sync = shale_random_uniform(&m->rnd, 2000) == 0;
    ShaleCode rc = shale_db_put(m->db, m->keys[rank].b, m->keys[rank].len, m->vbuf, vlen, sync, &err);
    if (rc != SHALE_OK)
        return mt_fail_code(m, "shale_db_put", rc, &err);
    mt_apply_put(m, rank, stamp);
    m->op++;
    m->n_puts++;
}

static void mt_do_delete(Mt *m)
{
    int rank = mt_pick_rank(m);
    ShaleError err;
    ShaleCode rc = shale_db_delete(m->db, m->keys[rank].b, m->keys[rank].len, false, &err);
    if (rc != SHALE_OK)
        return mt_fail_code(m, "shale_db_delete", rc, &err);
    m->cur[rank] = 0;
    m->op++;
    m->n_dels++;
}

/* A batch of 0..24 entries, possibly touching one key several times (the last wins). */
static void mt_do_batch(Mt *m, ShaleWriteBatch *b)
{
    int n = shale_random_uniform(&m->rnd, 50) == 0 ? 0 : 1 + (int)shale_random_uniform(&m->rnd, 24);
    int ranks[24];
    uint32_t stamps[24];
    shale_batch_clear(b);
    for (int i = 0; i < n; i++) {
        ranks[i] = i > 0 && shale_random_uniform(&m->rnd, 6) == 0 ? ranks[i - 1] : mt_pick_rank(m);
        const MtKey *k = &m->keys[ranks[i]];
        if (shale_random_uniform(&m->rnd, 3) == 0) {
            stamps[i] = 0;
            shale_batch_delete(b, k->b, k->len);
        } else {
            stamps[i] = m->next_stamp++;
            size_t vlen = mt_value(stamps[i], m->vbuf);
            shale_batch_put(b, k->b, k->len, m->vbuf, vlen);
        }
    }
    if (shale_batch_count(b) != (uint32_t)n) {
        CHECK_MSG(false, "shale_batch_count %u != %d at op %llu", shale_batch_count(b), n,
                  (unsigned long long)m->op);
        m->failed = true;
        return;
    }
    ShaleError err;
    ShaleCode rc = shale_db_write(m->db, b, shale_random_uniform(&m->rnd, 500) == 0, &err);
    if (rc != SHALE_OK)
        return mt_fail_code(m, "shale_db_write", rc, &err);
    for (int i = 0; i < n; i++)
        m->cur[ranks[i]] = stamps[i];
    m->op += (uint64_t)(n ? n : 1);
    m->n_batches++;
}

static void mt_do_get(Mt *m)
{
    const uint32_t *view = m->cur;
    const ShaleSnapshot *snap = NULL;
    if (m->n_snaps && shale_random_uniform(&m->rnd, 10) < 4) {
        int s = (int)shale_random_uniform(&m->rnd, (uint64_t)m->n_snaps);
        view = m->snaps[s].view;
        snap = m->snaps[s].snap;
    }
    MtKey probe;
    const unsigned char *k;
    size_t klen;
    int rank;
    bool exact = true;
    if (shale_random_uniform(&m->rnd, 10) == 0) {
        mt_random_key(&m->rnd, &probe);
        rank = mt_lower_bound(m, probe.b, probe.len, &exact);
        k = probe.b;
        klen = probe.len;
    } else {
        rank = mt_pick_rank(m);
        k = m->keys[rank].b;
        klen = m->keys[rank].len;
    }
    uint32_t want = exact ? view[rank] : 0;
    char *val = (char *)1;
    size_t vlen = 12345;
    ShaleError err;
    ShaleCode rc = shale_db_get(m->db, snap, k, klen, &val, &vlen, &err);
    m->op++;
    m->n_gets++;
    if (rc == SHALE_NOT_FOUND) {
        if (val != NULL)
            return mt_fail(m, "get NOT_FOUND left *val non-NULL", rank, NULL, 0, want);
        if (want)
            return mt_fail(m, snap ? "get at snapshot: missing key" : "get: missing key",
                           exact ? rank : -1, NULL, 0, want);
        return;
    }
    if (rc != SHALE_OK)
        return mt_fail_code(m, "shale_db_get", rc, &err);
    m->n_found++;
    if (!val)
        return mt_fail(m, "get OK with NULL *val", rank, NULL, 0, want);
    if (!want || !mt_value_matches(m, want, val, vlen))
        mt_fail(m, snap ? "get at snapshot: wrong value" : "get: wrong value", exact ? rank : -1,
                val, vlen, want);
    free(val);
}

/* --- iterators ---------------------------------------------------------------------- */

static int mt_next_live(const Mt *m, const uint32_t *view, int from)
{
    for (int p = from; p < m->n_keys; p++)
        if (view[p])
            return p;
    return -1;
}

static int mt_prev_live(const uint32_t *view, int from)
{
    for (int p = from; p >= 0; p--)
        if (view[p])
            return p;
    return -1;
}

/* Compares the engine iterator with the model position after a step named what. */
static void mt_iter_compare(Mt *m, const char *what)
{
    bool valid = shale_db_iter_valid(m->it);
    if (!valid) {
        ShaleError err;
        ShaleCode rc = shale_db_iter_status(m->it, &err);
        if (rc != SHALE_OK)
            return mt_fail_code(m, "shale_db_iter_status", rc, &err);
        if (m->it_pos >= 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "iterator %s: engine invalid, model at a key", what);
            mt_fail(m, msg, m->it_pos, NULL, 0, m->it_view[m->it_pos]);
        }
        return;
    }
    size_t klen, vlen;
    const char *k = shale_db_iter_key(m->it, &klen);
    const char *v = shale_db_iter_value(m->it, &vlen);
    char msg[128];
    if (m->it_pos < 0) {
        char kh[256];
        snprintf(msg, sizeof msg, "iterator %s: engine at key \"%s\", model invalid", what,
                 dbt_hex(kh, sizeof kh, k, klen));
        return mt_fail(m, msg, -1, v, vlen, 0);
    }
    const MtKey *mk = &m->keys[m->it_pos];
    if (mt_key_cmp((const unsigned char *)k, klen, mk->b, mk->len) != 0) {
        char kh[256];
        snprintf(msg, sizeof msg, "iterator %s: engine at key \"%s\"", what, dbt_hex(kh, sizeof kh, k, klen));
        return mt_fail(m, msg, m->it_pos, v, vlen, m->it_view[m->it_pos]);
    }
    if (!mt_value_matches(m, m->it_view[m->it_pos], v, vlen)) {
        snprintf(msg, sizeof msg, "iterator %s: wrong value", what);
        mt_fail(m, msg, m->it_pos, v, vlen, m->it_view[m->it_pos]);
    }
}

static void mt_iter_open(Mt *m)
{
    if (m->n_snaps && shale_random_uniform(&m->rnd, 2) == 0) {
        m->it_snap = (int)shale_random_uniform(&m->rnd, (uint64_t)m->n_snaps);
        m->snaps[m->it_snap].iter_users++;
        m->it_view = m->snaps[m->it_snap].view;
        m->it = shale_db_iter_new(m->db, m->snaps[m->it_snap].snap);
    } else {
        memcpy(m->it_copy, m->cur, sizeof *m->it_copy * (size_t)m->n_keys);
        m->it_snap = -1;
        m->it_view = m->it_copy;
        m->it = shale_db_iter_new(m->db, NULL);
    }
    m->it_pos = -1;
    m->it_budget = 1 + (int)shale_random_uniform(&m->rnd, shale_random_uniform(&m->rnd, 4) ? 40 : 400);
    if (!m->it) {
        CHECK_MSG(false, "shale_db_iter_new returned NULL at op %llu", (unsigned long long)m->op);
        m->failed = true;
        if (m->it_snap >= 0)
            m->snaps[m->it_snap].iter_users--;
    }
}

static void mt_iter_step(Mt *m)
{
    uint64_t r = shale_random_uniform(&m->rnd, 100);
    bool valid_model = m->it_pos >= 0;
    const char *what;
    m->op++;
    m->n_iter_steps++;
    if (valid_model && r < 36) {
        what = "next";
        shale_db_iter_next(m->it);
        m->it_pos = mt_next_live(m, m->it_view, m->it_pos + 1);
    } else if (valid_model && r < 66) {
        what = "prev";
        shale_db_iter_prev(m->it);
        m->it_pos = mt_prev_live(m->it_view, m->it_pos - 1);
    } else if (r < 90) {
        /* seek / seek_for_prev to a universe key or an arbitrary probe */
        MtKey probe;
        if (shale_random_uniform(&m->rnd, 3) == 0)
            mt_random_key(&m->rnd, &probe);
        else {
            probe = m->keys[mt_pick_rank(m)];
            if (shale_random_uniform(&m->rnd, 4) == 0 && probe.len < MT_KEY_MAX)
                probe.b[probe.len++] = 0; /* just after a universe key */
        }
        bool exact;
        int lb = mt_lower_bound(m, probe.b, probe.len, &exact);
        if (r < 50 || (!valid_model && r < 78)) {
            what = "seek";
            shale_db_iter_seek(m->it, probe.b, probe.len);
            m->it_pos = mt_next_live(m, m->it_view, lb);
        } else {
            what = "seek_for_prev";
            shale_db_iter_seek_for_prev(m->it, probe.b, probe.len);
            m->it_pos = mt_prev_live(m->it_view, exact ? lb : lb - 1);
        }
    } else if (r < 95) {
        what = "seek_to_first";
        shale_db_iter_seek_to_first(m->it);
        m->it_pos = mt_next_live(m, m->it_view, 0);
    } else {
        what = "seek_to_last";
        shale_db_iter_seek_to_last(m->it);
        m->it_pos = mt_prev_live(m->it_view, m->n_keys - 1);
    }
    mt_iter_compare(m, what);
    if (--m->it_budget <= 0)
        mt_iter_close(m);
}

/* Scans the whole database in one direction at view/snap and compares every entry. */
static void mt_full_scan(Mt *m, const ShaleSnapshot *snap, const uint32_t *view, bool backward)
{
    ShaleDBIter *it = shale_db_iter_new(m->db, snap);
    if (!it) {
        CHECK_MSG(false, "shale_db_iter_new returned NULL");
        m->failed = true;
        return;
    }
    int pos = backward ? mt_prev_live(view, m->n_keys - 1) : mt_next_live(m, view, 0);
    if (backward)
        shale_db_iter_seek_to_last(it);
    else
        shale_db_iter_seek_to_first(it);
    const char *what = backward ? "full backward scan" : "full forward scan";
    for (;;) {
        m->op++;
        bool valid = shale_db_iter_valid(it);
        if (!valid) {
            ShaleError err;
            ShaleCode rc = shale_db_iter_status(it, &err);
            if (rc != SHALE_OK)
                mt_fail_code(m, what, rc, &err);
            else if (pos >= 0)
                mt_fail(m, "full scan ended early", pos, NULL, 0, view[pos]);
            break;
        }
        size_t klen, vlen;
        const char *k = shale_db_iter_key(it, &klen);
        const char *v = shale_db_iter_value(it, &vlen);
        if (pos < 0) {
            char kh[256];
            CHECK_MSG(false, "model mismatch at op %llu (seed %llu): %s found extra key \"%s\"",
                      (unsigned long long)m->op, (unsigned long long)m->seed, what,
                      dbt_hex(kh, sizeof kh, k, klen));
            m->failed = true;
            break;
        }
        const MtKey *mk = &m->keys[pos];
        if (mt_key_cmp((const unsigned char *)k, klen, mk->b, mk->len) != 0) {
            char kh[256];
            char msg[128];
            snprintf(msg, sizeof msg, "%s: engine at key \"%s\"", what, dbt_hex(kh, sizeof kh, k, klen));
            mt_fail(m, msg, pos, v, vlen, view[pos]);
            break;
        }
        if (!mt_value_matches(m, view[pos], v, vlen)) {
            mt_fail(m, what, pos, v, vlen, view[pos]);
            break;
        }
        if (backward) {
            shale_db_iter_prev(it);
            pos = mt_prev_live(view, pos - 1);
        } else {
            shale_db_iter_next(it);
            pos = mt_next_live(m, view, pos + 1);
        }
    }
    shale_db_iter_destroy(it);
}

/* Drops the current generation (with up to two dropped ones before it). */
static void mt_do_drop(Mt *m)
{
    m->op++;
    if (m->drop_gen >= MT_GENS)
        return;
    mt_iter_close(m); /* an iterator older than a drop may still show its keys */
    int g0 = m->drop_gen - (int)shale_random_uniform(&m->rnd, 3);
    if (g0 < 0)
        g0 = 0;
    int g1 = m->drop_gen + 1;
    unsigned char b[3], e[3];
    mt_gen_begin(g0, b);
    mt_gen_begin(g1, e);
    ShaleError err;
    ShaleCode rc = shale_db_drop_range(m->db, b, 3, e, 3, &err);
    if (rc != SHALE_OK)
        return mt_fail_code(m, "shale_db_drop_range", rc, &err);
    for (int r = m->gen_lo[g0]; r < m->gen_lo[g1]; r++) {
        m->cur[r] = 0;
        for (int i = 0; i < m->n_snaps; i++)
            m->snaps[i].view[r] = 0; /* every snapshot loses the keys too */
    }
    m->drop_gen++;
    m->n_drops++;
    /* the range is remembered (nothing was flushed since): a write into it is refused */
    int r = m->gen_lo[g1 - 1];
    if (r < m->gen_lo[g1]) {
        rc = shale_db_put(m->db, m->keys[r].b, m->keys[r].len, "x", 1, false, &err);
        if (rc != SHALE_INVALID_ARGUMENT) {
            CHECK_MSG(false, "a put into a dropped range returned %d at op %llu", rc, (unsigned long long)m->op);
            m->failed = true;
        }
    }
}

static void mt_do_compact(Mt *m)
{
    ShaleError err;
    ShaleCode rc;
    if (shale_random_uniform(&m->rnd, 8) == 0) {
        rc = shale_db_compact_range(m->db, NULL, 0, NULL, 0, &err);
    } else {
        int a = (int)shale_random_uniform(&m->rnd, (uint64_t)m->n_keys);
        int b = a + (int)shale_random_uniform(&m->rnd, (uint64_t)(m->n_keys / 4));
        if (b >= m->n_keys)
            b = m->n_keys - 1;
        bool open_begin = shale_random_uniform(&m->rnd, 6) == 0;
        bool open_end = shale_random_uniform(&m->rnd, 6) == 0;
        rc = shale_db_compact_range(m->db, open_begin ? NULL : m->keys[a].b, m->keys[a].len,
                                    open_end ? NULL : m->keys[b].b, m->keys[b].len, &err);
    }
    m->op++;
    m->n_compactions++;
    if (rc != SHALE_OK)
        mt_fail_code(m, "shale_db_compact_range", rc, &err);
}

static void mt_reopen(Mt *m)
{
    mt_iter_close(m);
    while (m->n_snaps)
        mt_snap_release(m, m->n_snaps - 1);
    ShaleError err;
    ShaleCode rc = shale_db_close(m->db, &err);
    m->db = NULL;
    if (rc != SHALE_OK)
        return mt_fail_code(m, "shale_db_close", rc, &err);
    /* tables written under one set of options must stay readable under another */
    static const int restarts[] = {1, 4, 16};
    m->opts.compression = shale_random_uniform(&m->rnd, 4) != 0;
    m->opts.bloom_bits_per_key = shale_random_uniform(&m->rnd, 4) ? 10 : 0;
    m->opts.block_restart_interval = restarts[shale_random_uniform(&m->rnd, 3)];
    m->opts.block_size = shale_random_uniform(&m->rnd, 2) ? 1024 : 4096;
    mt_open(m);
    m->op++;
    m->n_reopens++;
    if (m->db) {
        mt_full_scan(m, NULL, m->cur, false);
        mt_full_scan(m, NULL, m->cur, true);
    }
}

static void mt_run(uint64_t seed, uint64_t target_ops, size_t write_buffer_size, int mix)
{
    Mt *m = calloc(1, sizeof *m);
    REQUIRE(m);
    m->mix = mix;
    m->seed = seed;
    shale_random_seed(&m->rnd, seed);
    m->cur = calloc(MT_MAX_KEYS, sizeof *m->cur);
    m->it_copy = calloc(MT_MAX_KEYS, sizeof *m->it_copy);
    m->vbuf = malloc(MT_MAX_VALUE);
    m->next_stamp = 1;
    m->it_snap = -1;
    /* the key universe: random, sorted, distinct */
    MtKey *tmp = malloc(sizeof *tmp * MT_MAX_KEYS);
    for (int i = 0; i < MT_MAX_KEYS - MT_GENS * MT_GEN_KEYS; i++)
        mt_random_key(&m->rnd, &tmp[i]);
    for (int g = 0; g < MT_GENS; g++) {
        for (int j = 0; j < MT_GEN_KEYS; j++) {
            MtKey *k = &tmp[MT_MAX_KEYS - MT_GENS * MT_GEN_KEYS + g * MT_GEN_KEYS + j];
            mt_gen_begin(g, k->b);
            k->len = 3;
            size_t extra = shale_random_uniform(&m->rnd, 6);
            for (size_t x = 0; x < extra; x++)
                k->b[k->len++] = (unsigned char)(shale_random_uniform(&m->rnd, 3) == 0 ? 0xff : '0' + x);
        }
    }
    qsort(tmp, MT_MAX_KEYS, sizeof *tmp, mt_key_qsort_cmp);
    for (int i = 0; i < MT_MAX_KEYS; i++)
        if (m->n_keys == 0 || mt_key_qsort_cmp(&tmp[i], &m->keys[m->n_keys - 1]) != 0)
            m->keys[m->n_keys++] = tmp[i];
    free(tmp);
    for (int g = 0; g <= MT_GENS; g++) {
        unsigned char b[3];
        bool exact;
        mt_gen_begin(g, b);
        m->gen_lo[g] = mt_lower_bound(m, b, 3, &exact);
    }
    for (int i = 0; i < MT_HOT; i++)
        m->hot[i] = (int)shale_random_uniform(&m->rnd, (uint64_t)m->n_keys);

    dbt_path(m->dir, sizeof m->dir, "%s/model-%llu", test_tmpdir(), (unsigned long long)seed);
    dbt_small_options(&m->opts);
    m->opts.write_buffer_size = write_buffer_size;
    mt_open(m);
    ShaleWriteBatch *batch = shale_batch_new();
    double t0 = dbt_now();
    uint64_t next_forced_reopen = target_ops / 2;
    while (!m->failed && m->db && m->op < target_ops) {
        uint64_t r;
        if (m->mix == 0) {
            if (m->it && shale_random_uniform(&m->rnd, 100) < 35) {
                mt_iter_step(m);
                continue;
            }
            r = shale_random_uniform(&m->rnd, 10000);
        } else {
            /* delete-heavy mix: while an iterator is open, the put share goes to it */
            r = shale_random_uniform(&m->rnd, 10000);
            if (m->it && r < 4000) {
                mt_iter_step(m);
                continue;
            }
        }
        if (r < 3500) {
            mt_do_put(m);
        } else if (r < 4700) {
            mt_do_delete(m);
        } else if (r < 5200) {
            mt_do_batch(m, batch);
        } else if (r < 7800) {
            mt_do_get(m);
        } else if (r < 9800) {
            if (!m->it)
                mt_iter_open(m);
            if (m->it)
                mt_iter_step(m);
        } else if (r < 9880) {
            if (m->n_snaps < MT_MAX_SNAPS) {
                MtSnap *s = &m->snaps[m->n_snaps];
                s->snap = shale_db_snapshot(m->db);
                s->view = malloc(sizeof *s->view * MT_MAX_KEYS);
                memcpy(s->view, m->cur, sizeof *s->view * (size_t)m->n_keys);
                s->iter_users = 0;
                m->n_snaps++;
                m->n_snapshots_taken++;
            }
            m->op++;
        } else if (r < 9960) {
            if (m->n_snaps) {
                int i = (int)shale_random_uniform(&m->rnd, (uint64_t)m->n_snaps);
                if (m->snaps[i].iter_users == 0)
                    mt_snap_release(m, i);
            }
            m->op++;
        } else if (r < 9964) {
            if (m->n_snaps && shale_random_uniform(&m->rnd, 2)) {
                int i = (int)shale_random_uniform(&m->rnd, (uint64_t)m->n_snaps);
                mt_full_scan(m, m->snaps[i].snap, m->snaps[i].view, shale_random_uniform(&m->rnd, 2));
            } else {
                mt_full_scan(m, NULL, m->cur, shale_random_uniform(&m->rnd, 2));
            }
        } else if (r < 9967) {
            ShaleError err;
            ShaleCode rc = shale_db_flush(m->db, &err);
            m->op++;
            m->n_flushes++;
            if (rc != SHALE_OK)
                mt_fail_code(m, "shale_db_flush", rc, &err);
        } else if (r < 9970) {
            mt_do_compact(m);
        } else if (r == 9999 && shale_random_uniform(&m->rnd, 4) == 0) {
            mt_do_drop(m);
        } else if ((r == 9970 && shale_random_uniform(&m->rnd, 2) == 0) || m->op >= next_forced_reopen) {
            next_forced_reopen = UINT64_MAX; /* at least one reopen mid-run, whatever the dice say */
            mt_reopen(m);
        } else {
            mt_do_put(m);
        }
    }
    double secs = dbt_now() - t0;
    shale_batch_free(batch);
    if (m->db) {
        mt_iter_close(m);
        if (!m->failed) /* the held snapshots must still read right at the end */
            for (int i = 0; i < m->n_snaps && !m->failed; i++)
                mt_full_scan(m, m->snaps[i].snap, m->snaps[i].view, false);
        while (m->n_snaps)
            mt_snap_release(m, m->n_snaps - 1);
        if (!m->failed)
            mt_full_scan(m, NULL, m->cur, false);
        dbt_print_stats(m->db, "final stats");
        ShaleError err;
        ShaleCode rc = shale_db_close(m->db, &err);
        CHECK_OK(rc, &err);
        /* one last reopen: everything must come back */
        if (!m->failed) {
            mt_open(m);
            if (m->db) {
                mt_full_scan(m, NULL, m->cur, false);
                CHECK_OK(shale_db_close(m->db, &err), &err);
            }
        }
    }
    printf("  seed %llu: %llu ops in %.1f s (puts %llu, deletes %llu, batches %llu, gets %llu "
           "(%llu found), iterator steps %llu, snapshots %llu, flushes %llu, compactions %llu, "
           "reopens %llu, range drops %llu)\n",
           (unsigned long long)seed, (unsigned long long)m->op, secs, (unsigned long long)m->n_puts,
           (unsigned long long)m->n_dels, (unsigned long long)m->n_batches,
           (unsigned long long)m->n_gets, (unsigned long long)m->n_found,
           (unsigned long long)m->n_iter_steps, (unsigned long long)m->n_snapshots_taken,
           (unsigned long long)m->n_flushes, (unsigned long long)m->n_compactions,
           (unsigned long long)m->n_reopens, (unsigned long long)m->n_drops);
    CHECK(m->failed || m->op >= target_ops);
    CHECK(m->failed || m->n_reopens > 0);
    for (int i = 0; i < m->n_snaps; i++)
        free(m->snaps[i].view);
    free(m->cur);
    free(m->it_copy);
    free(m->vbuf);
    test_rm_rf(m->dir);
    free(m);
}

static uint64_t mt_target_ops(void)
{
    uint64_t base = DBT_SANITIZERS ? 200000 : 1000000;
    return base * (uint64_t)test_scale();
}

TEST(model_randomized)
{
    uint64_t seed = MT_SEED;
    const char *s = getenv("SHALE_MODEL_SEED");
    if (s && *s)
        seed = strtoull(s, NULL, 0);
    mt_run(seed, 2 * mt_target_ops(), 32 * 1024, 0);
}

/* A second, short run with another seed and a tiny write buffer: flushes on nearly every
 * few writes, so reads cross many L0 files and compactions run constantly. */
TEST(model_tiny_buffers)
{
    mt_run(MT_SEED + 1, mt_target_ops() / 2, 4 * 1024, 0);
}

/* Deletes, batches and long-lived iterators dominate; few plain puts. */
TEST(model_delete_heavy)
{
    mt_run(MT_SEED, mt_target_ops(), 32 * 1024, 1);
}

TEST_MAIN(RUN(model_randomized); RUN(model_delete_heavy); RUN(model_tiny_buffers);
          test_rm_rf(test_tmpdir());)
