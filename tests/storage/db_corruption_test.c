/* db_corruption_test.c -- damaged files and failing I/O never yield wrong data or a crash.
 *
 * What the engine guarantees, as these tests assert it:
 *   - SSTables: any single flipped byte, anywhere in the file (data blocks, filter, index,
 *     properties, footer), is reported as SHALE_CORRUPTION by open, a get or an iterator
 *     (iterator: it stops, invalid, with that status -- it never skips a block). Every
 *     value returned before or despite the damage is right.
 *   - WAL: replay stops at the first record that fails its checks; the database opens with
 *     exactly the batches before the damaged record (a prefix, in commit order) and later
 *     records are dropped for good (they do not come back on a later reopen). Refusing to
 *     open with SHALE_CORRUPTION is also accepted.
 *   - Manifest: a damaged record that is not the last fails open with SHALE_CORRUPTION;
 *     damage to the last record fails open or (if the engine can prove it harmless) opens
 *     with the exact data. A damaged CURRENT never opens as an empty database.
 *   - A missing SSTable named by the manifest fails open or the reads that need it, with a
 *     message naming the file.
 *   - ENOSPC/EIO injected (ShaleDBOptions.env's fault hook) into a WAL write or sync makes
 *     the synced write fail with SHALE_NO_SPACE / SHALE_IO_ERROR; that batch is then
 *     all-or-nothing and every acknowledged batch survives a reopen without faults. The same
 *     holds for faults in SSTable and manifest writes during a flush. */
#include "tests/harness/test.h"
#include "tests/storage/db_test_util.h"

#include <errno.h>
#include <pthread.h>
#include <sys/wait.h>

static char ct_scratch[700];

static const char *cr_path(const char *name)
{
    return dbt_path(ct_scratch, sizeof ct_scratch, "%s/%s", test_tmpdir(), name);
}

/* --- a simple expected-content model: keys "s%05d" with deterministic values ---------- */

#define CR_KEYS 400

static size_t cr_value(int i, int gen, char *buf)
{
    size_t n = (size_t)snprintf(buf, 64, "val-%d-%d-", i, gen);
    size_t pad = (size_t)(i * 37 + gen) % 50;
    for (size_t j = 0; j < pad; j++)
        buf[n + j] = (char)('A' + (i + (int)j) % 26);
    return n + pad;
}

typedef enum CrOutcome { CR_CLEAN, CR_DETECTED, CR_WRONG } CrOutcome;

/* Reads everything of a db that should hold keys 0..CR_KEYS-1 with cr_value(i, 0) and
 * classifies the result. why (cap bytes) says what was wrong for CR_WRONG. */
static CrOutcome cr_verify_sst_db(ShaleDB *db, char *why, size_t cap)
{
    bool detected = false;
    char kb[16], vb[128];
    ShaleError err;
    for (int dir = 0; dir < 2; dir++) {
        ShaleDBIter *it = shale_db_iter_new(db, NULL);
        if (!it) {
            snprintf(why, cap, "iter_new NULL");
            return CR_WRONG;
        }
        int i = dir == 0 ? 0 : CR_KEYS - 1;
        if (dir == 0)
            shale_db_iter_seek_to_first(it);
        else
            shale_db_iter_seek_to_last(it);
        for (; shale_db_iter_valid(it); i += dir == 0 ? 1 : -1) {
            size_t kl, vl;
            const char *k = shale_db_iter_key(it, &kl);
            const char *v = shale_db_iter_value(it, &vl);
            size_t ekl = (size_t)snprintf(kb, sizeof kb, "s%05d", i);
            size_t evl = cr_value(i, 0, vb);
            if (i < 0 || i >= CR_KEYS || kl != ekl || memcmp(k, kb, kl) != 0 || vl != evl ||
                memcmp(v, vb, vl) != 0) {
                char h[256];
                snprintf(why, cap, "%s scan: position %d yielded key \"%s\"", dir ? "backward" : "forward",
                         i, dbt_hex(h, sizeof h, k, kl));
                shale_db_iter_destroy(it);
                return CR_WRONG;
            }
            if (dir == 0)
                shale_db_iter_next(it);
            else
                shale_db_iter_prev(it);
        }
        ShaleCode rc = shale_db_iter_status(it, &err);
        shale_db_iter_destroy(it);
        if (rc == SHALE_CORRUPTION) {
            detected = true;
        } else if (rc != SHALE_OK) {
            snprintf(why, cap, "iterator status %s (want CORRUPTION): %.300s", shale_code_name(rc), err.msg);
            return CR_WRONG;
        } else if (i != (dir == 0 ? CR_KEYS : -1)) {
            snprintf(why, cap, "%s scan ended at %d with status OK (silently skipped data)",
                     dir ? "backward" : "forward", i);
            return CR_WRONG;
        }
    }
    for (int i = 0; i < CR_KEYS + 40; i++) {
        /* present keys, then absent keys between and after them */
        size_t kl = i < CR_KEYS ? (size_t)snprintf(kb, sizeof kb, "s%05d", i)
                                : (size_t)snprintf(kb, sizeof kb, "s%05d+", (i - CR_KEYS) * 10);
        char *v = NULL;
        size_t vl = 0;
        ShaleCode rc = shale_db_get(db, NULL, kb, kl, &v, &vl, &err);
        if (rc == SHALE_CORRUPTION) {
            detected = true;
            continue;
        }
        if (i < CR_KEYS) {
            size_t evl = cr_value(i, 0, vb);
            bool ok = rc == SHALE_OK && vl == evl && memcmp(v, vb, vl) == 0;
            if (rc == SHALE_OK)
                free(v);
            if (!ok) {
                snprintf(why, cap, "get %s: %s%s", kb, shale_code_name(rc),
                         rc == SHALE_OK ? " with a wrong value" : "");
                return CR_WRONG;
            }
        } else if (rc != SHALE_NOT_FOUND) {
            if (rc == SHALE_OK)
                free(v);
            snprintf(why, cap, "get of absent %s: %s", kb, shale_code_name(rc));
            return CR_WRONG;
        }
    }
    return detected ? CR_DETECTED : CR_CLEAN;
}

/* Builds a database whose keys all live in one SSTable and flips its bytes one at a time. */
static void cr_sst_flips(const char *name, bool compression, int bloom_bits)
{
    char pristine[800], work[800];
    dbt_path(pristine, sizeof pristine, "%s", cr_path(name));
    dbt_path(work, sizeof work, "%s-work", pristine);
    test_rm_rf(pristine);
    ShaleDBOptions o;
    shale_db_options_init(&o);
    o.block_size = 512;
    o.compression = compression;
    o.bloom_bits_per_key = bloom_bits;
    o.block_cache_bytes = 64 * 1024;
    ShaleDB *db;
    ShaleError err;
    REQUIRE_OK(shale_db_open(pristine, &o, &db, &err), &err);
    char kb[16], vb[128];
    for (int i = 0; i < CR_KEYS; i++) {
        size_t kl = (size_t)snprintf(kb, sizeof kb, "s%05d", i);
        CHECK_OK(shale_db_put(db, kb, kl, vb, cr_value(i, 0, vb), false, &err), &err);
    }
    CHECK_OK(shale_db_compact_range(db, NULL, 0, NULL, 0, &err), &err);
    CHECK_OK(shale_db_close(db, &err), &err);
    uint64_t ssts[16];
    size_t n_sst = dbt_list_files(pristine, DBT_SST, ssts, 16);
    REQUIRE(n_sst == 1);
    char rel[64];
    snprintf(rel, sizeof rel, "%06llu.sst", (unsigned long long)ssts[0]);
    char sst[900];
    dbt_path(sst, sizeof sst, "%s/%s", pristine, rel);
    int64_t size = dbt_file_size(sst);
    REQUIRE(size > 1000);
    /* whole-file coverage at a stride, plus every byte of the last 300 (footer, index,
     * properties, filter in any layout) and of the first 64 (first block header) */
    int64_t stride = size / (DBT_SANITIZERS ? 250 : 700) + 1;
    int trials = 0, clean = 0, detected = 0, wrong = 0, open_fail = 0;
    double t0 = dbt_now();
    for (int64_t pos = 0; pos < size; pos++) {
        if (!(pos < 64 || pos >= size - 300 || pos % stride == 0))
            continue;
        trials++;
        test_rm_rf(work);
        REQUIRE(dbt_copy_dir(pristine, work));
        char wsst[900];
        dbt_path(wsst, sizeof wsst, "%s/%s", work, rel);
        unsigned char mask = (unsigned char)(1u << (pos % 8));
        if (pos % 5 == 0)
            mask = 0xff;
        REQUIRE(dbt_flip_byte(wsst, (uint64_t)pos, mask));
        ShaleCode rc = shale_db_open(work, &o, &db, &err);
        char why[512];
        CrOutcome out;
        if (rc != SHALE_OK) {
            if (rc == SHALE_CORRUPTION) {
                out = CR_DETECTED;
                open_fail++;
            } else {
                snprintf(why, sizeof why, "open failed with %s (want CORRUPTION): %.300s",
                         shale_code_name(rc), err.msg);
                out = CR_WRONG;
            }
        } else {
            out = cr_verify_sst_db(db, why, sizeof why);
            ShaleError cerr;
            shale_db_close(db, &cerr);
        }
        if (out == CR_CLEAN) {
            clean++;
            CHECK_MSG(false, "%s: flip of byte %lld/%lld (mask 0x%02x) was not detected: every "
                      "read returned the right data", name, (long long)pos, (long long)size, mask);
        } else if (out == CR_DETECTED) {
            detected++;
        } else {
            wrong++;
            CHECK_MSG(false, "%s: flip of byte %lld/%lld (mask 0x%02x): %s", name, (long long)pos,
                      (long long)size, mask, why);
        }
    }
    printf("  %s: %lld-byte table, %d flips in %.1f s: %d detected (%d at open), %d undetected, %d wrong\n",
           name, (long long)size, trials, dbt_now() - t0, detected, open_fail, clean, wrong);
    test_rm_rf(work);
    test_rm_rf(pristine);
}

TEST(sst_flips_compressed_with_bloom) { cr_sst_flips("sst-lz4-bloom", true, 10); }
TEST(sst_flips_plain_without_bloom) { cr_sst_flips("sst-plain", false, 0); }

/* --- WAL -------------------------------------------------------------------------------- */

#define CR_WAL_BATCHES 120

/* Batch b (1-based): put w<b> = value, put "z" = b, and every 4th batch deletes w<b-2>. */
static void cr_wal_batch(int b, ShaleWriteBatch *wb)
{
    char kb[16], vb[128], zb[16];
    shale_batch_clear(wb);
    size_t kl = (size_t)snprintf(kb, sizeof kb, "w%05d", b);
    shale_batch_put(wb, kb, kl, vb, cr_value(b, 1, vb));
    shale_batch_put(wb, "z", 1, zb, (size_t)snprintf(zb, sizeof zb, "%d", b));
    if (b % 4 == 3) {
        kl = (size_t)snprintf(kb, sizeof kb, "w%05d", b - 2);
        shale_batch_delete(wb, kb, kl);
    }
}

static bool cr_wal_key_live(int i, int p)
{
    return i <= p && !(i + 2 <= p && (i + 2) % 4 == 3);
}

/* Checks that db holds exactly batches 1..p (p read from "z"); returns p, or -1 (with why). */
static int cr_wal_prefix(ShaleDB *db, char *why, size_t cap)
{
    char *v;
    size_t vl;
    ShaleError err;
    int p = 0;
    ShaleCode rc = shale_db_get(db, NULL, "z", 1, &v, &vl, &err);
    if (rc == SHALE_OK) {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(vl < 15 ? vl : 15), v);
        p = atoi(tmp);
        free(v);
    } else if (rc != SHALE_NOT_FOUND) {
        snprintf(why, cap, "get z: %s %.300s", shale_code_name(rc), err.msg);
        return -1;
    }
    ShaleDBIter *it = shale_db_iter_new(db, NULL);
    int i = 1;
    shale_db_iter_seek_to_first(it);
    char kb[16], vb[128];
    for (;;) {
        while (i <= p && !cr_wal_key_live(i, p))
            i++;
        if (!shale_db_iter_valid(it))
            break;
        size_t kl;
        const char *k = shale_db_iter_key(it, &kl);
        if (kl == 1 && k[0] == 'z')
            break;
        if (kl == 5 && memcmp(k, "after", 5) == 0) { /* written after recovery by the test */
            shale_db_iter_next(it);
            continue;
        }
        const char *val = shale_db_iter_value(it, &vl);
        size_t ekl = (size_t)snprintf(kb, sizeof kb, "w%05d", i);
        size_t evl = cr_value(i, 1, vb);
        if (i > p || kl != ekl || memcmp(k, kb, kl) != 0 || vl != evl || memcmp(val, vb, vl) != 0) {
            char h[256];
            snprintf(why, cap, "z says %d batches, but at w%05d the db has \"%s\"", p, i,
                     dbt_hex(h, sizeof h, k, kl));
            shale_db_iter_destroy(it);
            return -1;
        }
        i++;
        shale_db_iter_next(it);
    }
    rc = shale_db_iter_status(it, &err);
    shale_db_iter_destroy(it);
    if (rc != SHALE_OK) {
        snprintf(why, cap, "scan: %s %.300s", shale_code_name(rc), err.msg);
        return -1;
    }
    if (i <= p) {
        snprintf(why, cap, "z says %d batches, but w%05d is missing", p, i);
        return -1;
    }
    return p;
}

/* Runs fn(dir) in a child that ends with _exit(0) without closing the db (a crash after
 * the synced writes). Returns whether the child succeeded. */
static bool cr_in_child(void (*fn)(const char *dir), const char *dir)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        fn(dir);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void cr_wal_writer(const char *dir)
{
    ShaleDBOptions o;
    shale_db_options_init(&o);
    o.write_buffer_size = 8u << 20;
    ShaleDB *db;
    ShaleError err;
    if (shale_db_open(dir, &o, &db, &err) != SHALE_OK)
        _exit(2);
    ShaleWriteBatch *wb = shale_batch_new();
    for (int b = 1; b <= CR_WAL_BATCHES; b++) {
        cr_wal_batch(b, wb);
        if (shale_db_write(db, wb, true, &err) != SHALE_OK)
            _exit(3);
    }
    _exit(0);
}

TEST(wal_flips_keep_a_prefix)
{
    char pristine[800], work[800];
    dbt_path(pristine, sizeof pristine, "%s", cr_path("wal"));
    dbt_path(work, sizeof work, "%s-work", pristine);
    test_rm_rf(pristine);
    REQUIRE(cr_in_child(cr_wal_writer, pristine));
    uint64_t wals[16];
    size_t n_wal = dbt_list_files(pristine, DBT_WAL, wals, 16);
    REQUIRE(n_wal >= 1 && n_wal <= 16);
    /* the WAL holding the batches: the largest one */
    char rel[64] = "", path[900];
    int64_t size = -1;
    for (size_t i = 0; i < n_wal; i++) {
        char r[64];
        snprintf(r, sizeof r, "%06llu.wal", (unsigned long long)wals[i]);
        int64_t s = dbt_file_size(dbt_path(path, sizeof path, "%s/%s", pristine, r));
        if (s > size) {
            size = s;
            memcpy(rel, r, sizeof r);
        }
    }
    dbt_path(path, sizeof path, "%s/%s", pristine, rel);
    uint64_t starts[CR_WAL_BATCHES + 8];
    long n_rec = dbt_log_records(path, starts, CR_WAL_BATCHES + 8);
    CHECK_MSG(n_rec == CR_WAL_BATCHES, "WAL %s parses into %ld records, want one per batch (%d)",
              rel, n_rec, CR_WAL_BATCHES);
    bool exact = n_rec == CR_WAL_BATCHES;
    /* the untouched copy recovers everything */
    ShaleDBOptions o;
    shale_db_options_init(&o);
    o.write_buffer_size = 8u << 20;
    ShaleDB *db;
    ShaleError err;
    char why[512];
    test_rm_rf(work);
    REQUIRE(dbt_copy_dir(pristine, work));
    REQUIRE_OK(shale_db_open(work, &o, &db, &err), &err);
    int p = cr_wal_prefix(db, why, sizeof why);
    CHECK_MSG(p == CR_WAL_BATCHES, "undamaged WAL recovered %d batches: %s", p, p < 0 ? why : "");
    CHECK_OK(shale_db_close(db, &err), &err);

    int trials = 0, refused = 0, prefix_ok = 0;
    int64_t stride = DBT_SANITIZERS ? 37 : 11;
    double t0 = dbt_now();
    for (int64_t pos = 0; pos < size; pos++) {
        /* whole records 0, middle, last; a stride elsewhere */
        int rec = -1;
        if (exact)
            for (rec = CR_WAL_BATCHES - 1; rec > 0 && starts[rec] > (uint64_t)pos; rec--) {
            }
        bool full = exact && (rec == 0 || rec == CR_WAL_BATCHES / 2 || rec == CR_WAL_BATCHES - 1);
        if (!full && pos % stride != 0)
            continue;
        trials++;
        test_rm_rf(work);
        REQUIRE(dbt_copy_dir(pristine, work));
        char wpath[900];
        REQUIRE(dbt_flip_byte(dbt_path(wpath, sizeof wpath, "%s/%s", work, rel), (uint64_t)pos,
                              pos % 3 ? 0x10 : 0xff));
        ShaleCode rc = shale_db_open(work, &o, &db, &err);
        if (rc != SHALE_OK) {
            CHECK_MSG(rc == SHALE_CORRUPTION, "WAL flip at %lld: open failed with %s (want "
                      "CORRUPTION or a prefix): %s", (long long)pos, shale_code_name(rc), err.msg);
            refused++;
            continue;
        }
        p = cr_wal_prefix(db, why, sizeof why);
        if (p < 0) {
            CHECK_MSG(false, "WAL flip at %lld (record %d): recovered state is not a prefix: %s",
                      (long long)pos, rec, why);
        } else if (exact) {
            /* exactly the records before the damaged one (batch b is record b-1) */
            CHECK_MSG(p == rec, "WAL flip at %lld in record %d: recovered %d batches, want %d",
                      (long long)pos, rec, p, rec);
            if (p == rec)
                prefix_ok++;
        }
        /* the dropped records stay dropped after more writes and a reopen */
        if (p >= 0 && trials % 8 == 0) {
            CHECK_OK(shale_db_put(db, "after", 5, "1", 1, true, &err), &err);
            CHECK_OK(shale_db_close(db, &err), &err);
            REQUIRE_OK(shale_db_open(work, &o, &db, &err), &err);
            int p2 = cr_wal_prefix(db, why, sizeof why);
            CHECK_MSG(p2 == p, "WAL flip at %lld: second reopen recovered %d batches, first %d",
                      (long long)pos, p2, p);
            char *v;
            size_t vl;
            ShaleCode grc = shale_db_get(db, NULL, "after", 5, &v, &vl, &err);
            CHECK_OK(grc, &err);
            if (grc == SHALE_OK)
                free(v);
        }
        ShaleError cerr;
        shale_db_close(db, &cerr);
    }
    printf("  %lld-byte WAL, %ld records, %d flips in %.1f s: %d opened with exactly the prefix "
           "before the damaged record, %d refused to open (CORRUPTION)\n",
           (long long)size, n_rec, trials, dbt_now() - t0, prefix_ok, refused);
    test_rm_rf(work);
    test_rm_rf(pristine);
}

/* --- manifest and CURRENT ------------------------------------------------------------- */

static void cr_manifest_writer(const char *dir)
{
    ShaleDBOptions o;
    shale_db_options_init(&o);
    o.write_buffer_size = 1u << 20;
    ShaleDB *db;
    ShaleError err;
    if (shale_db_open(dir, &o, &db, &err) != SHALE_OK)
        _exit(2);
    char kb[16], vb[128];
    for (int f = 0; f < 6; f++) {
        for (int i = f; i < CR_KEYS; i += 6) {
            size_t kl = (size_t)snprintf(kb, sizeof kb, "s%05d", i);
            if (shale_db_put(db, kb, kl, vb, cr_value(i, 0, vb), false, &err) != SHALE_OK)
                _exit(3);
        }
        if (shale_db_flush(db, &err) != SHALE_OK)
            _exit(4);
    }
    _exit(0);
}

TEST(manifest_flips_fail_open)
{
    char pristine[800], work[800];
    dbt_path(pristine, sizeof pristine, "%s", cr_path("manifest"));
    dbt_path(work, sizeof work, "%s-work", pristine);
    test_rm_rf(pristine);
    REQUIRE(cr_in_child(cr_manifest_writer, pristine));
    char man[900];
    REQUIRE(dbt_current_manifest(pristine, man, sizeof man));
    const char *rel = strrchr(man, '/') + 1;
    uint64_t starts[256];
    long n_rec = dbt_log_records(man, starts, 256);
    CHECK_MSG(n_rec >= 4, "manifest %s parses into %ld records (want >= 4 after 6 flushes)", rel, n_rec);
    REQUIRE(n_rec >= 2 && n_rec <= 256);
    int64_t size = dbt_file_size(man);
    ShaleDBOptions o;
    shale_db_options_init(&o);
    ShaleDB *db;
    ShaleError err;
    char why[512];
    int trials = 0;
    for (long r = 0; r < n_rec; r++) {
        uint64_t beg = starts[r], end = r + 1 < n_rec ? starts[r + 1] : (uint64_t)size;
        uint64_t picks[6] = {beg, beg + 4, beg + 8, beg + 12, (beg + 12 + end) / 2, end - 1};
        for (int k = 0; k < 6; k++) {
            if (picks[k] >= end)
                continue;
            trials++;
            test_rm_rf(work);
            REQUIRE(dbt_copy_dir(pristine, work));
            char wman[900];
            REQUIRE(dbt_flip_byte(dbt_path(wman, sizeof wman, "%s/%s", work, rel), picks[k], 0x04));
            ShaleCode rc = shale_db_open(work, &o, &db, &err);
            if (r < n_rec - 1) {
                CHECK_MSG(rc == SHALE_CORRUPTION, "manifest record %ld/%ld, byte %llu flipped: open "
                          "gave %s (want CORRUPTION) %s", r, n_rec, (unsigned long long)picks[k],
                          shale_code_name(rc), rc ? err.msg : "");
            } else if (rc != SHALE_OK) {
                CHECK_MSG(rc == SHALE_CORRUPTION, "last manifest record, byte %llu flipped: open "
                          "gave %s: %s", (unsigned long long)picks[k], shale_code_name(rc), err.msg);
            }
            if (rc == SHALE_OK) {
                if (r == n_rec - 1) {
                    CrOutcome out = cr_verify_sst_db(db, why, sizeof why);
                    CHECK_MSG(out == CR_CLEAN, "last manifest record damaged at %llu: opened, and %s",
                              (unsigned long long)picks[k], out == CR_WRONG ? why : "reads fail");
                }
                ShaleError cerr;
                shale_db_close(db, &cerr);
            }
        }
    }
    /* CURRENT: damaged name or number never opens as a (new, empty) database */
    char cur[900];
    dbt_path(cur, sizeof cur, "%s/CURRENT", pristine);
    int64_t csize = dbt_file_size(cur);
    for (int64_t pos = 0; pos < csize; pos++) {
        test_rm_rf(work);
        REQUIRE(dbt_copy_dir(pristine, work));
        char wcur[900];
        unsigned char orig_mask = 0x01;
        REQUIRE(dbt_flip_byte(dbt_path(wcur, sizeof wcur, "%s/CURRENT", work), (uint64_t)pos, orig_mask));
        ShaleCode rc = shale_db_open(work, &o, &db, &err);
        trials++;
        if (rc == SHALE_OK) {
            CrOutcome out = cr_verify_sst_db(db, why, sizeof why);
            CHECK_MSG(out == CR_CLEAN, "CURRENT byte %lld flipped: opened, and %s", (long long)pos,
                      out == CR_WRONG ? why : "reads fail");
            ShaleError cerr;
            shale_db_close(db, &cerr);
        }
    }
    printf("  manifest %s: %ld records, %d damaged opens checked\n", rel, n_rec, trials);
    test_rm_rf(work);
    test_rm_rf(pristine);
}

TEST(missing_sst_is_reported)
{
    const char *dir = cr_path("missing");
    char d[800];
    dbt_path(d, sizeof d, "%s", dir);
    test_rm_rf(d);
    ShaleDBOptions o;
    dbt_small_options(&o);
    o.target_file_size = 4096;
    o.compression = false;
    ShaleDB *db;
    ShaleError err;
    REQUIRE_OK(shale_db_open(d, &o, &db, &err), &err);
    char kb[16], vb[128];
    for (int i = 0; i < CR_KEYS; i++) {
        size_t kl = (size_t)snprintf(kb, sizeof kb, "s%05d", i);
        CHECK_OK(shale_db_put(db, kb, kl, vb, cr_value(i, 0, vb), false, &err), &err);
        if (i % 100 == 99) /* one table per key range */
            CHECK_OK(shale_db_flush(db, &err), &err);
    }
    CHECK_OK(shale_db_close(db, &err), &err);
    uint64_t ssts[64];
    size_t n = dbt_list_files(d, DBT_SST, ssts, 64);
    REQUIRE(n >= 2 && n <= 64);
    uint64_t victim = ssts[n / 2];
    char p[900], num[32];
    snprintf(num, sizeof num, "%06llu", (unsigned long long)victim);
    REQUIRE(unlink(dbt_path(p, sizeof p, "%s/%s.sst", d, num)) == 0);
    ShaleCode rc = shale_db_open(d, &o, &db, &err);
    if (rc != SHALE_OK) {
        CHECK_MSG(strstr(err.msg, num) != NULL, "open failed (%s) without naming %s.sst: %s",
                  shale_code_name(rc), num, err.msg);
        printf("  missing %s.sst: open failed with %s: %s\n", num, shale_code_name(rc), err.msg);
    } else {
        /* the reads that need the file must fail, naming it; none may silently skip it */
        ShaleDBIter *it = shale_db_iter_new(db, NULL);
        int seen = 0;
        for (shale_db_iter_seek_to_first(it); shale_db_iter_valid(it); shale_db_iter_next(it))
            seen++;
        rc = shale_db_iter_status(it, &err);
        shale_db_iter_destroy(it);
        CHECK_MSG(rc != SHALE_OK, "scan of a db with a missing table returned %d of %d keys and OK",
                  seen, CR_KEYS);
        if (rc != SHALE_OK)
            CHECK_MSG(strstr(err.msg, num) != NULL, "scan error does not name %s.sst: %s", num, err.msg);
        int failed_gets = 0, not_found = 0;
        for (int i = 0; i < CR_KEYS; i++) {
            size_t kl = (size_t)snprintf(kb, sizeof kb, "s%05d", i);
            char *v;
            size_t vl;
            ShaleCode grc = shale_db_get(db, NULL, kb, kl, &v, &vl, &err);
            if (grc == SHALE_OK)
                free(v);
            failed_gets += grc != SHALE_OK && grc != SHALE_NOT_FOUND;
            not_found += grc == SHALE_NOT_FOUND;
        }
        CHECK_MSG(not_found == 0, "%d gets of keys in the missing table said NOT_FOUND", not_found);
        CHECK(failed_gets > 0);
        printf("  missing %s.sst: open succeeded; scan failed (%s), %d gets failed\n", num,
               shale_code_name(rc), failed_gets);
        ShaleError cerr;
        shale_db_close(db, &cerr);
    }
    test_rm_rf(d);
}

/* --- injected I/O faults ---------------------------------------------------------------- */

/* The fault hook's state: fails the armed op on paths containing pattern. */
typedef struct CrFault {
    pthread_mutex_t mu;
    bool armed;
    ShaleEnvOp op;
    const char *pattern;
    int errnum;
    bool short_write;   /* for WRITE: let half the bytes through first */
    int fired;
} CrFault;

static int cr_fault_hook(void *arg, ShaleEnvOp op, const char *path, size_t *len)
{
    CrFault *f = arg;
    int rc = 0;
    pthread_mutex_lock(&f->mu);
    if (f->armed && op == f->op && strstr(path, f->pattern) != NULL) {
        rc = f->errnum;
        f->fired++;
        if (op == SHALE_ENV_OP_WRITE && f->short_write && len)
            *len /= 2;
    }
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static void cr_fault_arm(CrFault *f, bool armed)
{
    pthread_mutex_lock(&f->mu);
    f->armed = armed;
    pthread_mutex_unlock(&f->mu);
}

/* Batch b of the fault tests: three keys f<b>a/b/c with value "<b>". */
static void cr_fault_batch(int b, ShaleWriteBatch *wb)
{
    char k[16], v[16];
    shale_batch_clear(wb);
    int vl = snprintf(v, sizeof v, "%d", b);
    for (int j = 0; j < 3; j++) {
        int kl = snprintf(k, sizeof k, "f%05d%c", b, 'a' + j);
        shale_batch_put(wb, k, (size_t)kl, v, (size_t)vl);
    }
}

/* How many of batch b's three keys are present (with the right value) in db. */
static int cr_fault_present(ShaleDB *db, int b)
{
    int n = 0;
    for (int j = 0; j < 3; j++) {
        char k[16], v[16];
        int kl = snprintf(k, sizeof k, "f%05d%c", b, 'a' + j);
        int vl = snprintf(v, sizeof v, "%d", b);
        char *got;
        size_t gl;
        ShaleCode rc = shale_db_get(db, NULL, k, (size_t)kl, &got, &gl, NULL);
        if (rc == SHALE_OK) {
            n += gl == (size_t)vl && memcmp(got, v, gl) == 0;
            free(got);
        }
    }
    return n;
}

/* Acked batches 1..40, then with the fault armed on (op, files whose path contains
 * pattern) either one synced batch or (fault_in_flush) a flush of acked batch 41; expects
 * want_code. Then a few more writes with the fault off, close, reopen without faults and
 * check every acked batch, and that unacked ones are all-or-nothing. */
static void cr_fault_case(const char *name, ShaleEnvOp op, const char *pattern, int errnum,
                          bool short_write, ShaleCode want_code, bool fault_in_flush)
{
    char dir[800];
    dbt_path(dir, sizeof dir, "%s", cr_path(name));
    test_rm_rf(dir);
    CrFault f = {.op = op, .pattern = pattern, .errnum = errnum, .short_write = short_write};
    pthread_mutex_init(&f.mu, NULL);
    ShaleEnv env = {.fault_hook = cr_fault_hook, .fault_arg = &f};
    ShaleDBOptions o;
    shale_db_options_init(&o);
    o.env = &env;
    ShaleDB *db;
    ShaleError err;
    REQUIRE_OK(shale_db_open(dir, &o, &db, &err), &err);
    ShaleWriteBatch *wb = shale_batch_new();
    bool acked[64] = {false};
    for (int b = 1; b <= 40; b++) {
        cr_fault_batch(b, wb);
        ShaleCode rc = shale_db_write(db, wb, true, &err);
        CHECK_OK(rc, &err);
        acked[b] = rc == SHALE_OK;
    }
    int failing = 41;
    ShaleCode rc;
    if (fault_in_flush) {
        cr_fault_batch(failing, wb);
        rc = shale_db_write(db, wb, true, &err);
        CHECK_OK(rc, &err);
        acked[failing] = rc == SHALE_OK;
        cr_fault_arm(&f, true);
        rc = shale_db_flush(db, &err);
        CHECK_MSG(rc == want_code, "%s: flush with %s faults returned %s, want %s", name, pattern,
                  shale_code_name(rc), shale_code_name(want_code));
    } else {
        cr_fault_arm(&f, true);
        cr_fault_batch(failing, wb);
        rc = shale_db_write(db, wb, true, &err);
        CHECK_MSG(rc == want_code, "%s: synced write with a %s fault returned %s, want %s", name,
                  pattern, shale_code_name(rc), shale_code_name(want_code));
        acked[failing] = rc == SHALE_OK;
    }
    CHECK_MSG(f.fired > 0, "%s: the fault hook never fired", name);
    if (rc != SHALE_OK)
        CHECK_EQ_INT(err.code, rc);
    cr_fault_arm(&f, false);
    /* the engine may refuse further writes after an I/O error; what it acks must last */
    int refused = 0;
    for (int b = 42; b <= 45; b++) {
        cr_fault_batch(b, wb);
        ShaleCode wrc = shale_db_write(db, wb, true, &err);
        acked[b] = wrc == SHALE_OK;
        refused += wrc != SHALE_OK;
    }
    ShaleError cerr;
    ShaleCode crc = shale_db_close(db, &cerr);
    shale_batch_free(wb);
    o.env = NULL;
    REQUIRE_OK(shale_db_open(dir, &o, &db, &err), &err);
    for (int b = 1; b <= 45; b++) {
        int n = cr_fault_present(db, b);
        if (acked[b])
            CHECK_MSG(n == 3, "%s: acknowledged batch %d has %d of 3 keys after reopen", name, b, n);
        else
            CHECK_MSG(n == 0 || n == 3, "%s: failed batch %d is torn: %d of 3 keys", name, b, n);
    }
    printf("  %s: faulted call returned %s, %d later writes refused, close returned %s\n", name,
           shale_code_name(rc), refused, shale_code_name(crc));
    CHECK_OK(shale_db_close(db, &err), &err);
    pthread_mutex_destroy(&f.mu);
    test_rm_rf(dir);
}

TEST(fault_wal_write_enospc)
{
    cr_fault_case("fault-wal-enospc", SHALE_ENV_OP_WRITE, ".wal", ENOSPC, false, SHALE_NO_SPACE, false);
}

TEST(fault_wal_short_write_enospc)
{
    cr_fault_case("fault-wal-short", SHALE_ENV_OP_WRITE, ".wal", ENOSPC, true, SHALE_NO_SPACE, false);
}

TEST(fault_wal_sync_eio)
{
    cr_fault_case("fault-wal-eio", SHALE_ENV_OP_SYNC, ".wal", EIO, false, SHALE_IO_ERROR, false);
}

TEST(fault_sst_write_during_flush)
{
    cr_fault_case("fault-sst", SHALE_ENV_OP_WRITE, ".sst", ENOSPC, false, SHALE_NO_SPACE, true);
}

TEST(fault_manifest_write_during_flush)
{
    cr_fault_case("fault-manifest", SHALE_ENV_OP_SYNC, "MANIFEST-", EIO, false, SHALE_IO_ERROR, true);
}

TEST_MAIN(
    RUN(sst_flips_compressed_with_bloom);
    RUN(sst_flips_plain_without_bloom);
    RUN(wal_flips_keep_a_prefix);
    RUN(manifest_flips_fail_open);
    RUN(missing_sst_is_reported);
    RUN(fault_wal_write_enospc);
    RUN(fault_wal_short_write_enospc);
    RUN(fault_wal_sync_eio);
    RUN(fault_sst_write_during_flush);
    RUN(fault_manifest_write_during_flush);
    test_rm_rf(test_tmpdir());
)
