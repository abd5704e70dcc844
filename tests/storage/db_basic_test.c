/* db_basic_test.c -- the storage engine's public API at the edges: open/close/reopen and the
 * open flags, the directory lock (same process and another process), empty and 1 MiB
 * values, binary keys with zero bytes, reads of an empty database, tombstones across flushes
 * and compactions, snapshots, batches, stats and a basic checkpoint export. */
#include "tests/harness/test.h"
#include "tests/storage/db_test_util.h"

#include <sys/wait.h>

static char bt_dir[700];

/* A fresh directory path under the scratch dir for case name (not created). */
static const char *bt_fresh(const char *name)
{
    dbt_path(bt_dir, sizeof bt_dir, "%s/%s", test_tmpdir(), name);
    test_rm_rf(bt_dir);
    return bt_dir;
}

/* Expects key to hold exactly val (vlen bytes) at snap. */
#define BT_EXPECT(db, snap, k, klen, v, vlen) do { \
        char *got_ = NULL; \
        size_t glen_ = 0; \
        ShaleError e_; \
        ShaleCode rc_ = shale_db_get((db), (snap), (k), (klen), &got_, &glen_, &e_); \
        CHECK_OK(rc_, &e_); \
        if (rc_ == SHALE_OK) { \
            CHECK(got_ != NULL); \
            CHECK_MEM(got_, glen_, (v), (vlen)); \
            free(got_); \
        } \
    } while (0)

#define BT_EXPECT_MISSING(db, snap, k, klen) do { \
        char *got_ = (char *)1; \
        size_t glen_ = 0; \
        ShaleError e_; \
        ShaleCode rc_ = shale_db_get((db), (snap), (k), (klen), &got_, &glen_, &e_); \
        CHECK_EQ_INT(rc_, SHALE_NOT_FOUND); \
        if (rc_ == SHALE_OK) \
            free(got_); \
        else \
            CHECK(got_ == NULL); \
    } while (0)

static ShaleDB *bt_open(const char *dir, const ShaleDBOptions *o)
{
    ShaleDB *db = NULL;
    ShaleError err;
    ShaleCode rc = shale_db_open(dir, o, &db, &err);
    CHECK_OK(rc, &err);
    return rc == SHALE_OK ? db : NULL;
}

static void bt_close(ShaleDB *db)
{
    ShaleError err;
    CHECK_OK(shale_db_close(db, &err), &err);
}

TEST(open_close_reopen)
{
    const char *dir = bt_fresh("reopen");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = bt_open(dir, &o);
    REQUIRE(db);
    ShaleError err;
    for (int i = 0; i < 500; i++) {
        char k[32], v[64];
        int kl = snprintf(k, sizeof k, "key%04d", i);
        int vl = snprintf(v, sizeof v, "value-%d-%d", i, i * 7);
        CHECK_OK(shale_db_put(db, k, (size_t)kl, v, (size_t)vl, false, &err), &err);
    }
    bt_close(db);
    /* three reopens, with writes in between, all must see everything */
    for (int round = 0; round < 3; round++) {
        db = bt_open(dir, &o);
        REQUIRE(db);
        for (int i = 0; i < 500; i++) {
            char k[32], v[64];
            int kl = snprintf(k, sizeof k, "key%04d", i);
            int vl = snprintf(v, sizeof v, "value-%d-%d", i, i * 7 + round);
            if (round > 0 && i % 3 == 0) {
                BT_EXPECT_MISSING(db, NULL, k, (size_t)kl);
                continue;
            }
            char pv[64];
            int pl = snprintf(pv, sizeof pv, "value-%d-%d", i, i * 7 + (round ? round - 1 : 0));
            BT_EXPECT(db, NULL, k, (size_t)kl, pv, (size_t)pl);
            if (i % 3 == 0)
                CHECK_OK(shale_db_delete(db, k, (size_t)kl, false, &err), &err);
            else
                CHECK_OK(shale_db_put(db, k, (size_t)kl, v, (size_t)vl, round == 1, &err), &err);
        }
        bt_close(db);
    }
    test_rm_rf(dir);
}

TEST(open_flags)
{
    const char *dir = bt_fresh("flags");
    ShaleDBOptions o;
    shale_db_options_init(&o);
    CHECK(o.create_if_missing);
    CHECK(!o.error_if_exists);
    CHECK_EQ_U64(o.write_buffer_size, 4u << 20);
    ShaleDB *db = NULL;
    ShaleError err;
    o.create_if_missing = false;
    ShaleCode rc = shale_db_open(dir, &o, &db, &err);
    CHECK_MSG(rc != SHALE_OK, "open of a missing db without create_if_missing succeeded");
    if (rc == SHALE_OK)
        bt_close(db);
    else
        CHECK(err.msg[0] != '\0');
    char cur[800];
    CHECK(!shale_env_exists(dbt_path(cur, sizeof cur, "%s/CURRENT", dir)));

    o.create_if_missing = true;
    db = bt_open(dir, &o);
    REQUIRE(db);
    CHECK_OK(shale_db_put(db, "a", 1, "1", 1, true, &err), &err);
    bt_close(db);

    o.error_if_exists = true;
    rc = shale_db_open(dir, &o, &db, &err);
    CHECK_MSG(rc != SHALE_OK, "error_if_exists open of an existing db succeeded");
    if (rc == SHALE_OK)
        bt_close(db);
    /* the failed open left the database alone */
    o.error_if_exists = false;
    o.create_if_missing = false;
    db = bt_open(dir, &o);
    REQUIRE(db);
    BT_EXPECT(db, NULL, "a", 1, "1", 1);
    bt_close(db);
    test_rm_rf(dir);
}

TEST(second_open_is_busy)
{
    const char *dir = bt_fresh("busy");
    ShaleDBOptions o;
    shale_db_options_init(&o);
    ShaleDB *db = bt_open(dir, &o);
    REQUIRE(db);
    ShaleDB *db2 = NULL;
    ShaleError err;
    ShaleCode rc = shale_db_open(dir, &o, &db2, &err);
    CHECK_EQ_INT(rc, SHALE_BUSY);
    if (rc == SHALE_OK)
        bt_close(db2);
    /* another process */
    fflush(stdout);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ShaleDB *d = NULL;
        ShaleCode crc = shale_db_open(dir, &o, &d, NULL);
        _exit((int)crc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), SHALE_BUSY);
    /* the first handle still works, and after close the lock is free */
    CHECK_OK(shale_db_put(db, "k", 1, "v", 1, false, &err), &err);
    bt_close(db);
    db = bt_open(dir, &o);
    REQUIRE(db);
    BT_EXPECT(db, NULL, "k", 1, "v", 1);
    bt_close(db);
    test_rm_rf(dir);
}

TEST(empty_values_and_empty_key)
{
    const char *dir = bt_fresh("empty");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = bt_open(dir, &o);
    REQUIRE(db);
    ShaleError err;
    CHECK_OK(shale_db_put(db, "e", 1, "", 0, false, &err), &err);
    CHECK_OK(shale_db_put(db, "", 0, "empty-key", 9, false, &err), &err);
    CHECK_OK(shale_db_put(db, "f", 1, "x", 1, false, &err), &err);
    for (int stage = 0; stage < 3; stage++) {
        BT_EXPECT(db, NULL, "e", 1, "", 0);
        BT_EXPECT(db, NULL, "", 0, "empty-key", 9);
        ShaleDBIter *it = shale_db_iter_new(db, NULL);
        REQUIRE(it);
        shale_db_iter_seek_to_first(it);
        REQUIRE(shale_db_iter_valid(it));
        size_t kl, vl;
        shale_db_iter_key(it, &kl);
        CHECK_EQ_U64(kl, 0);
        shale_db_iter_next(it);
        REQUIRE(shale_db_iter_valid(it));
        const char *k = shale_db_iter_key(it, &kl);
        shale_db_iter_value(it, &vl);
        CHECK_MEM(k, kl, "e", 1);
        CHECK_EQ_U64(vl, 0);
        shale_db_iter_destroy(it);
        if (stage == 0)
            CHECK_OK(shale_db_flush(db, &err), &err);
        if (stage == 1) {
            bt_close(db);
            db = bt_open(dir, &o);
            REQUIRE(db);
        }
    }
    bt_close(db);
    test_rm_rf(dir);
}

TEST(large_values)
{
    const char *dir = bt_fresh("large");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = bt_open(dir, &o);
    REQUIRE(db);
    const size_t mb = 1u << 20;
    char *vals[4];
    ShaleRandom r;
    shale_random_seed(&r, 77);
    ShaleError err;
    for (int i = 0; i < 4; i++) {
        vals[i] = malloc(mb + (size_t)i);
        REQUIRE(vals[i]);
        for (size_t j = 0; j < mb + (size_t)i; j++) /* half random, half compressible */
            vals[i][j] = i % 2 ? (char)shale_random_next(&r) : (char)('a' + j % 7);
        char k[8];
        snprintf(k, sizeof k, "big%d", i);
        CHECK_OK(shale_db_put(db, k, 4, vals[i], mb + (size_t)i, i == 3, &err), &err);
        CHECK_OK(shale_db_put(db, "small", 5, k, 4, false, &err), &err);
    }
    for (int stage = 0; stage < 4; stage++) {
        for (int i = 0; i < 4; i++) {
            char k[8];
            snprintf(k, sizeof k, "big%d", i);
            BT_EXPECT(db, NULL, k, 4, vals[i], mb + (size_t)i);
        }
        BT_EXPECT(db, NULL, "small", 5, "big3", 4);
        if (stage == 0)
            CHECK_OK(shale_db_flush(db, &err), &err);
        else if (stage == 1)
            CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
        else if (stage == 2) {
            bt_close(db);
            db = bt_open(dir, &o);
            REQUIRE(db);
        }
    }
    /* a 1 MiB value only in the WAL survives a reopen too */
    CHECK_OK(shale_db_put(db, "walbig", 6, vals[1], mb, false, &err), &err);
    bt_close(db);
    o.write_buffer_size = 8u << 20;
    db = bt_open(dir, &o);
    REQUIRE(db);
    BT_EXPECT(db, NULL, "walbig", 6, vals[1], mb);
    bt_close(db);
    for (int i = 0; i < 4; i++)
        free(vals[i]);
    test_rm_rf(dir);
}

TEST(binary_keys_with_zero_bytes)
{
    const char *dir = bt_fresh("binary");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = bt_open(dir, &o);
    REQUIRE(db);
    /* already in memcmp order (shorter first on a common prefix) */
    static const struct { const char *k; size_t n; } keys[] = {
        {"\x00", 1}, {"\x00\x00", 2}, {"\x00\x01", 2}, {"a", 1}, {"a\x00", 2}, {"a\x00\x00", 3},
        {"a\x00" "b", 3}, {"a\x01", 2}, {"ab", 2}, {"\x7f", 1}, {"\x80", 1}, {"\xff", 1},
        {"\xff\x00", 2}, {"\xff\xff\xff", 3},
    };
    const int n = (int)(sizeof keys / sizeof keys[0]);
    ShaleError err;
    for (int stage = 0; stage < 3; stage++) {
        if (stage == 0)
            for (int i = n - 1; i >= 0; i--) {
                char v[4] = {'v', (char)i, 0, 'z'};
                CHECK_OK(shale_db_put(db, keys[i].k, keys[i].n, v, 4, false, &err), &err);
            }
        for (int i = 0; i < n; i++) {
            char v[4] = {'v', (char)i, 0, 'z'};
            BT_EXPECT(db, NULL, keys[i].k, keys[i].n, v, 4);
        }
        BT_EXPECT_MISSING(db, NULL, "a\x00\x00\x00", 4);
        BT_EXPECT_MISSING(db, NULL, "", 0);
        ShaleDBIter *it = shale_db_iter_new(db, NULL);
        REQUIRE(it);
        int i = 0;
        for (shale_db_iter_seek_to_first(it); shale_db_iter_valid(it); shale_db_iter_next(it), i++) {
            size_t kl;
            const char *k = shale_db_iter_key(it, &kl);
            if (i < n)
                CHECK_MEM(k, kl, keys[i].k, keys[i].n);
        }
        CHECK_EQ_INT(i, n);
        i = n - 1;
        for (shale_db_iter_seek_to_last(it); shale_db_iter_valid(it); shale_db_iter_prev(it), i--) {
            size_t kl;
            const char *k = shale_db_iter_key(it, &kl);
            if (i >= 0)
                CHECK_MEM(k, kl, keys[i].k, keys[i].n);
        }
        CHECK_EQ_INT(i, -1);
        /* seek between "a\0" and "a\0\0": lands on "a\0\0"; seek_for_prev lands on "a\0" */
        shale_db_iter_seek(it, "a\x00\x00", 3);
        REQUIRE(shale_db_iter_valid(it));
        size_t kl;
        const char *k = shale_db_iter_key(it, &kl);
        CHECK_MEM(k, kl, "a\x00\x00", 3);
        shale_db_iter_seek_for_prev(it, "a\x00\x00\x00", 4);
        REQUIRE(shale_db_iter_valid(it));
        k = shale_db_iter_key(it, &kl);
        CHECK_MEM(k, kl, "a\x00\x00", 3);
        shale_db_iter_seek(it, "\xff\xff\xff\x00", 4);
        CHECK(!shale_db_iter_valid(it));
        shale_db_iter_seek_for_prev(it, "", 0);
        CHECK(!shale_db_iter_valid(it));
        CHECK_OK(shale_db_iter_status(it, &err), &err);
        shale_db_iter_destroy(it);
        if (stage == 0)
            CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
        if (stage == 1) {
            bt_close(db);
            db = bt_open(dir, &o);
            REQUIRE(db);
        }
    }
    bt_close(db);
    test_rm_rf(dir);
}

static void bt_expect_empty(ShaleDB *db)
{
    BT_EXPECT_MISSING(db, NULL, "x", 1);
    BT_EXPECT_MISSING(db, NULL, "", 0);
    ShaleDBIter *it = shale_db_iter_new(db, NULL);
    REQUIRE(it);
    CHECK(!shale_db_iter_valid(it));
    shale_db_iter_seek_to_first(it);
    CHECK(!shale_db_iter_valid(it));
    shale_db_iter_seek_to_last(it);
    CHECK(!shale_db_iter_valid(it));
    shale_db_iter_seek(it, "m", 1);
    CHECK(!shale_db_iter_valid(it));
    shale_db_iter_seek_for_prev(it, "m", 1);
    CHECK(!shale_db_iter_valid(it));
    ShaleError err;
    CHECK_OK(shale_db_iter_status(it, &err), &err);
    shale_db_iter_destroy(it);
}

TEST(empty_database)
{
    const char *dir = bt_fresh("emptydb");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = bt_open(dir, &o);
    REQUIRE(db);
    bt_expect_empty(db);
    ShaleError err;
    CHECK_OK(shale_db_flush(db, &err), &err);
    CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
    bt_expect_empty(db);
    /* a database whose every key was deleted is empty too, in every layer */
    for (int i = 0; i < 300; i++) {
        char k[16];
        int kl = snprintf(k, sizeof k, "k%03d", i);
        CHECK_OK(shale_db_put(db, k, (size_t)kl, "v", 1, false, &err), &err);
    }
    CHECK_OK(shale_db_flush(db, &err), &err);
    for (int i = 0; i < 300; i++) {
        char k[16];
        int kl = snprintf(k, sizeof k, "k%03d", i);
        CHECK_OK(shale_db_delete(db, k, (size_t)kl, false, &err), &err);
    }
    bt_expect_empty(db);
    CHECK_OK(shale_db_flush(db, &err), &err);
    bt_expect_empty(db);
    CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
    bt_expect_empty(db);
    bt_close(db);
    db = bt_open(dir, &o);
    REQUIRE(db);
    bt_expect_empty(db);
    bt_close(db);
    test_rm_rf(dir);
}

/* A tombstone in an upper level must hide an older value in a lower level at every stage
 * of its journey down the tree, and the older value must stay visible at a snapshot. */
TEST(tombstones_across_levels)
{
    const char *dir = bt_fresh("tomb");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = bt_open(dir, &o);
    REQUIRE(db);
    ShaleError err;
    char pad[200];
    memset(pad, 'p', sizeof pad);
    for (int i = 0; i < 400; i++) {
        char k[16];
        int kl = snprintf(k, sizeof k, "t%04d", i);
        CHECK_OK(shale_db_put(db, k, (size_t)kl, pad, sizeof pad, false, &err), &err);
    }
    CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
    const ShaleSnapshot *snap = shale_db_snapshot(db);
    REQUIRE(snap);
    for (int i = 0; i < 400; i += 2) {
        char k[16];
        int kl = snprintf(k, sizeof k, "t%04d", i);
        CHECK_OK(shale_db_delete(db, k, (size_t)kl, false, &err), &err);
    }
    for (int stage = 0; stage < 5; stage++) {
        int live = 0;
        for (int i = 0; i < 400; i++) {
            char k[16];
            int kl = snprintf(k, sizeof k, "t%04d", i);
            if (i % 2 == 0)
                BT_EXPECT_MISSING(db, NULL, k, (size_t)kl);
            else
                BT_EXPECT(db, NULL, k, (size_t)kl, pad, sizeof pad);
            if (stage < 4)
                BT_EXPECT(db, snap, k, (size_t)kl, pad, sizeof pad);
        }
        ShaleDBIter *it = shale_db_iter_new(db, NULL);
        REQUIRE(it);
        for (shale_db_iter_seek_to_first(it); shale_db_iter_valid(it); shale_db_iter_next(it))
            live++;
        shale_db_iter_destroy(it);
        CHECK_EQ_INT(live, 200);
        if (stage == 0)
            CHECK_OK(shale_db_flush(db, &err), &err);
        else if (stage == 1)
            CHECK_OK(shale_db_compact_range(db, "t0100", 5, "t0200", 5, &err), &err);
        else if (stage == 2)
            CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
        else if (stage == 3) {
            shale_db_release_snapshot(db, snap);
            CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
            bt_close(db);
            db = bt_open(dir, &o);
            REQUIRE(db);
        }
    }
    bt_close(db);
    test_rm_rf(dir);
}

TEST(snapshots_batches_and_stats)
{
    const char *dir = bt_fresh("snap");
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = bt_open(dir, &o);
    REQUIRE(db);
    ShaleError err;
    const ShaleSnapshot *s0 = shale_db_snapshot(db);
    ShaleWriteBatch *b = shale_batch_new();
    REQUIRE(b);
    CHECK_EQ_U64(shale_batch_count(b), 0);
    size_t empty_size = shale_batch_byte_size(b);
    shale_batch_put(b, "k1", 2, "v1", 2);
    shale_batch_put(b, "k2", 2, "v2", 2);
    shale_batch_delete(b, "k1", 2);
    shale_batch_put(b, "k3", 2, "v3", 2);
    CHECK_EQ_U64(shale_batch_count(b), 4);
    CHECK(shale_batch_byte_size(b) > empty_size);
    CHECK_OK(shale_db_write(db, b, true, &err), &err);
    /* the batch is not modified: writing it again is fine and idempotent here */
    CHECK_EQ_U64(shale_batch_count(b), 4);
    CHECK_OK(shale_db_write(db, b, false, &err), &err);
    const ShaleSnapshot *s1 = shale_db_snapshot(db);
    CHECK(shale_snapshot_sequence(s1) >= shale_snapshot_sequence(s0) + 8);
    shale_batch_clear(b);
    CHECK_EQ_U64(shale_batch_count(b), 0);
    shale_batch_put(b, "k2", 2, "new", 3);
    CHECK_OK(shale_db_write(db, b, false, &err), &err);
    BT_EXPECT_MISSING(db, NULL, "k1", 2);
    BT_EXPECT(db, NULL, "k2", 2, "new", 3);
    BT_EXPECT(db, s1, "k2", 2, "v2", 2);
    BT_EXPECT_MISSING(db, s0, "k2", 2);
    BT_EXPECT(db, NULL, "k3", 2, "v3", 2);
    ShaleDBStats st;
    shale_db_stats(db, &st);
    CHECK_EQ_U64(st.snapshots, 2);
    CHECK(st.synced_writes >= 1);
    CHECK(st.wal_syncs >= 1);
    CHECK(st.last_sequence >= shale_snapshot_sequence(s1) + 1);
    CHECK(st.user_bytes_written > 0);
    char text[4096];
    shale_db_stats_format(&st, text, sizeof text);
    CHECK(strlen(text) > 20);
    char tiny[8];
    shale_db_stats_format(&st, tiny, sizeof tiny);
    CHECK(strlen(tiny) < sizeof tiny);
    shale_db_release_snapshot(db, s0);
    shale_db_release_snapshot(db, s1);
    shale_db_stats(db, &st);
    CHECK_EQ_U64(st.snapshots, 0);
    shale_batch_free(b);
    bt_close(db);
    test_rm_rf(dir);
}

TEST(checkpoint_export_basic)
{
    const char *dir = bt_fresh("cp");
    char dest[800];
    dbt_path(dest, sizeof dest, "%s/cp-export", test_tmpdir());
    test_rm_rf(dest);
    ShaleDBOptions o;
    dbt_small_options(&o);
    ShaleDB *db = bt_open(dir, &o);
    REQUIRE(db);
    ShaleError err;
    for (int i = 0; i < 2000; i++) {
        char k[16], v[32];
        int kl = snprintf(k, sizeof k, "c%05d", i);
        int vl = snprintf(v, sizeof v, "val%d", i);
        CHECK_OK(shale_db_put(db, k, (size_t)kl, v, (size_t)vl, false, &err), &err);
    }
    ShaleCheckpoint *cp = NULL;
    REQUIRE_OK(shale_db_checkpoint(db, &cp, &err), &err);
    /* later writes are not in the checkpoint */
    CHECK_OK(shale_db_put(db, "after", 5, "x", 1, false, &err), &err);
    CHECK_OK(shale_db_delete(db, "c00000", 6, false, &err), &err);
    CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
    CHECK(shale_checkpoint_n_files(cp) > 0);
    for (size_t i = 0; i < shale_checkpoint_n_files(cp); i++) {
        const ShaleCheckpointFile *f = shale_checkpoint_file(cp, i);
        char p[900];
        dbt_path(p, sizeof p, "%s/%06llu.sst", dir, (unsigned long long)f->number);
        CHECK_MSG(dbt_file_size(p) == (int64_t)f->size, "checkpoint file %s missing or wrong size", p);
        CHECK(f->level >= 0 && f->level < SHALE_NUM_LEVELS);
    }
    CHECK_OK(shale_checkpoint_export(cp, dest, &err), &err);
    /* dest must not exist */
    CHECK(shale_checkpoint_export(cp, dest, &err) != SHALE_OK);
    shale_checkpoint_release(cp);
    bt_close(db);
    ShaleDB *e = bt_open(dest, &o);
    REQUIRE(e);
    BT_EXPECT(e, NULL, "c00000", 6, "val0", 4);
    BT_EXPECT(e, NULL, "c01999", 6, "val1999", 7);
    BT_EXPECT_MISSING(e, NULL, "after", 5);
    ShaleDBIter *it = shale_db_iter_new(e, NULL);
    int n = 0;
    for (shale_db_iter_seek_to_first(it); shale_db_iter_valid(it); shale_db_iter_next(it))
        n++;
    shale_db_iter_destroy(it);
    CHECK_EQ_INT(n, 2000);
    bt_close(e);
    test_rm_rf(dest);
    test_rm_rf(dir);
}

/* Writes three rounds of values over one key range into a single WAL (big write buffer),
 * then "crashes" (child _exit without close). */
static void bt_big_wal_child(const char *dir)
{
    ShaleDBOptions o;
    dbt_small_options(&o);
    o.write_buffer_size = 8u << 20;
    ShaleDB *db;
    if (shale_db_open(dir, &o, &db, NULL) != SHALE_OK)
        _exit(2);
    char v[300];
    memset(v, 'x', sizeof v);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 300; i++) {
            char k[16];
            int kl = snprintf(k, sizeof k, "r%04d", i);
            snprintf(v, sizeof v, "round%d", round);
            if (shale_db_put(db, k, (size_t)kl, v, sizeof v, round == 2 && i == 299, NULL) != SHALE_OK)
                _exit(3);
        }
    _exit(0);
}

/* Recovery of a WAL larger than the (new) write buffer writes several tables; the newer
 * ones must shadow the older ones (they hold the same keys), wherever they are placed. */
TEST(recovery_of_a_wal_larger_than_the_buffer)
{
    const char *dir = bt_fresh("bigwal");
    fflush(stdout);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0)
        bt_big_wal_child(dir);
    int status;
    waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ShaleDBOptions o;
    dbt_small_options(&o);
    o.write_buffer_size = 32 * 1024; /* recovery must split the replay into several tables */
    for (int reopen = 0; reopen < 2; reopen++) {
        ShaleDB *db = bt_open(dir, &o);
        REQUIRE(db);
        int wrong = 0;
        for (int i = 0; i < 300; i++) {
            char k[16];
            int kl = snprintf(k, sizeof k, "r%04d", i);
            char *got;
            size_t gl;
            ShaleCode rc = shale_db_get(db, NULL, k, (size_t)kl, &got, &gl, NULL);
            if (rc != SHALE_OK || gl < 6 || memcmp(got, "round2", 6) != 0) {
                if (!wrong)
                    CHECK_MSG(false, "reopen %d: %s is %s%.6s, want round2", reopen, k,
                              rc == SHALE_OK ? "" : "missing", rc == SHALE_OK ? got : "");
                wrong++;
            }
            if (rc == SHALE_OK)
                free(got);
        }
        CHECK_MSG(wrong == 0, "reopen %d: %d of 300 keys show an older round", reopen, wrong);
        if (reopen == 0)
            dbt_print_stats(db, "after recovery");
        bt_close(db);
    }
    test_rm_rf(dir);
}

TEST_MAIN(
    RUN(open_close_reopen);
    RUN(open_flags);
    RUN(second_open_is_busy);
    RUN(empty_values_and_empty_key);
    RUN(large_values);
    RUN(binary_keys_with_zero_bytes);
    RUN(empty_database);
    RUN(tombstones_across_levels);
    RUN(snapshots_batches_and_stats);
    RUN(checkpoint_export_basic);
    RUN(recovery_of_a_wal_larger_than_the_buffer);
    test_rm_rf(test_tmpdir());
)
