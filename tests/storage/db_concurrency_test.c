/* db_concurrency_test.c -- the engine under concurrent use:
 *   - group commit: 4 threads of synced writes all land, with fewer WAL syncs than writes;
 *   - atomic visibility: readers at snapshots (gets and scans) never see half a batch while
 *     writers, flushes and compactions run;
 *   - checkpoints taken while writers run export exactly one instant: each writer's batches
 *     form a prefix, every batch is whole or absent, everything acknowledged before the call
 *     is in, and the number of batches in equals what shale_checkpoint_sequence says;
 *   - write stalls are counted and bounded under an L0 flood.
 * Threads record their first failure in a shared slot; the main thread CHECKs it. */
#include "tests/harness/test.h"
#include "tests/storage/db_test_util.h"

#include <pthread.h>
#include <stdatomic.h>

/* The first failure seen by any thread (later ones are counted, not kept). */
static pthread_mutex_t cc_fail_mu = PTHREAD_MUTEX_INITIALIZER;
static char cc_fail_msg[1024];
static atomic_int cc_failures;

static void cc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void cc_fail(const char *fmt, ...)
{
    pthread_mutex_lock(&cc_fail_mu);
    if (atomic_fetch_add(&cc_failures, 1) == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cc_fail_msg, sizeof cc_fail_msg, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&cc_fail_mu);
}

static void cc_reset_failures(void)
{
    atomic_store(&cc_failures, 0);
    cc_fail_msg[0] = '\0';
}

#define CC_CHECK_NO_THREAD_FAILURES() \
    CHECK_MSG(atomic_load(&cc_failures) == 0, "%d failures in threads; first: %s", \
              atomic_load(&cc_failures), cc_fail_msg)

static int cc_scale_div(void)
{
    return DBT_SANITIZERS ? 4 : 1;
}

/* --- group commit ------------------------------------------------------------------------ */

typedef struct CcWriter {
    ShaleDB *db;
    int id;
    int n;
    bool sync;
    size_t value_size;
} CcWriter;

static void *cc_put_thread(void *arg)
{
    CcWriter *w = arg;
    char k[32], v[1024];
    memset(v, 'v', sizeof v);
    for (int i = 0; i < w->n; i++) {
        int kl = snprintf(k, sizeof k, "g%d-%06d", w->id, i);
        int vl = snprintf(v, sizeof v, "%d:%d", w->id, i);
        size_t len = w->value_size > (size_t)vl ? w->value_size : (size_t)vl;
        ShaleError err;
        ShaleCode rc = shale_db_put(w->db, k, (size_t)kl, v, len, w->sync, &err);
        if (rc != SHALE_OK) {
            cc_fail("writer %d put %d: %s %s", w->id, i, shale_code_name(rc), err.msg);
            break;
        }
    }
    return NULL;
}

TEST(group_commit_four_writers)
{
    cc_reset_failures();
    char dir[700];
    dbt_path(dir, sizeof dir, "%s/group", test_tmpdir());
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db;
    ShaleError err;
    REQUIRE_OK(shale_db_open(dir, &o, &db, &err), &err);
    enum { W = 4 };
    int per = 400 / cc_scale_div();
    CcWriter w[W];
    pthread_t th[W];
    double t0 = dbt_now();
    for (int i = 0; i < W; i++) {
        w[i] = (CcWriter){.db = db, .id = i, .n = per, .sync = true, .value_size = 100};
        REQUIRE(pthread_create(&th[i], NULL, cc_put_thread, &w[i]) == 0);
    }
    for (int i = 0; i < W; i++)
        pthread_join(th[i], NULL);
    double secs = dbt_now() - t0;
    CC_CHECK_NO_THREAD_FAILURES();
    ShaleDBStats st;
    shale_db_stats(db, &st);
    printf("  %d synced writes in %.2f s: wal_syncs=%llu synced_writes=%llu\n", W * per, secs,
           (unsigned long long)st.wal_syncs, (unsigned long long)st.synced_writes);
    CHECK_EQ_U64(st.synced_writes, (uint64_t)(W * per));
    CHECK_MSG(st.wal_syncs < st.synced_writes, "no group commit: %llu syncs for %llu synced writes",
              (unsigned long long)st.wal_syncs, (unsigned long long)st.synced_writes);
    CHECK(st.wal_syncs > 0);
    /* all present, now and after a reopen */
    for (int round = 0; round < 2; round++) {
        int missing = 0;
        for (int t = 0; t < W; t++)
            for (int i = 0; i < per; i++) {
                char k[32], v[32];
                int kl = snprintf(k, sizeof k, "g%d-%06d", t, i);
                int vl = snprintf(v, sizeof v, "%d:%d", t, i);
                char *got;
                size_t gl;
                ShaleCode rc = shale_db_get(db, NULL, k, (size_t)kl, &got, &gl, &err);
                if (rc != SHALE_OK || gl != 100 || memcmp(got, v, (size_t)vl) != 0)
                    missing++;
                if (rc == SHALE_OK)
                    free(got);
            }
        CHECK_MSG(missing == 0, "round %d: %d of %d synced writes missing or wrong", round, missing, W * per);
        CHECK_OK(shale_db_close(db, &err), &err);
        if (round == 0)
            REQUIRE_OK(shale_db_open(dir, &o, &db, &err), &err);
    }
    test_rm_rf(dir);
}

/* --- atomic visibility ----------------------------------------------------------------- */

#define CC_PAIRS 200

typedef struct CcShared {
    ShaleDB *db;
    atomic_int writers_left;
    atomic_long reads, scans, maint_ops;
    int per_writer;
} CcShared;

typedef struct CcThread {
    CcShared *s;
    int id;
} CcThread;

static void *cc_pair_writer(void *arg)
{
    CcThread *t = arg;
    ShaleWriteBatch *b = shale_batch_new();
    ShaleRandom r;
    shale_random_seed(&r, 1000 + (uint64_t)t->id);
    char ka[16], kb[16], v[200];
    memset(v, '.', sizeof v);
    for (int i = 0; i < t->s->per_writer; i++) {
        int p = (int)shale_random_uniform(&r, CC_PAIRS);
        int kl = snprintf(ka, sizeof ka, "pA%03d", p);
        snprintf(kb, sizeof kb, "pB%03d", p);
        shale_batch_clear(b);
        if (shale_random_uniform(&r, 5) == 0) {
            shale_batch_delete(b, ka, (size_t)kl);
            shale_batch_delete(b, kb, (size_t)kl);
        } else {
            int vl = snprintf(v, sizeof v, "w%d-%d|", t->id, i);
            v[vl] = '.';
            size_t len = 20 + shale_random_uniform(&r, 180);
            shale_batch_put(b, ka, (size_t)kl, v, len);
            shale_batch_put(b, kb, (size_t)kl, v, len);
        }
        ShaleError err;
        ShaleCode rc = shale_db_write(t->s->db, b, shale_random_uniform(&r, 50) == 0, &err);
        if (rc != SHALE_OK) {
            cc_fail("pair writer %d batch %d: %s %s", t->id, i, shale_code_name(rc), err.msg);
            break;
        }
    }
    shale_batch_free(b);
    atomic_fetch_sub(&t->s->writers_left, 1);
    return NULL;
}

static void cc_check_pair(const char *where, int p, const char *a, size_t al, bool ha, const char *b,
                          size_t bl, bool hb)
{
    if (ha != hb || (ha && (al != bl || memcmp(a, b, al) != 0))) {
        char h1[256], h2[256];
        cc_fail("%s: torn batch at pair %d: A=%s \"%s\" B=%s \"%s\"", where, p, ha ? "present" : "absent",
                ha ? dbt_hex(h1, sizeof h1, a, al) : "", hb ? "present" : "absent",
                hb ? dbt_hex(h2, sizeof h2, b, bl) : "");
    }
}

static void *cc_pair_reader(void *arg)
{
    CcThread *t = arg;
    ShaleDB *db = t->s->db;
    ShaleRandom r;
    shale_random_seed(&r, 2000 + (uint64_t)t->id);
    /* scan tables: value bytes of each pair's A and B key (owned here) */
    char (*astore)[200] = malloc(sizeof(char[CC_PAIRS][200]));
    char (*bstore)[200] = malloc(sizeof(char[CC_PAIRS][200]));
    size_t alens[CC_PAIRS], blens[CC_PAIRS];
    while (astore && bstore && atomic_load(&t->s->writers_left) > 0 && atomic_load(&cc_failures) == 0) {
        if (shale_random_uniform(&r, 4) == 0) {
            /* a scan at an explicit or implicit snapshot: every A then every B */
            const ShaleSnapshot *snap = shale_random_uniform(&r, 2) ? shale_db_snapshot(db) : NULL;
            ShaleDBIter *it = shale_db_iter_new(db, snap);
            bool backward = shale_random_uniform(&r, 2);
            if (backward)
                shale_db_iter_seek_to_last(it);
            else
                shale_db_iter_seek_to_first(it);
            bool hasa[CC_PAIRS] = {false}, hasb[CC_PAIRS] = {false};
            for (; shale_db_iter_valid(it); backward ? shale_db_iter_prev(it) : shale_db_iter_next(it)) {
                size_t kl, vl;
                const char *k = shale_db_iter_key(it, &kl);
                const char *v = shale_db_iter_value(it, &vl);
                if (kl != 5 || k[0] != 'p' || vl > 200) {
                    cc_fail("scan: unexpected key/value of %zu/%zu bytes", kl, vl);
                    break;
                }
                /* The key is not NUL-terminated (in a reverse scan it lives in a reused buffer
                 * whose next bytes are stale): read exactly its three digits. */
                int p = -1;
                if (k[2] >= '0' && k[2] <= '9' && k[3] >= '0' && k[3] <= '9' && k[4] >= '0' && k[4] <= '9')
                    p = (k[2] - '0') * 100 + (k[3] - '0') * 10 + (k[4] - '0');
                if (p < 0 || p >= CC_PAIRS) {
                    cc_fail("scan: key out of range");
                    break;
                }
                if (k[1] == 'A') {
                    memcpy(astore[p], v, vl);
                    alens[p] = vl;
                    hasa[p] = true;
                } else {
                    memcpy(bstore[p], v, vl);
                    blens[p] = vl;
                    hasb[p] = true;
                }
            }
            ShaleError err;
            ShaleCode rc = shale_db_iter_status(it, &err);
            if (rc != SHALE_OK)
                cc_fail("scan status %s: %s", shale_code_name(rc), err.msg);
            shale_db_iter_destroy(it);
            if (snap)
                shale_db_release_snapshot(db, snap);
            for (int p = 0; p < CC_PAIRS; p++)
                cc_check_pair(backward ? "backward scan" : "scan", p, astore[p], alens[p], hasa[p],
                              bstore[p], blens[p], hasb[p]);
            atomic_fetch_add(&t->s->scans, 1);
        } else {
            /* point gets of both keys of a few pairs at one snapshot */
            const ShaleSnapshot *snap = shale_db_snapshot(db);
            for (int j = 0; j < 8; j++) {
                int p = (int)shale_random_uniform(&r, CC_PAIRS);
                char ka[16], kb[16];
                int kl = snprintf(ka, sizeof ka, "pA%03d", p);
                snprintf(kb, sizeof kb, "pB%03d", p);
                char *va = NULL, *vb = NULL;
                size_t la = 0, lb = 0;
                ShaleError err;
                ShaleCode ra = shale_db_get(db, snap, ka, (size_t)kl, &va, &la, &err);
                if (ra != SHALE_OK && ra != SHALE_NOT_FOUND)
                    cc_fail("get A: %s %s", shale_code_name(ra), err.msg);
                ShaleCode rb = shale_db_get(db, snap, kb, (size_t)kl, &vb, &lb, &err);
                if (rb != SHALE_OK && rb != SHALE_NOT_FOUND)
                    cc_fail("get B: %s %s", shale_code_name(rb), err.msg);
                cc_check_pair("snapshot gets", p, va, la, ra == SHALE_OK, vb, lb, rb == SHALE_OK);
                free(va);
                free(vb);
                atomic_fetch_add(&t->s->reads, 2);
            }
            shale_db_release_snapshot(db, snap);
        }
    }
    free(astore);
    free(bstore);
    return NULL;
}

static void *cc_maintenance(void *arg)
{
    CcThread *t = arg;
    ShaleRandom r;
    shale_random_seed(&r, 3000);
    while (atomic_load(&t->s->writers_left) > 0 && atomic_load(&cc_failures) == 0) {
        ShaleError err;
        ShaleCode rc;
        uint64_t x = shale_random_uniform(&r, 4);
        if (x == 0) {
            rc = shale_db_flush(t->s->db, &err);
        } else if (x == 1) {
            rc = shale_db_compact_range(t->s->db, NULL, 0, NULL, 0, &err);
        } else {
            char a[16], b[16];
            int p = (int)shale_random_uniform(&r, CC_PAIRS);
            int al = snprintf(a, sizeof a, "pA%03d", p);
            int bl = snprintf(b, sizeof b, "pB%03d", p);
            rc = shale_db_compact_range(t->s->db, a, (size_t)al, b, (size_t)bl, &err);
        }
        if (rc != SHALE_OK)
            cc_fail("maintenance op %llu: %s %s", (unsigned long long)x, shale_code_name(rc), err.msg);
        atomic_fetch_add(&t->s->maint_ops, 1);
        usleep(2000);
    }
    return NULL;
}

TEST(readers_never_see_torn_batches)
{
    cc_reset_failures();
    char dir[700];
    dbt_path(dir, sizeof dir, "%s/torn", test_tmpdir());
    ShaleDBOptions o;
    dbt_small_options(&o);
    o.write_buffer_size = 16 * 1024;
    o.block_size = 256;
    ShaleError err;
    CcShared s = {.per_writer = 50000 * (int)test_scale() / cc_scale_div()};
    REQUIRE_OK(shale_db_open(dir, &o, &s.db, &err), &err);
    enum { NW = 2, NR = 2 };
    pthread_t th[NW + NR + 1];
    CcThread t[NW + NR + 1];
    atomic_store(&s.writers_left, NW);
    double t0 = dbt_now();
    for (int i = 0; i < NW + NR + 1; i++) {
        t[i] = (CcThread){.s = &s, .id = i};
        void *(*fn)(void *) = i < NW ? cc_pair_writer : i < NW + NR ? cc_pair_reader : cc_maintenance;
        REQUIRE(pthread_create(&th[i], NULL, fn, &t[i]) == 0);
    }
    for (int i = 0; i < NW + NR + 1; i++)
        pthread_join(th[i], NULL);
    printf("  %d batches, %ld snapshot gets, %ld scans, %ld flush/compactions in %.1f s\n",
           NW * s.per_writer, atomic_load(&s.reads), atomic_load(&s.scans), atomic_load(&s.maint_ops),
           dbt_now() - t0);
    dbt_print_stats(s.db, "stats");
    CC_CHECK_NO_THREAD_FAILURES();
    CHECK(atomic_load(&s.scans) > 0);
    CHECK(atomic_load(&s.reads) > 0);
    CHECK_OK(shale_db_close(s.db, &err), &err);
    test_rm_rf(dir);
}

/* --- checkpoints while writers run ------------------------------------------------------ */

enum { CP_WRITERS = 3 };

typedef struct CpShared {
    ShaleDB *db;
    atomic_bool stop;
    atomic_int started[CP_WRITERS];  /* batches handed to shale_db_write */
    atomic_int acked[CP_WRITERS];    /* batches whose write returned OK */
} CpShared;

typedef struct CpThread {
    CpShared *s;
    int id;
} CpThread;

static int cp_key(char *buf, int t, int i, char which)
{
    return snprintf(buf, 32, "c%d-%07d-%c", t, i, which);
}

static void *cp_writer(void *arg)
{
    CpThread *t = arg;
    ShaleWriteBatch *b = shale_batch_new();
    char k[32], v[64];
    for (int i = 0; !atomic_load(&t->s->stop); i++) {
        shale_batch_clear(b);
        int vl = snprintf(v, sizeof v, "%d-%d-payload-payload-payload", t->id, i);
        int kl = cp_key(k, t->id, i, 'x');
        shale_batch_put(b, k, (size_t)kl, v, (size_t)vl);
        kl = cp_key(k, t->id, i, 'y');
        shale_batch_put(b, k, (size_t)kl, v, (size_t)vl);
        atomic_store(&t->s->started[t->id], i + 1);
        ShaleError err;
        ShaleCode rc = shale_db_write(t->s->db, b, i % 16 == 0, &err);
        if (rc != SHALE_OK) {
            cc_fail("checkpoint writer %d batch %d: %s %s", t->id, i, shale_code_name(rc), err.msg);
            break;
        }
        atomic_store(&t->s->acked[t->id], i + 1);
    }
    shale_batch_free(b);
    return NULL;
}

/* Checks the exported database at dest against the bounds; returns batches found. */
static long cp_check_export(const char *dest, const ShaleDBOptions *o, const int *before,
                            const int *after, int round)
{
    ShaleDB *e;
    ShaleError err;
    ShaleCode rc = shale_db_open(dest, o, &e, &err);
    CHECK_MSG(rc == SHALE_OK, "round %d: open of the export failed: %s", round, err.msg);
    if (rc != SHALE_OK)
        return -1;
    long total = 0;
    int n[CP_WRITERS] = {0};
    bool pending_x = false;
    int pend_t = -1, pend_i = -1;
    ShaleDBIter *it = shale_db_iter_new(e, NULL);
    bool ok = true;
    long entries = 0;
    for (shale_db_iter_seek_to_first(it); ok && shale_db_iter_valid(it); shale_db_iter_next(it)) {
        size_t kl, vl;
        const char *k = shale_db_iter_key(it, &kl);
        const char *v = shale_db_iter_value(it, &vl);
        char key[64], expect[64];
        snprintf(key, sizeof key, "%.*s", (int)(kl < 63 ? kl : 63), k);
        int t = -1, i = -1;
        char which = 0;
        if (sscanf(key, "c%d-%d-%c", &t, &i, &which) != 3 || t < 0 || t >= CP_WRITERS) {
            CHECK_MSG(false, "round %d: unexpected key %s in the export", round, key);
            ok = false;
            break;
        }
        entries++;
        int el = snprintf(expect, sizeof expect, "%d-%d-payload-payload-payload", t, i);
        if (vl != (size_t)el || memcmp(v, expect, vl) != 0) {
            CHECK_MSG(false, "round %d: key %s has a wrong value", round, key);
            ok = false;
        } else if (which == 'x') {
            /* the batches of writer t must be 0, 1, 2, ... with no hole */
            if (pending_x || i != n[t]) {
                CHECK_MSG(false, "round %d: writer %d's batches in the export are not a prefix: "
                          "found batch %d after %d (or a torn batch before it)", round, t, i, n[t]);
                ok = false;
            }
            pending_x = true;
            pend_t = t;
            pend_i = i;
        } else {
            if (!pending_x || pend_t != t || pend_i != i) {
                CHECK_MSG(false, "round %d: torn batch: %s without its x key", round, key);
                ok = false;
            }
            pending_x = false;
            n[t]++;
        }
    }
    if (ok && pending_x)
        CHECK_MSG(false, "round %d: torn batch: writer %d batch %d has x but no y", round, pend_t, pend_i);
    rc = shale_db_iter_status(it, &err);
    CHECK_OK(rc, &err);
    shale_db_iter_destroy(it);
    for (int t = 0; t < CP_WRITERS; t++) {
        CHECK_MSG(n[t] >= before[t], "round %d: writer %d had %d batches acknowledged before the "
                  "checkpoint, the export holds only %d", round, t, before[t], n[t]);
        CHECK_MSG(n[t] <= after[t], "round %d: writer %d had started only %d batches when the "
                  "checkpoint returned, the export holds %d", round, t, after[t], n[t]);
        total += n[t];
    }
    (void)entries;
    CHECK_OK(shale_db_close(e, &err), &err);
    return total;
}

TEST(checkpoint_while_writing)
{
    cc_reset_failures();
    char dir[700];
    dbt_path(dir, sizeof dir, "%s/cpw", test_tmpdir());
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleError err;
    CpShared s;
    memset(&s, 0, sizeof s);
    REQUIRE_OK(shale_db_open(dir, &o, &s.db, &err), &err);
    ShaleDBStats st;
    shale_db_stats(s.db, &st);
    uint64_t base_seq = st.last_sequence;
    pthread_t th[CP_WRITERS];
    CpThread t[CP_WRITERS];
    for (int i = 0; i < CP_WRITERS; i++) {
        t[i] = (CpThread){.s = &s, .id = i};
        REQUIRE(pthread_create(&th[i], NULL, cp_writer, &t[i]) == 0);
    }
    int rounds = 8;
    for (int round = 0; round < rounds && atomic_load(&cc_failures) == 0; round++) {
        usleep(80000);
        int before[CP_WRITERS], after[CP_WRITERS];
        for (int i = 0; i < CP_WRITERS; i++)
            before[i] = atomic_load(&s.acked[i]);
        ShaleCheckpoint *cp = NULL;
        ShaleCode rc = shale_db_checkpoint(s.db, &cp, &err);
        for (int i = 0; i < CP_WRITERS; i++)
            after[i] = atomic_load(&s.started[i]);
        CHECK_OK(rc, &err);
        if (rc != SHALE_OK)
            break;
        uint64_t cp_seq = shale_checkpoint_sequence(cp);
        char dest[800];
        dbt_path(dest, sizeof dest, "%s/cpw-export-%d", test_tmpdir(), round);
        rc = shale_checkpoint_export(cp, dest, &err);
        CHECK_OK(rc, &err);
        size_t nf = shale_checkpoint_n_files(cp);
        shale_checkpoint_release(cp);
        if (rc != SHALE_OK)
            break;
        long total = cp_check_export(dest, &o, before, after, round);
        /* each batch is 2 entries with consecutive sequence numbers, and nothing else was
         * written since base_seq: the checkpoint at cp_seq holds exactly this many batches */
        CHECK_MSG(total < 0 || (uint64_t)total * 2 == cp_seq - base_seq,
                  "round %d: export holds %ld batches but checkpoint sequence %llu - base %llu = "
                  "%llu entries", round, total, (unsigned long long)cp_seq,
                  (unsigned long long)base_seq, (unsigned long long)(cp_seq - base_seq));
        printf("  checkpoint %d: seq %llu, %zu files, %ld batches (acked before: %d/%d/%d)\n", round,
               (unsigned long long)cp_seq, nf, total, before[0], before[1], before[2]);
        test_rm_rf(dest);
    }
    atomic_store(&s.stop, true);
    for (int i = 0; i < CP_WRITERS; i++)
        pthread_join(th[i], NULL);
    CC_CHECK_NO_THREAD_FAILURES();
    /* the live database still has every acknowledged batch */
    int missing = 0;
    for (int tt = 0; tt < CP_WRITERS; tt++)
        for (int i = 0; i < atomic_load(&s.acked[tt]); i += 7) {
            char k[32];
            int kl = cp_key(k, tt, i, 'y');
            char *v;
            size_t vl;
            ShaleCode rc = shale_db_get(s.db, NULL, k, (size_t)kl, &v, &vl, &err);
            missing += rc != SHALE_OK;
            if (rc == SHALE_OK)
                free(v);
        }
    CHECK_EQ_INT(missing, 0);
    CHECK_OK(shale_db_close(s.db, &err), &err);
    test_rm_rf(dir);
}

/* --- stalls -------------------------------------------------------------------------- */

TEST(stalls_are_counted_and_bounded)
{
    cc_reset_failures();
    char dir[700];
    dbt_path(dir, sizeof dir, "%s/stall", test_tmpdir());
    ShaleDBOptions o;
    dbt_small_options(&o);
    o.write_buffer_size = 16 * 1024;
    o.l0_compaction_trigger = 2;
    o.l0_slowdown_trigger = 3;
    o.l0_stop_trigger = 5;
    ShaleDB *db;
    ShaleError err;
    REQUIRE_OK(shale_db_open(dir, &o, &db, &err), &err);
    enum { W = 4 };
    CcWriter w[W];
    pthread_t th[W];
    double t0 = dbt_now();
    for (int i = 0; i < W; i++) {
        w[i] = (CcWriter){.db = db, .id = i, .n = 4000 / cc_scale_div(), .sync = false, .value_size = 700};
        REQUIRE(pthread_create(&th[i], NULL, cc_put_thread, &w[i]) == 0);
    }
    for (int i = 0; i < W; i++)
        pthread_join(th[i], NULL);
    CC_CHECK_NO_THREAD_FAILURES();
    ShaleDBStats st;
    shale_db_stats(db, &st);
    printf("  %d x %d writes of 700 B in %.1f s: slowdowns=%llu stops=%llu stall_us=%llu "
           "max_stall_us=%llu flushes=%llu\n", W, w[0].n, dbt_now() - t0,
           (unsigned long long)st.stalls_slowdown, (unsigned long long)st.stalls_stop,
           (unsigned long long)st.stall_micros, (unsigned long long)st.max_stall_micros,
           (unsigned long long)st.flushes);
    CHECK(st.flushes > 10);
    CHECK_MSG(st.max_stall_micros < 10u * 1000 * 1000, "a write stalled %llu us",
              (unsigned long long)st.max_stall_micros);
    CHECK(st.stall_micros >= st.max_stall_micros);
    if (st.stalls_slowdown + st.stalls_stop > 0)
        CHECK(st.stall_micros > 0);
    else
        CHECK_EQ_U64(st.stall_micros, 0);
    CHECK_OK(shale_db_close(db, &err), &err);
    test_rm_rf(dir);
}

TEST_MAIN(
    RUN(group_commit_four_writers);
    RUN(readers_never_see_torn_batches);
    RUN(checkpoint_while_writing);
    RUN(stalls_are_counted_and_bounded);
    test_rm_rf(test_tmpdir());
)
