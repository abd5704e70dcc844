/* db_drop_range_test.c -- shale_db_drop_range through the public API: keys of a dropped
 * range vanish from gets and iterators (forward, backward, seeks into and over the range,
 * snapshots older than the drop) whatever holds them (memtable, L0, deeper levels), keys
 * just outside survive, the drop survives reopen (WAL replay is filtered), writes into a
 * remembered range are refused, the space is reclaimed and the range forgotten, ranges
 * merge, checkpoints before/after a drop export the right state, and drops run safely next
 * to concurrent writers and compactions.
 *
 * Key universe: "t<p>/<i %05d>" for prefixes p = 0..9 plus boundary keys around the dropped
 * range [t3, t5): "t", "t2\xff\xff", "t3", "t4\xff", "t5" and "t50". A model (sorted array of
 * keys with a value stamp each, 0 = absent) gives the expected state. */
#include "tests/harness/test.h"
#include "tests/storage/db_test_util.h"

#include <pthread.h>

#define DR_KEYLEN 24

typedef struct DrKey {
    char b[DR_KEYLEN];
    size_t len;
} DrKey;

typedef struct DrModel {
    DrKey *keys;         /* sorted, distinct */
    uint32_t *stamp;     /* 0 = absent */
    size_t n;
} DrModel;

static char dr_dir[700];

static const char *dr_fresh(const char *name)
{
    dbt_path(dr_dir, sizeof dr_dir, "%s/%s", test_tmpdir(), name);
    test_rm_rf(dr_dir);
    return dr_dir;
}

static int dr_key_cmp(const void *a, const void *b)
{
    const DrKey *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->b, y->b, n);
    return c ? c : (x->len < y->len ? -1 : x->len > y->len);
}

static void dr_model_init(DrModel *m, int prefixes, int per_prefix)
{
    static const char *extra[] = { "t", "t2\xff\xff", "t3", "t4\xff", "t5", "t50" };
    size_t n_extra = sizeof extra / sizeof extra[0];
    m->n = (size_t)prefixes * (size_t)per_prefix + n_extra;
    m->keys = calloc(m->n, sizeof *m->keys);
    m->stamp = calloc(m->n, sizeof *m->stamp);
    size_t k = 0;
    for (int p = 0; p < prefixes; p++)
        for (int i = 0; i < per_prefix; i++, k++)
            m->keys[k].len = (size_t)snprintf(m->keys[k].b, DR_KEYLEN, "t%d/%05d", p, i);
    for (size_t i = 0; i < n_extra; i++, k++) {
        m->keys[k].len = strlen(extra[i]);
        memcpy(m->keys[k].b, extra[i], m->keys[k].len);
    }
    qsort(m->keys, m->n, sizeof *m->keys, dr_key_cmp);
}

static void dr_model_free(DrModel *m)
{
    free(m->keys);
    free(m->stamp);
}

/* Value of stamp s for key k: key bytes, then the stamp, padded to vlen (into buf). */
static size_t dr_value(const DrKey *k, uint32_t s, char *buf, size_t vlen)
{
    int n = snprintf(buf, vlen, "%.*s#%u#", (int)k->len, k->b, s);
    for (size_t i = (size_t)n; i < vlen; i++)
        buf[i] = (char)('a' + (i * 7 + s) % 26);
    return vlen > (size_t)n ? vlen : (size_t)n;
}

static bool dr_in(const DrKey *k, const char *b, size_t blen, const char *e, size_t elen)
{
    DrKey kb = { { 0 }, blen }, ke = { { 0 }, elen };
    memcpy(kb.b, b, blen);
    memcpy(ke.b, e, elen);
    return dr_key_cmp(k, &kb) >= 0 && dr_key_cmp(k, &ke) < 0;
}

/* Writes stamp s (vlen-byte values) to model keys [from, to) selected by every-th index. */
static void dr_write(ShaleDB *db, DrModel *m, size_t from, size_t to, size_t every, uint32_t s, size_t vlen)
{
    char val[512];
    ShaleWriteBatch *b = shale_batch_new();
    ShaleError err;
    for (size_t i = from; i < to; i += every) {
        size_t n = dr_value(&m->keys[i], s, val, vlen);
        shale_batch_put(b, m->keys[i].b, m->keys[i].len, val, n);
        m->stamp[i] = s;
        if (shale_batch_count(b) >= 200) {
            CHECK_OK(shale_db_write(db, b, false, &err), &err);
            shale_batch_clear(b);
        }
    }
    CHECK_OK(shale_db_write(db, b, false, &err), &err);
    shale_batch_free(b);
}

static void dr_model_drop(DrModel *m, const char *b, size_t blen, const char *e, size_t elen)
{
    for (size_t i = 0; i < m->n; i++)
        if (dr_in(&m->keys[i], b, blen, e, elen))
            m->stamp[i] = 0;
}

/* Index of the first model key >= (k, klen) that is present (m->n if none). */
static size_t dr_next_live(const DrModel *m, const char *k, size_t klen)
{
    DrKey t = { { 0 }, klen };
    memcpy(t.b, k, klen);
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (dr_key_cmp(&m->keys[mid], &t) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    while (lo < m->n && !m->stamp[lo])
        lo++;
    return lo;
}

/* Index of the last present model key <= (k, klen), or SIZE_MAX. */
static size_t dr_prev_live(const DrModel *m, const char *k, size_t klen)
{
    DrKey t = { { 0 }, klen };
    memcpy(t.b, k, klen);
    size_t i = m->n;
    while (i > 0 && (dr_key_cmp(&m->keys[i - 1], &t) > 0 || !m->stamp[i - 1]))
        i--;
    return i ? i - 1 : SIZE_MAX;
}

/* The iterator is at model index want (m->n or SIZE_MAX: invalid) with the right value. */
static bool dr_iter_at(ShaleDBIter *it, const DrModel *m, size_t want, size_t vlen, const char *what)
{
    char val[512];
    if (want >= m->n) {
        CHECK_MSG(!shale_db_iter_valid(it), "%s: iterator valid, expected the end", what);
        return !shale_db_iter_valid(it);
    }
    if (!shale_db_iter_valid(it)) {
        CHECK_MSG(false, "%s: iterator invalid, expected %.*s", what, (int)m->keys[want].len, m->keys[want].b);
        return false;
    }
    size_t kl, vl;
    const char *k = shale_db_iter_key(it, &kl);
    const char *v = shale_db_iter_value(it, &vl);
    size_t n = dr_value(&m->keys[want], m->stamp[want], val, vlen);
    bool ok = kl == m->keys[want].len && memcmp(k, m->keys[want].b, kl) == 0 && vl == n && memcmp(v, val, n) == 0;
    char hb[200];
    CHECK_MSG(ok, "%s: iterator at %s, expected %.*s", what, dbt_hex(hb, sizeof hb, k, kl),
              (int)m->keys[want].len, m->keys[want].b);
    return ok;
}

/* Every get, full scans both ways and seeded random seeks / seek_for_prev with steps agree
 * with the model, at snap. */
static void dr_check(ShaleDB *db, const ShaleSnapshot *snap, const DrModel *m, size_t vlen, uint64_t seed)
{
    char val[512];
    size_t bad = 0;
    for (size_t i = 0; i < m->n; i++) {
        char *got = NULL;
        size_t glen = 0;
        ShaleError err;
        ShaleCode rc = shale_db_get(db, snap, m->keys[i].b, m->keys[i].len, &got, &glen, &err);
        bool ok;
        if (m->stamp[i]) {
            size_t n = dr_value(&m->keys[i], m->stamp[i], val, vlen);
            ok = rc == SHALE_OK && glen == n && memcmp(got, val, n) == 0;
        } else {
            ok = rc == SHALE_NOT_FOUND;
        }
        free(got);
        if (!ok && bad++ == 0)
            CHECK_MSG(false, "get of %.*s (stamp %u) returned %d", (int)m->keys[i].len, m->keys[i].b,
                      m->stamp[i], rc);
    }
    CHECK_MSG(bad == 0, "%zu gets disagree with the model", bad);

    ShaleDBIter *it = shale_db_iter_new(db, snap);
    REQUIRE(it);
    size_t want = dr_next_live(m, "", 0);
    shale_db_iter_seek_to_first(it);
    while (want < m->n) {
        if (!dr_iter_at(it, m, want, vlen, "forward scan"))
            break;
        shale_db_iter_next(it);
        want++;
        while (want < m->n && !m->stamp[want])
            want++;
    }
    if (want >= m->n)
        dr_iter_at(it, m, m->n, vlen, "forward scan end");
    shale_db_iter_seek_to_last(it);
    size_t w = m->n;
    while (w > 0 && !m->stamp[w - 1])
        w--;
    while (w > 0) {
        if (!dr_iter_at(it, m, w - 1, vlen, "backward scan"))
            break;
        shale_db_iter_prev(it);
        w--;
        while (w > 0 && !m->stamp[w - 1])
            w--;
    }
    if (w == 0)
        dr_iter_at(it, m, SIZE_MAX, vlen, "backward scan end");

    ShaleRandom r;
    shale_random_seed(&r, seed);
    for (int s = 0; s < 300; s++) {
        /* a model key, or a model key with one byte added or removed */
        const DrKey *base = &m->keys[shale_random_uniform(&r, m->n)];
        char t[DR_KEYLEN + 1];
        size_t tl = base->len;
        memcpy(t, base->b, tl);
        uint64_t how = shale_random_uniform(&r, 4);
        if (how == 1 && tl > 1)
            tl--;
        else if (how == 2)
            t[tl++] = (char)shale_random_uniform(&r, 256);
        bool back = shale_random_uniform(&r, 2);
        size_t at;
        if (back) {
            shale_db_iter_seek_for_prev(it, t, tl);
            at = dr_prev_live(m, t, tl);
        } else {
            shale_db_iter_seek(it, t, tl);
            at = dr_next_live(m, t, tl);
        }
        if (!dr_iter_at(it, m, at, vlen, back ? "seek_for_prev" : "seek"))
            break;
        for (int step = 0; step < 4 && at < m->n; step++) {
            bool fwd = shale_random_uniform(&r, 2);
            if (fwd) {
                shale_db_iter_next(it);
                at++;
                while (at < m->n && !m->stamp[at])
                    at++;
            } else {
                shale_db_iter_prev(it);
                while (at > 0 && !m->stamp[at - 1])
                    at--;
                at = at ? at - 1 : SIZE_MAX;
            }
            if (!dr_iter_at(it, m, at, vlen, fwd ? "next after seek" : "prev after seek"))
                break;
        }
    }
    CHECK_OK(shale_db_iter_status(it, NULL), NULL);
    shale_db_iter_destroy(it);
}

static ShaleDB *dr_open(const char *dir, const ShaleDBOptions *o)
{
    ShaleDB *db = NULL;
    ShaleError err;
    ShaleCode rc = shale_db_open(dir, o, &db, &err);
    CHECK_OK(rc, &err);
    return rc == SHALE_OK ? db : NULL;
}

static uint64_t dr_total_bytes(ShaleDB *db, uint64_t *files)
{
    ShaleDBStats st;
    shale_db_stats(db, &st);
    uint64_t b = 0, f = 0;
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        b += st.levels[l].bytes;
        f += st.levels[l].files;
    }
    if (files)
        *files = f;
    return b;
}

static int dr_deepest_level(ShaleDB *db)
{
    ShaleDBStats st;
    shale_db_stats(db, &st);
    int d = -1;
    for (int l = 0; l < SHALE_NUM_LEVELS; l++)
        if (st.levels[l].files)
            d = l;
    return d;
}

#define DR_B "t3"
#define DR_E "t5"

TEST(drop_everywhere_then_reopen)
{
    const char *dir = dr_fresh("everywhere");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = dr_open(dir, &o);
    REQUIRE(db);
    DrModel m;
    dr_model_init(&m, 10, 300);
    ShaleError err;
    /* deep levels, then L0, then the memtable: every prefix has keys in all three */
    dr_write(db, &m, 0, m.n, 1, 1, 100);
    CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
    CHECK(dr_deepest_level(db) >= 1);
    dr_write(db, &m, 0, m.n, 2, 2, 100);
    CHECK_OK(shale_db_flush(db, &err), &err);
    dr_write(db, &m, 1, m.n, 3, 3, 100);
    /* and the last writes (surely in the memtable and the live WAL) hit the range too */
    for (size_t i = 0; i < m.n; i++)
        if (dr_in(&m.keys[i], DR_B, 2, DR_E, 2)) {
            dr_write(db, &m, i, i + 40, 4, 4, 100);
            break;
        }
    ShaleDBStats st;
    shale_db_stats(db, &st);
    CHECK(st.memtable_bytes > 0);
    const ShaleSnapshot *old = shale_db_snapshot(db);
    REQUIRE(old);

    CHECK_EQ_INT(shale_db_drop_range(db, "t5", 2, "t3", 2, NULL), SHALE_INVALID_ARGUMENT);
    CHECK_EQ_INT(shale_db_drop_range(db, "t3", 2, "t3", 2, NULL), SHALE_INVALID_ARGUMENT);
    CHECK_OK(shale_db_drop_range(db, DR_B, 2, DR_E, 2, &err), &err);
    dr_model_drop(&m, DR_B, 2, DR_E, 2);
    dr_check(db, NULL, &m, 100, 1);
    dr_check(db, old, &m, 100, 2);   /* a snapshot older than the drop loses the keys too */

    /* writes into the remembered range are refused; a batch touching it fails whole */
    CHECK_EQ_INT(shale_db_put(db, "t3/00001", 8, "x", 1, false, NULL), SHALE_INVALID_ARGUMENT);
    CHECK_EQ_INT(shale_db_put(db, "t3", 2, "x", 1, false, NULL), SHALE_INVALID_ARGUMENT);
    ShaleWriteBatch *b = shale_batch_new();
    shale_batch_put(b, "t1/00001", 8, "y", 1);
    shale_batch_delete(b, "t4\xff", 3);
    CHECK_EQ_INT(shale_db_write(db, b, false, NULL), SHALE_INVALID_ARGUMENT);
    shale_batch_free(b);
    dr_check(db, NULL, &m, 100, 3);
    shale_db_stats(db, &st);
    CHECK_EQ_U64(st.dropped_ranges, 1);

    /* close with the range's keys still in the WAL: replay must filter them */
    shale_db_release_snapshot(db, old);
    CHECK_OK(shale_db_close(db, &err), &err);
    db = dr_open(dir, &o);
    REQUIRE(db);
    dr_check(db, NULL, &m, 100, 4);
    CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
    dr_check(db, NULL, &m, 100, 5);
    CHECK_OK(shale_db_close(db, &err), &err);
    db = dr_open(dir, &o);
    REQUIRE(db);
    dr_check(db, NULL, &m, 100, 6);
    CHECK_OK(shale_db_close(db, &err), &err);
    dr_model_free(&m);
    test_rm_rf(dir);
}

TEST(ranges_merge)
{
    const char *dir = dr_fresh("merge");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = dr_open(dir, &o);
    REQUIRE(db);
    DrModel m;
    dr_model_init(&m, 10, 50);
    ShaleError err;
    dr_write(db, &m, 0, m.n, 1, 1, 60);
    /* adjacent, then overlapping, then contained: one merged range [t2/00010, t6) */
    CHECK_OK(shale_db_drop_range(db, "t3", 2, "t4", 2, &err), &err);
    CHECK_OK(shale_db_drop_range(db, "t4", 2, "t5", 2, &err), &err);
    CHECK_OK(shale_db_drop_range(db, "t2/00010", 8, "t35", 3, &err), &err);
    CHECK_OK(shale_db_drop_range(db, "t5", 2, "t6", 2, &err), &err);
    CHECK_OK(shale_db_drop_range(db, "t51", 3, "t52", 3, &err), &err);
    dr_model_drop(&m, "t2/00010", 8, "t6", 2);
    ShaleDBStats st;
    shale_db_stats(db, &st);
    CHECK_EQ_U64(st.dropped_ranges, 1);
    CHECK_EQ_U64(st.ranges_dropped, 5);
    /* a separate range, and the empty key as begin */
    CHECK_OK(shale_db_drop_range(db, "", 0, "t0/00005", 8, &err), &err);
    dr_model_drop(&m, "", 0, "t0/00005", 8);
    shale_db_stats(db, &st);
    CHECK_EQ_U64(st.dropped_ranges, 2);
    dr_check(db, NULL, &m, 60, 7);
    CHECK_OK(shale_db_close(db, &err), &err);
    db = dr_open(dir, &o);
    REQUIRE(db);
    dr_check(db, NULL, &m, 60, 8);
    CHECK_OK(shale_db_close(db, &err), &err);
    dr_model_free(&m);
    test_rm_rf(dir);
}

/* Waits until no range is remembered, nudging flushes along; false after ~20 s. */
static bool dr_wait_forgotten(ShaleDB *db)
{
    for (int i = 0; i < 2000; i++) {
        ShaleDBStats st;
        shale_db_stats(db, &st);
        if (st.dropped_ranges == 0)
            return true;
        ShaleError err;
        if (i % 10 == 0) {
            CHECK_OK(shale_db_put(db, "z/nudge", 7, "n", 1, false, &err), &err);
            CHECK_OK(shale_db_flush(db, &err), &err);
        }
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return false;
}

TEST(space_reclaimed_and_range_forgotten)
{
    const char *dir = dr_fresh("reclaim");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = dr_open(dir, &o);
    REQUIRE(db);
    DrModel m;
    int per = DBT_SANITIZERS ? 600 : 1500;
    dr_model_init(&m, 10, per);
    ShaleError err;
    dr_write(db, &m, 0, m.n, 1, 1, 200);
    CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
    dr_write(db, &m, 0, m.n, 7, 2, 200);    /* some newer versions in L0/memtable */
    uint64_t files0, sst0[4096];
    uint64_t bytes0 = dr_total_bytes(db, &files0);
    size_t disk0 = dbt_list_files(dir, DBT_SST, sst0, 4096);

    /* drop 4 of the 10 prefixes: their whole tables go at once */
    CHECK_OK(shale_db_drop_range(db, "t2", 2, "t6", 2, &err), &err);
    dr_model_drop(&m, "t2", 2, "t6", 2);
    uint64_t files1, bytes1 = dr_total_bytes(db, &files1);
    CHECK_MSG(bytes1 < bytes0 * 8 / 10, "bytes %llu -> %llu right after the drop", (unsigned long long)bytes0,
              (unsigned long long)bytes1);
    dr_check(db, NULL, &m, 200, 9);

    /* the background compacts the boundary tables and forgets the range */
    CHECK_MSG(dr_wait_forgotten(db), "the dropped range was never forgotten");
    ShaleDBStats st;
    shale_db_stats(db, &st);
    CHECK(st.ranges_forgotten >= 1);
    uint64_t files2, bytes2 = dr_total_bytes(db, &files2);
    CHECK_MSG(bytes2 < bytes0 * 7 / 10, "bytes %llu -> %llu after the range was forgotten",
              (unsigned long long)bytes0, (unsigned long long)bytes2);
    size_t disk2 = dbt_list_files(dir, DBT_SST, sst0, 4096);
    CHECK_MSG(disk2 < disk0, "table files on disk %zu -> %zu", disk0, disk2);
    printf("  reclaim: %llu bytes in %llu tables (%zu on disk) -> %llu at once -> %llu in %llu tables (%zu on disk)\n",
           (unsigned long long)bytes0, (unsigned long long)files0, disk0, (unsigned long long)bytes1,
           (unsigned long long)bytes2, (unsigned long long)files2, disk2);
    /* the nudge key is not in the model: remove it so scans compare */
    CHECK_OK(shale_db_delete(db, "z/nudge", 7, false, &err), &err);
    dr_check(db, NULL, &m, 200, 10);

    /* a forgotten range takes writes again */
    size_t i3 = dr_next_live(&m, "", 0);
    for (size_t i = 0; i < m.n; i++)
        if (dr_in(&m.keys[i], "t3", 2, "t4", 2)) {
            i3 = i;
            break;
        }
    dr_write(db, &m, i3, i3 + 10, 1, 9, 200);
    dr_check(db, NULL, &m, 200, 11);
    CHECK_OK(shale_db_close(db, &err), &err);
    db = dr_open(dir, &o);
    REQUIRE(db);
    dr_check(db, NULL, &m, 200, 12);
    CHECK_OK(shale_db_close(db, &err), &err);
    dr_model_free(&m);
    test_rm_rf(dir);
}

/* Reads every key of dir's database and compares with m. */
static void dr_check_dir(const char *dir, const DrModel *m, size_t vlen, uint64_t seed)
{
    ShaleDBOptions o;
    dbt_small_options(&o);
    o.create_if_missing = false;
    ShaleDB *db = dr_open(dir, &o);
    if (!db)
        return;
    dr_check(db, NULL, m, vlen, seed);
    ShaleError err;
    CHECK_OK(shale_db_close(db, &err), &err);
}

TEST(checkpoints_around_a_drop)
{
    const char *dir = dr_fresh("ckpt");
    char dir_s[700], ex1[700], ex2[700];
    snprintf(dir_s, sizeof dir_s, "%s", dir);
    dbt_path(ex1, sizeof ex1, "%s/ckpt-before", test_tmpdir());
    dbt_path(ex2, sizeof ex2, "%s/ckpt-after", test_tmpdir());
    test_rm_rf(ex1);
    test_rm_rf(ex2);
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = dr_open(dir_s, &o);
    REQUIRE(db);
    DrModel m, before;
    dr_model_init(&m, 10, 300);
    dr_model_init(&before, 10, 300);
    ShaleError err;
    dr_write(db, &m, 0, m.n, 1, 1, 80);
    CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
    dr_write(db, &m, 0, m.n, 5, 2, 80);
    memcpy(before.stamp, m.stamp, m.n * sizeof *m.stamp);
    ShaleCheckpoint *cp1 = NULL, *cp2 = NULL;
    CHECK_OK(shale_db_checkpoint(db, &cp1, &err), &err);
    CHECK_OK(shale_db_drop_range(db, DR_B, 2, DR_E, 2, &err), &err);
    dr_model_drop(&m, DR_B, 2, DR_E, 2);
    CHECK_OK(shale_db_checkpoint(db, &cp2, &err), &err);
    /* the pinned pre-drop state exports whole; the post-drop one without the range */
    if (cp1) {
        CHECK_OK(shale_checkpoint_export(cp1, ex1, &err), &err);
        shale_checkpoint_release(cp1);
    }
    if (cp2) {
        CHECK_OK(shale_checkpoint_export(cp2, ex2, &err), &err);
        shale_checkpoint_release(cp2);
    }
    dr_check(db, NULL, &m, 80, 13);
    CHECK_OK(shale_db_close(db, &err), &err);
    dr_check_dir(ex1, &before, 80, 14);
    dr_check_dir(ex2, &m, 80, 15);
    /* and once more after the exported database compacted itself */
    ShaleDBOptions o2;
    dbt_small_options(&o2);
    ShaleDB *e = dr_open(ex2, &o2);
    if (e) {
        CHECK_OK(shale_db_compact_range(e, NULL, 0, NULL, 0, &err), &err);
        dr_check(e, NULL, &m, 80, 16);
        CHECK_OK(shale_db_close(e, &err), &err);
    }
    dr_model_free(&m);
    dr_model_free(&before);
    test_rm_rf(dir_s);
    test_rm_rf(ex1);
    test_rm_rf(ex2);
}

/* --- concurrency: drops next to writers, readers and compactions ------------------------ */

typedef struct DrWriter {
    ShaleDB *db;
    int id;
    int n;             /* keys written: "w<id>/<i %06d>" -> value "<i>" */
    atomic_bool *stop;
    bool failed;
} DrWriter;

static void *dr_writer_main(void *arg)
{
    DrWriter *w = arg;
    char k[32], v[64];
    while (!atomic_load(w->stop) && w->n < 200000) {
        int kl = snprintf(k, sizeof k, "w%d/%06d", w->id, w->n);
        int vl = snprintf(v, sizeof v, "value-%d-%d-padding-padding-padding", w->id, w->n);
        if (shale_db_put(w->db, k, (size_t)kl, v, (size_t)vl, false, NULL) != SHALE_OK) {
            w->failed = true;
            break;
        }
        w->n++;
    }
    return NULL;
}

TEST(drops_beside_concurrent_writers)
{
    const char *dir = dr_fresh("concurrent");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = dr_open(dir, &o);
    REQUIRE(db);
    atomic_bool stop;
    atomic_init(&stop, false);
    DrWriter w[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        w[i] = (DrWriter){ db, i, 0, &stop, false };
        pthread_create(&th[i], NULL, dr_writer_main, &w[i]);
    }
    ShaleError err;
    int rounds = DBT_SANITIZERS ? 15 : 40;
    ShaleWriteBatch *b = shale_batch_new();
    for (int r = 0; r < rounds; r++) {
        /* fill prefix d<r>/, make some of it durable in tables, drop it */
        char pre[16], end[16], k[32];
        snprintf(pre, sizeof pre, "d%03d/", r);
        snprintf(end, sizeof end, "d%03d0", r); /* '0' follows '/' */
        for (int i = 0; i < 400; i++) {
            int kl = snprintf(k, sizeof k, "d%03d/%05d", r, i);
            shale_batch_put(b, k, (size_t)kl, "dropped-value-dropped-value", 27);
            if (i % 100 == 99) {
                CHECK_OK(shale_db_write(db, b, false, &err), &err);
                shale_batch_clear(b);
            }
        }
        if (r % 3 == 0)
            CHECK_OK(shale_db_flush(db, &err), &err);
        ShaleDBIter *before = shale_db_iter_new(db, NULL);
        CHECK_OK(shale_db_drop_range(db, pre, 5, end, 5, &err), &err);
        /* gone for new readers; earlier drops stay gone */
        ShaleDBIter *it = shale_db_iter_new(db, NULL);
        REQUIRE(it);
        shale_db_iter_seek(it, "d", 1);
        if (shale_db_iter_valid(it)) {
            size_t kl;
            const char *key = shale_db_iter_key(it, &kl);
            CHECK_MSG(key[0] != 'd', "round %d: dropped key %.*s visible", r, (int)kl, key);
        }
        shale_db_iter_destroy(it);
        char *v = NULL;
        size_t vl;
        CHECK_EQ_INT(shale_db_get(db, NULL, "d000/00001", 10, &v, &vl, NULL), SHALE_NOT_FOUND);
        int kl = snprintf(k, sizeof k, "d%03d/%05d", r, 399);
        CHECK_EQ_INT(shale_db_get(db, NULL, k, (size_t)kl, &v, &vl, NULL), SHALE_NOT_FOUND);
        /* an iterator from before the drop still reads consistently to the end */
        if (before) {
            size_t n = 0;
            for (shale_db_iter_seek_to_first(before); shale_db_iter_valid(before); shale_db_iter_next(before))
                n++;
            CHECK_OK(shale_db_iter_status(before, &err), &err);
            CHECK(n > 0);
            shale_db_iter_destroy(before);
        }
    }
    shale_batch_free(b);
    atomic_store(&stop, true);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        CHECK(!w[i].failed);
    }
    /* every writer key is there, and after reopen too */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 2; i++) {
            char k[32], v[64];
            int missing = 0;
            for (int j = 0; j < w[i].n; j++) {
                int kl = snprintf(k, sizeof k, "w%d/%06d", i, j);
                int vl = snprintf(v, sizeof v, "value-%d-%d-padding-padding-padding", i, j);
                char *got = NULL;
                size_t gl;
                ShaleCode rc = shale_db_get(db, NULL, k, (size_t)kl, &got, &gl, NULL);
                if (rc != SHALE_OK || gl != (size_t)vl || memcmp(got, v, gl) != 0)
                    missing++;
                free(got);
            }
            CHECK_MSG(missing == 0, "pass %d writer %d: %d of %d keys wrong", pass, i, missing, w[i].n);
        }
        ShaleDBIter *it = shale_db_iter_new(db, NULL);
        size_t n = 0;
        for (shale_db_iter_seek(it, "d", 1); shale_db_iter_valid(it); shale_db_iter_next(it)) {
            size_t kl;
            if (shale_db_iter_key(it, &kl)[0] == 'd')
                n++;
            else
                break;
        }
        shale_db_iter_destroy(it);
        CHECK_EQ_U64(n, 0);
        CHECK_OK(shale_db_close(db, &err), &err);
        db = pass == 0 ? dr_open(dir, &o) : NULL;
        if (!db)
            break;
    }
    printf("  writers wrote %d + %d keys beside %d drops\n", w[0].n, w[1].n, rounds);
    test_rm_rf(dir);
}

TEST_MAIN(RUN(drop_everywhere_then_reopen); RUN(ranges_merge); RUN(space_reclaimed_and_range_forgotten);
          RUN(checkpoints_around_a_drop); RUN(drops_beside_concurrent_writers); test_rm_rf(test_tmpdir());)
