/* log_test.c -- unit tests of the record log (log_writer.c, log_reader.c): round trips of
 * records from 0 bytes to 1 MB, every single-byte flip and every truncation of a small log,
 * zero-filled tails, oversized lengths, and injected I/O errors. */
#include "tests/harness/test.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "config.h"
#include "storage/log_format.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/env.h"
#include "util/hash.h"

#ifdef SHALE_SANITIZERS
#define LOG_TEST_SLOW 1
#else
#define LOG_TEST_SLOW 0
#endif

/* Deterministic payload of record i: n bytes derived from i. */
static void fill_payload(char *p, size_t n, uint64_t i)
{
    ShaleRandom r;
    shale_random_seed(&r, i + 1);
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        shale_put_fixed64(p + j, shale_random_next(&r));
    for (; j < n; j++)
        p[j] = (char)shale_random_next(&r);
}

static char *make_path(const char *name)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    return path;
}

/* Writes n records with sizes[i] to path; returns false on failure (checks recorded). */
static bool write_log(const char *path, const size_t *sizes, size_t n)
{
    ShaleError err;
    ShaleWritableFile *f;
    ShaleCode rc = shale_wfile_open(shale_env_default(), path, &f, &err);
    CHECK_OK(rc, &err);
    if (rc)
        return false;
    LogWriter *w = log_writer_new(f);
    CHECK(w != NULL);
    size_t maxn = 1;
    for (size_t i = 0; i < n; i++)
        if (sizes[i] > maxn)
            maxn = sizes[i];
    char *buf = malloc(maxn);
    bool ok = w && buf;
    for (size_t i = 0; ok && i < n; i++) {
        fill_payload(buf, sizes[i], i);
        rc = log_writer_add(w, shale_slice(buf, sizes[i]), &err);
        CHECK_OK(rc, &err);
        ok = rc == SHALE_OK;
    }
    free(buf);
    log_writer_free(w);
    rc = shale_wfile_close(f, &err);
    CHECK_OK(rc, &err);
    return ok && rc == SHALE_OK;
}

static void write_bytes(const char *path, const char *data, size_t n)
{
    ShaleError err;
    ShaleWritableFile *f;
    ShaleCode rc = shale_wfile_open(shale_env_default(), path, &f, &err);
    CHECK_OK(rc, &err);
    if (rc)
        return;
    rc = shale_wfile_append(f, data, n, &err);
    CHECK_OK(rc, &err);
    rc = shale_wfile_close(f, &err);
    CHECK_OK(rc, &err);
}

typedef struct ReadOutcome {
    size_t n_good;          /* records returned, each verified intact and in order */
    bool wrong_record;      /* a record came back that is not the expected one */
    LogReadResult end;      /* how reading stopped */
    ShaleError err;
    uint64_t good_offset;
} ReadOutcome;

/* Reads path to its end, checking each record against sizes[] / fill_payload. */
static ReadOutcome read_log(ShaleEnv *env, const char *path, const size_t *sizes, size_t n)
{
    ReadOutcome o;
    memset(&o, 0, sizeof o);
    o.end = LOG_READ_CORRUPT;
    ShaleSeqFile *f;
    ShaleCode rc = shale_sfile_open(env, path, &f, &o.err);
    CHECK_OK(rc, &o.err);
    if (rc)
        return o;
    LogReader *r = log_reader_new(f);
    CHECK(r != NULL);
    char *expect = NULL;
    size_t expect_cap = 0;
    for (;;) {
        ShaleSlice rec;
        LogReadResult res = log_reader_read(r, &rec, &o.err);
        if (res != LOG_READ_RECORD) {
            o.end = res;
            /* sticky */
            ShaleError err2;
            CHECK_EQ_INT(log_reader_read(r, &rec, &err2), res);
            break;
        }
        size_t i = o.n_good;
        if (i >= n || rec.size != sizes[i]) {
            o.wrong_record = true;
            break;
        }
        if (rec.size > expect_cap) {
            free(expect);
            expect_cap = rec.size;
            expect = malloc(expect_cap);
        }
        fill_payload(expect, rec.size, i);
        if (rec.size && memcmp(expect, rec.data, rec.size) != 0) {
            o.wrong_record = true;
            break;
        }
        o.n_good++;
    }
    o.good_offset = log_reader_good_offset(r);
    free(expect);
    log_reader_free(r);
    shale_sfile_close(f);
    return o;
}

TEST(roundtrip_random_sizes)
{
    ShaleRandom rnd;
    shale_random_seed(&rnd, 42);
    size_t n = LOG_TEST_SLOW ? 300 : 1000;
    size_t *sizes = malloc(n * sizeof *sizes);
    for (size_t i = 0; i < n; i++) {
        uint64_t pick = shale_random_uniform(&rnd, 100);
        if (pick < 3)
            sizes[i] = (size_t)shale_random_uniform(&rnd, (1u << 20) + 1); /* up to 1 MB */
        else if (pick < 10)
            sizes[i] = 0;
        else if (pick < 20)
            sizes[i] = (size_t)shale_random_uniform(&rnd, 100000);
        else
            sizes[i] = (size_t)shale_random_uniform(&rnd, 300);
    }
    sizes[n - 1] = 1u << 20;
    const char *path = make_path("roundtrip.log");
    bool written = write_log(path, sizes, n); /* REQUIRE evaluates its argument twice */
    REQUIRE(written);
    uint64_t fsize = 0;
    ShaleError err;
    CHECK_OK(shale_env_file_size(path, &fsize, &err), &err);
    ReadOutcome o = read_log(shale_env_default(), path, sizes, n);
    CHECK(!o.wrong_record);
    CHECK_EQ_U64(o.n_good, n);
    CHECK_EQ_INT(o.end, LOG_READ_EOF);
    CHECK_EQ_U64(o.good_offset, fsize);
    free(sizes);
    remove(path);
}

TEST(empty_log_is_eof)
{
    const char *path = make_path("empty.log");
    write_bytes(path, "", 0);
    ReadOutcome o = read_log(shale_env_default(), path, NULL, 0);
    CHECK_EQ_INT(o.end, LOG_READ_EOF);
    CHECK_EQ_U64(o.n_good, 0);
    CHECK_EQ_U64(o.good_offset, 0);
    remove(path);
}

/* A small log of records 0..49 bytes apart, its bytes and record boundaries. */
static const size_t small_sizes[] = { 5, 0, 17, 1, 40, 3, 0, 25, 9, 33, 2, 12 };
#define N_SMALL (sizeof small_sizes / sizeof small_sizes[0])

static char *small_log_bytes(size_t *len, uint64_t *bounds)
{
    const char *path = make_path("small.log");
    if (!write_log(path, small_sizes, N_SMALL))
        return NULL;
    char *data;
    ShaleError err;
    ShaleCode rc = shale_env_read_all(shale_env_default(), path, &data, len, &err);
    CHECK_OK(rc, &err);
    remove(path);
    if (rc)
        return NULL;
    uint64_t off = 0;
    bounds[0] = 0;
    for (size_t i = 0; i < N_SMALL; i++) {
        off += LOG_HEADER_SIZE + small_sizes[i];
        bounds[i + 1] = off;
    }
    CHECK_EQ_U64(off, *len);
    return data;
}

TEST(every_byte_flip_is_detected)
{
    size_t len;
    uint64_t bounds[N_SMALL + 1];
    char *data = small_log_bytes(&len, bounds);
    REQUIRE(data != NULL);
    const char *path = make_path("flip.log");
    static const uint8_t masks[] = { 0x01, 0x80, 0xff };
    for (size_t off = 0; off < len; off++) {
        size_t damaged = 0;
        while (bounds[damaged + 1] <= off)
            damaged++;
        for (size_t m = 0; m < sizeof masks; m++) {
            data[off] ^= (char)masks[m];
            write_bytes(path, data, len);
            data[off] ^= (char)masks[m];
            ReadOutcome o = read_log(shale_env_default(), path, small_sizes, N_SMALL);
            CHECK_MSG(!o.wrong_record, "flip at %zu mask %02x returned a wrong record", off, masks[m]);
            CHECK_MSG(o.n_good == damaged, "flip at %zu: %zu good records, expected %zu", off, o.n_good, damaged);
            CHECK_MSG(o.end == LOG_READ_CORRUPT || o.end == LOG_READ_TORN, "flip at %zu: end %d", off, (int)o.end);
            CHECK_EQ_U64(o.good_offset, bounds[damaged]);
        }
    }
    free(data);
    remove(path);
}

TEST(every_truncation_keeps_the_prefix)
{
    size_t len;
    uint64_t bounds[N_SMALL + 1];
    char *data = small_log_bytes(&len, bounds);
    REQUIRE(data != NULL);
    const char *path = make_path("trunc.log");
    for (size_t cut = 0; cut <= len; cut++) {
        size_t whole = 0;
        while (whole < N_SMALL && bounds[whole + 1] <= cut)
            whole++;
        write_bytes(path, data, cut);
        ReadOutcome o = read_log(shale_env_default(), path, small_sizes, N_SMALL);
        CHECK(!o.wrong_record);
        CHECK_MSG(o.n_good == whole, "cut at %zu: %zu records, expected %zu", cut, o.n_good, whole);
        LogReadResult want = bounds[whole] == cut ? LOG_READ_EOF : LOG_READ_TORN;
        CHECK_MSG(o.end == want, "cut at %zu: end %d, expected %d (%s)", cut, (int)o.end, (int)want, o.err.msg);
        CHECK_EQ_U64(o.good_offset, bounds[whole]);
    }
    free(data);
    remove(path);
}

TEST(truncated_large_record_is_torn)
{
    /* records larger than the reader's 64 KiB buffer, cut inside and between them */
    static const size_t sizes[] = { 100, 200000, 70000, 1u << 20, 10 };
    const char *path = make_path("big.log");
    bool written = write_log(path, sizes, 5);
    REQUIRE(written);
    char *data;
    size_t len;
    ShaleError err;
    REQUIRE_OK(shale_env_read_all(shale_env_default(), path, &data, &len, &err), &err);
    uint64_t bounds[6] = { 0 };
    for (int i = 0; i < 5; i++)
        bounds[i + 1] = bounds[i] + LOG_HEADER_SIZE + sizes[i];
    ShaleRandom rnd;
    shale_random_seed(&rnd, 7);
    for (int k = 0; k < 40; k++) {
        size_t cut = k < 6 ? bounds[k] : (size_t)shale_random_uniform(&rnd, len + 1);
        size_t whole = 0;
        while (whole < 5 && bounds[whole + 1] <= cut)
            whole++;
        write_bytes(path, data, cut);
        ReadOutcome o = read_log(shale_env_default(), path, sizes, 5);
        CHECK(!o.wrong_record);
        CHECK_EQ_U64(o.n_good, whole);
        CHECK_EQ_INT(o.end, bounds[whole] == cut ? LOG_READ_EOF : LOG_READ_TORN);
    }
    free(data);
    remove(path);
}

TEST(zero_filled_tail_is_torn)
{
    size_t len;
    uint64_t bounds[N_SMALL + 1];
    char *data = small_log_bytes(&len, bounds);
    REQUIRE(data != NULL);
    const char *path = make_path("zeros.log");
    static const size_t tails[] = { 1, 11, 12, 13, 100, 4096, 70000, 300000 };
    for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
        char *buf = calloc(1, len + tails[t] + 1);
        memcpy(buf, data, len);
        write_bytes(path, buf, len + tails[t]);
        ReadOutcome o = read_log(shale_env_default(), path, small_sizes, N_SMALL);
        CHECK(!o.wrong_record);
        CHECK_EQ_U64(o.n_good, N_SMALL);
        CHECK_MSG(o.end == LOG_READ_TORN, "tail %zu: end %d", tails[t], (int)o.end);
        CHECK_EQ_U64(o.good_offset, len);
        /* zeros followed by a non-zero byte are not a clean tear */
        if (tails[t] >= LOG_HEADER_SIZE) {
            buf[len + tails[t]] = 'x';
            write_bytes(path, buf, len + tails[t] + 1);
            o = read_log(shale_env_default(), path, small_sizes, N_SMALL);
            CHECK_EQ_U64(o.n_good, N_SMALL);
            CHECK_MSG(o.end == LOG_READ_CORRUPT, "tail %zu + junk: end %d", tails[t], (int)o.end);
        }
        free(buf);
    }
    /* a record whose payload was zeroed (but header intact) is corruption, not a tear */
    memset(data + bounds[N_SMALL - 1] + LOG_HEADER_SIZE, 0, small_sizes[N_SMALL - 1]);
    write_bytes(path, data, len);
    ReadOutcome o = read_log(shale_env_default(), path, small_sizes, N_SMALL);
    CHECK_EQ_U64(o.n_good, N_SMALL - 1);
    CHECK_EQ_INT(o.end, LOG_READ_CORRUPT);
    free(data);
    remove(path);
}

TEST(oversized_length_is_corrupt)
{
    char hdr[LOG_HEADER_SIZE + 16] = { 0 };
    uint32_t lens[] = { LOG_MAX_RECORD, UINT32_MAX, 100 };
    const char *path = make_path("huge.log");
    for (int i = 0; i < 3; i++) {
        shale_put_fixed32(hdr, lens[i]);
        shale_put_fixed32(hdr + 4, shale_crc32c_mask(shale_crc32c(hdr, 4)));
        write_bytes(path, hdr, sizeof hdr);
        ReadOutcome o = read_log(shale_env_default(), path, NULL, 0);
        CHECK_EQ_U64(o.n_good, 0);
        /* a huge valid length is corrupt; a plausible one past EOF is a tear */
        CHECK_EQ_INT(o.end, i < 2 ? LOG_READ_CORRUPT : LOG_READ_TORN);
        CHECK_EQ_INT(o.err.code, SHALE_CORRUPTION);
    }
    remove(path);
    /* the writer refuses records that the reader would reject */
    ShaleWritableFile *f;
    ShaleError err;
    REQUIRE_OK(shale_wfile_open(shale_env_default(), path, &f, &err), &err);
    LogWriter *w = log_writer_new(f);
    CHECK_EQ_INT(log_writer_add(w, shale_slice(hdr, LOG_MAX_RECORD), &err), SHALE_INVALID_ARGUMENT);
    log_writer_free(w);
    CHECK_OK(shale_wfile_close(f, &err), &err);
    remove(path);
}

typedef struct FaultPlan {
    ShaleEnvOp op;
    int countdown;   /* fail the op when this reaches 0 */
    int err;
} FaultPlan;

static int fault_hook(void *arg, ShaleEnvOp op, const char *path, size_t *len)
{
    FaultPlan *p = arg;
    (void)path;
    (void)len;
    if (op != p->op)
        return 0;
    if (p->countdown-- == 0)
        return p->err;
    return 0;
}

TEST(io_errors_are_reported)
{
    static const size_t sizes[] = { 1000, 100000, 100000, 30, 300000 };
    const char *path = make_path("io.log");
    bool written = write_log(path, sizes, 5);
    REQUIRE(written);
    for (int nth = 0; nth < 6; nth++) {
        FaultPlan plan = { SHALE_ENV_OP_READ, nth, EIO };
        ShaleEnv env = { fault_hook, &plan };
        ReadOutcome o = read_log(&env, path, sizes, 5);
        CHECK(!o.wrong_record);
        if (plan.countdown < 0) {
            CHECK_EQ_INT(o.end, LOG_READ_CORRUPT);
            CHECK_EQ_INT(o.err.code, SHALE_IO_ERROR);
            CHECK(o.n_good < 5);
        } else {
            CHECK_EQ_INT(o.end, LOG_READ_EOF); /* the file ended before the nth read */
            CHECK_EQ_U64(o.n_good, 5);
        }
    }
    remove(path);

    /* write side: an ENOSPC on the way to the file surfaces from add or from the sync */
    FaultPlan plan = { SHALE_ENV_OP_WRITE, 0, ENOSPC };
    ShaleEnv env = { fault_hook, &plan };
    ShaleWritableFile *f;
    ShaleError err;
    REQUIRE_OK(shale_wfile_open(&env, path, &f, &err), &err);
    LogWriter *w = log_writer_new(f);
    char *big = calloc(1, 1u << 20);
    ShaleCode rc = log_writer_add(w, shale_slice(big, 1u << 20), &err);
    if (rc == SHALE_OK)
        rc = shale_wfile_sync(f, &err);
    CHECK_EQ_INT(rc, SHALE_NO_SPACE);
    free(big);
    log_writer_free(w);
    (void)shale_wfile_close(f, &err);
    remove(path);
}

TEST_MAIN(
    RUN(roundtrip_random_sizes);
    RUN(empty_log_is_eof);
    RUN(every_byte_flip_is_detected);
    RUN(every_truncation_keeps_the_prefix);
    RUN(truncated_large_record_is_torn);
    RUN(zero_filled_tail_is_torn);
    RUN(oversized_length_is_corrupt);
    RUN(io_errors_are_reported);
    test_rm_rf(test_tmpdir());
)
